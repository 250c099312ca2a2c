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
from collections.abc import Callable
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
from markupsafe import Markup

__all__ = [
    "DEFAULT_LANGUAGE",
    "FRAMEWORK_DOMAIN",
    "LANGUAGES",
    "REPORT_DOMAIN",
    "Language",
    "country_name",
    "format_number",
    "format_pct",
    "format_when",
    "framework_terms",
    "has_term",
    "indicator_html",
    "indicator_term",
    "lang_attr",
    "negotiate_language",
    "report_gettext",
    "term",
    "term_html",
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


# -- framework terms: a separate gettext domain --------------------------------------------
#
# Names of the built-in frameworks' nodes and indicators (ACI pillars and sub-pillars, gender
# lens, HDI), the frameworks' titles and descriptions, the ACI's expert inputs and the Action
# Plan action themes and SDG target wordings of ``action_map.yaml`` live in their own catalog,
# ``locale/<lang>/LC_MESSAGES/frameworks.po`` (template ``frameworks.pot``, written by
# ``scripts/extract-framework-terms`` from the YAML files; ADR 0024). The msgid is the English
# text of the framework file, so renaming a node in the YAML leaves it untranslated until its
# catalogs are updated (a test fails meanwhile). Interface text of the country report that
# the main catalog lacks is in the ``report`` domain (``report.po``, keyword ``_r``).

FRAMEWORK_DOMAIN: Final = "frameworks"
REPORT_DOMAIN: Final = "report"


@lru_cache(maxsize=4 * len(LANGUAGES))
def domain_messages(lang: str, domain: str) -> dict[str, str]:
    """The translated, non-fuzzy messages of ``domain`` in ``lang`` (msgid -> msgstr)."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES or not po_path.is_file():
        return {}
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[lang].cldr)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
        if not m.fuzzy
    }


def term(text: str | None, lang: str) -> str:
    """A framework term (node, indicator, framework title, action theme) in ``lang``; the
    English text where the catalog has no translation."""
    if not text:
        return ""
    return domain_messages(lang, FRAMEWORK_DOMAIN).get(text, text)


def has_term(text: str | None, lang: str) -> bool:
    """Whether ``text`` reads in ``lang``: English, or translated in the framework catalog."""
    return lang == DEFAULT_LANGUAGE or bool(
        text and text in domain_messages(lang, FRAMEWORK_DOMAIN)
    )


def term_html(text: str | None, lang: str) -> Markup:
    """:func:`term` as HTML: escaped, and wrapped in ``<span lang="en">`` where it falls back
    to English on a page in another language (screen readers switch voice)."""
    if not text:
        return Markup("")
    if has_term(text, lang):
        return Markup.escape(term(text, lang))
    return Markup('<span lang="en">%s</span>') % text


def lang_attr(text: str | None, lang: str) -> Markup:
    """`` lang="en"`` for an element whose text fell back to English (``<option>``, ``<th>``)."""
    return Markup("") if has_term(text, lang) else Markup(' lang="en"')


def report_gettext(lang: str) -> Callable[..., str]:
    """``_r(message, **params)`` of the report domain (English where untranslated)."""
    messages = domain_messages(lang, REPORT_DOMAIN)

    def _r(message: str, **params: object) -> str:
        text = messages.get(message, message)
        return text % params if params else text

    return _r


@lru_cache(maxsize=1)
def _framework_texts() -> tuple[tuple[str, ...], dict[str, str]]:
    """(every term in catalog order, store code -> English indicator name)."""
    from aibridge.analysis.aci import EXPERT_INPUTS, load_action_map
    from aibridge.frameworks import load_framework

    builtin = Path(__file__).resolve().parents[1] / "frameworks" / "builtin"
    seen: dict[str, None] = {}
    by_source: dict[str, str] = {}
    for path in sorted(builtin.glob("*.yaml")):
        fw = load_framework(path)
        sources = fw.source_codes()
        for text in (fw.name, fw.description, *(n.name for n in fw.nodes)):
            if text:
                seen.setdefault(str(text), None)
        for ind in fw.indicators:
            if ind.name:
                seen.setdefault(ind.name, None)
                by_source.setdefault(sources[ind.code], ind.name)
    for expert in EXPERT_INPUTS:
        seen.setdefault(str(expert["name"]), None)
        by_source.setdefault(str(expert["source"]), str(expert["name"]))
    amap = load_action_map()
    for key in ("actions", "sdg_targets"):
        for text in (amap.get(key) or {}).values():
            seen.setdefault(str(text), None)
    return tuple(seen), by_source


def framework_terms() -> tuple[str, ...]:
    """Every text of the framework catalog: titles, descriptions, node and indicator names of
    the built-in frameworks, the ACI's expert inputs, action themes and SDG targets."""
    return _framework_texts()[0]


def indicator_term(code: str, english: str, lang: str) -> str:
    """A store indicator's name in ``lang``: the translated name of the built-in framework
    indicator that reads this store code, else the publisher's English name."""
    name = _framework_texts()[1].get(code)
    if lang != DEFAULT_LANGUAGE and name and has_term(name, lang):
        return term(name, lang)
    return english


def indicator_html(code: str, english: str, lang: str) -> Markup:
    """:func:`indicator_term` as HTML (``<span lang="en">`` where it stays English)."""
    shown = indicator_term(code, english, lang)
    if lang == DEFAULT_LANGUAGE or shown != english:
        return Markup.escape(shown)
    return Markup('<span lang="en">%s</span>') % english
