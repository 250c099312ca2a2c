"""The economy reference table and resolver (pycountry + country_converter + Babel/CLDR)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.reference import (
    ECONOMY_SCHEMA,
    apply_economy_updates,
    classify_economy,
    economy_table,
    economy_updates_from_wdi,
    is_aggregate,
    resolve_economy,
)
from aibridge.reference.economies import LEGACY_CODES, WB_AGGREGATES

TABLE = economy_table()
ROWS = TABLE.to_pylist()
ECONOMIES = [r for r in ROWS if not r["is_aggregate"]]


def test_table_schema_and_unique_codes() -> None:
    assert TABLE.schema.equals(ECONOMY_SCHEMA)
    codes = TABLE.column("iso3").to_pylist()
    assert len(codes) == len(set(codes))
    assert len(ECONOMIES) == 249 + 2  # ISO 3166-1 + Kosovo + Channel Islands
    assert sum(r["is_un_member"] for r in ROWS) == 193


def test_un_members_have_names_in_six_languages_and_a_region() -> None:
    for row in ROWS:
        if row["is_un_member"]:
            for key in ("name", "name_ar", "name_zh", "name_fr", "name_ru", "name_es"):
                assert row[key], (row["iso3"], key)
            assert row["un_region"] in {"Africa", "Americas", "Asia", "Europe", "Oceania"}
            assert row["un_subregion"]
            assert row["m49"] is not None


def test_aggregates_have_no_m49_and_are_flagged() -> None:
    aggregates = [r for r in ROWS if r["is_aggregate"]]
    assert {r["iso3"] for r in aggregates} == set(WB_AGGREGATES)
    assert all(r["m49"] is None for r in aggregates)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("ROM", "ROU"),
        ("ZAR", "COD"),
        ("TMP", "TLS"),
        ("KSV", "XKX"),
        ("WBG", "PSE"),
        ("ADO", "AND"),
        ("IMY", "IMN"),
        ("afg", "AFG"),
        ("NA", "NAM"),
        ("516", "NAM"),
        ("4", "AFG"),
        ("004", "AFG"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Korea, Rep.", "KOR"),
        ("Korea (Republic of)", "KOR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("Ireland ", "IRL"),
        ("Congo, Dem. Rep.", "COD"),
        ("Bahamas, The", "BHS"),
        ("XK", "XKX"),
        ("UK", "GBR"),
        ("EL", "GRC"),
        ("Кения", "KEN"),
        ("肯尼亚", "KEN"),
        ("كينيا", "KEN"),
    ],
)
def test_resolves_codes_and_names(given_: str, expected: str) -> None:
    assert resolve_economy(given_) == expected
    assert not is_aggregate(given_)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [("WLD", "WLD"), ("World", "WLD"), ("High income", "HIC"), ("EU", "EUU"), ("eas", "EAS")],
)
def test_aggregates_are_recognised_and_kept_apart(given_: str, expected: str) -> None:
    match = classify_economy(given_)
    assert match is not None and match.code == expected and match.is_aggregate


@pytest.mark.parametrize("unknown", ["", "   ", "Multinational", "ZZ", "QQQ", "999", "Atlantis"])
def test_unknown_is_none(unknown: str) -> None:
    assert resolve_economy(unknown) is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ECONOMIES), st.sampled_from(["iso3", "iso2", "m49", "name", "name_fr"]))
def test_every_code_and_name_resolves_back(row: dict[str, object], key: str) -> None:
    value = row[key]
    if value is None:
        return
    assert resolve_economy(str(value)) == row["iso3"]
    assert resolve_economy(str(value).lower()) == row["iso3"] or key in {"iso2"}


def test_apply_updates_overwrites_and_appends() -> None:
    updates = pa.table(
        {
            "iso3": ["KEN", "ZZK.WORLD"],
            "name": ["Kenya", "World (UNDP)"],
            "wb_region": ["Sub-Saharan Africa", None],
            "income_group": ["Lower middle income", None],
            "is_aggregate": [False, True],
            "as_of": ["FY2020", "HDR 2023-24"],
        }
    )
    merged = apply_economy_updates(TABLE, updates).to_pylist()
    by_code = {r["iso3"]: r for r in merged}
    assert by_code["KEN"]["income_group"] == "Lower middle income"
    assert by_code["KEN"]["name_fr"] == "Kenya"
    assert by_code["ZZK.WORLD"]["is_aggregate"] is True
    assert len(merged) == TABLE.num_rows + 1


def test_updates_from_a_wdi_country_file(tmp_path: Path) -> None:
    path = tmp_path / "WDICountry.csv"
    path.write_text(
        "\ufeffCountry Code,Short Name,2-alpha code,Region,Income Group\n"
        "NAM,Namibia,NA,Sub-Saharan Africa,Upper middle income\n"
        "ROM,Romania,RO,Europe & Central Asia,Upper middle income\n"
        "WLD,World,1W,,\n",
        encoding="utf-8",
    )
    rows = economy_updates_from_wdi(path, as_of="FY2020").to_pylist()
    assert [r["iso3"] for r in rows] == ["NAM", "ROU", "WLD"]
    assert [r["is_aggregate"] for r in rows] == [False, False, True]
    assert rows[0]["income_group"] == "Upper middle income"
    assert rows[2]["wb_region"] is None


# ----------------------------------------------------------------- checks on the real data
def _read(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:  # type: ignore[operator]
        return list(csv.DictReader(fh))


@pytest.mark.shared_data
def test_agrees_with_country_codes_dataset(shared_data: Path) -> None:
    """Our library-built table agrees with datasets/country-codes (UNSD M49 + ISO)."""
    rows = _read(shared_data / "country-codes" / "country-codes.csv")
    assert len(rows) == 249
    ours = {r["iso3"]: r for r in ROWS}
    mismatches = []
    for ref in rows:
        iso3 = ref["ISO3166-1-Alpha-3"]
        mine = ours[iso3]
        assert mine["iso2"] == ref["ISO3166-1-Alpha-2"], iso3
        assert mine["m49"] == int(ref["M49"]), iso3
        assert resolve_economy(ref["UNTERM English Short"] or ref["official_name_en"]) in {
            iso3,
            None,
        }
        if ref["Region Name"] and mine["un_region"] != ref["Region Name"]:
            mismatches.append((iso3, "region", mine["un_region"], ref["Region Name"]))
        expected_sub = ref["Intermediate Region Name"] or ref["Sub-region Name"]
        if expected_sub and mine["un_subregion"] != expected_sub:
            mismatches.append((iso3, "subregion", mine["un_subregion"], expected_sub))
    # country_converter and UNSD agree on M49 regions for every ISO country
    assert mismatches == []


@pytest.mark.shared_data
def test_country_codes_names_resolve(shared_data: Path) -> None:
    rows = _read(shared_data / "country-codes" / "country-codes.csv")
    unresolved = []
    for ref in rows:
        for column in ("UNTERM English Short", "official_name_en", "CLDR display name"):
            name = ref[column]
            if name and resolve_economy(name) != ref["ISO3166-1-Alpha-3"]:
                unresolved.append((column, name))
    # "Congo (the)" is ambiguous without the long form; nothing else is left unresolved
    assert unresolved == [("UNTERM English Short", "Congo (the)")]


@pytest.mark.shared_data
def test_wdi_country_codes_and_aggregates(shared_data: Path) -> None:
    rows = _read(shared_data / "wdi-metadata-2020" / "WDICountry.csv")
    assert len(rows) == 263
    for row in rows:
        match = classify_economy(row["Country Code"])
        assert match is not None, row["Country Code"]
        assert match.is_aggregate == (row["Region"] == ""), row["Country Code"]
    meta = next((shared_data / "wdi-recent").glob("Metadata_Country_*.csv"))
    for row in _read(meta):
        match = classify_economy(row["Country Code"])
        assert match is not None and match.is_aggregate == (row["Region"] == "")


@pytest.mark.shared_data
def test_wdi_2013_codes_all_resolve(shared_data: Path) -> None:
    path = shared_data / "wdi-2013" / "WDIData_2013_aibridge_subset.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        codes = {row[1] for row in csv.reader(fh)} - {"Country Code"}
    assert len(codes) == 252
    unknown = sorted(c for c in codes if resolve_economy(c) is None)
    assert unknown == []
    assert {c for c in codes if c in LEGACY_CODES} == {
        "ADO",
        "IMY",
        "KSV",
        "ROM",
        "TMP",
        "WBG",
        "ZAR",
    }


@pytest.mark.parametrize(
    "historical",
    [
        "Czechoslovakia",
        "Somaliland",
        "North Yemen (former)",
        "Serbia excluding Kosovo",
        "USSR",
        "gbg",
    ],
)
def test_historical_or_partial_entities_do_not_match_a_successor(historical: str) -> None:
    assert resolve_economy(historical) is None


@pytest.mark.shared_data
def test_gapminder_geo_entities_never_resolve_wrongly(shared_data: Path) -> None:
    """Gapminder ids (lower-case ISO3 or own ids) and names: right ISO3, or None."""
    rows = _read(shared_data / "gapminder-systema-globalis" / "ddf--entities--geo--country.csv")
    assert len(rows) == 273
    resolved = 0
    for row in rows:
        expected = row["iso3166_1_alpha3"] or None
        for value in (row["country"], row["name"]):
            got = resolve_economy(value)
            if expected is None:
                # entities without an ISO code: only these map, and to the right place
                assert got in {None, "CHI", "XKX", "PSE", "MAF", "ATF"}, (value, got)
            else:
                assert got in {expected, None}, (value, expected, got)
                resolved += got == expected
    with_iso = sum(1 for r in rows if r["iso3166_1_alpha3"])
    assert resolved >= 2 * with_iso - 12  # nearly every id and name resolves
