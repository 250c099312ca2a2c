"""Read-only queries the pages need, straight from the store's DuckDB tables.

The pages read the store's ``current`` (latest vintage of every value), ``latest`` (latest
year per economy and indicator), ``indicators``, ``economies`` and ``origins`` tables
through a fresh cursor per query (DuckDB connections are not shared across threads). Every
row handed to a template carries its ``source_id``, ``vintage``, ``year`` and ``flag``, so
every number on a page shows where it came from and whether it was estimated or imputed.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from aibridge.errors import NotFoundError

if TYPE_CHECKING:
    import duckdb

    from aibridge.store import Store

__all__ = ["FEATURED", "Economy", "IndicatorMeta", "Value", "WebData"]

#: Indicators offered first on the map, profile and compare pages (those present in the store,
#: in this order): AI-capacity-relevant series of the shared open data.
FEATURED: Final[tuple[str, ...]] = (
    "IT.NET.USER.ZS",
    "IT.NET.BBND.P2",
    "IT.CEL.SETS.P2",
    "IT.NET.SECR.P6",
    "GB.XPD.RSDV.GD.ZS",
    "SP.POP.SCIE.RD.P6",
    "SE.TER.ENRR",
    "TX.VAL.TECH.MF.ZS",
    "BX.GSR.CCIS.ZS",
    "EGDI.egdi",
    "EGDI.osi",
    "EGDI.hci",
    "EGDI.tii",
    "ITU.gci",
    "SPI.overall",
    "HDR.hdi",
    "HDR.gii",
    "EPOCH.notable_models",
    "GH.developers",
    "GH.repositories",
    "NY.GDP.PCAP.CD",
)

#: A map year shows each economy's latest value up to that year, at most this many years old
#: (Our World in Data's Grapher uses the same kind of tolerance).
MAP_TOLERANCE_YEARS: Final = 5


@dataclass(frozen=True)
class Economy:
    iso3: str
    iso2: str | None
    m49: int | None
    name: str  # English; pages localise through CLDR by iso2
    un_region: str | None
    un_subregion: str | None
    wb_region: str | None
    income_group: str | None
    is_aggregate: bool


@dataclass(frozen=True)
class IndicatorMeta:
    code: str
    name: str
    unit: str | None
    description: str | None
    topic: str | None
    direction: int | None
    licence: str | None
    source: str | None
    source_id: str | None


@dataclass(frozen=True)
class Value:
    """One number as shown on a page, with its provenance."""

    economy: str
    indicator: str
    year: int
    value: float
    flag: str | None
    source_id: str
    vintage: str
    origin_id: int | None = None  # the file or API response it came from (origins table)


def _value(row: Sequence[Any]) -> Value:
    return Value(
        economy=row[0],
        indicator=row[1],
        year=int(row[2]),
        value=float(row[3]),
        flag=row[4],
        source_id=row[5],
        vintage=row[6],
        origin_id=None if len(row) < 8 or row[7] is None else int(row[7]),
    )


_VALUE_COLUMNS: Final = "economy, indicator, year, value, flag, source_id, vintage, origin_id"


class WebData:
    """Cached, read-only access to the store for the pages (one per app)."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._economies: dict[str, Economy] | None = None
        self._indicators: dict[str, IndicatorMeta] | None = None
        self._coverage: dict[str, tuple[int, int, int, int]] | None = None

    # -- plumbing -----------------------------------------------------------------------------
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self.store.con.cursor()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    def invalidate(self) -> None:
        """Forget cached metadata (after an import)."""
        with self._lock:
            self._economies = self._indicators = None
            self._coverage = None

    # -- metadata -----------------------------------------------------------------------------
    def economies(self) -> dict[str, Economy]:
        """Every economy and aggregate, by ISO3 code."""
        if self._economies is None:
            rows = self._rows(
                "SELECT iso3, iso2, m49, name, un_region, un_subregion, wb_region, income_group,"
                " is_aggregate FROM economies ORDER BY iso3"
            )
            self._economies = {
                r[0]: Economy(
                    iso3=r[0],
                    iso2=r[1],
                    m49=None if r[2] is None else int(r[2]),
                    name=r[3] or r[0],
                    un_region=r[4],
                    un_subregion=r[5],
                    wb_region=r[6],
                    income_group=r[7],
                    is_aggregate=bool(r[8]),
                )
                for r in rows
            }
        return self._economies

    def economy(self, iso3: str) -> Economy:
        found = self.economies().get(iso3.upper())
        if found is None:
            raise NotFoundError(
                f"unknown economy {iso3!r}; use an ISO3 code such as KEN (see the countries page)"
            )
        return found

    def countries(self) -> list[Economy]:
        """Economies that are not aggregates (regions, income groups, World)."""
        return [e for e in self.economies().values() if not e.is_aggregate]

    def indicators(self) -> dict[str, IndicatorMeta]:
        """Indicator metadata by code."""
        if self._indicators is None:
            rows = self._rows(
                "SELECT code, name, unit, description, topic, direction, licence, source,"
                " source_id FROM indicators ORDER BY code"
            )
            metas: dict[str, IndicatorMeta] = {}
            for r in rows:
                metas.setdefault(
                    r[0],
                    IndicatorMeta(
                        code=r[0],
                        name=r[1] or r[0],
                        unit=r[2],
                        description=r[3],
                        topic=r[4],
                        direction=None if r[5] is None else int(r[5]),
                        licence=r[6],
                        source=r[7],
                        source_id=r[8],
                    ),
                )
            self._indicators = metas
        return self._indicators

    def indicator(self, code: str) -> IndicatorMeta:
        found = self.indicators().get(code)
        if found is None:
            raise NotFoundError(
                f"unknown indicator {code!r}; search the indicators page for its code"
            )
        return found

    def coverage(self) -> dict[str, tuple[int, int, int, int]]:
        """Per indicator: (economies with data, first year, last year, observations)."""
        if self._coverage is None:
            rows = self._rows(
                "SELECT indicator, count(DISTINCT economy), min(year), max(year), count(*)"
                " FROM current GROUP BY indicator"
            )
            self._coverage = {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
        return self._coverage

    def featured(self) -> list[IndicatorMeta]:
        """The FEATURED indicators that have data, then (if fewer than 8) the best covered."""
        cov = self.coverage()
        metas = self.indicators()
        chosen = [metas[c] for c in FEATURED if c in cov and c in metas]
        if len(chosen) < 8:
            extra = sorted(
                (c for c in cov if c in metas and c not in FEATURED),
                key=lambda c: (-cov[c][0], c),
            )
            chosen += [metas[c] for c in extra[: 8 - len(chosen)]]
        return chosen

    def search_indicators(
        self, query: str = "", *, source: str | None = None
    ) -> list[IndicatorMeta]:
        """Indicators with data whose code, name, topic or description contain every word."""
        words = [w.lower() for w in query.split() if w]
        cov = self.coverage()
        found = []
        for meta in self.indicators().values():
            if meta.code not in cov:
                continue
            if source and meta.source_id != source:
                continue
            hay = " ".join(
                filter(None, (meta.code, meta.name, meta.topic, meta.description, meta.source))
            ).lower()
            if all(w in hay for w in words):
                found.append(meta)
        return found

    def origins(self) -> list[dict[str, Any]]:
        """Every imported file or API response, newest first."""
        cur = self._cursor()
        try:
            rel = cur.execute(
                "SELECT origin_id, source_id, vintage, uri, sha256,"
                " epoch_ms(retrieved_at) AS retrieved_at,"
                " epoch_ms(imported_at) AS imported_at, publisher,"
                " licence, title, n_rows, inserted, revised, unchanged, unknown FROM origins"
                " ORDER BY source_id, imported_at DESC"
            )
            names = [d[0] for d in rel.description]
            rows = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
        finally:
            cur.close()
        # timestamps travel as epoch milliseconds: DuckDB's TIMESTAMPTZ -> Python needs pytz
        for row in rows:
            for key in ("retrieved_at", "imported_at"):
                if row[key] is not None:
                    row[key] = datetime.fromtimestamp(row[key] / 1000, tz=UTC)
        return rows

    def source_summary(self) -> dict[str, tuple[int, int, int, int, int]]:
        """Per source id: (indicators, economies, first year, last year, values) in ``current``."""
        rows = self._rows(
            "SELECT source_id, count(DISTINCT indicator), count(DISTINCT economy), min(year),"
            " max(year), count(*) FROM current GROUP BY source_id"
        )
        return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}

    # -- values -------------------------------------------------------------------------------
    def years(self, indicator: str) -> tuple[int, int]:
        cov = self.coverage().get(indicator)
        if cov is None:
            raise NotFoundError(f"indicator {indicator!r} has no data in the store")
        return cov[1], cov[2]

    def map_values(self, indicator: str, year: int) -> list[Value]:
        """Each economy's latest value of ``indicator`` in [year - tolerance, year]."""
        rows = self._rows(
            f"SELECT {_VALUE_COLUMNS} FROM current WHERE indicator = ? AND year BETWEEN ? AND ?"
            " QUALIFY row_number() OVER (PARTITION BY economy ORDER BY year DESC) = 1"
            " ORDER BY value DESC, economy",
            [indicator, year - MAP_TOLERANCE_YEARS, year],
        )
        return [_value(r) for r in rows if math.isfinite(r[3])]

    def best_map_year(self, indicator: str) -> int:
        """The latest year with at least half the economies of the best-covered year."""
        rows = self._rows(
            "SELECT year, count(*) FROM current WHERE indicator = ? GROUP BY year ORDER BY year",
            [indicator],
        )
        if not rows:
            raise NotFoundError(f"indicator {indicator!r} has no data in the store")
        most = max(n for _, n in rows)
        return max(int(y) for y, n in rows if n >= most / 2)

    def series(self, economies: Sequence[str], indicator: str) -> list[Value]:
        """Every year of ``indicator`` for the economies (current vintage), by economy, year."""
        if not economies:
            return []
        marks = ", ".join("?" for _ in economies)
        rows = self._rows(
            f"SELECT {_VALUE_COLUMNS} FROM current WHERE indicator = ? AND economy IN ({marks})"
            " ORDER BY economy, year",
            [indicator, *economies],
        )
        return [_value(r) for r in rows]

    def group_medians(self, indicator: str, members: Sequence[str]) -> dict[int, float]:
        """Median of ``indicator`` per year across ``members`` (years with 3+ values)."""
        if not members:
            return {}
        marks = ", ".join("?" for _ in members)
        rows = self._rows(
            f"SELECT year, median(value), count(*) FROM current WHERE indicator = ?"
            f" AND economy IN ({marks}) GROUP BY year HAVING count(*) >= 3 ORDER BY year",
            [indicator, *members],
        )
        return {int(r[0]): float(r[1]) for r in rows}

    def latest_values(self, iso3: str) -> list[Value]:
        """The latest year of every indicator for one economy."""
        rows = self._rows(
            f"SELECT {_VALUE_COLUMNS} FROM latest WHERE economy = ? ORDER BY indicator",
            [iso3],
        )
        return [_value(r) for r in rows]

    def indicators_for(self, iso3: str) -> set[str]:
        """Codes of the indicators with at least one value for ``iso3``."""
        return {r[0] for r in self._rows("SELECT indicator FROM latest WHERE economy = ?", [iso3])}
