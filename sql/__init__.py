"""SQL files of zoo (schema migrations and views), shipped with the package as ``crawler.sql``."""
