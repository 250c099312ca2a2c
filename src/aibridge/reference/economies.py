"""The economy reference table and the resolver from any code or name to ISO3.

Where the data come from (nothing here is typed by hand except where a comment says why):

* the list of economies, ISO alpha-2/alpha-3 and numeric codes: ``pycountry`` (ISO 3166-1);
* names in the six UN languages (Arabic, Chinese, English, French, Russian, Spanish): the
  Unicode CLDR territory names shipped with ``Babel``;
* UN M49 sub-region and UN membership: ``country_converter`` (its ``UNregion`` column is the
  M49 intermediate region where M49 has one, e.g. "Eastern Africa", else the sub-region, e.g.
  "Western Asia"); the M49 region (Africa, Americas, Asia, Europe, Oceania) is derived from
  country_converter's continent of the countries in that sub-region and named with CLDR;
* name variants ("Korea, Rep.", "Côte d'Ivoire", "Türkiye", "Korea (Republic of)"):
  country_converter's regular expressions, after an exact lookup of every ISO/CLDR name;
* World Bank region and income group are in no maintained library: they are ``None`` here and
  filled from the data when ``wdi-metadata-2020`` (or a WDI ``Metadata_Country`` file) is
  imported — see :func:`economy_updates_from_wdi` and :func:`apply_economy_updates`.

Two small tables are written out below because no library carries them: the legacy World
Bank codes still found in old WDI files (``LEGACY_CODES``) and the World Bank aggregate codes
(``WB_AGGREGATES``). Both are checked against the real WDI files by the tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

__all__ = [
    "ECONOMY_SCHEMA",
    "ECONOMY_UPDATE_SCHEMA",
    "LEGACY_CODES",
    "UN_LANGUAGES",
    "WB_AGGREGATES",
    "EconomyMatch",
    "apply_economy_updates",
    "classify_economy",
    "economy_table",
    "economy_updates_from_wdi",
    "is_aggregate",
    "resolve_economy",
]

#: The six official UN languages, as CLDR locale ids (column suffixes of the table).
UN_LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")

ECONOMY_SCHEMA = pa.schema(
    [
        pa.field("iso3", pa.string(), nullable=False),
        pa.field("iso2", pa.string()),
        pa.field("m49", pa.int16()),
        pa.field("name", pa.string(), nullable=False),
        pa.field("name_ar", pa.string()),
        pa.field("name_zh", pa.string()),
        pa.field("name_fr", pa.string()),
        pa.field("name_ru", pa.string()),
        pa.field("name_es", pa.string()),
        pa.field("un_region", pa.string()),
        pa.field("un_subregion", pa.string()),
        pa.field("wb_region", pa.string()),
        pa.field("income_group", pa.string()),
        pa.field("is_aggregate", pa.bool_(), nullable=False),
        pa.field("is_un_member", pa.bool_(), nullable=False),
    ]
)

#: An economy-metadata update, as produced from WDI country metadata. ``as_of`` labels the
#: classification (World Bank income groups change every 1 July).
ECONOMY_UPDATE_SCHEMA = pa.schema(
    [
        pa.field("iso3", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("wb_region", pa.string()),
        pa.field("income_group", pa.string()),
        pa.field("is_aggregate", pa.bool_(), nullable=False),
        pa.field("as_of", pa.string()),
    ]
)

#: Old World Bank codes (WDI up to ~2014, WGI xlsx) -> ISO 3166-1 alpha-3. Written out because
#: no library maps them; each appears in ../shared/data (wdi-2013, wgi-2024) and is tested.
LEGACY_CODES: Mapping[str, str] = {
    "ADO": "AND",  # Andorra
    "IMY": "IMN",  # Isle of Man
    "KSV": "XKX",  # Kosovo (World Bank's current code is XKX; not in ISO 3166-1)
    "ROM": "ROU",  # Romania (ISO changed ROM -> ROU in 2002)
    "TMP": "TLS",  # Timor-Leste (ex East Timor)
    "WBG": "PSE",  # West Bank and Gaza
    "ZAR": "COD",  # Congo, Dem. Rep. (ex Zaire)
}

#: World Bank aggregate codes -> English name. Written out because no maintained library
#: carries them and a connector working offline must still recognise them; the tests check
#: that every row of WDICountry.csv / Metadata_Country with an empty region is listed here.
WB_AGGREGATES: Mapping[str, str] = {
    "AFE": "Africa Eastern and Southern",
    "AFW": "Africa Western and Central",
    "ARB": "Arab World",
    "CAA": "Sub-Saharan Africa (IFC classification)",
    "CEA": "East Asia and the Pacific (IFC classification)",
    "CEB": "Central Europe and the Baltics",
    "CEU": "Europe and Central Asia (IFC classification)",
    "CLA": "Latin America and the Caribbean (IFC classification)",
    "CME": "Middle East and North Africa (IFC classification)",
    "CSA": "South Asia (IFC classification)",
    "CSS": "Caribbean small states",
    "EAP": "East Asia & Pacific (excluding high income)",
    "EAR": "Early-demographic dividend",
    "EAS": "East Asia & Pacific",
    "ECA": "Europe & Central Asia (excluding high income)",
    "ECS": "Europe & Central Asia",
    "EMU": "Euro area",
    "EUU": "European Union",
    "FCS": "Fragile and conflict affected situations",
    "HIC": "High income",
    "HPC": "Heavily indebted poor countries (HIPC)",
    "IBD": "IBRD only",
    "IBT": "IDA & IBRD total",
    "IDA": "IDA total",
    "IDB": "IDA blend",
    "IDX": "IDA only",
    "INX": "Not classified",
    "LAC": "Latin America & Caribbean (excluding high income)",
    "LCN": "Latin America & Caribbean",
    "LDC": "Least developed countries: UN classification",
    "LIC": "Low income",
    "LMC": "Lower middle income",
    "LMY": "Low & middle income",
    "LTE": "Late-demographic dividend",
    "MEA": "Middle East & North Africa",
    "MIC": "Middle income",
    "MNA": "Middle East & North Africa (excluding high income)",
    "NAC": "North America",
    "NOC": "High income: nonOECD",
    "OEC": "High income: OECD",
    "OED": "OECD members",
    "OSS": "Other small states",
    "PRE": "Pre-demographic dividend",
    "PSS": "Pacific island small states",
    "PST": "Post-demographic dividend",
    "SAS": "South Asia",
    "SSA": "Sub-Saharan Africa (excluding high income)",
    "SSF": "Sub-Saharan Africa",
    "SST": "Small states",
    "TEA": "East Asia & Pacific (IDA & IBRD countries)",
    "TEC": "Europe & Central Asia (IDA & IBRD countries)",
    "TLA": "Latin America & the Caribbean (IDA & IBRD countries)",
    "TMN": "Middle East & North Africa (IDA & IBRD countries)",
    "TSA": "South Asia (IDA & IBRD)",
    "TSS": "Sub-Saharan Africa (IDA & IBRD countries)",
    "UMC": "Upper middle income",
    "WLD": "World",
}

#: Two-letter aggregate codes used by sources (ISO 3166 exceptionally reserved / WB 2-alpha).
_AGGREGATE_ALPHA2: Mapping[str, str] = {"EU": "EUU", "1W": "WLD", "XC": "EMU"}

#: ISO 3166-1 "exceptionally reserved" alpha-2 codes that name a country (used by the EU and
#: Eurostat, and CLDR's short English name for the United Kingdom).
_RESERVED_ALPHA2: Mapping[str, str] = {"UK": "GBR", "EL": "GRC"}

#: Economies the World Bank reports that ISO 3166-1 lacks: code -> (iso2, M49, English name).
_NON_ISO_ECONOMIES: Mapping[str, tuple[str | None, int | None, str]] = {
    "XKX": ("XK", None, "Kosovo"),  # user-assigned code used by the EU, IMF and World Bank
    "CHI": (None, 830, "Channel Islands"),  # M49 830; WDI reports it as one economy
}

#: Corrections to country_converter 1.3.2's M49 sub-regions, found by the check against the
#: UNSD M49 table (tests/reference): Nauru is in Micronesia, not Polynesia.
_SUBREGION_FIXES: Mapping[str, str] = {"NRU": "Micronesia"}

# The five M49 regions, by their M49 code; CLDR gives their names in every language.
_M49_REGION_CODES: tuple[str, ...] = ("002", "019", "142", "150", "009")


#: Entities country_converter's regexes would attribute to a present-day economy although
#: they are historical, partial or disputed territories (found by checking Gapminder's geo
#: list, tests/reference). Matched on normalised words; "former" / "excluding" anywhere also
#: blocks the regex fallback.
_NOT_ECONOMY_NAMES: frozenset[str] = frozenset(
    {
        "czechoslovakia",
        "somaliland",
        "northern cyprus",
        "north yemen",
        "south yemen",
        "serbia and montenegro",
        "yugoslavia",
        "ussr",
        "soviet union",
        "east germany",
        "west germany",
        "german democratic republic",
        "gaza strip",
        "netherlands antilles",
    }
)
_BLOCKING_WORDS = frozenset({"former", "excluding", "excl"})


def _not_an_economy(key: str) -> bool:
    words = key.split()
    if _BLOCKING_WORDS.intersection(words):
        return True
    return any(name in key for name in _NOT_ECONOMY_NAMES)


@dataclass(frozen=True)
class EconomyMatch:
    """What a code or name resolved to: an ISO3 economy or a known aggregate code."""

    code: str
    is_aggregate: bool


# --------------------------------------------------------------------------- libraries
@lru_cache(maxsize=1)
def _coco_data() -> Any:
    """country_converter's table, read so that Namibia's ``NA`` stays a string.

    country_converter 1.3.2 reads its own TSV with pandas' default NA values, which under
    pandas 3 turns Namibia's ISO2 ``NA`` into NaN and makes ``CountryConverter()`` fail; we
    read the same file with ``keep_default_na=False`` and pass the frame in.
    """
    import country_converter
    import pandas as pd

    path = Path(country_converter.__file__).with_name("country_data.tsv")
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    for column in ("ISOnumeric", "UNcode", "UNmember", "obsolete", "GEOnumeric", "EURO", "UN"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return frame


@lru_cache(maxsize=1)
def _converter() -> Any:
    import logging

    import country_converter

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    return country_converter.CountryConverter(country_data=_coco_data())


@lru_cache(maxsize=1)
def _cldr_names() -> dict[str, Mapping[str, str]]:
    from babel import Locale

    return {lang: Locale.parse(lang).territories for lang in UN_LANGUAGES}


def _un_region_of_subregion() -> dict[str, str]:
    """M49 sub-region -> region name, from country_converter's continents (majority vote)."""
    data = _coco_data()
    data = data[data["obsolete"].isna()]
    english = _cldr_names()["en"]
    regions = {english[code]: english[code] for code in _M49_REGION_CODES}
    # country_converter says "America" where M49 says "Americas"
    by_prefix = {name[:4]: name for name in regions}
    out: dict[str, str] = {}
    for subregion, group in data.groupby("UNregion"):
        continent = Counter(group["continent"]).most_common(1)[0][0]
        region = by_prefix.get(str(continent)[:4])
        if region is not None:
            out[str(subregion)] = region
    return out


# --------------------------------------------------------------------------- the table
@lru_cache(maxsize=1)
def _rows() -> tuple[dict[str, Any], ...]:
    """The reference rows, from the on-disk cache when the libraries and this module are
    unchanged (building them from pycountry, country-converter and CLDR costs ~0.3 s, which
    every CLI command that opens a new store would otherwise pay)."""
    import json
    import os

    cache = _cache_file()
    if cache is not None:
        try:
            return tuple(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    rows = _build_rows()
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, cache)  # atomic: a concurrent reader sees all or nothing
        except OSError:
            pass  # a read-only home: build again next time
    return rows


def _cache_file() -> Path | None:
    """``<user cache dir>/aibridge/economies-<key>.json``; the key covers the versions of the
    libraries the table comes from and this module's own source. None when
    ``AIBRIDGE_NO_CACHE`` is set."""
    import hashlib
    import os
    from importlib.metadata import PackageNotFoundError, version

    import platformdirs

    if os.environ.get("AIBRIDGE_NO_CACHE"):
        return None
    parts = [Path(__file__).read_bytes()]
    for dist in ("pycountry", "country_converter", "babel", "pandas"):
        try:
            parts.append(version(dist).encode())
        except PackageNotFoundError:
            parts.append(b"-")
    key = hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("aibridge", appauthor=False)) / f"economies-{key}.json"


def _build_rows() -> tuple[dict[str, Any], ...]:
    import pycountry

    data = _coco_data()
    data = data[data["obsolete"].isna()]
    coco_by_iso3 = {row["ISO3"]: row for _, row in data.iterrows()}
    names = _cldr_names()
    region_of = _un_region_of_subregion()

    rows: list[dict[str, Any]] = []

    def add(iso3: str, iso2: str | None, m49: int | None, fallback_name: str) -> None:
        coco_row = coco_by_iso3.get(iso3)
        subregion = None
        un_member = False
        if coco_row is not None:
            value = coco_row["UNregion"]
            subregion = None if _isna(value) or value == "Antarctica" else str(value)
            subregion = _SUBREGION_FIXES.get(iso3, subregion)
            un_member = not _isna(coco_row["UNmember"])
        local = {lang: (names[lang].get(iso2) if iso2 else None) for lang in UN_LANGUAGES}
        rows.append(
            {
                "iso3": iso3,
                "iso2": iso2,
                "m49": m49,
                "name": local["en"] or fallback_name,
                **{f"name_{lang}": local[lang] for lang in UN_LANGUAGES if lang != "en"},
                "un_region": region_of.get(subregion) if subregion else None,
                "un_subregion": subregion,
                "wb_region": None,
                "income_group": None,
                "is_aggregate": False,
                "is_un_member": bool(un_member),
            }
        )

    for country in pycountry.countries:
        add(country.alpha_3, country.alpha_2, int(country.numeric), country.name)
    for iso3, (iso2, m49, name) in _NON_ISO_ECONOMIES.items():
        add(iso3, iso2, m49, name)
    for code, name in WB_AGGREGATES.items():
        rows.append(
            {
                "iso3": code,
                "iso2": None,
                "m49": None,
                "name": name,
                **{f"name_{lang}": None for lang in UN_LANGUAGES if lang != "en"},
                "un_region": None,
                "un_subregion": None,
                "wb_region": None,
                "income_group": None,
                "is_aggregate": True,
                "is_un_member": False,
            }
        )
    return tuple(rows)


def _isna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def economy_table() -> pa.Table:
    """Every economy aibridge knows, one row each (ISO 3166-1 + Kosovo + Channel Islands +
    World Bank aggregates), with the columns of :data:`ECONOMY_SCHEMA`.

    ``wb_region`` and ``income_group`` are null here; they come from the data
    (:func:`economy_updates_from_wdi`).
    """
    return pa.Table.from_pylist(list(_rows()), schema=ECONOMY_SCHEMA)


# --------------------------------------------------------------------------- resolving
def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z\u0400-\u04ff\u0600-\u06ff\u4e00-\u9fff]+", " ", text).strip()


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, str], dict[str, str], dict[int, str], dict[str, str], set[str]]:
    import pycountry

    iso3: dict[str, str] = {}
    iso2: dict[str, str] = {}
    m49: dict[int, str] = {}
    names: dict[str, str] = {}
    aggregates = set(WB_AGGREGATES)
    for row in _rows():
        code = row["iso3"]
        iso3[code] = code
        if row["is_aggregate"]:
            names.setdefault(_normalise(row["name"]), code)
            continue
        if row["iso2"]:
            iso2[row["iso2"]] = code
        if row["m49"] is not None:
            m49[int(row["m49"])] = code
        for key in ("name", *(f"name_{lang}" for lang in UN_LANGUAGES if lang != "en")):
            if row[key]:
                names.setdefault(_normalise(row[key]), code)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(_normalise(value), country.alpha_3)
    data = _coco_data()
    for _, row in data[data["obsolete"].isna()].iterrows():
        if row["ISO3"] in iso3:
            for key in ("name_short", "name_official"):
                if isinstance(row[key], str):
                    names.setdefault(_normalise(row[key]), row["ISO3"])
    for alias, code in {**_AGGREGATE_ALPHA2, **_RESERVED_ALPHA2}.items():
        iso2.setdefault(alias, code)
    return iso3, iso2, m49, names, aggregates


@lru_cache(maxsize=4096)
def classify_economy(code_or_name: str) -> EconomyMatch | None:
    """Resolve a code or name to an :class:`EconomyMatch`, or ``None`` if unknown.

    Accepts ISO alpha-3 / alpha-2 (any case, so Gapminder's ``"afg"`` works), the M49 / ISO
    numeric code (``"404"``, ``"4"``, ``"004"``), legacy World Bank codes (``ROM``, ``ZAR``,
    ``TMP``, ``KSV``, ``WBG``, ``ADO``, ``IMY``), World Bank aggregate codes and names
    (``WLD``, ``"High income"``), and country names in any of the six UN languages or in the
    variants country_converter knows (``"Korea, Rep."``, ``"Côte d'Ivoire"``).
    """
    text = code_or_name.strip()
    if not text:
        return None
    iso3, iso2, m49, names, aggregates = _indexes()
    upper = text.upper()
    if upper.isdigit():
        found = m49.get(int(upper))
        return EconomyMatch(found, False) if found else None
    if len(upper) == 3 and upper.isalpha():
        if upper in LEGACY_CODES:
            return EconomyMatch(LEGACY_CODES[upper], False)
        if upper in iso3:
            return EconomyMatch(upper, upper in aggregates)
    if len(upper) == 2 and upper.isalnum():
        found = iso2.get(upper)
        if found:
            return EconomyMatch(found, found in aggregates)
        if upper == text:  # an upper-case two-letter code we do not know is not a name
            return None
    key = _normalise(text)
    if key in names:
        found = names[key]
        return EconomyMatch(found, found in aggregates)
    if len(key) <= 3 or _not_an_economy(key):
        # an unknown short code ("gbg") is not a name; historical / partial entities
        # ("Czechoslovakia", "North Yemen (former)") must not match their successor's regex
        return None
    converted = _converter().convert(text, src="regex", to="ISO3", not_found=None)
    if isinstance(converted, str) and converted in iso3 and converted not in aggregates:
        return EconomyMatch(converted, False)
    return None


def resolve_economy(code_or_name: str) -> str | None:
    """ISO3 code (or World Bank aggregate code) for any code or name; ``None`` if unknown.

    Known aggregates (``WLD``, ``"High income"``, ``EU``) resolve to their World Bank code;
    use :func:`is_aggregate` or :func:`classify_economy` to keep them apart.
    """
    match = classify_economy(code_or_name)
    return match.code if match else None


def is_aggregate(code: str) -> bool:
    """Whether ``code`` is a known aggregate (World Bank region, income group, World ...)."""
    match = classify_economy(code)
    return bool(match and match.is_aggregate)


# --------------------------------------------------------------------------- updates
def economy_updates_from_wdi(
    path: Path,
    *,
    as_of: str | None = None,
    code_column: str = "Country Code",
) -> pa.Table:
    """World Bank region and income group per economy from a WDI country-metadata CSV.

    Reads ``WDICountry.csv`` (bulk download: ``Region``, ``Income Group``, ``Short Name``) or a
    single-indicator ``Metadata_Country_*.csv`` (``Region``, ``IncomeGroup``, ``TableName``).
    Rows with an empty region are aggregates. Codes are resolved to ISO3; legacy and unknown
    codes are kept as given. Returns a table with :data:`ECONOMY_UPDATE_SCHEMA`.
    """
    import pandas as pd

    frame = pd.read_csv(
        path, encoding="utf-8-sig", keep_default_na=False, na_values=[""], dtype=str
    )
    frame = frame.loc[:, [c for c in frame.columns if not c.startswith("Unnamed")]]
    income_col = "Income Group" if "Income Group" in frame.columns else "IncomeGroup"
    name_col = next(
        (c for c in ("Short Name", "TableName", "Table Name") if c in frame.columns), None
    )
    if code_column not in frame.columns or "Region" not in frame.columns:
        from aibridge.errors import SourceFormatError

        raise SourceFormatError(
            f"expected columns {code_column!r} and 'Region' (a WDI country-metadata file); "
            f"got {list(frame.columns)[:6]}",
            path=str(path),
        )
    codes: list[str] = []
    aggregate: list[bool] = []
    for code, region in zip(frame[code_column], frame["Region"], strict=True):
        match = classify_economy(str(code))
        codes.append(match.code if match else str(code))
        aggregate.append(not isinstance(region, str))
    return pa.table(
        {
            "iso3": pa.array(codes, pa.string()),
            "name": pa.array(_clean(frame[name_col]) if name_col else [None] * len(frame)),
            "wb_region": pa.array(_clean(frame["Region"]), pa.string()),
            "income_group": pa.array(_clean(frame[income_col]), pa.string()),
            "is_aggregate": pa.array(aggregate, pa.bool_()),
            "as_of": pa.array([as_of] * len(frame), pa.string()),
        },
        schema=ECONOMY_UPDATE_SCHEMA,
    )


def _clean(values: Iterable[Any]) -> list[str | None]:
    return [v.strip() if isinstance(v, str) and v.strip() else None for v in values]


def apply_economy_updates(table: pa.Table, updates: pa.Table) -> pa.Table:
    """Merge an update (:data:`ECONOMY_UPDATE_SCHEMA`) into an economy table.

    Non-null ``wb_region`` / ``income_group`` overwrite; codes absent from ``table`` (e.g. a
    source-specific aggregate) are appended with the update's name and aggregate flag.
    """
    rows = {row["iso3"]: row for row in table.to_pylist()}
    for update in updates.to_pylist():
        row = rows.get(update["iso3"])
        if row is None:
            row = dict.fromkeys(ECONOMY_SCHEMA.names)
            row.update(
                iso3=update["iso3"],
                name=update["name"] or update["iso3"],
                is_aggregate=bool(update["is_aggregate"]),
                is_un_member=False,
            )
            rows[update["iso3"]] = row
        for key in ("wb_region", "income_group"):
            if update[key] is not None:
                row[key] = update[key]
    return pa.Table.from_pylist(list(rows.values()), schema=ECONOMY_SCHEMA)
