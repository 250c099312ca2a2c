"""Query parameters shared by routes, each with its limits (sizes, ranges, list lengths)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query
from pydantic import StringConstraints

__all__ = [
    "ECONOMY_CODE",
    "INDICATOR_CODE",
    "EconomyPath",
    "EconomyQuery",
    "IndicatorPath",
    "IndicatorQuery",
    "split_codes",
]

#: ISO3 codes and the stores' aggregate codes (letters, digits, underscore).
ECONOMY_CODE: Final = r"^[A-Za-z0-9_]{2,12}$"
#: WDI codes and PREFIX.native codes (letters, digits and . _ - : /).
INDICATOR_CODE: Final = r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$"
_ECONOMY_LIST: Final = r"^[A-Za-z0-9_]{2,12}(,[A-Za-z0-9_]{2,12})*$"
_INDICATOR_LIST: Final = (
    r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}(,[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199})*$"
)
MAX_CODES: Final = 300

EconomyPath = Annotated[
    str,
    Path(
        pattern=ECONOMY_CODE,
        description="ISO 3166-1 alpha-3 code (or an aggregate code such as WLD).",
        examples=["KEN"],
    ),
]
IndicatorPath = Annotated[
    str,
    Path(
        pattern=INDICATOR_CODE,
        max_length=200,
        description="Indicator code (WDI code or PREFIX.native_code).",
        examples=["IT.NET.USER.ZS"],
    ),
]
EconomyQuery = Annotated[
    list[Annotated[str, StringConstraints(pattern=_ECONOMY_LIST, max_length=4000)]] | None,
    Query(
        max_length=MAX_CODES,
        description=f"Economy codes (ISO3); repeat the parameter or separate with commas; at "
        f"most {MAX_CODES}.",
        examples=[["KEN", "UGA"]],
    ),
]
IndicatorQuery = Annotated[
    list[Annotated[str, StringConstraints(pattern=_INDICATOR_LIST, max_length=8000)]] | None,
    Query(
        max_length=MAX_CODES,
        description=f"Indicator codes; repeat the parameter or separate with commas; at most "
        f"{MAX_CODES}.",
        examples=[["IT.NET.USER.ZS"]],
    ),
]


def split_codes(values: list[str] | None, *, pattern: str, what: str) -> list[str] | None:
    """Codes from repeated and comma-separated parameters, upper-cased for economies,
    deduplicated in order; 422 when a code is malformed or there are too many."""
    import re

    from aibridge.api.errors import ApiProblem

    if not values:
        return None
    out: list[str] = []
    seen: set[str] = set()
    rx = re.compile(pattern)
    for value in values:
        for code in value.split(","):
            code = code.strip()
            if what == "economy":
                code = code.upper()
            if not rx.match(code):
                raise ApiProblem(
                    422,
                    f"{what} code {code[:60]!r} is malformed; expected something like "
                    + ("KEN" if what == "economy" else "IT.NET.USER.ZS"),
                    kind="invalid-request",
                )
            if code not in seen:
                seen.add(code)
                out.append(code)
    if len(out) > MAX_CODES:
        raise ApiProblem(
            422, f"at most {MAX_CODES} {what} codes per request; got {len(out)}", kind="too-many"
        )
    return out
