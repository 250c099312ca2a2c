"""Tidy CSV / Parquet importer with a YAML mapping."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aibridge.errors import SourceFormatError, SpecError
from aibridge.sources.tidy import TidySource, load_mapping
from aibridge.store import Store

DATA = (
    "country,series,year,value,note\n"
    "Kenya,ready,2023,55.5,est\n"
    "KE,ready,2022,50,\n"
    "Namibia,ready,2023,40,\n"
    "NA,ready,2021,39,\n"
    "Atlantis,ready,2023,1,\n"
    "World,ready,2023,60,\n"
    "Uganda,ready,2023,,\n"
)
MAPPING = """
source_id: ai-survey
path: data.csv
vintage: "2024-05-01"
columns: {economy: country, indicator: series, year: year, value: value, flag: note}
indicator_prefix: "SURVEY."
flag_map: {est: E}
publisher: Ministry of ICT
licence: CC BY 4.0
indicators:
  - {code: ready, name: AI readiness, unit: score 0-100, direction: 1}
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def test_csv_with_mapping(files: Path) -> None:
    (batch,) = list(TidySource().read(files / "map.yaml"))
    rows = [
        (r["economy"], r["year"], r["value"], r["flag"]) for r in batch.observations.to_pylist()
    ]
    assert rows == [
        ("KEN", 2023, 55.5, "E"),
        ("KEN", 2022, 50.0, None),
        ("NAM", 2023, 40.0, None),
        ("NAM", 2021, 39.0, None),  # ISO2 "NA" is Namibia, not a missing value
        ("WLD", 2023, 60.0, None),
    ]
    assert set(batch.observations.column("indicator").to_pylist()) == {"SURVEY.ready"}
    assert [(u.code, u.where.endswith("data.csv:6")) for u in batch.unknown_codes] == [
        ("Atlantis", True)
    ]
    assert batch.aggregates == frozenset({"WLD"})
    meta = batch.indicators.to_pylist()[0]
    assert (meta["name"], meta["unit"], meta["direction"]) == ("AI readiness", "score 0-100", 1)
    assert batch.origin.vintage == "2024-05-01" and batch.origin.licence == "CC BY 4.0"


def test_parquet_and_constants(tmp_path: Path) -> None:
    pq.write_table(
        pa.table({"iso": ["KEN", "UGA"], "yr": [2020, 2021], "v": [1.5, 2.5]}),
        tmp_path / "d.parquet",
    )
    (tmp_path / "d.yaml").write_text(
        "source_id: x\ncolumns: {economy: iso, year: yr, value: v}\neconomy_scheme: iso3\n"
        "constants: {indicator: X.one, flag: P}\n",
        encoding="utf-8",
    )
    (batch,) = list(TidySource().read(tmp_path / "d.parquet"))  # sidecar d.yaml found
    assert batch.observations.to_pylist() == [
        {"economy": "KEN", "indicator": "X.one", "year": 2020, "value": 1.5, "flag": "P"},
        {"economy": "UGA", "indicator": "X.one", "year": 2021, "value": 2.5, "flag": "P"},
    ]
    # default vintage: the file's modification time
    assert batch.origin.vintage[:2] == "20" and batch.origin.vintage.endswith("Z")


def test_scheme_restricts_codes(files: Path) -> None:
    mapping = load_mapping(files / "map.yaml").model_copy(update={"economy_scheme": "iso2"})
    batch = TidySource(mapping).read_file(files / "data.csv", mapping)
    assert {r["economy"] for r in batch.observations.to_pylist()} == {"KEN", "NAM"}
    assert {u.code for u in batch.unknown_codes} == {"Kenya", "Namibia", "Atlantis", "World"}


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (DATA.replace("55.5", "five"), r"data.csv, line 2, column 'value': value is not a number"),
        (DATA.replace("2022", "22"), r"line 3, column 'year': year must be a 4-digit year"),
        (DATA.replace(",est", ",guess"), r"line 2, column 'note': flag 'guess'"),
        (
            DATA + "Kenya,ready,2023,1,\n",
            r"line 9.*duplicate key: KEN SURVEY.ready 2023 on lines 2, 9",
        ),
        (DATA.replace("country,", "nation,"), r"columns.economy is 'country' but the file has"),
        (
            DATA.replace("Kenya,ready,2023", ",ready,2023"),
            r"line 2, column 'country': empty economy",
        ),
    ],
)
def test_bad_files(files: Path, data: str, pattern: str) -> None:
    (files / "data.csv").write_text(data, encoding="utf-8")
    with pytest.raises(SourceFormatError, match=pattern):
        list(TidySource().read(files / "map.yaml"))


@pytest.mark.parametrize(
    ("yaml_text", "pattern"),
    [
        ("source_id: x\ncolumns: {economy: a, year: b}\n", r"columns.value: Field required"),
        (
            "source_id: x\ncolumns: {economy: a, year: b, value: c}\n",
            r"columns.indicator or constants",
        ),
        ("source_id: X Y\ncolumns: {economy: a, year: b, value: c, indicator: d}\n", r"source_id"),
        ("columns: [\n", r"not valid YAML"),
        (
            "source_id: x\ncolumns: {economy: a, year: b, value: c, indicator: d}\n"
            "flag_map: {e: Z}\n",
            r"flag_map",
        ),
    ],
)
def test_bad_mappings(tmp_path: Path, yaml_text: str, pattern: str) -> None:
    (tmp_path / "m.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(SpecError, match=pattern):
        load_mapping(tmp_path / "m.yaml")


def test_no_mapping_found(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(DATA, encoding="utf-8")
    with pytest.raises(SpecError, match="--mapping"):
        list(TidySource().read(tmp_path / "x.csv"))


def test_into_store(files: Path) -> None:
    with Store() as store:
        report = store.ingest_many(TidySource(files / "map.yaml").read())
        assert report.inserted == 5 and report.unknown_rows == 1
        assert store.indicator("SURVEY.ready")["name"] == "AI readiness"
        again = store.ingest_many(TidySource().read(files / "map.yaml"))
        assert again.written == 0


def test_vintage_override(files: Path) -> None:
    (batch,) = list(TidySource(vintage="2025-01-31").read(files / "map.yaml"))
    assert batch.origin.vintage == "2025-01-31"
