"""The six UN languages: gettext catalogs, CLDR names, numbers and dates (all through Babel).

Catalogs live in ``web/locale/<lang>/LC_MESSAGES/messages.po`` (template ``messages.pot``,
extracted from the templates and Python with ``pybabel extract -F web/babel.cfg``). The
``.po`` files are the source of truth; they are compiled in memory the first time a language
is used (Babel's ``write_mo``), so no binary ``.mo`` is committed and a translator's edit is
live on restart.

Country names come from CLDR (``Locale(lang).territories``), so they are the names each
language's own users expect; numbers and dates are formatted with the language's CLDR
symbols (Arabic uses Arabic-Indic digits and the Arabic decimal separator).
"""

from __future__ import annotations

import gettext
import io
import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Language",
    "country_name",
    "format_number",
    "format_pct",
    "format_when",
    "negotiate_language",
    "translations",
]

LOCALE_DIR: Final = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True)
class Language:
    """One UN language as the web app uses it."""

    code: str  # URL prefix and gettext catalog name
    cldr: str  # Babel/CLDR locale id
    native: str  # the language's name in itself (for the switcher)
    rtl: bool = False


#: The six official UN languages in UN (English alphabetical) order.
LANGUAGES: Final[dict[str, Language]] = {
    "ar": Language("ar", "ar", "العربية", rtl=True),
    "zh": Language("zh", "zh_Hans_CN", "中文"),
    "en": Language("en", "en", "English"),
    "fr": Language("fr", "fr", "Français"),
    "ru": Language("ru", "ru", "Русский"),
    "es": Language("es", "es", "Español"),
}


def negotiate_language(accept_language: str | None) -> str:
    """Pick the best of the six languages for an ``Accept-Language`` header (default English)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    preferred: list[tuple[float, str]] = []
    for i, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            preferred.append((q - i * 1e-6, tag.replace("-", "_")))
    ordered = [tag for _, tag in sorted(preferred, reverse=True)]
    # match on the primary subtag: zh-TW, fr-CA, es-419 all map to their UN language
    primaries = [tag.split("_")[0].lower() for tag in ordered]
    found = negotiate_locale(primaries, list(LANGUAGES))
    return found if found in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of ``lang``, compiled in memory from its ``.po`` catalog."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po_path.is_file():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[lang].cldr)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@lru_cache(maxsize=len(LANGUAGES))
def _locale(lang: str) -> Locale:
    return Locale.parse(LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANGUAGE]).cldr)


def country_name(iso2: str | None, lang: str, fallback: str) -> str:
    """The CLDR name of a territory in ``lang`` (by ISO2), else ``fallback``."""
    if iso2:
        name = _locale(lang).territories.get(iso2.upper())
        if name:
            return str(name)
    return fallback


#: UN M49 codes of the regions and sub-regions the economy reference names (English), so
#: their names come from CLDR in every language.
M49_REGIONS: Final[dict[str, str]] = {
    "Africa": "002",
    "Americas": "019",
    "Asia": "142",
    "Europe": "150",
    "Oceania": "009",
    "Northern Africa": "015",
    "Eastern Africa": "014",
    "Middle Africa": "017",
    "Southern Africa": "018",
    "Western Africa": "011",
    "Caribbean": "029",
    "Central America": "013",
    "South America": "005",
    "Northern America": "021",
    "Central Asia": "143",
    "Eastern Asia": "030",
    "South-eastern Asia": "035",
    "Southern Asia": "034",
    "Western Asia": "145",
    "Eastern Europe": "151",
    "Northern Europe": "154",
    "Southern Europe": "039",
    "Western Europe": "155",
    "Australia and New Zealand": "053",
    "Melanesia": "054",
    "Micronesia": "057",
    "Polynesia": "061",
}


def region_name(name: str | None, lang: str) -> str:
    """A UN region or sub-region (English name in the store) in ``lang`` from CLDR."""
    if not name:
        return "—"
    code = M49_REGIONS.get(name)
    if code:
        found = _locale(lang).territories.get(code)
        if found:
            return str(found)
    return name


def _pattern(value: float) -> str:
    """A CLDR decimal pattern with about three significant digits (grouping kept)."""
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return "#,##0"
    if magnitude >= 10:
        return "#,##0.#"
    if magnitude >= 1:
        return "#,##0.##"
    decimals = min(6, max(2, 2 - math.floor(math.log10(magnitude))))
    return "#,##0." + "#" * decimals


@lru_cache(maxsize=64)
def _parsed(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@lru_cache(maxsize=1 << 16)
def format_number(value: float | None, lang: str) -> str:
    """``value`` with the language's digits and separators; an em dash when missing.

    Cached, with parsed patterns reused: a map page formats a few hundred numbers twice.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return _parsed(_pattern(value)).apply(value, _locale(lang))


def format_pct(share: float, lang: str) -> str:
    """A share in [0, 1] as a localised percentage."""
    return format_percent(share, locale=_locale(lang))


def format_when(moment: date | datetime | None, lang: str) -> str:
    """A date (or timestamp) in the language's medium CLDR format."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return format_datetime(moment, format="medium", locale=_locale(lang))
    return format_date(moment, format="medium", locale=_locale(lang))


def format_int(value: int, lang: str) -> str:
    """An integer with the language's digits and grouping."""
    return format_decimal(value, locale=_locale(lang))
