"""Hub sources. Each fetches and normalises, yielding :class:`~crawler.sources.records.Page` objects, and
never touches the database."""
