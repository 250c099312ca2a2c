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

import pyarrow as pa
import pyarrow.compute as pc
import pycountry

__all__ = ["LEGACY_CODES", "is_aggregate", "map_column", "resolve", "resolve_many"]

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
    "XKK": "XKX",  # Kosovo in some World Bank survey files (GovTech)
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


@lru_cache(maxsize=8192)
def is_aggregate(code: str) -> bool:
    """Whether ``code`` is a known aggregate (World Bank region / income group / World)."""
    try:
        from aibridge.reference.economies import is_aggregate as ref_is_aggregate
    except ImportError:
        return code.upper() == "WLD"
    try:
        return bool(ref_is_aggregate(code))
    except Exception:
        return False


def map_column(
    codes: pa.Array | pa.ChunkedArray, where: str
) -> tuple[pa.Array, pa.Array, list[tuple[str, int]], frozenset[str]]:
    """Map a column of economy codes/names to ISO3, vectorised over its distinct values.

    Returns ``(iso3, keep_mask, unknown, aggregates)``: ``iso3`` is null where a code is
    unknown, ``keep_mask`` marks the rows to keep, ``unknown`` lists ``(code, rows)`` for the
    import report and ``aggregates`` the mapped codes that are aggregates.
    """
    del where  # the caller builds UnknownCode entries with its own location
    column = pa.chunked_array([codes]) if isinstance(codes, pa.Array) else codes
    column = column.cast(pa.string())
    distinct = pc.unique(column).drop_null()
    mapping = resolve_many(distinct.to_pylist())
    keys = pa.array(list(mapping), pa.string())
    values = pa.array([mapping[k] for k in mapping], pa.string())
    iso3 = pc.take(values, pc.index_in(column, value_set=keys)).combine_chunks()
    keep = pc.is_valid(iso3)
    unknown: list[tuple[str, int]] = []
    if not pc.all(keep).as_py():
        counts = pc.value_counts(pc.filter(column, pc.invert(keep)).fill_null("<empty>"))
        unknown = sorted((str(c["values"]), int(c["counts"])) for c in counts.to_pylist())
    aggregates = frozenset(v for v in set(mapping.values()) if v and is_aggregate(v))
    return iso3, keep, unknown, aggregates
