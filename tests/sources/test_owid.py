"""Our World in Data grapher-export importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aibridge.sources._tabular import economy_updates_of
from aibridge.sources.owid import OwidSource, owid_code


def test_codes_from_file_and_column() -> None:
    assert owid_code("ai-patents", "All", 1) == "OWID.ai-patents"
    assert owid_code("views", "Mostly help", 3) == "OWID.views.mostly_help"
    assert owid_code("views", "All", 3) == "OWID.views"


def test_entities_codes_aggregates_and_projections(tmp_path: Path) -> None:
    (tmp_path / "private-investment.csv").write_text(
        "Entity,Code,Year,All,All (projected) (Projected)\n"
        "Namibia,NAM,2024,5,\n"
        "Namibia,NAM,2025,,7\n"
        "Kosovo,OWID_KOS,2024,1,\n"
        "World,OWID_WRL,2024,100,\n"
        "Africa (CSET),,2024,9,\n"
        "Republic of the Congo,,2024,2,\n"
        "Narnia,NRN,2024,3,\n"
    )
    (tmp_path / "model-level.csv").write_text("Entity,Day,Cost\nGPT,2020-01-01,5\n")
    source = OwidSource()
    (batch,) = source.read(tmp_path)
    rows = {
        (r["economy"], r["year"]): (r["value"], r["flag"]) for r in batch.observations.to_pylist()
    }
    assert rows[("NAM", 2024)] == (5, None)
    assert rows[("NAM", 2025)] == (7, "E")
    assert rows[("XKX", 2024)] == (1, None)
    assert rows[("COG", 2024)] == (2, None)
    assert rows[("OWID_AFRICA_CSET", 2024)] == (9, None)
    assert batch.aggregates == {"OWID_WRL", "OWID_AFRICA_CSET"}
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("NRN", 1)]
    assert batch.indicators.column("code").to_pylist() == ["OWID.private-investment"]
    assert source.skipped == ["model-level.csv"]
    updates = economy_updates_of(batch)
    assert updates is not None
    assert dict(
        zip(updates.column("iso3").to_pylist(), updates.column("name").to_pylist(), strict=True)
    ) == {
        "OWID_AFRICA_CSET": "Africa (CSET) (OWID)",
        "OWID_WRL": "World (OWID)",
    }


@pytest.mark.shared_data
def test_real_folder_imports_completely(shared_data: Path) -> None:
    folder = shared_data / "owid-ai"
    source = OwidSource()
    batches = {Path(b.origin.uri).name: b for b in source.read(folder)}
    assert len(batches) == 7
    assert len(source.skipped) == 4  # model-level files (one row per AI system)
    for name, batch in batches.items():
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            raw = list(csv.DictReader(fh))
        value_columns = [c for c in raw[0] if c not in ("Entity", "Code", "Year")]
        base = [c for c in value_columns if "(Projected)" not in c]
        # one observation per (row, base column) with a value in the column or its projection
        expected = sum(
            1
            for r in raw
            for c in base
            if r[c].strip() or any(r[p].strip() for p in value_columns if p.startswith(c + " ("))
        )
        assert batch.observations.num_rows == expected, name
        assert batch.unknown_codes == [], name
        keys = batch.observations.select(["economy", "indicator", "year"]).to_pylist()
        assert len({tuple(k.values()) for k in keys}) == len(keys), name
    pubs = batches["annual-scholarly-publications-on-artificial-intelligence.csv"]
    got = {(r["economy"], r["year"]): r["value"] for r in pubs.observations.to_pylist()}
    with (folder / "annual-scholarly-publications-on-artificial-intelligence.csv").open() as fh:
        raw = {
            (r["Code"], int(r["Year"])): float(r["All"]) for r in csv.DictReader(fh) if r["Code"]
        }
    assert got[("USA", 2020)] == raw[("USA", 2020)]
    assert got[("CHN", 2023)] == raw[("CHN", 2023)]
    assert got[("OWID_WRL", 2023)] == raw[("OWID_WRL", 2023)]
    assert "OWID_WRL" in pubs.aggregates
    investment = batches["private-investment-in-artificial-intelligence-cset.csv"]
    flags = {r["flag"] for r in investment.observations.to_pylist() if r["year"] == 2025}
    assert flags == {"E"}
