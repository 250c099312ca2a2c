"""Economy-code resolution shared by the importers: any code or name → ISO3 (or ``None``).

Delegates to :func:`aibridge.reference.economies.resolve_economy` (the project's economy
reference) when it is available, and falls back to ``pycountry`` plus the World Bank's legacy
codes otherwise, so an importer never depends on the reference being built first. Results
are memoised per process: importers call :func:`resolve_many` on the *unique* codes of a
column (a few hundred), never per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import pycountry

__all__ = ["LEGACY_CODES", "resolve", "resolve_many"]

#: Legacy / non-ISO codes used by World Bank datasets (WGI, WDI) → the code the store uses.
#: Kosovo has no ISO 3166 code; the World Bank's ``XKX`` is kept.
LEGACY_CODES: dict[str, str] = {
    "ADO": "AND",
    "ROM": "ROU",
    "TMP": "TLS",
    "ZAR": "COD",
    "KSV": "XKX",
    "KOS": "XKX",
    "WBG": "PSE",
    "XKX": "XKX",
    "CHI": "CHI",  # Channel Islands (World Bank economy code)
}


def _reference() -> Callable[[str], str | None] | None:
    try:
        from aibridge.reference.economies import resolve_economy
    except ImportError:
        return None
    return resolve_economy


def _fallback(code: str) -> str | None:
    key = code.strip()
    if not key:
        return None
    upper = key.upper()
    if upper in LEGACY_CODES:
        return LEGACY_CODES[upper]
    try:
        if key.isdigit():
            country = pycountry.countries.get(numeric=key.zfill(3))
        elif len(key) == 2:
            country = pycountry.countries.get(alpha_2=upper)
        elif len(key) == 3:
            country = pycountry.countries.get(alpha_3=upper)
        else:
            country = pycountry.countries.lookup(key)  # exact name / official / common name
    except (KeyError, LookupError):
        return None
    return str(country.alpha_3) if country is not None else None


@lru_cache(maxsize=8192)
def resolve(code: str) -> str | None:
    """ISO3 for an ISO2 / ISO3 / M49 number / legacy World Bank code / English name."""
    ref = _reference()
    if ref is not None:
        try:
            hit = ref(code)
        except Exception:  # the reference is another module's code: never let it break imports
            hit = None
        if hit:
            return hit
    return _fallback(code)


def resolve_many(codes: Iterable[str]) -> dict[str, str | None]:
    """``{code: iso3 or None}`` for each distinct code."""
    return {code: resolve(code) for code in set(codes)}
