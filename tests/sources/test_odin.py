"""Open Data Inventory 2022/23 importer (cp1252, footer lines, '-' = not applicable)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aibridge.errors import SourceFormatError
from aibridge.sources.odin import ODIN_ELEMENTS, OdinSource

HEADER = (
    "Year,Region,Region code,Country,Country Code,Data categories," + ",".join(ODIN_ELEMENTS) + "\n"
)


def _row(country: str, code: str, category: str, values: list[str]) -> str:
    return (
        f'2022,"Western Africa","AFW","{country}","{code}","{category}",' + ",".join(values) + "\n"
    )


def test_cells_footer_and_not_applicable(tmp_path: Path) -> None:
    values = ["1", "0.5", "0.5", "-", "-", "1", "1", "0.5", "0.5", "1", "6"]
    text = (
        HEADER
        + _row("Côte d'Ivoire", "CIV", "Population & vital statistics", values)
        + _row("Côte d'Ivoire", "CIV", "All Categories", values)
        + _row("Nowhere", "NWH", "All Categories", values)
        + "©2020 Open Data Watch - Licensed under a Creative Commons Attribution 4.0 license\n"
        + "3/22/2024 7:18:00 AM\n"
    )
    (tmp_path / "ODIN_1.csv").write_bytes(text.encode("cp1252"))
    (batch,) = OdinSource().read(tmp_path)
    rows = {(r["economy"], r["indicator"]): r["value"] for r in batch.observations.to_pylist()}
    assert len(rows) == 18  # 2 rows x 9 cells (two '-' each); unknown economy reported
    assert rows[("CIV", "ODIN.all_categories.overall_score")] == 6
    assert rows[("CIV", "ODIN.population_vital_statistics.machine_readable")] == 1
    assert ("CIV", "ODIN.all_categories.first_administrative_level") not in rows
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("NWH", 1)]
    codes = set(batch.indicators.column("code").to_pylist())
    assert "ODIN.all_categories.first_administrative_level" not in codes  # never observed


def test_scores_in_a_non_data_row_are_an_error(tmp_path: Path) -> None:
    values = ["1"] * 11
    text = HEADER + "x" + _row("Kenya", "KEN", "All Categories", values)[4:]
    (tmp_path / "ODIN_1.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(SourceFormatError, match=r"line 2.*not a year"):
        list(OdinSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_file(shared_data: Path) -> None:
    folder = shared_data / "odin-2022"
    (batch,) = OdinSource().read(folder)
    path = next(folder.glob("ODIN_*.csv"))
    with path.open(encoding="cp1252", newline="") as fh:
        raw = [r for r in csv.DictReader(fh) if (r["Year"] or "").strip() == "2022"]
    assert len(raw) == 4485
    cells = sum(1 for r in raw for c in ODIN_ELEMENTS if r[c].strip() and r[c].strip() != "-")
    assert batch.observations.num_rows == cells == 4485 * 11 - 948 - 2286
    assert batch.unknown_codes == []
    rows = {(r["economy"], r["indicator"]): r["value"] for r in batch.observations.to_pylist()}
    monaco = next(
        r for r in raw if r["Country Code"] == "MCO" and r["Data categories"] == "All Categories"
    )
    assert rows[("MCO", "ODIN.all_categories.overall_score")] == float(monaco["Overall score"])
    burundi = next(
        r
        for r in raw
        if r["Country Code"] == "BDI" and r["Data categories"] == "Education facilities"
    )
    assert rows[("BDI", "ODIN.education_facilities.overall_score")] == float(
        burundi["Overall score"]
    )
    assert len({e for (e, _) in rows}) == 195
