"""Small, deterministic store batches for the API and web tests: ten economies, internet use
for 2015-2022 and the four HDI components for 2021-2022 (enough to rank the built-in HDI)."""

from __future__ import annotations

from collections.abc import Callable

from aibridge.sources._base import Origin

Row = dict[str, object]

ECONOMIES = ("KEN", "NGA", "FRA", "CHN", "SAU", "BRA", "IND", "USA", "DEU", "EGY")
YEARS = range(2015, 2023)

#: the metadata of the internet-use series, as WDI gives it
INTERNET_USE: dict[str, object] = {
    "code": "IT.NET.USER.ZS",
    "name": "Individuals using the Internet (% of population)",
    "unit": "%",
    "description": "Internet users are individuals who have used the Internet.",
    "topic": "Infrastructure",
    "direction": 1,
    "licence": "CC BY-4.0",
    "source": "World Development Indicators",
}


def origin(
    source: str,
    vintage: str,
    *,
    uri: str | None = None,
    sha256: str | None = None,
    title: str | None = None,
) -> Origin:
    """A test origin (publisher "Test publisher", CC BY-4.0); the URI, hash and title
    follow from ``source`` and ``vintage`` unless given."""
    return Origin(
        source_id=source,
        uri=uri or f"/data/{source}-{vintage}.csv",
        sha256=sha256 or (vintage.replace("-", "") * 8)[:64],
        vintage=vintage,
        publisher="Test publisher",
        licence="CC BY-4.0",
        title=title or f"Test {source}",
    )


def panel_rows(extra: Callable[[int, str], list[Row]] | None = None) -> list[Row]:
    """Observation rows, economy by economy: internet use for every year (Kenya 2022
    flagged ``E``), then ``extra(i, economy)``'s rows, then the HDI components
    (``HDR.le``, ``HDR.eys``, ``HDR.mys``, ``HDR.gnipc``) for 2021 and 2022."""
    rows: list[Row] = []
    for i, eco in enumerate(ECONOMIES):
        for year in YEARS:
            rows.append(
                {
                    "economy": eco,
                    "indicator": "IT.NET.USER.ZS",
                    "year": year,
                    "value": 10.0 + 7 * i + 2.5 * (year - 2015),
                    "flag": "E" if (eco == "KEN" and year == 2022) else None,
                }
            )
        if extra is not None:
            rows.extend(extra(i, eco))
        for year in (2021, 2022):
            for code, value in (
                ("HDR.le", 55.0 + 3 * ((i * 7) % 10) + 0.2 * (year - 2021)),
                ("HDR.eys", 9.0 + 0.8 * i),
                ("HDR.mys", 4.0 + (0.9 * i if i % 2 else 0.6 * i)),
                ("HDR.gnipc", 1500.0 * (1 + (i * 3) % 10) ** 1.6),
            ):
                rows.append(
                    {"economy": eco, "indicator": code, "year": year, "value": value, "flag": None}
                )
    return rows
