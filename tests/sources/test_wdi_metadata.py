"""WDI metadata importer: economy updates (region, income group) and series metadata."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from aibridge.sources._tabular import economy_updates_of
from aibridge.sources.wdi_metadata import WdiCountryMetadataSource, WdiMetadataSource


def _fixture(folder: Path) -> Path:
    (folder / "WDICountry.csv").write_text(
        "\ufeffCountry Code,Short Name,2-alpha code,Region,Income Group\n"
        "NAM,Namibia,NA,Sub-Saharan Africa,Upper middle income\n"
        "KSV,Kosovo,XK,Europe & Central Asia,Upper middle income\n"
        "WLD,World,1W,,\n"
        "XYZ,Some new group,ZZ,,\n",
        encoding="utf-8",
    )
    with gzip.open(folder / "WDISeries.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(
            "Series Code,Topic,Indicator Name,Long definition,Unit of measure,Source,License Type\n"
            "IT.NET.USER.ZS,Infrastructure: Communications,Individuals using the Internet "
            "(% of population),Internet users are...,,ITU,CC BY-4.0\n"
        )
    return folder


def test_country_and_series(tmp_path: Path) -> None:
    country, series = WdiMetadataSource().read(_fixture(tmp_path))
    assert country.observations.num_rows == 0 and series.observations.num_rows == 0
    updates = economy_updates_of(country)
    assert updates is not None
    rows = {r["iso3"]: r for r in updates.to_pylist()}
    assert rows["NAM"]["income_group"] == "Upper middle income"
    assert rows["XKX"]["wb_region"] == "Europe & Central Asia"  # legacy KSV
    assert rows["WLD"]["is_aggregate"] and rows["XYZ"]["is_aggregate"]
    assert rows["NAM"]["name"] is None  # CLDR name kept for known economies
    assert rows["XYZ"]["name"] == "Some new group"
    assert rows["NAM"]["as_of"] == "FY2020"
    assert country.aggregates == {"WLD", "XYZ"}
    (indicator,) = series.indicators.to_pylist()
    assert indicator["code"] == "IT.NET.USER.ZS"
    assert indicator["unit"] == "% of population"
    assert indicator["licence"] == "CC BY 4.0"
    assert indicator["topic"] == "Infrastructure: Communications"


@pytest.mark.shared_data
def test_real_metadata(shared_data: Path) -> None:
    country, series = WdiMetadataSource().read(shared_data / "wdi-metadata-2020")
    updates = economy_updates_of(country)
    assert updates is not None and updates.num_rows == 263
    rows = {r["iso3"]: r for r in updates.to_pylist()}
    assert sum(r["is_aggregate"] for r in rows.values()) == 46
    groups = [r["income_group"] for r in rows.values() if r["income_group"]]
    assert (groups.count("High income"), groups.count("Low income")) == (79, 31)
    assert rows["KEN"]["wb_region"] == "Sub-Saharan Africa"
    assert series.indicators.num_rows == 1429
    codes = set(series.indicators.column("code").to_pylist())
    assert {"IT.NET.USER.ZS", "IT.NET.SECR.P6", "GB.XPD.RSDV.GD.ZS", "BX.GSR.CCIS.ZS"} <= codes
    recent = list(WdiCountryMetadataSource().read(shared_data / "wdi-recent"))
    assert len(recent) == 1 and recent[0].origin.vintage == "2024-06-28"
    meta = next((shared_data / "wdi-recent").glob("Metadata_Country_*.csv"))
    with meta.open(encoding="utf-8-sig", newline="") as fh:
        raw = {r["Country Code"]: r for r in csv.DictReader(fh)}
    new = {r["iso3"]: r for r in economy_updates_of(recent[0]).to_pylist()}  # type: ignore[union-attr]
    assert new["KEN"]["income_group"] == raw["KEN"]["IncomeGroup"]
    assert new["AFE"]["is_aggregate"]
