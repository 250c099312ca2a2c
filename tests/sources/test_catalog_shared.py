"""The source catalogue and the one-call import of the shared open data into a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from aibridge.errors import ConfigError, SourceUnavailable
from aibridge.sources import Source
from aibridge.sources.catalog import (
    SHARED_DATASETS,
    SOURCES,
    get_source,
    import_shared,
    read_shared,
)
from aibridge.store import Store

MINE = (
    "wdi-metadata-2020",
    "undp-hdr-2023-24",
    "un-egdi-2010-2018",
    "un-egdi-2003-2024",
    "github-innovation-graph",
    "owid-ai",
    "epoch-notable-ai-models",
    "itu-gci-2020",
    "odin-2022",
)


def test_every_registered_source_builds() -> None:
    for source_id in SOURCES:
        source = get_source(source_id)
        assert isinstance(source, Source)
        if source_id in MINE:
            assert source.source_id == source_id
    for folder, ids in SHARED_DATASETS.items():
        assert ids and all(i in SOURCES for i in ids), folder


def test_unknown_source_and_dataset() -> None:
    with pytest.raises(ConfigError, match=r"unknown source 'nope'.*known sources"):
        get_source("nope")
    with pytest.raises(ConfigError, match="unknown shared dataset"):
        list(read_shared(Path("."), datasets=["nope"]))


def test_missing_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="AIBRIDGE_SHARED_DATA"):
        list(read_shared(tmp_path / "absent"))


@pytest.mark.shared_data
@pytest.mark.slow
def test_all_my_datasets_ingest_into_a_store(shared_data: Path) -> None:
    store = Store(":memory:")
    steps: list[tuple[str, str]] = []
    report = import_shared(
        store, shared_data, datasets=MINE, progress=lambda d, s, i, n: steps.append((d, s))
    )
    assert [d.dataset for d in report.datasets] == list(MINE)
    assert ("odin-2022", "done") in steps
    counts = {d.dataset: d.observations for d in report.datasets}
    assert counts["undp-hdr-2023-24"] == 192_615
    assert counts["odin-2022"] == 46_101
    assert counts["itu-gci-2020"] == 1_142
    stored = store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    assert stored == report.observations
    # economy metadata applied: WB income group from WDICountry, names for UNDP aggregates
    economies = store.economies(include_aggregates=True).set_index("iso3")
    assert economies.loc["KEN", "income_group"] == "Lower middle income"
    assert economies.loc["KEN", "name_fr"] == "Kenya"
    assert bool(economies.loc["ZZK.WORLD", "is_aggregate"])
    assert bool(economies.loc["OWID_WRL", "is_aggregate"])
    assert bool(economies.loc["EUU", "is_aggregate"])
    assert not bool(economies.loc["XKX", "is_aggregate"])
    # provenance of a number
    obs = store.observations(
        economies=["KEN"], indicators=["HDR.hdi"], years=(2022, 2022)
    ).to_pandas()
    assert len(obs) == 1 and obs.iloc[0]["source_id"] == "undp-hdr-2023-24"
    assert obs.iloc[0]["vintage"] == "HDR 2023-24"
    # re-import is a no-op
    again = import_shared(store, shared_data, datasets=MINE)
    assert store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == stored
    assert len(again.datasets) == len(MINE)


@pytest.mark.shared_data
def test_import_shared_only_some_indicators(shared_data: Path) -> None:
    wanted = {"HDR.hdi", "HDR.le", "NOT.A.CODE"}
    with Store(":memory:") as store:
        report = import_shared(store, shared_data, datasets=["undp-hdr-2023-24"], indicators=wanted)
        stored = {r[0] for r in store.con.sql("SELECT DISTINCT indicator FROM current").fetchall()}
        assert stored == {"HDR.hdi", "HDR.le"}
        assert set(store.indicators()["code"]) == {"HDR.hdi", "HDR.le"}
        assert report.observations == store.status().current
        # the same values as a full import of the folder
        full = Store(":memory:")
        import_shared(full, shared_data, datasets=["undp-hdr-2023-24"])
        same = full.observations(indicators=["HDR.hdi", "HDR.le"]).to_pandas()
        mine = store.observations(indicators=["HDR.hdi", "HDR.le"]).to_pandas()
        assert same[["economy", "indicator", "year", "value"]].equals(
            mine[["economy", "indicator", "year", "value"]]
        )
        full.close()
