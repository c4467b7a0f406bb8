from crawler.crawl import crawl
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import connect


def test_full_crawl_stores_every_model(fake_hub, hub_models, db):
    result = crawl(HuggingFaceSource(fake_hub.url), db)
    assert result.status == "complete"
    con = connect(db, read_only=True)
    assert con.execute("select count(*) from models").fetchone()[0] == len(hub_models)
