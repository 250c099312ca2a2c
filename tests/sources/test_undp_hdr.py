"""UNDP HDR 2023-24 composite indices importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.errors import SourceFormatError
from aibridge.sources._tabular import economy_updates_of
from aibridge.sources.undp_hdr import UndpHdrSource

FILE = "HDR23-24_Composite_indices_complete_time_series.csv"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / FILE
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    return tmp_path


def test_wide_columns_become_hdr_codes(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        "iso3,country,hdicode,region,hdi_rank_2022,hdi_1990,hdi_2022,le_f_2022,co2_prod_2022\n"
        "CIV,Côte d'Ivoire,Medium,SSA,166,0.4,0.534,60.1,0.4\n"
        "TUR,Türkiye,Very High,ECA,45,,0.855,NaN,5\n"
        "ZZK.WORLD,World,,,,0.601,0.739,,\n"
        "XXX,Nowhere,,,,0.1,,,\n",
    )
    (batch,) = UndpHdrSource().read(folder)
    rows = {
        (r["economy"], r["indicator"], r["year"]): r["value"]
        for r in batch.observations.to_pylist()
    }
    assert rows[("CIV", "HDR.hdi", 2022)] == pytest.approx(0.534)
    assert rows[("CIV", "HDR.hdi_rank", 2022)] == 166
    assert rows[("CIV", "HDR.le_f", 2022)] == pytest.approx(60.1)
    assert rows[("TUR", "HDR.co2_prod", 2022)] == 5
    assert ("TUR", "HDR.le_f", 2022) not in rows  # literal "NaN" = missing
    assert ("TUR", "HDR.hdi", 1990) not in rows
    assert rows[("ZZK.WORLD", "HDR.hdi", 2022)] == pytest.approx(0.739)
    assert batch.aggregates == {"ZZK.WORLD"}
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("XXX", 1)]
    assert len(rows) == 10  # 11 non-empty cells minus the unknown economy's one
    assert batch.origin.vintage == "HDR 2023-24"
    assert len(batch.origin.sha256) == 64
    updates = economy_updates_of(batch)
    assert updates is not None and updates.column("iso3").to_pylist() == ["ZZK.WORLD"]
    codes = set(batch.indicators.column("code").to_pylist())
    assert codes == {"HDR.hdi_rank", "HDR.hdi", "HDR.le_f", "HDR.co2_prod"}


def test_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    folder = _write(tmp_path, "iso3,country,hdi_2022\nKEN,Kenya,0.6\nUGA,Uganda,n/a\n")
    with pytest.raises(SourceFormatError, match=r"line 3.*'hdi_2022'.*'n/a'"):
        list(UndpHdrSource().read(folder))


def test_bad_header_is_rejected(tmp_path: Path) -> None:
    folder = _write(tmp_path, "iso3,country,hdi\nKEN,Kenya,0.6\n")
    with pytest.raises(SourceFormatError, match="not <indicator>_<year>"):
        list(UndpHdrSource().read(folder))


@pytest.mark.shared_data
def test_real_file_imports_completely(shared_data: Path) -> None:
    folder = shared_data / "undp-hdr-2023-24"
    with (folder / FILE).open(encoding="cp1252", newline="") as fh:
        raw = list(csv.DictReader(fh))
    value_columns = [c for c in raw[0] if c not in ("iso3", "country", "hdicode", "region")]
    cells = sum(1 for r in raw for c in value_columns if r[c].strip() and r[c] != "NaN")
    (batch,) = UndpHdrSource().read(folder)
    obs = batch.observations
    assert obs.num_rows == cells == 192_615
    assert batch.unknown_codes == []
    assert len(batch.aggregates) == 11 and "ZZK.WORLD" in batch.aggregates
    assert obs.group_by(["economy", "indicator", "year"]).aggregate([]).num_rows == obs.num_rows
    values = {(r["economy"], r["indicator"], r["year"]): r["value"] for r in obs.to_pylist()}
    by_iso = {r["iso3"]: r for r in raw}
    for iso3, column, code, year in [
        ("NOR", "hdi_2022", "HDR.hdi", 2022),
        ("KEN", "gnipc_2010", "HDR.gnipc", 2010),
        ("IND", "gii_2022", "HDR.gii", 2022),
        ("CIV", "le_f_2000", "HDR.le_f", 2000),
    ]:
        assert values[(iso3, code, year)] == pytest.approx(float(by_iso[iso3][column]))
    assert by_iso["CIV"]["country"] == "Côte d'Ivoire"
    hdi_2022 = [
        k for k in values if k[1] == "HDR.hdi" and k[2] == 2022 and k[0] not in batch.aggregates
    ]
    assert len(hdi_2022) == 193


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)), min_size=3, max_size=3),
        min_size=1,
        max_size=6,
    )
)
def test_every_non_empty_cell_is_one_observation(
    tmp_path_factory: pytest.TempPathFactory, grid: list[list[float | None]]
) -> None:
    codes = ["KEN", "UGA", "NAM", "ZZK.WORLD", "QQQ", "BRA"]
    lines = ["iso3,country,hdi_2020,le_2021,gii_2022"]
    for code, row in zip(codes, grid, strict=False):
        lines.append(",".join([code, code] + ["" if v is None else repr(v) for v in row]))
    folder = _write(tmp_path_factory.mktemp("hdr"), "\n".join(lines) + "\n")
    (batch,) = UndpHdrSource().read(folder)
    used = codes[: len(grid)]
    expected = sum(
        1
        for code, row in zip(used, grid, strict=True)
        for v in row
        if v is not None and code != "QQQ"
    )
    assert batch.observations.num_rows == expected
    # the unknown code is reported once per row, even when that row has no value
    assert sum(u.rows for u in batch.unknown_codes) == (1 if len(grid) > 4 else 0)
