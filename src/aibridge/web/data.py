"""Read-only queries the pages need, straight from the store's DuckDB tables.

The pages read the store's ``current`` (latest vintage of every value), ``latest`` (latest
year per economy and indicator), ``indicators``, ``economies`` and ``origins`` tables
through a fresh cursor per query (DuckDB connections are not shared across threads). Every
row handed to a template carries its ``source_id``, ``vintage``, ``year`` and ``flag``, so
every number on a page shows where it came from and whether it was estimated or imputed.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
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
    """Cached, read-only access to the store for the pages (one per app).

    Metadata, coverage and each indicator's full series are cached in memory and keyed by the
    store's *version* (the number of origins and their latest id, one cheap query per
    request): an import through any process adds an origin, which empties every cache, so
    pages never show stale numbers. Per-indicator caching is what makes the map's year slider
    and the profile's peer medians fast: one scan of ``current`` per indicator, then Python.
    """

    #: Indicators whose full series are kept in memory (about 17,000 rows at most each).
    SERIES_CACHE = 64
    #: Seconds between two checks of the store version.
    VERSION_CHECK_S = 1.0

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._checked_at = 0.0
        self._cache: dict[str, Any] = {}
        self._series: OrderedDict[str, list[Value]] = OrderedDict()

    # -- plumbing -----------------------------------------------------------------------------
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self.store.con.cursor()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    def _check_version(self) -> None:
        # at most one version query per VERSION_CHECK_S (pages call the cached getters often)
        now = time.monotonic()
        if self._version is not None and now - self._checked_at < self.VERSION_CHECK_S:
            return
        self._checked_at = now
        row = self._rows("SELECT count(*), coalesce(max(origin_id), 0) FROM origins")[0]
        version = (int(row[0]), int(row[1]))
        if version != self._version:
            with self._lock:
                self._version = version
                self._cache = {}
                self._series = OrderedDict()

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        self._check_version()
        cache = self._cache
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def invalidate(self) -> None:
        """Forget everything cached (the version check does this after any import)."""
        with self._lock:
            self._version = None
            self._cache = {}
            self._series = OrderedDict()

    def indicator_series(self, indicator: str) -> list[Value]:
        """Every current value of one indicator (all economies and years), cached."""
        self._check_version()
        with self._lock:
            found = self._series.get(indicator)
            if found is not None:
                self._series.move_to_end(indicator)
                return found
        rows = self._rows(
            f"SELECT {_VALUE_COLUMNS} FROM current WHERE indicator = ? ORDER BY economy, year",
            [indicator],
        )
        values = [_value(r) for r in rows if math.isfinite(r[3])]
        with self._lock:
            self._series[indicator] = values
            while len(self._series) > self.SERIES_CACHE:
                self._series.popitem(last=False)
        return values

    # -- metadata -----------------------------------------------------------------------------
    def economies(self) -> dict[str, Economy]:
        """Every economy and aggregate, by ISO3 code."""
        economies: dict[str, Economy] = self._cached("economies", self._load_economies)
        return economies  # shared and read-only

    def _load_economies(self) -> dict[str, Economy]:
        rows = self._rows(
            "SELECT iso3, iso2, m49, name, un_region, un_subregion, wb_region, income_group,"
            " is_aggregate FROM economies ORDER BY iso3"
        )
        return {
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
        metas: dict[str, IndicatorMeta] = self._cached("indicators", self._load_indicators)
        return metas  # shared and read-only

    def _load_indicators(self) -> dict[str, IndicatorMeta]:
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
        return metas

    def indicator(self, code: str) -> IndicatorMeta:
        found = self.indicators().get(code)
        if found is None:
            raise NotFoundError(
                f"unknown indicator {code!r}; search the indicators page for its code"
            )
        return found

    def coverage(self) -> dict[str, tuple[int, int, int, int]]:
        """Per indicator: (economies with data, first year, last year, observations)."""

        def load() -> dict[str, tuple[int, int, int, int]]:
            rows = self._rows(
                "SELECT indicator, count(DISTINCT economy), min(year), max(year), count(*)"
                " FROM current GROUP BY indicator"
            )
            return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

        coverage: dict[str, tuple[int, int, int, int]] = self._cached("coverage", load)
        return coverage  # shared and read-only

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
        return list(self._cached("origins", self._load_origins))

    def _load_origins(self) -> list[dict[str, Any]]:
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

        def load() -> dict[str, tuple[int, int, int, int, int]]:
            rows = self._rows(
                "SELECT source_id, count(DISTINCT indicator), count(DISTINCT economy), min(year),"
                " max(year), count(*) FROM current GROUP BY source_id"
            )
            return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}

        return dict(self._cached("sources", load))

    # -- values -------------------------------------------------------------------------------
    def years(self, indicator: str) -> tuple[int, int]:
        cov = self.coverage().get(indicator)
        if cov is None:
            raise NotFoundError(f"indicator {indicator!r} has no data in the store")
        return cov[1], cov[2]

    def map_values(self, indicator: str, year: int) -> list[Value]:
        """Each economy's latest value of ``indicator`` in [year - tolerance, year], highest
        value first."""
        best: dict[str, Value] = {}
        lo = year - MAP_TOLERANCE_YEARS
        for v in self.indicator_series(indicator):  # sorted by economy, year
            if lo <= v.year <= year:
                best[v.economy] = v
        return sorted(best.values(), key=lambda v: (-v.value, v.economy))

    def best_map_year(self, indicator: str) -> int:
        """The latest year with at least half the economies of the best-covered year."""
        counts = Counter(v.year for v in self.indicator_series(indicator))
        if not counts:
            raise NotFoundError(f"indicator {indicator!r} has no data in the store")
        most = max(counts.values())
        return max(y for y, n in counts.items() if n >= most / 2)

    def series(self, economies: Sequence[str], indicator: str) -> list[Value]:
        """Every year of ``indicator`` for the economies (current vintage), by economy, year."""
        wanted = set(economies)
        return [v for v in self.indicator_series(indicator) if v.economy in wanted]

    def group_medians(self, indicator: str, members: Sequence[str]) -> dict[int, float]:
        """Median of ``indicator`` per year across ``members`` (years with 3+ values)."""
        wanted = set(members)
        by_year: dict[int, list[float]] = defaultdict(list)
        for v in self.indicator_series(indicator):
            if v.economy in wanted:
                by_year[v.year].append(v.value)
        return {
            year: float(statistics.median(vals))
            for year, vals in sorted(by_year.items())
            if len(vals) >= 3
        }

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
