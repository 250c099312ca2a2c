"""Schema 3 → 4: a store written by the previous release opens, migrates and loses nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from store_batches import make_batch

from aibridge.errors import StoreError
from aibridge.store import Store

# The schema-3 layout of ``observations`` and its views, as aibridge 0.x wrote them.
V3_OBSERVATIONS = """
    CREATE TABLE observations (
        economy_id SMALLINT NOT NULL, indicator_id INTEGER NOT NULL, year SMALLINT NOT NULL,
        value DOUBLE NOT NULL, flag VARCHAR, vintage_id INTEGER NOT NULL,
        origin_id INTEGER NOT NULL, is_current BOOLEAN NOT NULL)
"""
V3_VIEWS = (
    """CREATE VIEW history AS
    SELECT e.economy, i.indicator, o.year, o.value, o.flag, v.source_id, v.label AS vintage,
           o.vintage_id, o.origin_id, o.is_current
    FROM observations o JOIN vintages v USING (vintage_id)
    JOIN economy_keys e USING (economy_id) JOIN indicator_keys i USING (indicator_id)""",
    """CREATE VIEW current AS
    SELECT economy, indicator, year, value, flag, source_id, vintage, vintage_id, origin_id
    FROM history WHERE is_current""",
)
HISTORY = (
    "SELECT economy, indicator, year, value, flag, source_id, vintage, is_current "
    "FROM history ORDER BY ALL"
)


def _as_v3(path: Path) -> list[tuple[object, ...]]:
    """Rewrite a schema-4 store at ``path`` into the schema-3 layout; return its history."""
    con = duckdb.connect(str(path))
    expected = con.sql(HISTORY).fetchall()
    con.execute("BEGIN")
    con.execute(
        "CREATE TEMP TABLE h AS SELECT s.economy_id, s.indicator_id, o.year, o.value, f.flag, "
        "g.vintage_id, o.origin_id, x.origin_id IS NULL AS is_current FROM observations o "
        "JOIN series s USING (series_id) JOIN origins g USING (origin_id) "
        "LEFT JOIN flags f USING (series_id, year, origin_id) "
        "LEFT JOIN superseded x USING (series_id, year, origin_id)"
    )
    for view in ("current", "history"):
        con.execute(f"DROP VIEW {view}")
    for table in ("observations", "flags", "superseded", "series"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DROP SEQUENCE IF EXISTS series_id_seq")
    con.execute(V3_OBSERVATIONS)
    con.execute("INSERT INTO observations SELECT * FROM h")
    for view in V3_VIEWS:
        con.execute(view)
    con.execute("UPDATE store_meta SET value = '3' WHERE key = 'schema_version'")
    con.execute("COMMIT")
    assert con.sql(HISTORY).fetchall() == expected
    con.close()
    return expected


def test_schema_3_store_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.ingest(make_batch([("KEN", "A.X", 2000, 1.0), ("UGA", "A.X", 2000, 2.0, "E")]))
        store.ingest(
            make_batch([("KEN", "A.X", 2000, 1.5)], vintage="2031", sha256="1" * 64)
        )  # a revision: the first value of KEN is superseded
    expected = _as_v3(path)
    assert any(not row[-1] for row in expected) and any(row[4] == "E" for row in expected)

    with pytest.raises(StoreError, match="open it once for writing"):
        Store(path, read_only=True)
    with Store(path) as store:  # opening for writing migrates
        assert store.con.sql(HISTORY).fetchall() == expected
        assert store.observations("KEN", "A.X").to_pylist()[0]["value"] == 1.5
        # and the migrated store keeps working: a third vintage supersedes again
        store.ingest(make_batch([("KEN", "A.X", 2000, 1.7)], vintage="2032", sha256="2" * 64))
        assert store.observations("KEN", "A.X").to_pylist()[0]["value"] == 1.7
        assert store.observations("KEN", "A.X", as_of="2031").to_pylist()[0]["value"] == 1.5
    with Store(path, read_only=True) as store:
        assert store.status().observations == 4
