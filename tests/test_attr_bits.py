"""The cached framework evidence of each model's attributes (``attr_bits``, keyed by the attribute rules:
sql/schema/009_attr_bits.sql): the merge computes it for new and changed attributes, an upgrade for
every row computed under other rules, and the statistics answer the same with or without it — compared
with the independent restatement of the rules in tests/framework_oracle.py."""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
from collections import Counter
from contextlib import closing

import duckdb

from crawler.sources import registry
from crawler.store import connect
from crawler.store import schema as sql_files  # where the SQL files are read from
from tests import framework_oracle as oracle
from tests.fakes.hub import FakeHub, make_models
from tests.test_hf_files import crawl_night, night_date, table

#: framework_attr_bits of a row's attributes, computed from them (``h``: the model's hub, ``a``: the row)
COMPUTED = (
    "framework_attr_bits({h}.hub, {a}.library_name, {a}.tags, {a}.formats, "
    "lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits)"
)


def retag(model: dict, i: int) -> dict:
    """A commit that changes what the model's attributes say (its tags, library or their spelling)."""
    changed = copy.deepcopy(model)
    tags = [t for t in changed["tags"] if t not in ("pytorch", "tf", "jax")]
    choice = i % 4
    if choice == 0:
        tags.insert(0, "tf")  # TensorFlow now, for both definitions
    elif choice == 1:
        tags.insert(0, "PyTorch")  # evidence for PyTorch, but not the articles' exact tag
        changed.pop("library_name", None)
    elif choice == 2:
        tags.insert(0, "jax")
        changed["library_name"] = "keras"
    # choice 3: every framework tag removed
    changed["tags"] = tags
    changed["sha"] = f"{i:040x}"
    return changed


def oracle_counts(models: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
    """(tags classes, evidence classes) of the served models, per the oracle."""
    return (
        dict(Counter(oracle.tags_class(m) for m in models)),
        dict(Counter(oracle.evidence_class(oracle.model_frameworks(m)) for m in models)),
    )


#: a database path (a read-only connection per query) or an open connection (several checks on one
#: connection: opening one costs tens of milliseconds, and a reader whose views are its own creates
#: them again each time)
Source = str | duckdb.DuckDBPyConnection


def q(db: Source, sql: str, params: list | None = None) -> list[tuple]:
    return table(db, sql, params) if isinstance(db, str) else db.execute(sql, params or []).fetchall()


def zoo_counts(db: Source, as_of: object = None) -> tuple[dict[str, int], dict[str, int]]:
    """(tags classes, evidence classes) as zoo counts them."""
    out = []
    for definition in ("tags", "evidence"):
        sql = "SELECT class, models FROM stats_exclusivity_at(?::DATE, ?, 'none') WHERE models > 0"
        out.append(dict(q(db, sql, [as_of, definition])))
    return out[0], out[1]


def cache_state(db: Source) -> dict[str, tuple[int, int]]:
    """Per table: (rows whose cache is current, rows whose current cache differs from the computation)."""
    out = {}
    for name, sql in (
        (
            "models",
            "SELECT count(*) FILTER (m.attr_bits_rules = lk.attr_rules_key), "
            f"count(*) FILTER (m.attr_bits_rules = lk.attr_rules_key AND m.attr_bits <> {COMPUTED.format(h='m', a='m')}) "
            "FROM models m, framework_lookup lk",
        ),
        (
            "model_attrs_log",
            "SELECT count(*) FILTER (a.attr_bits_rules = lk.attr_rules_key), "
            f"count(*) FILTER (a.attr_bits_rules = lk.attr_rules_key AND a.attr_bits <> {COMPUTED.format(h='m', a='a')}) "
            "FROM model_attrs_log a JOIN models m USING (mid), framework_lookup lk",
        ),
    ):
        out[name] = q(db, sql)[0]
    return out


def rows(db: Source, name: str) -> int:
    return q(db, f"SELECT count(*) FROM {name}")[0][0]


def test_the_merge_caches_the_evidence_of_new_and_changed_attributes(db):
    night0 = make_models(400, seed=31)
    night1 = [retag(m, i) if i % 5 == 0 else m for i, m in enumerate(night0)]
    with FakeHub(night0) as hub:
        crawl_night(hub, db, 0)
        with closing(connect(db, read_only=True)) as con:
            assert cache_state(con) == {"models": (400, 0), "model_attrs_log": (400, 0)}
            assert zoo_counts(con) == oracle_counts(night0)
        hub.set_models(night1)
        crawl_night(hub, db, 1)
    with closing(connect(db, read_only=True)) as con:
        # 80 changed attributes: a log row each, computed as it was written, and the models updated
        assert rows(con, "model_attrs_log") == 480
        assert cache_state(con) == {"models": (400, 0), "model_attrs_log": (480, 0)}
        assert q(con, "SELECT current FROM framework_cache_current") == [(True,)]
        assert zoo_counts(con) == oracle_counts(night1)
        assert zoo_counts(con) != oracle_counts(night0)  # the changes moved models between classes
        # the day before, from the logs (the changed models' earlier rows and their cache)
        assert zoo_counts(con, night_date(0)) == oracle_counts(night0)
        assert zoo_counts(con, night_date(1)) == oracle_counts(night1)


def test_a_stale_cache_is_never_used_and_an_upgrade_computes_it_again(
    db, tmp_path, monkeypatch, saved_registry
):
    night0 = make_models(300, seed=32)
    night1 = [retag(m, i) if i % 4 == 0 else m for i, m in enumerate(night0)]
    with FakeHub(night0) as hub:
        crawl_night(hub, db, 0)
        hub.set_models(night1)
        crawl_night(hub, db, 1)
    with closing(connect(db, read_only=True)) as con:
        expected = zoo_counts(con), zoo_counts(con, night_date(0))
    assert expected == (oracle_counts(night1), oracle_counts(night0))

    # a cache computed under other rules (here: a wrong one) is not used, now or as of a day
    con = duckdb.connect(db)
    con.execute("UPDATE models SET attr_bits = 0, attr_bits_rules = 42")
    con.execute("UPDATE model_attrs_log SET attr_bits = 0, attr_bits_rules = 42")
    con.close()
    with closing(connect(db, read_only=True)) as con:
        assert q(con, "SELECT current FROM framework_cache_current") == [(False,)]
        assert (zoo_counts(con), zoo_counts(con, night_date(0))) == expected
    connect(db).close()  # the writer's open: nothing new to migrate, the cache is left as it is
    assert cache_state(db)["models"] == (0, 0)

    con = duckdb.connect(db)
    con.execute("UPDATE zoo_meta SET value = 'older' WHERE key = 'sql_fingerprint'")
    con.close()
    connect(db).close()  # an upgrade (new SQL, the same rules) computes the cache again
    with closing(connect(db, read_only=True)) as con:
        assert cache_state(con) == {"models": (300, 0), "model_attrs_log": (375, 0)}
        assert (zoo_counts(con), zoo_counts(con, night_date(0))) == expected
        old_key = q(con, "SELECT attr_rules_key FROM framework_lookup")[0][0]

    # a rule changes (`tf` is no longer evidence of anything, nor a label Hugging Face's entry in the
    # registry declares): a new key, so every cached row is stale for the new definitions, which a
    # reader (read-only: views of its own) computes from the tags
    hf = registry.get("huggingface")
    assert hf is not None
    registry.register(dataclasses.replace(hf, frameworks=(("pytorch", "pytorch"),)))

    sql = tmp_path / "sql"
    shutil.copytree(sql_files.sql_dir(), sql)
    evidence = sql / "views" / "framework_evidence_map.sql"
    text, n = re.subn(r"\n\s*\('tag', 'tf', [^\n]*", "", evidence.read_text())
    assert n == 1
    evidence.write_text(text)
    monkeypatch.setattr(sql_files, "sql_dir", lambda: sql)

    def without_tf(models: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
        plain = [dict(m, tags=[t for t in m["tags"] if t != "tf"]) for m in models]
        tags = Counter(oracle.tags_class(m) for m in plain)
        # the evidence definition compares tags case-insensitively: `TF` was no evidence either way here
        return dict(tags), oracle_counts(plain)[1]

    con = connect(db, read_only=True)
    try:
        new_key = con.execute("SELECT attr_rules_key FROM framework_lookup").fetchone()
        assert new_key is not None and new_key[0] != old_key
        assert con.execute("SELECT current FROM framework_cache_current").fetchall() == [(False,)]
        assert zoo_counts(con) == without_tf(night1)
        assert zoo_counts(con, night_date(0)) == without_tf(night0)
        assert zoo_counts(con) != expected[0]
    finally:
        con.close()

    connect(db).close()  # the upgrade (new SQL): every row computed again under the new key
    with closing(connect(db, read_only=True)) as con:
        assert cache_state(con) == {"models": (300, 0), "model_attrs_log": (375, 0)}
        assert q(con, "SELECT current FROM framework_cache_current") == [(True,)]
        assert zoo_counts(con) == without_tf(night1)
        assert zoo_counts(con, night_date(0)) == without_tf(night0)


def test_models_as_of_carries_the_cache_of_the_attributes_it_returns(db):
    night0 = make_models(200, seed=33)
    night1 = [retag(m, i) if i % 3 == 0 else m for i, m in enumerate(night0)]
    night2 = [retag(m, i + 1) if i % 2 == 0 else m for i, m in enumerate(night1)]
    with FakeHub(night0) as hub:
        for night, models in enumerate((night0, night1, night2)):
            hub.set_models(models)
            crawl_night(hub, db, night)
    con = connect(db, read_only=True)
    try:
        for night, models in enumerate((night0, night1, night2)):
            # the returned rows' cache is the computation of the very attributes returned
            assert q(
                con,
                "SELECT count(*), count(*) FILTER (a.attr_bits_rules = lk.attr_rules_key), "
                f"count(*) FILTER (a.attr_bits <> {COMPUTED.format(h='a', a='a')}) "
                "FROM models_as_of(?) a, framework_lookup lk",
                [night_date(night)],
            ) == [(200, 200, 0)]
            assert zoo_counts(con, night_date(night)) == oracle_counts(models), night
        # night 1 reads, for the models changed again on night 2, their log row of night 1
        changed_later = q(
            con,
            "SELECT count(DISTINCT mid) FROM model_attrs_log WHERE run_id = (SELECT max(run_id) FROM crawl_runs)",
        )[0][0]
    finally:
        con.close()
    assert changed_later == 100


def test_the_cache_stays_out_of_the_export_of_observations(db):
    with FakeHub(make_models(20, seed=34)) as hub:
        crawl_night(hub, db, 0)
    con = connect(db, read_only=True)
    try:
        result = con.execute("SELECT * FROM export_observations(?)", [night_date(0)])
        names = [d[0] for d in result.description]
        assert len(result.fetchall()) == 20
    finally:
        con.close()
    assert "tags" in names and "attr_bits" not in names and "attr_bits_rules" not in names
