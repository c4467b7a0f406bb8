-- hub_figures: counts per hub that a crawl command prints after a complete run ("60 entries (52 live,
-- 8 removed)"), and the report shows beside them. Long format: one row per (hub, figure); a figure a hub
-- has no rows for is absent (read it as 0).
--
-- Figures: models / live / removed (rows of `models`, and those with and without deleted_at: a git
-- catalog keeps its removed entries); entrypoints / entrypoint_repositories (pytorch_hub_entrypoints:
-- distinct public callables per repository, compared case-insensitively as GitHub does, and the
-- repositories); versions / collections / publishers (tf_hub_* rows); links / repositories (pwc_links
-- and the distinct normalised repositories of papers_links) and papers / dated_papers (pwc_papers, and
-- those with a date); for the enrichment huggingface-dates: dated / undatable (hf_first_commits rows
-- with and without a creation date) and undated (hf_dates_todo: legacy models not asked yet).
--
-- Columns: hub, figure, value.
CREATE OR REPLACE VIEW hub_figures AS
SELECT hub, 'models' AS figure, count(*) AS value FROM models GROUP BY hub
UNION ALL SELECT hub, 'live', count(*) FILTER (deleted_at IS NULL) FROM models GROUP BY hub
UNION ALL SELECT hub, 'removed', count(*) FILTER (deleted_at IS NOT NULL) FROM models GROUP BY hub
UNION ALL
SELECT hub, 'entrypoints', count(DISTINCT (lower(github_id), name)) FROM pytorch_hub_entrypoints GROUP BY hub
UNION ALL
SELECT hub, 'entrypoint_repositories', count(DISTINCT lower(github_id)) FROM pytorch_hub_entrypoints GROUP BY hub
UNION ALL SELECT hub, 'versions', count(*) FROM tf_hub_versions GROUP BY hub
UNION ALL SELECT hub, 'collections', count(*) FROM tf_hub_collections GROUP BY hub
UNION ALL SELECT hub, 'publishers', count(*) FROM tf_hub_publishers GROUP BY hub
UNION ALL SELECT hub, 'links', count(*) FROM pwc_links GROUP BY hub
UNION ALL SELECT hub, 'repositories', count(DISTINCT repo) FROM papers_links GROUP BY hub
UNION ALL SELECT hub, 'papers', count(*) FROM pwc_papers GROUP BY hub
UNION ALL SELECT hub, 'dated_papers', count(paper_date) FROM pwc_papers GROUP BY hub
UNION ALL SELECT hub, 'dated', count(created_at) FROM hf_first_commits GROUP BY hub
UNION ALL SELECT hub, 'undatable', count(*) - count(created_at) FROM hf_first_commits GROUP BY hub
UNION ALL SELECT 'huggingface-dates', 'undated', count(*) FROM hf_dates_todo;
