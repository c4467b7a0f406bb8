-- 011_catalog_import_dates: catalog entries dated by their catalog's import are censored dates.
--
-- models.created_at_quality gets two values for the git catalogs (beside 'git_first_commit', the day an
-- entry landed on the catalog's branch):
--   'git_import'      the entry came with the first commit of its catalog's history, an import of a
--                     catalog that existed before (tfhub.dev's e6bdf737 of 2020-08-26 brought 1,494 files,
--                     dating 624 of the 1,332 models live in 2024): created on or before created_at. The
--                     statistics and the export put it in the period 'imported' (creation_period), never
--                     in a month or year.
--   'git_prior_repo'  the date an entry first landed in the repository that held catalog documents before
--                     (tensorflow/hub, folder tfhub_dev/assets/): a true landing date, counted in its month.
-- All three are git catalog dates (git_catalog_date): the catalog's history answers for the past.
--
-- Rows stored by earlier versions: a TF Hub model with extra.initial_import = true came with that same
-- commit (earlier versions marked the commit that brought the catalog's earliest document, the same
-- commit), so it becomes 'git_import' now and an upgraded database stops counting it in August 2020
-- before the next crawl; the next `zoo crawl tf-hub` also reads tensorflow/hub. PyTorch Hub rows stay as
-- they are: there the mark fell on the catalog's first entry (example.md), which landed after the
-- README that started the catalog's history, so it has a real date. The change logs are left as they
-- were written; the statistics read a catalog's dates from `models` alone.
UPDATE models SET created_at_quality = 'git_import'
WHERE hub = 'tf-hub'
  AND created_at_quality = 'git_first_commit'
  AND extra->>'$.initial_import' = 'true';
