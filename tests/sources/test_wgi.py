"""WGI 2024 xlsx importer; with the 2023 CSV (wdi_bulk.WgiCsvSource) it is a two-vintage test."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources.wgi import WgiXlsxSource

HEADER = [
    "codeindyr", "code", "countryname", "year", "indicator", "estimate", "stddev", "nsource",
    "pctrank", "pctranklower", "pctrankupper",
]  # fmt: skip


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def as_dict(batch) -> dict[tuple[str, str, int], float]:
    obs = batch.observations.to_pylist()
    return {(r["economy"], r["indicator"], r["year"]): r["value"] for r in obs}


def test_tiny_workbook(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "wgidataset.xlsx",
        [
            ["ROMge2022", "ROM", "Romania", 2022, "ge", -0.2, 0.2, 9, 47.1, 40.0, 55.0],
            ["ZARge2022", "ZAR", "Congo, Dem. Rep.", 2022, "ge", "..", "..", 0, "..", "..", ".."],
            ["KENcc2022", "KEN", "Kenya", 2022, "cc", -0.9, 0.15, 10, 19.8, 14.1, 25.5],
            ["XXXcc2022", "XXX", "Nowhere", 2022, "cc", 1.0, 0.1, 2, 50, 40, 60],
        ],
    )
    batch = next(WgiXlsxSource().read(tmp_path))
    got = as_dict(batch)
    assert got[("ROU", "WGI.GE.EST", 2022)] == -0.2  # legacy ROM -> ROU
    assert got[("ROU", "WGI.GE.PER.RNK.UPPER", 2022)] == 55.0
    assert got[("COD", "WGI.GE.NO.SRC", 2022)] == 0  # ".." cells are missing, 0 is a value
    assert ("COD", "WGI.GE.EST", 2022) not in got
    assert got[("KEN", "WGI.CC.STD.ERR", 2022)] == 0.15
    assert len(got) == 6 + 1 + 6
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("XXX", 1)]
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert len(meta) == 36
    assert meta["WGI.GE.EST"]["name"] == "Government Effectiveness: Estimate"
    assert meta["WGI.GE.EST"]["direction"] == 1 and meta["WGI.GE.STD.ERR"]["direction"] is None
    assert batch.origin.vintage == "2024" and batch.origin.source_id == "wgi"


def test_bad_workbooks(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        next(WgiXlsxSource().read(tmp_path))
    write_xlsx(tmp_path / "wgidataset.xlsx", [], header=["code", "year"])
    with pytest.raises(SourceFormatError, match="lacks column"):
        next(WgiXlsxSource().read(tmp_path))
    write_xlsx(
        tmp_path / "wgidataset.xlsx",
        [["KENcc2022", "KEN", "Kenya", 2022, "cc", "high", 0.1, 2, 50, 40, 60]],
    )
    with pytest.raises(SourceFormatError, match="'high' is not a number") as info:
        next(WgiXlsxSource().read(tmp_path))
    assert info.value.line == 2 and info.value.column == "estimate"
    write_xlsx(
        tmp_path / "wgidataset.xlsx",
        [["KENzz2022", "KEN", "Kenya", 2022, "zz", 1, 0.1, 2, 50, 40, 60]],
    )
    with pytest.raises(SourceFormatError, match="unknown WGI indicator 'ZZ'"):
        next(WgiXlsxSource().read(tmp_path))
    (tmp_path / "wgidataset.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SourceFormatError, match="cannot open the workbook"):
        next(WgiXlsxSource().read(tmp_path))


@pytest.fixture(scope="module")
def wgi_xlsx(shared_data: Path):
    return next(WgiXlsxSource().read(shared_data / "wgi-2024"))


@pytest.mark.shared_data
def test_real_xlsx_complete(shared_data: Path, wgi_xlsx) -> None:
    frame = pd.read_excel(shared_data / "wgi-2024" / "wgidataset.xlsx", engine="openpyxl")
    assert len(frame) == 32100
    cols = ["estimate", "stddev", "nsource", "pctrank", "pctranklower", "pctrankupper"]
    known = frame[frame.code != "ANT"]  # Netherlands Antilles (former): no current code
    numeric = known[cols].apply(pd.to_numeric, errors="coerce")
    assert wgi_xlsx.observations.num_rows == int(numeric.notna().sum().sum())
    assert [(u.code, u.rows) for u in wgi_xlsx.unknown_codes] == [("ANT", 150)]  # sheet rows
    economies = set(wgi_xlsx.observations.column("economy").to_pylist())
    assert len(economies) == 213
    assert {"AND", "ROU", "TLS", "COD", "XKX", "PSE"} <= economies
    assert not {"ADO", "ROM", "TMP", "ZAR", "KSV", "WBG"} & economies
    got = as_dict(wgi_xlsx)
    row = frame[(frame.code == "ROM") & (frame.year == 2023) & (frame.indicator == "ge")].iloc[0]
    assert got[("ROU", "WGI.GE.EST", 2023)] == pytest.approx(float(row.estimate), abs=0)
    row = frame[(frame.code == "AFG") & (frame.year == 1996) & (frame.indicator == "cc")].iloc[0]
    assert got[("AFG", "WGI.CC.PER.RNK", 1996)] == pytest.approx(float(row.pctrank), abs=0)
    assert got[("AFG", "WGI.CC.PER.RNK", 1996)] == pytest.approx(4.3010754585, abs=1e-9)


@pytest.mark.shared_data
def test_two_vintages_in_the_store(shared_data: Path, wgi_xlsx) -> None:
    store_mod = pytest.importorskip("aibridge.store")
    from aibridge.sources.wdi_bulk import WgiCsvSource

    csv_batches = list(WgiCsvSource().read(shared_data / "wgi-2024"))
    assert {b.origin.vintage for b in csv_batches} == {"2023"}
    assert set(csv_batches[0].indicators.column("code").to_pylist()) == set(
        wgi_xlsx.indicators.column("code").to_pylist()
    )
    store = store_mod.Store(":memory:")
    store.ingest_many(csv_batches)
    report = store.ingest(wgi_xlsx)
    assert report.revised > 0 and report.inserted > 0  # 2023 data is new, back data revised
    new = store.observations("ESP", "WGI.GE.EST", 2015).to_pandas()
    old = store.observations("ESP", "WGI.GE.EST", 2015, as_of="2023").to_pandas()
    assert list(new["vintage"]) == ["2024"] and list(old["vintage"]) == ["2023"]
    # README: GE estimates for 2015 differ by more than 0.001 for 34 of 205 economies
    cur = store.observations(indicators="WGI.GE.EST", years=2015).to_pandas()
    was = store.observations(indicators="WGI.GE.EST", years=2015, as_of="2023").to_pandas()
    both = cur.merge(was, on="economy", suffixes=("_new", "_old"))
    # README: "GE estimates for 2015 differ by more than 0.001 for 34 of 205 economies", a
    # join on the raw codes; with the six legacy codes mapped, 211 economies line up
    legacy = {"AND", "ROU", "TLS", "COD", "XKX", "PSE"}
    assert len(both) == 211 and legacy <= set(both.economy)
    raw = both[~both.economy.isin(legacy)]
    assert len(raw) == 205
    assert int(((raw.value_new - raw.value_old).abs() > 0.001).sum()) == 34
