"""UN E-Government Development Index importers (ISO3-keyed and name-keyed)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from aibridge.errors import SourceFormatError
from aibridge.sources.un_egdi import UnEgdiIso3Source, UnEgdiNamedSource

ISO_HEADER = "country-code,country-name,e-gov-rank,e-gov-index,e-pat-index,osi,hci,tii\n"
NAMED_HEADER = (
    "Survey Year,Country Name,E-Government Rank,E-Government Index,E-Participation Index,"
    "Online Service Index,Human Capital Index,Telecommunication Infrastructure Index\n"
)


def _rows(batches: list) -> dict[tuple[str, str, int], float]:
    table = pa.concat_tables([b.observations for b in batches])
    return {(r["economy"], r["indicator"], r["year"]): r["value"] for r in table.to_pylist()}


def test_iso3_files_year_from_name(tmp_path: Path) -> None:
    (tmp_path / "egdi-2018.csv").write_text(
        ISO_HEADER + "KEN,Kenya,122.0,0.5,0.6,0.7,0.5,0.3\nROM,Romania,67,0.7,,0.6,0.8,0.7\n"
    )
    rows = _rows(list(UnEgdiIso3Source().read(tmp_path)))
    assert rows[("KEN", "EGDI.egdi", 2018)] == 0.5
    assert rows[("KEN", "EGDI.rank", 2018)] == 122
    assert rows[("ROU", "EGDI.tii", 2018)] == 0.7  # legacy World Bank code
    assert ("ROU", "EGDI.epi", 2018) not in rows
    assert len(rows) == 11


def test_named_files_strip_names_and_report_unknown(tmp_path: Path) -> None:
    (tmp_path / "EGOV_DATA_2022.csv").write_text(
        NAMED_HEADER
        + '2022,"Ireland ",20,0.9,0.8,0.85,0.95,0.9\n'
        + "2022,Côte d'Ivoire,130,0.4,0.3,0.4,0.5,0.3\n"
        + "2022,Atlantis,1,0.9,0.9,0.9,0.9,0.9\n"
    )
    (tmp_path / "EGOV_WITH_REGIONS_DATA_2022.csv").write_text("ignored\n")
    (batch,) = UnEgdiNamedSource().read(tmp_path)
    rows = _rows([batch])
    assert rows[("IRL", "EGDI.hci", 2022)] == 0.95
    assert rows[("CIV", "EGDI.egdi", 2022)] == 0.4
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("Atlantis", 1)]
    assert len(rows) == 12


def test_survey_year_must_match_file_name(tmp_path: Path) -> None:
    (tmp_path / "EGOV_DATA_2020.csv").write_text(
        NAMED_HEADER + "2018,Kenya,1,0.5,0.5,0.5,0.5,0.5\n"
    )
    with pytest.raises(SourceFormatError, match="does not match"):
        list(UnEgdiNamedSource().read(tmp_path))


def _cells(path: Path, skip: set[str]) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(
            1
            for row in csv.DictReader(fh)
            for column, value in row.items()
            if column not in skip and value.strip()
        )


@pytest.mark.shared_data
def test_iso3_folder_imports_completely(shared_data: Path) -> None:
    folder = shared_data / "un-egdi-2010-2018"
    batches = list(UnEgdiIso3Source().read(folder))
    assert len(batches) == 5
    expected = sum(_cells(p, {"country-code", "country-name"}) for p in folder.glob("egdi-*.csv"))
    assert sum(b.observations.num_rows for b in batches) == expected
    assert all(b.unknown_codes == [] for b in batches)
    rows = _rows(batches)
    with (folder / "egdi-2018.csv").open(encoding="utf-8", newline="") as fh:
        raw = {r["country-code"]: r for r in csv.DictReader(fh)}
    assert rows[("DNK", "EGDI.egdi", 2018)] == pytest.approx(float(raw["DNK"]["e-gov-index"]))
    assert rows[("KEN", "EGDI.osi", 2018)] == pytest.approx(float(raw["KEN"]["osi"]))


@pytest.mark.shared_data
def test_named_folder_imports_completely_and_names_map_right(shared_data: Path) -> None:
    folder = shared_data / "un-egdi-2003-2024"
    batches = list(UnEgdiNamedSource().read(folder))
    assert len(batches) == 12  # EGOV_WITH_REGIONS_DATA_2022.csv duplicates 2022: not read
    expected = sum(
        _cells(p, {"Survey Year", "Country Name", "Country", "Region"})
        for p in folder.glob("EGOV_DATA_*.csv")
    )
    assert sum(b.observations.num_rows for b in batches) == expected
    assert all(b.unknown_codes == [] for b in batches)
    rows = _rows(batches)
    for year in (2003, 2012, 2024):
        assert len({k[0] for k in rows if k[2] == year and k[1] == "EGDI.egdi"}) == 193
    # every name resolved to the ISO3 the UNU-EGOV copy uses: identical values 2010-2018
    iso_rows = _rows(list(UnEgdiIso3Source().read(shared_data / "un-egdi-2010-2018")))
    common = set(iso_rows) & set(rows)
    assert len(common) == len(iso_rows)
    assert max(abs(iso_rows[k] - rows[k]) for k in common) < 1e-9
    with (folder / "EGOV_DATA_2024.csv").open(encoding="utf-8-sig", newline="") as fh:
        raw = {r["Country"].strip(): r for r in csv.DictReader(fh)}
    assert rows[("DNK", "EGDI.egdi", 2024)] == pytest.approx(float(raw["Denmark"]["E_Index"]))
    assert rows[("KOR", "EGDI.tii", 2024)] == pytest.approx(
        float(raw["Republic of Korea"]["Tele_Infra"])
    )
