-- 004_paperswithcode: the frozen Papers with Code dumps (pwc-archive/files on Hugging Face), imported by
-- `zoo import pwc` as child rows of the hub `paperswithcode`. Every import replaces all rows of that hub
-- in each table it staged rows for, so a re-import gives the same contents.
--
-- pwc_links: one row per link between a paper and a code repository, as the links dump lists it (links
--   without a repo_url are skipped with a warning). `arxiv_id` is the dump's `paper_arxiv_id`;
--   `arxiv_date` is the first day of the month that id encodes (YYMM.nnnnn, or archive/YYMMnnn), NULL
--   when there is no valid id. `framework` is normalised: pytorch (also `torch`), tensorflow (`tf`,
--   `tensorflow`), jax, mxnet, none (also empty or missing) and other (any other name);
--   `framework_raw` is the dump's value as it was. `is_official`: the paper's authors' own code.
--
-- pwc_papers: one row per paper of the papers dump, without abstracts: the URL that links refer to
--   (`paper_url`), its arXiv id, and `paper_date`, the date the dump gives (NULL if missing or invalid).
--
-- The view papers_links joins the two and says where each link's paper date comes from.
CREATE TABLE IF NOT EXISTS pwc_links (
    hub           VARCHAR NOT NULL,
    paper_url     VARCHAR,
    paper_title   VARCHAR,
    arxiv_id      VARCHAR,
    arxiv_date    DATE,
    repo_url      VARCHAR NOT NULL,
    is_official   BOOLEAN,
    framework     VARCHAR NOT NULL,
    framework_raw VARCHAR
);

CREATE TABLE IF NOT EXISTS pwc_papers (
    hub        VARCHAR NOT NULL,
    paper_url  VARCHAR,
    arxiv_id   VARCHAR,
    paper_date DATE
);
