"""Small result objects returned by the store: query results, import reports, summaries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa

from aibridge.sources._base import Origin, UnknownCode

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

__all__ = ["ImportReport", "Observations", "Panel", "StagedBatch", "StoreStatus"]


class Observations:
    """The result of an observation query: an Arrow table with converters.

    Every row carries its provenance: ``source_id``, ``vintage`` (label), ``vintage_id`` and
    ``origin_id`` (join :meth:`Store.origins` for the file or URL, sha256 and retrieval time).

    The table comes straight out of DuckDB as Arrow; :meth:`to_polars` is zero-copy over it
    and :meth:`to_pandas` converts once.
    """

    __slots__ = ("_table",)

    def __init__(self, table: pa.Table):
        self._table = table

    def to_arrow(self) -> pa.Table:
        """The rows as a :class:`pyarrow.Table` (no copy)."""
        return self._table

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame."""
        return self._table.to_pandas()

    def to_polars(self) -> pl.DataFrame:
        """The rows as a polars DataFrame (zero-copy over the Arrow buffers)."""
        import polars as pl

        frame = pl.from_arrow(self._table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as a list of dicts (for JSON)."""
        return self._table.to_pylist()

    @property
    def columns(self) -> list[str]:
        return list(self._table.column_names)

    def __len__(self) -> int:
        return self._table.num_rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._table.to_pylist())

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Arrow PyCapsule interface: ``pl.DataFrame(obs)``, ``duckdb.sql('from obs')`` work."""
        return self._table.__arrow_c_stream__(requested_schema)

    def __repr__(self) -> str:
        return f"<Observations: {len(self)} rows>\n{self.to_pandas().head(10).to_string()}"

    def _repr_html_(self) -> str:  # Jupyter
        head = self.to_pandas().head(20).to_html(index=False)
        return f"<p>Observations: {len(self)} rows</p>{head}"


class Panel(NamedTuple):
    """A dense array for the engine: ``values[year, economy, indicator]``, NaN = missing.

    Unpacks as ``values, years, economies, indicators = store.panel(...)``.
    """

    values: np.ndarray
    years: np.ndarray
    economies: list[str]
    indicators: list[str]


@dataclass
class ImportReport:
    """What an import did. Nothing is dropped silently: unknown codes are listed here.

    ``inserted`` counts (economy, indicator, year) keys the store did not have, ``revised``
    keys whose current value (or flag) this import replaced, ``unchanged`` keys imported with
    the value already current, ``superseded`` values that differ from the current one but come
    from an older vintage (kept in the history, queryable with ``as_of``). ``written`` counts
    rows added to the history (0 on a re-import).
    """

    rows: int = 0
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0
    superseded: int = 0
    written: int = 0
    unknown_codes: list[UnknownCode] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    vintages: list[str] = field(default_factory=list)
    origin_ids: list[int] = field(default_factory=list)
    indicators: int = 0
    economies: int = 0
    aggregates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    indicator_codes: set[str] = field(default_factory=set, repr=False)
    economy_codes: set[str] = field(default_factory=set, repr=False)

    @property
    def unknown_rows(self) -> int:
        return sum(u.rows for u in self.unknown_codes)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")

    @classmethod
    def combine(cls, reports: Iterable[ImportReport]) -> ImportReport:
        reports = list(reports)
        total = cls()
        for r in reports:
            total.rows += r.rows
            total.inserted += r.inserted
            total.revised += r.revised
            total.unchanged += r.unchanged
            total.superseded += r.superseded
            total.written += r.written
            total.unknown_codes.extend(r.unknown_codes)
            total.sources.extend(s for s in r.sources if s not in total.sources)
            total.vintages.extend(v for v in r.vintages if v not in total.vintages)
            total.origin_ids.extend(r.origin_ids)
            total.aggregates.extend(a for a in r.aggregates if a not in total.aggregates)
            total.indicator_codes |= r.indicator_codes
            total.economy_codes |= r.economy_codes
            total.seconds += r.seconds
        # distinct across batches when the codes are known (a code in two batches counts once)
        total.indicators = len(total.indicator_codes) or sum(r.indicators for r in reports)
        total.economies = len(total.economy_codes) or max((r.economies for r in reports), default=0)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "superseded": self.superseded,
            "written": self.written,
            "unknown_rows": self.unknown_rows,
            "unknown_codes": [
                {"code": u.code, "where": u.where, "rows": u.rows} for u in self.unknown_codes
            ],
            "sources": self.sources,
            "vintages": self.vintages,
            "origin_ids": self.origin_ids,
            "indicators": self.indicators,
            "economies": self.economies,
            "aggregates": self.aggregates,
            "seconds": round(self.seconds, 3),
        }

    def __str__(self) -> str:
        text = (
            f"{self.rows:,} rows from {', '.join(self.sources) or '-'} "
            f"(vintage {', '.join(self.vintages) or '-'}): {self.inserted:,} new, "
            f"{self.revised:,} revised, {self.unchanged:,} unchanged"
            + (f", {self.superseded:,} older than the stored vintage" if self.superseded else "")
            + "; "
            f"{self.indicators:,} indicators, {self.economies:,} economies"
        )
        if self.unknown_codes:
            codes = ", ".join(sorted({u.code for u in self.unknown_codes})[:10])
            text += f"; {self.unknown_rows:,} rows with unknown economy codes not loaded ({codes})"
        return text


@dataclass(frozen=True)
class StoreStatus:
    """What a store holds: totals and a per-source coverage table."""

    path: str
    observations: int
    current: int
    indicators: int
    economies: int
    sources: pd.DataFrame  # one row per source_id

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.current:,} current values ({self.observations:,} in history), "
            f"{self.indicators:,} indicators, {self.economies:,} economies, "
            f"{len(self.sources)} sources"
        )


@dataclass
class StagedBatch:
    """A batch whose observations already sit in the store's DuckDB connection (fast path).

    A source with a ``stage_into(con, file, *, name)`` method returns one: it has parsed and
    reshaped the file with SQL inside ``con`` and left the observations in the temporary
    relation ``relation`` (columns economy, indicator, year, value, flag). The source still
    never touches a store table; :meth:`Store.import_path` then writes the relation in the same
    transaction. ``keys_unique`` says the source has already proved (economy, indicator, year)
    unique, so the store may skip its own duplicate check. ``latest_relation`` (optional) holds
    the most recent (year, value, flag) per (economy, indicator), which the source can often
    compute far more cheaply than a sort of the long rows. ``wide_relation`` (optional) holds
    the same data before the unpivot: columns economy, indicator and one ``y<year>`` column per
    year; the store then maps codes to its integer keys on the wide rows and unpivots itself.
    """

    origin: Origin
    relation: str
    indicators: pa.Table
    indicator_codes: list[str]
    rows: int = 0
    unknown_codes: list[UnknownCode] = field(default_factory=list)
    aggregates: frozenset[str] = frozenset()
    keys_unique: bool = False
    latest_relation: str | None = None
    wide_relation: str | None = None
