"""ITU Global Cybersecurity Index 2020 importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aibridge.errors import SourceFormatError
from aibridge.sources.itu_gci import ItuGciSource


def test_long_rows_to_codes(tmp_path: Path) -> None:
    (tmp_path / "gci_2020.csv").write_text(
        '"cc_iso3c","ref_year","variable","value"\n'
        '"KEN",2020,"gci_overall",75.2\n"KEN",2020,"gci_legal_measures",18\n'
        '"KEN",2020,"gci_cooperative_measures",\n"KEN",2020,"gci_technical_measures", \n'
        '"XYZ",2020,"gci_overall",1\n'
    )
    (batch,) = ItuGciSource().read(tmp_path)
    rows = {(r["economy"], r["indicator"]): r["value"] for r in batch.observations.to_pylist()}
    assert rows == {("KEN", "ITU.gci"): 75.2, ("KEN", "ITU.gci_legal_measures"): 18}
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("XYZ", 1)]


def test_unknown_variable(tmp_path: Path) -> None:
    (tmp_path / "gci_2020.csv").write_text("cc_iso3c,ref_year,variable,value\nKEN,2020,gci_x,1\n")
    with pytest.raises(SourceFormatError, match=r"line 2.*gci_x"):
        list(ItuGciSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_file(shared_data: Path) -> None:
    folder = shared_data / "itu-gci-2020"
    (batch,) = ItuGciSource().read(folder)
    with (folder / "gci_2020.csv").open(encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.DictReader(fh))
    assert batch.observations.num_rows == sum(1 for r in raw if r["value"].strip()) == 1142
    assert batch.unknown_codes == []
    rows = {(r["economy"], r["indicator"]): r["value"] for r in batch.observations.to_pylist()}
    assert rows[("USA", "ITU.gci")] == 100
    assert rows[("SAU", "ITU.gci")] == pytest.approx(99.54)
    assert rows[("EST", "ITU.gci")] == pytest.approx(99.48)
    pillars = [c for c in batch.indicators.column("code").to_pylist() if c != "ITU.gci"]
    assert len(pillars) == 5
    complete = {e for (e, _) in rows if all((e, p) in rows for p in pillars)}
    for economy in complete:
        total = sum(rows[(economy, p)] for p in pillars)
        assert total == pytest.approx(rows[(economy, "ITU.gci")], abs=0.021)
