"""GTMI 2022 sub-area importer: tiny fixture + the real file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources.gtmi import GtmiSource


def test_tiny(tmp_path: Path) -> None:
    (tmp_path / "gtmi_2022_metadata.csv").write_text(
        '"cc_iso3c","ref_year","variable","value"\n'
        '"AFG",2022,"gtmi_backend",0.75\n'
        '"XKK",2022,"gtmi_backend",2\n'
        '"ZZZ",2022,"gtmi_backend",3\n'
        '"AFG",2022,"gtmi_data_exchange",4.5\n',
        encoding="utf-8-sig",
    )
    batch = next(GtmiSource().read(tmp_path))
    got = {(r["economy"], r["indicator"], r["year"]): r["value"]
           for r in batch.observations.to_pylist()}  # fmt: skip
    assert got == {
        ("AFG", "GTMI.gtmi_backend", 2022): 0.75,
        ("XKX", "GTMI.gtmi_backend", 2022): 2.0,  # Kosovo
        ("AFG", "GTMI.gtmi_data_exchange", 2022): 4.5,
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("ZZZ", 1)]
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert meta["GTMI.gtmi_data_exchange"]["name"] == "GovTech sub-area score: data exchange"
    assert "not an official GTMI component" in meta["GTMI.gtmi_backend"]["description"]
    assert batch.origin.vintage == "2022-12-01"


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        next(GtmiSource().read(tmp_path))
    (tmp_path / "gtmi_2022_metadata.csv").write_text(
        "cc_iso3c,ref_year,variable,value\nAFG,2022,x,lots\n"
    )
    with pytest.raises(SourceFormatError, match="numeric"):
        next(GtmiSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_gtmi(shared_data: Path) -> None:
    path = shared_data / "wb-gtmi-2022" / "gtmi_2022_metadata.csv"
    batch = next(GtmiSource().read(path.parent))
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5742
    assert batch.observations.num_rows + sum(u.rows for u in batch.unknown_codes) == 5742
    assert not batch.unknown_codes  # Kosovo's XKK is mapped to XKX
    assert batch.indicators.num_rows == 29
    got = {(r["economy"], r["indicator"]): r["value"] for r in batch.observations.to_pylist()}
    for row in rows[::97]:
        code = "XKX" if row["cc_iso3c"] == "XKK" else row["cc_iso3c"]
        assert got[(code, "GTMI." + row["variable"])] == float(row["value"])
    assert len({e for e, _ in got}) == 198
