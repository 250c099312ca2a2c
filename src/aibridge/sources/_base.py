"""The contract between data sources and the store.

A source (file importer or web connector) turns what it reads into one or more
:class:`Batch` objects: tidy observations keyed by ISO3 economy code, indicator metadata,
and an :class:`Origin` saying exactly where they came from. The store ingests a batch in one
transaction (``Store.ingest(batch)``); sources never touch the store themselves.

Observation table columns (``OBSERVATION_SCHEMA``):

=========  =========  ============================================================
column     type       meaning
=========  =========  ============================================================
economy    string     ISO 3166-1 alpha-3 (or a World Bank aggregate code, see below)
indicator  string     indicator code (WDI codes as is; other sources ``PREFIX.code``)
year       int16      calendar year
value      float64    the value (never NaN: missing cells are simply absent)
flag       string     ``None`` or one of ``FLAGS`` (estimate / imputed / provisional)
=========  =========  ============================================================

Indicator codes: World Bank WDI series keep their WDI code (``IT.NET.USER.ZS``). Every
other source prefixes its native code with a short upper-case source prefix and a dot, e.g.
``HDR.hdi``, ``EGDI.egdi``, ``OWID.ai_patents``, ``GH.developers``, ``EPOCH.notable_models``,
``SG.<gapminder concept>`` (only where no WDI code is mapped), ``SDG.<series>`` ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa

__all__ = [
    "FLAGS",
    "INDICATOR_COLUMNS",
    "OBSERVATION_SCHEMA",
    "Batch",
    "Origin",
    "Source",
    "UnknownCode",
    "indicator_table",
    "sha256_file",
]

FLAGS: Mapping[str, str] = {
    "E": "estimate",
    "I": "imputed",
    "P": "provisional",
}

OBSERVATION_SCHEMA = pa.schema(
    [
        pa.field("economy", pa.string(), nullable=False),
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("flag", pa.string(), nullable=True),
    ]
)

#: Columns of a batch's indicator metadata table. ``direction`` is +1 (higher is better),
#: -1 (lower is better) or null (not stated by the source).
INDICATOR_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "unit",
    "description",
    "topic",
    "direction",
    "licence",
    "source",
)


@dataclass(frozen=True)
class Origin:
    """Where a batch came from: enough to trace every observation back to its source.

    ``vintage`` labels the release (e.g. ``"2024-06-28"`` or ``"HDR 2023-24"``); when a
    source has no release label, use the file's modification date or the retrieval date.
    """

    source_id: str  # e.g. "wdi-bulk", "undp-hdr", "worldbank-api"
    uri: str  # absolute file path or the exact URL called
    sha256: str  # of the file or of the raw response body
    vintage: str
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    publisher: str | None = None
    licence: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class UnknownCode:
    """An economy code or name a source used that could not be mapped to ISO3."""

    code: str
    where: str  # file and line, or URL
    rows: int = 1


@dataclass
class Batch:
    """Observations, their indicators' metadata and their origin, ready to ingest.

    ``observations`` follows ``OBSERVATION_SCHEMA``; ``indicators`` has ``INDICATOR_COLUMNS``.
    ``unknown_codes`` feeds the import report: rows whose economy could not be mapped are
    listed there, never silently dropped. ``aggregates`` lists economy codes in the batch
    that are regions or income groups rather than economies.
    """

    origin: Origin
    observations: pa.Table
    indicators: pa.Table
    unknown_codes: list[UnknownCode] = field(default_factory=list)
    aggregates: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.observations.schema.equals(OBSERVATION_SCHEMA, check_metadata=False):
            self.observations = self.observations.select(OBSERVATION_SCHEMA.names).cast(
                OBSERVATION_SCHEMA
            )
        missing = set(INDICATOR_COLUMNS) - set(self.indicators.column_names)
        if missing:
            raise ValueError(f"indicator metadata lacks columns {sorted(missing)}")


@runtime_checkable
class Source(Protocol):
    """A data source: ``read`` yields batches; no store access, no global state."""

    source_id: str

    def read(self, path: Path | None = None) -> Iterator[Batch]: ...


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def indicator_table(rows: Sequence[Mapping[str, object]]) -> pa.Table:
    """Build an indicator metadata table from dicts (missing keys become null)."""
    return pa.table(
        {
            "code": pa.array([str(r["code"]) for r in rows], pa.string()),
            "name": pa.array([r.get("name") for r in rows], pa.string()),
            "unit": pa.array([r.get("unit") for r in rows], pa.string()),
            "description": pa.array([r.get("description") for r in rows], pa.string()),
            "topic": pa.array([r.get("topic") for r in rows], pa.string()),
            "direction": pa.array([r.get("direction") for r in rows], pa.int8()),
            "licence": pa.array([r.get("licence") for r in rows], pa.string()),
            "source": pa.array([r.get("source") for r in rows], pa.string()),
        }
    )
