"""Epoch AI notable-models importer: models per developer country and year."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from aibridge.errors import SourceFormatError
from aibridge.reference import resolve_economy
from aibridge.sources.epoch import EpochNotableModelsSource, split_countries

HEADER = "Model,Organization,Country (from Organization),Publication date,Frontier model\n"


def test_split_countries_dedupes() -> None:
    assert split_countries("United States of America,United States of America, China") == [
        "United States of America",
        "China",
    ]
    assert split_countries(None) == [] and split_countries("") == []


def test_full_counting_and_unknowns(tmp_path: Path) -> None:
    (tmp_path / "notable_ai_models_test.csv").write_text(
        HEADER
        + 'A,"X,Y","United States of America,'
        + 'United Kingdom of Great Britain and Northern Ireland",2023-05-01,True\n'
        + 'B,X,"United States of America,United States of America",2023-06-01,False\n'
        + "C,Z,Multinational,2023-07-01,False\n"
        + "D,W,,2022-01-01,\n"
        + "E,V,Korea (Republic of),2022-02-02,\n"
    )
    (batch,) = EpochNotableModelsSource().read(tmp_path)
    rows = {
        (r["economy"], r["indicator"], r["year"]): r["value"]
        for r in batch.observations.to_pylist()
    }
    assert rows == {
        ("USA", "EPOCH.notable_models", 2023): 2,  # B counted once despite two US organisations
        ("GBR", "EPOCH.notable_models", 2023): 1,
        ("KOR", "EPOCH.notable_models", 2022): 1,
        ("USA", "EPOCH.frontier_models", 2023): 1,
        ("GBR", "EPOCH.frontier_models", 2023): 1,
    }
    assert {(u.code, u.rows) for u in batch.unknown_codes} == {
        ("Multinational", 1),
        ("<no country>", 1),
    }
    assert "counts once for each" in batch.indicators.column("description")[0].as_py()


def test_bad_date(tmp_path: Path) -> None:
    (tmp_path / "notable_ai_models_x.csv").write_text(HEADER + "A,X,China,unknown,False\n")
    with pytest.raises(SourceFormatError, match=r"line 2.*Publication date"):
        list(EpochNotableModelsSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_file_counts(shared_data: Path) -> None:
    folder = shared_data / "epoch-notable-ai-models"
    (batch,) = EpochNotableModelsSource().read(folder)
    with next(folder.glob("notable_ai_models*.csv")).open(encoding="utf-8", newline="") as fh:
        raw = list(csv.DictReader(fh))
    assert len(raw) == 895
    expected: Counter[tuple[str, int]] = Counter()
    for r in raw:
        for name in {p.strip() for p in r["Country (from Organization)"].split(",") if p.strip()}:
            code = resolve_economy(name)
            if code:
                expected[(code, int(r["Publication date"][:4]))] += 1
    obs = [r for r in batch.observations.to_pylist() if r["indicator"] == "EPOCH.notable_models"]
    assert {(r["economy"], r["year"]): r["value"] for r in obs} == expected
    totals: Counter[str] = Counter()
    for r in obs:
        totals[r["economy"]] += int(r["value"])
    # the folder README's per-country model counts
    assert totals["USA"] == 617 and totals["GBR"] == 123 and totals["CHN"] == 108
    assert totals["CAN"] == 64 and totals["KOR"] == 16 and totals["HKG"] == 13
    unknown = {u.code: u.rows for u in batch.unknown_codes}
    assert unknown == {"Multinational": 68, "<no country>": 13}
    frontier = sum(
        r["value"]
        for r in batch.observations.to_pylist()
        if r["indicator"] == "EPOCH.frontier_models"
    )
    assert frontier >= 144  # 144 frontier models, some counted for several countries
