"""Helpers shared by the file importers: economy-code mapping with an unknown-code report,
building observation tables, provenance and path checks, and assembling the batch.

An importer reads its file with pandas (they are small: the largest is 2 MB), maps the
economy column through :class:`EconomyMapper` — which resolves each *distinct* code once and
records every unmapped code with its rows in ``unknown`` — and hands tidy columns to
:func:`observations`. Importers that read with Arrow use :func:`map_economy_column` and
:func:`arrow_observations` instead. Either way the batch is assembled by :func:`file_batch`
from the source's :class:`Release` (source id, vintage, publisher, licence), the file, the
observations, the indicator rows and the economy mapping (its unknown codes and aggregates)::

    RELEASE = Release("itu-gci-2020", vintage="GCI 2020", publisher="ITU", licence=LICENCE)
    mapper = EconomyMapper(where=str(file))
    ...
    return file_batch(file, RELEASE, title="...", observations=obs, indicators=rows,
                      economies=mapper)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.reference.economies import classify_economy
from aibridge.sources._base import (
    OBSERVATION_SCHEMA,
    Batch,
    Origin,
    UnknownCode,
    indicator_table,
    sha256_file,
)
from aibridge.sources._geo import map_column


@dataclass
class EconomyMetadataBatch(Batch):
    """A batch that also carries an economy-metadata update (ECONOMY_UPDATE_SCHEMA): World
    Bank region / income group, or the names of a source's own aggregates. Applied by
    :func:`aibridge.sources.catalog.ingest_batches` through ``Store.update_economies``."""

    economy_updates: pa.Table | None = None


def economy_updates_of(batch: Batch) -> pa.Table | None:
    """The economy-metadata update a batch carries, if any."""
    updates = getattr(batch, "economy_updates", None)
    return updates if isinstance(updates, pa.Table) else None


def aggregate_updates(names: Mapping[str, str], *, as_of: str | None = None) -> pa.Table:
    """An economy update naming a source's own aggregates (code -> name)."""
    from aibridge.reference.economies import ECONOMY_UPDATE_SCHEMA

    codes = sorted(names)
    return pa.table(
        {
            "iso3": codes,
            "name": [names[c] for c in codes],
            "wb_region": pa.array([None] * len(codes), pa.string()),
            "income_group": pa.array([None] * len(codes), pa.string()),
            "is_aggregate": [True] * len(codes),
            "as_of": [as_of] * len(codes),
        },
        schema=ECONOMY_UPDATE_SCHEMA,
    )


__all__ = [
    "EconomyMapper",
    "EconomyMetadataBatch",
    "EconomyReport",
    "MappedEconomies",
    "Release",
    "aggregate_updates",
    "arrow_observations",
    "economy_updates_of",
    "file_batch",
    "find_file",
    "make_origin",
    "map_economy_column",
    "observations",
    "read_csv",
    "require_columns",
    "slug",
]


@dataclass
class EconomyMapper:
    """Map source economy codes or names to store codes, remembering what did not map.

    ``aggregates`` maps source-specific aggregate codes (e.g. UNDP ``ZZK.WORLD``) to the code
    to store; those and World Bank aggregates are collected in ``aggregate_codes``.
    ``overrides`` maps a source code straight to a store code (checked first).
    """

    where: str
    aggregates: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, str] = field(default_factory=dict)
    unknown: Counter[str] = field(default_factory=Counter)
    aggregate_codes: set[str] = field(default_factory=set)
    _cache: dict[str, str | None] = field(default_factory=dict)

    def one(self, code: str) -> str | None:
        if code in self._cache:
            return self._cache[code]
        result: str | None
        if code in self.overrides:
            result = self.overrides[code]
        elif code in self.aggregates:
            result = self.aggregates[code]
            self.aggregate_codes.add(result)
        else:
            match = classify_economy(code)
            result = match.code if match else None
            if match and match.is_aggregate:
                self.aggregate_codes.add(match.code)
        self._cache[code] = result
        return result

    def map(self, codes: Sequence[Any]) -> np.ndarray:
        """Store code per row (``None`` where unknown; those rows are counted in ``unknown``)."""
        out = np.empty(len(codes), dtype=object)
        for i, code in enumerate(codes):
            text = "" if code is None or (isinstance(code, float) and np.isnan(code)) else str(code)
            mapped = self.one(text) if text.strip() else None
            out[i] = mapped
            if mapped is None:
                self.unknown[text] += 1
        return out

    def unknown_codes(self) -> list[UnknownCode]:
        return [
            UnknownCode(code=code or "<empty>", where=self.where, rows=rows)
            for code, rows in sorted(self.unknown.items())
        ]


def observations(
    economy: Iterable[Any],
    indicator: Iterable[Any],
    year: Iterable[Any],
    value: Iterable[Any],
    flag: Iterable[Any] | None = None,
) -> pa.Table:
    """An ``OBSERVATION_SCHEMA`` table; rows with no economy or a NaN value are dropped."""
    frame = pd.DataFrame(
        {
            "economy": list(economy),
            "indicator": list(indicator),
            "year": list(year),
            "value": pd.to_numeric(pd.Series(list(value), dtype=object), errors="raise"),
        }
    )
    frame["flag"] = list(flag) if flag is not None else None
    frame = frame[frame["economy"].notna() & frame["value"].notna()]
    return pa.Table.from_pandas(
        frame.astype({"year": "int16", "value": "float64"}),
        schema=OBSERVATION_SCHEMA,
        preserve_index=False,
    )


def make_origin(
    path: Path,
    *,
    source_id: str,
    vintage: str,
    publisher: str,
    licence: str,
    title: str,
) -> Origin:
    """Provenance of one file: absolute path, sha256, modification time as retrieval time."""
    resolved = path.resolve()
    return Origin(
        source_id=source_id,
        uri=str(resolved),
        sha256=sha256_file(resolved),
        vintage=vintage,
        retrieved_at=datetime.fromtimestamp(resolved.stat().st_mtime, UTC),
        publisher=publisher,
        licence=licence,
        title=title,
    )


def find_file(path: Path | None, pattern: str, *, source_id: str, folder: str) -> Path:
    """The file to read: ``path`` itself if it is a file, else the one ``pattern`` in it."""
    if path is None:
        from aibridge.settings import find_shared_data

        root = find_shared_data()
        if root is None:
            raise SourceUnavailable(
                f"no path given and the shared open-data folder was not found; pass the "
                f"{folder}/ folder or set AIBRIDGE_SHARED_DATA",
                source_id=source_id,
            )
        path = root / folder
    if path.is_file():
        return path
    if not path.is_dir():
        raise SourceUnavailable(
            f"{path} does not exist; pass the {folder}/ folder", source_id=source_id
        )
    matches = sorted(path.glob(pattern))
    if not matches:
        raise SourceUnavailable(
            f"no file matching {pattern!r} in {path}; pass the {folder}/ folder",
            source_id=source_id,
        )
    return matches[0]


def find_files(path: Path | None, pattern: str, *, source_id: str, folder: str) -> list[Path]:
    """All files matching ``pattern`` in the folder (or ``path`` itself if it is a file)."""
    first = find_file(path, pattern, source_id=source_id, folder=folder)
    if path is not None and path.is_file():
        return [first]
    return sorted(first.parent.glob(pattern))


def read_csv(
    path: Path, *, source_id: str, encoding: str = "utf-8-sig", **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV as strings-with-NaN-for-empty (keeps Namibia's ``NA``), mapping errors."""
    try:
        return pd.read_csv(
            path,
            encoding=encoding,
            keep_default_na=False,
            na_values=[""],
            dtype=str,
            **kwargs,
        )
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"not {encoding} text ({exc.reason} at byte {exc.start}); is this the right file?",
            source_id=source_id,
            path=str(path),
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(
            f"cannot parse CSV: {exc}", source_id=source_id, path=str(path)
        ) from exc


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str], *, path: Path, source_id: str
) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"missing column(s) {missing}; found {list(frame.columns)[:8]} — is this the "
            f"{source_id} file?",
            source_id=source_id,
            path=str(path),
            line=1,
        )


def to_numbers(
    frame: pd.DataFrame,
    column: str,
    *,
    path: Path,
    source_id: str,
    header_lines: int = 1,
    missing: tuple[str, ...] = (),
) -> pd.Series:
    """Numeric column; a non-numeric cell raises naming the file, line and column.

    Blank cells and cells equal to one of ``missing`` (e.g. a literal ``"NaN"`` or ``"-"``
    the publisher uses for "not available") are treated as empty.
    """
    raw = frame[column]
    if not pd.api.types.is_numeric_dtype(raw):  # a blank cell is missing, not an error
        raw = raw.map(lambda v: (v.strip() or None) if isinstance(v, str) else v)
    if missing:
        raw = raw.mask(raw.isin(missing))
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceFormatError(
            f"non-numeric value {raw.iloc[index]!r}; fix or blank the cell",
            source_id=source_id,
            path=str(path),
            line=int(frame.index[index]) + header_lines + 1,
            column=column,
        )
    return values


def slug(text: str) -> str:
    """Lower-case identifier: ``"Terms of use"`` -> ``terms_of_use``."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


# --- one place that assembles a file importer's batch ----------------------------------------


@dataclass(frozen=True)
class Release:
    """What every file of one source release shares in its provenance.

    ``vintage`` should sort chronologically (an ISO date is best); ``publisher`` and ``licence``
    are copied to each origin row. One per source module (or per instance where the vintage is
    a constructor argument).
    """

    source_id: str
    vintage: str
    publisher: str
    licence: str

    def origin(self, file: Path, *, title: str) -> Origin:
        """:func:`make_origin` for one file of this release."""
        return make_origin(
            file,
            source_id=self.source_id,
            vintage=self.vintage,
            publisher=self.publisher,
            licence=self.licence,
            title=title,
        )


class EconomyReport(Protocol):
    """What :func:`file_batch` needs from an economy mapping: the aggregates it met and the
    codes it could not map (:class:`EconomyMapper`, :class:`MappedEconomies`)."""

    @property
    def aggregate_codes(self) -> AbstractSet[str]: ...

    def unknown_codes(self) -> list[UnknownCode]: ...


@dataclass(frozen=True)
class MappedEconomies:
    """An economy column mapped to store codes in one vectorised pass (Arrow importers).

    ``codes`` is the store code per row (null where unknown), ``keep`` marks the rows whose
    economy mapped; the unknown codes name the file and column.
    """

    codes: pa.Array
    keep: pa.Array
    unknown: tuple[UnknownCode, ...]
    aggregate_codes: frozenset[str]

    def unknown_codes(self) -> list[UnknownCode]:
        return list(self.unknown)


def map_economy_column(
    values: pa.Array | pa.ChunkedArray, *, file: Path, column: str
) -> MappedEconomies:
    """Map an Arrow column of economy codes or names (each distinct value resolved once)."""
    where = f"{file} column {column!r}"
    codes, keep, unknown, aggregates = map_column(values, where)
    return MappedEconomies(
        codes=codes,
        keep=keep,
        unknown=tuple(UnknownCode(code, where, rows) for code, rows in unknown),
        aggregate_codes=aggregates,
    )


def arrow_observations(
    mask: pa.Array | pa.ChunkedArray,
    *,
    economy: pa.Array | pa.ChunkedArray,
    indicator: pa.Array | pa.ChunkedArray | str,
    year: pa.Array | pa.ChunkedArray,
    value: pa.Array | pa.ChunkedArray,
) -> pa.Table:
    """The rows where ``mask`` is true (null counts as false) as an ``OBSERVATION_SCHEMA``
    table without flags; ``indicator`` is a column or one code for every row."""
    mask = pc.fill_null(mask, False)
    count = pc.sum(mask).as_py() or 0
    codes = (
        pa.array([indicator] * count, pa.string())
        if isinstance(indicator, str)
        else pc.filter(indicator, mask)
    )
    return pa.table(
        {
            "economy": pc.filter(economy, mask),
            "indicator": codes,
            "year": pc.cast(pc.filter(year, mask), pa.int16()),
            "value": pc.cast(pc.filter(value, mask), pa.float64()),
            "flag": pa.nulls(count, pa.string()),
        },
        schema=OBSERVATION_SCHEMA,
    )


def file_batch(
    file: Path,
    release: Release,
    *,
    title: str,
    observations: pa.Table,
    indicators: pa.Table | Sequence[Mapping[str, object]],
    economies: EconomyReport | None = None,
    unknown_codes: Iterable[UnknownCode] = (),
    aggregates: Iterable[str] = (),
    economy_updates: pa.Table | None = None,
) -> Batch:
    """The batch of one file: its origin (:meth:`Release.origin`), observations, indicator
    metadata (a table or rows for :func:`indicator_table`), the economies' unknown codes
    followed by ``unknown_codes``, and the aggregates met. With ``economy_updates`` the batch
    is an :class:`EconomyMetadataBatch` that carries them."""
    unknown = [*(economies.unknown_codes() if economies is not None else ()), *unknown_codes]
    met = frozenset(economies.aggregate_codes if economies is not None else ()) | frozenset(
        aggregates
    )
    parts: dict[str, Any] = {
        "origin": release.origin(file, title=title),
        "observations": observations,
        "indicators": indicators
        if isinstance(indicators, pa.Table)
        else indicator_table(indicators),
        "unknown_codes": unknown,
        "aggregates": met,
    }
    if economy_updates is not None:
        return EconomyMetadataBatch(economy_updates=economy_updates, **parts)
    return Batch(**parts)
