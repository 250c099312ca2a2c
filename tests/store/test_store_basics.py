"""Store: ingest, idempotence, vintages and as-of, provenance, queries, bad batches."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from store_batches import make_batch

from aibridge.errors import ImportRejected, NotFoundError, StoreError
from aibridge.store import Store


def raw_tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row of the history tables (schema 4: series, values, flags, superseded)."""
    return {
        t: store.con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        for t in ("series", "observations", "flags", "superseded", "latest")
    }


ROWS = [
    ("KEN", "IT.NET.USER.ZS", 2015, 16.6),
    ("KEN", "IT.NET.USER.ZS", 2016, 17.8),
    ("KEN", "IT.NET.USER.ZS", 2017, 10.0, "E"),
    ("UGA", "IT.NET.USER.ZS", 2016, 10.1),
    ("KEN", "SE.TER.ENRR", 2014, 4.0),
    ("WLD", "IT.NET.USER.ZS", 2016, 45.0),
]


def test_ingest_then_query(store: Store) -> None:
    report = store.ingest(make_batch(ROWS, aggregates={"WLD"}))
    assert (report.rows, report.inserted, report.revised, report.unchanged) == (6, 6, 0, 0)
    assert report.written == 6
    obs = store.observations("KEN", "IT.NET.USER.ZS", (2015, 2016)).to_pandas()
    assert obs["value"].tolist() == [16.6, 17.8]
    assert list(obs.columns) == [
        "economy",
        "indicator",
        "year",
        "value",
        "flag",
        "source_id",
        "vintage",
        "vintage_id",
        "origin_id",
    ]
    assert store.observations(years=2017).to_pylist()[0]["flag"] == "E"


def test_reimport_is_a_noop(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    before = raw_tables(store)
    report = store.ingest(make_batch(ROWS))
    assert (report.inserted, report.revised, report.unchanged, report.written) == (0, 0, 6, 0)
    assert raw_tables(store) == before
    assert len(store.origins()) == 1
    assert len(store.vintages()) == 1


def test_revision_is_a_new_vintage_and_as_of_sees_the_old(store: Store) -> None:
    store.ingest(make_batch(ROWS, vintage="2023-06-30"))
    revised = [r if r[2] != 2016 or r[0] != "KEN" else ("KEN", r[1], 2016, 18.5) for r in ROWS]
    report = store.ingest(make_batch(revised, vintage="2024-06-28", sha256="1" * 64))
    assert (report.inserted, report.revised, report.unchanged) == (0, 1, 5)
    now = store.observations("KEN", "IT.NET.USER.ZS", 2016).to_pylist()[0]
    assert now["value"] == 18.5 and now["vintage"] == "2024-06-28"
    then = store.observations("KEN", "IT.NET.USER.ZS", 2016, as_of="2023-06-30").to_pylist()
    assert then[0]["value"] == 17.8 and then[0]["vintage"] == "2023-06-30"
    # a date prefix is a cut-off: everything published up to then
    assert store.observations("KEN", "IT.NET.USER.ZS", 2016, as_of="2023").to_pylist() == then
    assert store.observations("KEN", "IT.NET.USER.ZS", 2016, as_of="2024").to_pylist() == [now]
    by_id = store.observations("KEN", "IT.NET.USER.ZS", 2016, as_of=then[0]["vintage_id"])
    assert by_id.to_pylist() == then
    assert store.observations(as_of="2022").to_arrow().num_rows == 0
    # old history kept
    assert store.status().observations == 12


def test_older_vintage_imported_later_does_not_override(store: Store) -> None:
    store.ingest(make_batch([("KEN", "A", 2000, 2.0)], vintage="2024"))
    report = store.ingest(make_batch([("KEN", "A", 2000, 1.0)], vintage="2020"))
    assert (report.revised, report.superseded) == (0, 1)  # older than the current value ...
    assert store.observations().to_pylist()[0]["value"] == 2.0  # ... but 2024 stays current
    assert store.observations(as_of="2020").to_pylist()[0]["value"] == 1.0


def test_unknown_vintage_economy_indicator(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    with pytest.raises(NotFoundError, match="unknown vintage 'spring'"):
        store.observations(as_of="spring")
    with pytest.raises(NotFoundError, match="did you mean KEN"):
        store.observations(economies=["KENN"])
    with pytest.raises(NotFoundError, match="indicators search"):
        store.observations(indicators="NOPE.X")
    with pytest.raises(NotFoundError):
        store.latest_values("ZZZ")
    with pytest.raises(NotFoundError):
        store.observations(as_of=999)


def test_provenance_of_every_observation(store: Store) -> None:
    store.ingest(make_batch(ROWS, uri="/data/a.csv", sha256="a" * 64))
    store.ingest(
        make_batch(
            [("KEN", "X.Y", 2020, 1.0)], uri="https://x/api", sha256="b" * 64, source_id="s2"
        )
    )
    obs = store.observations().to_pandas()
    origins = store.origins().set_index("origin_id")
    assert obs["origin_id"].isin(origins.index).all()
    joined = obs.join(
        origins[["uri", "sha256", "retrieved_at", "source_id"]], on="origin_id", suffixes=("", "_o")
    )
    assert (joined["source_id"] == joined["source_id_o"]).all()
    row = joined[joined.indicator == "X.Y"].iloc[0]
    assert row["uri"] == "https://x/api" and row["sha256"] == "b" * 64
    assert row["retrieved_at"].year == 2024
    assert origins.loc[obs.origin_id.iloc[0], "licence"] == "CC BY 4.0"


def test_results_as_arrow_pandas_polars(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    obs = store.observations(indicators="IT.NET.USER.ZS")
    assert isinstance(obs.to_arrow(), pa.Table)
    assert isinstance(obs.to_pandas(), pd.DataFrame)
    frame = obs.to_polars()
    assert isinstance(frame, pl.DataFrame) and frame.height == len(obs) == 5
    assert pl.DataFrame(obs).height == 5  # Arrow PyCapsule interface
    assert "Observations: 5 rows" in obs._repr_html_()


def test_latest_values_and_latest_flag(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    latest = store.latest_values("KEN").to_pandas()
    assert latest[["indicator", "year", "value"]].values.tolist() == [
        ["IT.NET.USER.ZS", 2017, 10.0],
        ["SE.TER.ENRR", 2014, 4.0],
    ]
    within = store.observations("KEN", years=(2000, 2016), latest=True).to_pylist()
    assert [(r["indicator"], r["year"]) for r in within] == [
        ("IT.NET.USER.ZS", 2016),
        ("SE.TER.ENRR", 2014),
    ]


def test_aggregates_flagged_and_filtered(store: Store) -> None:
    store.ingest(make_batch(ROWS, aggregates={"WLD"}))
    econ = store.economies(include_aggregates=True).set_index("iso3")
    assert bool(econ.loc["WLD", "is_aggregate"])
    assert "WLD" not in store.economies().iso3.tolist()
    assert "WLD" not in store.observations(include_aggregates=False).to_pandas().economy.tolist()


def test_panel_dense_array(store: Store) -> None:
    store.ingest(make_batch(ROWS, aggregates={"WLD"}))
    values, years, economies, _ = store.panel(["SE.TER.ENRR", "IT.NET.USER.ZS"])
    assert economies == ["KEN", "UGA"]  # aggregates left out by default
    assert years.tolist() == [2014, 2015, 2016, 2017]
    assert values.shape == (4, 2, 2)
    assert values[0, 0, 0] == 4.0 and values[2, 1, 1] == 10.1
    assert math.isnan(values[0, 1, 0])
    p = store.panel(["IT.NET.USER.ZS"], ["UGA", "KEN"], (2016, 2018))
    assert p.years.tolist() == [2016, 2017, 2018]
    np.testing.assert_array_equal(
        p.values[:, :, 0], [[10.1, 17.8], [np.nan, 10.0], [np.nan, np.nan]]
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("KEN", "A", 2000, float("nan"))], "NaN"),
        ([("", "A", 2000, 1.0)], "without an economy code"),
        ([("KEN", "A", 2000, 1.0, "X")], "flag other than"),
        ([("KEN", "A", 2000, 1.0), ("KEN", "A", 2000, 2.0)], "duplicate .* KEN A 2000"),
    ],
)
def test_bad_batches_rejected_store_unchanged(store: Store, rows: list, message: str) -> None:
    store.ingest(make_batch(ROWS))
    before = raw_tables(store)
    with pytest.raises(ImportRejected, match=message):
        store.ingest(make_batch(rows, vintage="2030"))
    assert raw_tables(store) == before
    assert len(store.vintages()) == 1 and len(store.origins()) == 1


def test_same_vintage_with_other_values_rejected(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    with pytest.raises(ImportRejected, match="new vintage label"):
        store.ingest(make_batch([("KEN", "IT.NET.USER.ZS", 2015, 99.0)]))


def test_ingest_many_is_all_or_nothing(store: Store) -> None:
    good = make_batch(ROWS)
    bad = make_batch([("KEN", "A", 2000, float("inf"))], source_id="other")
    with pytest.raises(ImportRejected):
        store.ingest_many([good, bad])
    assert store.status().observations == 0
    assert len(store.indicators()) == 0 and len(store.origins()) == 0


def test_indicator_metadata_and_search(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    found = store.indicators("net user")
    assert found.code.tolist() == ["IT.NET.USER.ZS"]
    assert found.economies.iloc[0] == 3
    assert store.indicator("SE.TER.ENRR")["unit"] == "%"
    assert store.indicators("SE.TER").code.tolist()[0] == "SE.TER.ENRR"


def test_file_store_persists_and_read_only(tmp_path) -> None:
    path = tmp_path / "sub" / "s.duckdb"
    with Store(path) as s:
        s.ingest(make_batch(ROWS))
    with Store(path, read_only=True) as s:
        assert len(s.observations()) == 6
        with pytest.raises(StoreError, match="read-only"):
            s.ingest(make_batch(ROWS, vintage="2030"))
    with pytest.raises(StoreError, match="aibridge init"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_open_uses_settings_store_path(tmp_path, monkeypatch) -> None:
    from aibridge.settings import get_settings

    monkeypatch.setenv("AIBRIDGE_STORE", str(tmp_path / "x.duckdb"))
    get_settings.cache_clear()
    with Store.open() as s:
        assert s.path == str(tmp_path / "x.duckdb")
    assert (tmp_path / "x.duckdb").exists()


def test_status_per_source(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    store.ingest(make_batch([("KEN", "B", 1999, 1.0)], source_id="other", vintage="v1"))
    status = store.status()
    assert status.current == 7 and status.indicators == 3
    src = status.sources.set_index("source_id")
    assert src.loc["test", "indicators"] == 2 and src.loc["test", "economies"] == 3
    assert (src.loc["test", "first_year"], src.loc["test", "last_year"]) == (2014, 2017)
    assert src.loc["other", "vintages"] == "v1"


def test_panel_open_year_range(store: Store) -> None:
    store.ingest(make_batch(ROWS))
    p = store.panel(["IT.NET.USER.ZS"], ["KEN"], (2016, None))  # type: ignore[arg-type]
    assert p.years.tolist() == [2016, 2017]
    assert p.values[:, 0, 0].tolist() == [17.8, 10.0]


def test_read_only_open_of_a_foreign_file(tmp_path) -> None:
    import duckdb

    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="not an aibridge store"):
        Store(path, read_only=True)


def test_unknown_codes_are_kept(store: Store) -> None:
    from aibridge.sources._base import UnknownCode

    batch = make_batch(ROWS)
    batch.unknown_codes = [UnknownCode("ZZZ", "/data/test.csv:7", 3)]
    store.ingest(batch)
    unknown = store.unknown_codes()
    assert unknown[["code", "rows", "location"]].values.tolist() == [["ZZZ", 3, "/data/test.csv:7"]]
    assert store.origins()["unknown"].tolist() == [3]
