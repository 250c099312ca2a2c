"""The indicator store: a facade over one DuckDB database.

>>> from aibridge.store import Store
>>> store = Store(":memory:")                       # or Store.open() for the user's store
>>> report = store.ingest(batch)                     # one transaction, idempotent
>>> store.observations("KEN", "IT.NET.USER.ZS", (2015, 2023)).to_pandas()

Design (ADR 0002, ADR 0023): every value ever imported is kept in ``observations`` keyed by
(series = economy × indicator, year, origin → vintage); the few flagged values and the few
values a later vintage replaced are listed in the sparse ``flags`` and ``superseded`` tables;
``current`` and ``latest`` are maintained inside the same transaction so that default queries
and ``latest_values`` never scan the history.
Writes are set-based SQL over a staged Arrow table, never row-by-row Python.

Concurrency: DuckDB allows one process to open a database file for writing (any number of
threads in it); other processes may open it ``read_only=True`` only while no writer holds it.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from aibridge.errors import ImportRejected, NotFoundError, StoreError
from aibridge.sources._base import FLAGS, INDICATOR_COLUMNS, Batch, Origin, Source
from aibridge.store._schema import DDL, ECONOMY_COLUMNS, RESULT_COLUMNS, SCHEMA_VERSION
from aibridge.store.results import ImportReport, Observations, Panel, StagedBatch, StoreStatus

if TYPE_CHECKING:
    import pandas as pd

    from aibridge.settings import Settings

__all__ = ["Progress", "Store"]

#: ``progress(step, rows)`` is called as an import advances (for progress bars).
Progress = Callable[[str, int], None]

Codes = str | Sequence[str] | None
Years = int | tuple[int, int] | Sequence[int] | None

_DATE_LIKE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
_KEY = "economy, indicator, year"
_IDS = "series_id, year"
_COLS = ", ".join(RESULT_COLUMNS)
#: codes (columns ``economy``, ``indicator`` of the relation aliased ``w``) → integer keys
#: ``k.economy_id``, ``i.indicator_id``, and with ``_SERIES_JOIN`` → ``s.series_id``
_KEYS_JOIN = (
    "JOIN economy_keys k ON k.economy = w.economy "
    "JOIN indicator_keys i ON i.indicator = w.indicator"
)
_SERIES_JOIN = (
    f"{_KEYS_JOIN} JOIN series s ON s.economy_id = k.economy_id AND s.indicator_id = i.indicator_id"
)


def _naive_utc(moment: datetime) -> datetime:
    """UTC without tzinfo, for TIMESTAMP columns (naive input is taken to be UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _as_list(codes: Codes) -> list[str] | None:
    if codes is None:
        return None
    if isinstance(codes, str):
        return [codes]
    return list(codes)


class Store:
    """The indicator store (DuckDB). ``Store(":memory:")`` for tests, ``Store.open()`` for use.

    Parameters
    ----------
    path:
        A DuckDB file (created with its folder if missing) or ``":memory:"``.
    read_only:
        Open without write access (several processes may read while none writes).
    """

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False):
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            file = Path(self.path).expanduser()
            if read_only and not file.exists():
                raise StoreError(f"no store at {file}; create one with `aibridge init`")
            file.parent.mkdir(parents=True, exist_ok=True)
            self.path = str(file)
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(
                f"cannot open the store {self.path}: {exc}. DuckDB allows one writing process; "
                "close the other one (API server, notebook) or open the store read-only"
            ) from exc
        if not read_only:
            self._create_schema()
        else:
            self._check_version()

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        settings: Settings | None = None,
    ) -> Store:
        """Open the store at ``path`` or at ``settings.store_path`` (the user data dir)."""
        if path is None:
            from aibridge.settings import get_settings

            path = (settings or get_settings()).store_path
        return cls(path, read_only=read_only)

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    def _create_schema(self) -> None:
        with self._transaction():
            if self._stored_version() == "3":
                self._migrate_3_to_4()
            for statement in DDL:
                self.con.execute(statement)
            version = self._one("SELECT value FROM store_meta WHERE key = 'schema_version'")
            if version is None:
                self.con.execute(
                    "INSERT INTO store_meta VALUES ('schema_version', ?), ('created_at', ?)",
                    [SCHEMA_VERSION, datetime.now(UTC).isoformat()],
                )
            elif version[0] != SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} has schema version {version[0]}, this aibridge needs "
                    f"{SCHEMA_VERSION}; export it with an older aibridge and re-import"
                )
        self.seed_economies()

    def _stored_version(self) -> str | None:
        exists = self._scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'store_meta' AND NOT temporary"
        )
        if not exists:
            return None
        row = self._one("SELECT value FROM store_meta WHERE key = 'schema_version'")
        return None if row is None else str(row[0])

    def _migrate_3_to_4(self) -> None:
        """Schema 3 → 4 in place (inside the caller's transaction): the two keys become one
        ``series_id``, the vintage comes from the origin, flags and superseded values move to
        their sparse tables (ADR 0023). Every value, vintage and origin is kept."""
        con = self.con
        con.execute("DROP VIEW IF EXISTS current")
        con.execute("DROP VIEW IF EXISTS history")
        con.execute("ALTER TABLE observations RENAME TO observations_v3")
        for statement in DDL:
            con.execute(statement)
        con.execute(
            "INSERT INTO series SELECT CAST(row_number() OVER (ORDER BY indicator_id, "
            "economy_id) AS INTEGER), economy_id, indicator_id FROM "
            "(SELECT DISTINCT economy_id, indicator_id FROM observations_v3)"
        )
        keyed = (
            "FROM observations_v3 o JOIN series s ON s.economy_id = o.economy_id "
            "AND s.indicator_id = o.indicator_id"
        )
        con.execute(
            f"INSERT INTO observations SELECT s.series_id, o.year, o.value, o.origin_id {keyed}"
        )
        con.execute(
            f"INSERT INTO flags SELECT s.series_id, o.year, o.origin_id, o.flag {keyed} "
            "WHERE o.flag IS NOT NULL"
        )
        con.execute(
            f"INSERT INTO superseded SELECT s.series_id, o.year, o.origin_id {keyed} "
            "WHERE NOT o.is_current"
        )
        con.execute("DROP TABLE observations_v3")
        con.execute(
            "UPDATE store_meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION]
        )

    def _check_version(self) -> None:
        try:
            row = self._one("SELECT value FROM store_meta WHERE key = 'schema_version'")
        except duckdb.Error:
            row = None
        if row is None or row[0] != SCHEMA_VERSION:
            found = row[0] if row else "none"
            raise StoreError(
                f"{self.path} is not an aibridge store of schema version {SCHEMA_VERSION} "
                f"(found {found}); open it once for writing (e.g. `aibridge status`) to migrate a "
                "schema-3 store, or run `aibridge init` on a new path and import the data again"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One explicit DuckDB transaction: all or nothing (also across kill -9: WAL)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- economies -------------------------------------------------------------------------

    def seed_economies(self, table: pa.Table | None = None, *, replace: bool = False) -> int:
        """Fill the economies table from the economy reference (once; or again with replace).

        ``table`` defaults to :func:`aibridge.reference.economies.economy_table`. Rows already
        present are updated only with ``replace=True``; economies the store created on import
        (aggregates, codes the reference lacks) are kept. Returns the number of rows written.
        """
        if table is None:
            if not replace and self._scalar("SELECT count(*) FROM economies") > 0:
                return 0
            try:
                from aibridge.reference.economies import (  # type: ignore[import-not-found,unused-ignore]
                    economy_table,
                )
            except ImportError:
                return 0
            table = economy_table()
        columns = [c for c in ECONOMY_COLUMNS if c in table.column_names]
        if "iso3" not in columns:
            raise StoreError("economy table lacks the iso3 column")
        select = ", ".join(f"CAST({c} AS {self._economy_type(c)}) AS {c}" for c in columns)
        with self._transaction():
            self.con.register("_economy_ref", table)
            try:
                if replace:
                    self.con.execute(
                        "DELETE FROM economies WHERE iso3 IN (SELECT iso3 FROM _economy_ref)"
                    )
                before = self._scalar("SELECT count(*) FROM economies")
                self.con.execute(
                    f"INSERT INTO economies ({', '.join(columns)}) "
                    f"SELECT {select} FROM _economy_ref WHERE iso3 IS NOT NULL "
                    "AND iso3 NOT IN (SELECT iso3 FROM economies)"
                )
                return self._scalar("SELECT count(*) FROM economies") - before
            finally:
                self.con.unregister("_economy_ref")

    @staticmethod
    def _economy_type(column: str) -> str:
        if column == "m49":
            return "SMALLINT"
        if column.startswith("is_"):
            return "BOOLEAN"
        return "VARCHAR"

    def update_economies(self, table: pa.Table) -> int:
        """Set non-null fields (e.g. ``income_group``, ``wb_region``) for the listed ``iso3``.

        Unknown ``iso3`` codes are added. Returns the number of rows given. A batch may carry
        such a table as ``batch.economy_updates``; ``ingest`` applies it in its transaction.
        """
        with self._transaction():
            return self._update_economies(table)

    def _update_economies(self, table: pa.Table) -> int:
        columns = [c for c in ECONOMY_COLUMNS if c in table.column_names and c != "iso3"]
        self.con.register("_economy_upd", table)
        try:
            self.con.execute(
                "INSERT INTO economies (iso3) SELECT DISTINCT iso3 FROM _economy_upd "
                "WHERE iso3 IS NOT NULL AND iso3 NOT IN (SELECT iso3 FROM economies)"
            )
            if columns:
                sets = ", ".join(
                    f"{c} = coalesce(CAST(u.{c} AS {self._economy_type(c)}), economies.{c})"
                    for c in columns
                )
                self.con.execute(
                    f"UPDATE economies SET {sets} FROM (SELECT * FROM _economy_upd "
                    "QUALIFY row_number() OVER (PARTITION BY iso3) = 1) u "
                    "WHERE economies.iso3 = u.iso3"
                )
            return table.num_rows
        finally:
            self.con.unregister("_economy_upd")

    # -- writing ---------------------------------------------------------------------------

    def ingest(self, batch: Batch, *, progress: Progress | None = None) -> ImportReport:
        """Import one batch in one transaction. Re-importing the same data changes nothing.

        A value that differs from the stored one is kept as a new version under the batch's
        vintage; the old version stays queryable with ``as_of``. Raises
        :class:`ImportRejected` (store unchanged) for a batch with missing keys, NaN values,
        unknown flags, duplicate keys, or values that contradict what the same vintage of the
        same source already stored.
        """
        return self.ingest_many([batch], progress=progress)

    def ingest_many(
        self, batches: Iterable[Batch], *, progress: Progress | None = None
    ) -> ImportReport:
        """Import several batches all-or-nothing (one transaction)."""
        self._check_writable()
        reports: list[ImportReport] = []
        try:
            with self._transaction():
                for batch in batches:
                    reports.append(self._ingest_one(batch, progress))
                self._cluster_latest(sum(r.written for r in reports))
        except duckdb.Error as exc:
            raise StoreError(f"import failed and was rolled back (store unchanged): {exc}") from exc
        finally:
            self._drop_temp()
        return ImportReport.combine(reports)

    def import_path(
        self, source: Source, path: Path | str | None, *, progress: Progress | None = None
    ) -> ImportReport:
        """Import what ``source`` reads at ``path`` in one transaction, by the fastest route.

        A source with an in-database fast path (``stage_into(con, file)``, e.g. the WDI bulk
        importer) parses and reshapes the file inside this store's DuckDB connection, so the
        rows never cross into Python or Arrow; other sources go through ``read`` and
        :meth:`ingest_many`.
        """
        self._check_writable()
        stage_into = getattr(source, "stage_into", None)
        files = getattr(source, "files", None)
        if stage_into is None or files is None or path is None:
            return self.ingest_many(source.read(Path(path) if path else None), progress=progress)
        reports: list[ImportReport] = []
        try:
            with self._transaction():
                was_empty = not self._scalar("SELECT count(*) FROM latest")
                paths = list(files(Path(path)))
                for n, file in enumerate(paths):
                    staged: StagedBatch = stage_into(self.con, file, name=f"_src{n}")
                    if progress:
                        progress("read", staged.rows)
                    reports.append(self._ingest_staged(staged, progress))
                if not (was_empty and len(paths) == 1):  # else written in order already
                    self._cluster_latest(sum(r.written for r in reports))
        except duckdb.Error as exc:
            raise StoreError(f"import failed and was rolled back (store unchanged): {exc}") from exc
        finally:
            self._drop_temp()
        return ImportReport.combine(reports)

    def _cluster_latest(self, written: int) -> None:
        """Keep ``latest`` sorted by economy after big imports.

        DuckDB skips row groups by their min/max, so a sorted table lets
        ``latest_values(economy)`` read one row group instead of all (about 2 ms instead of 4
        on the full WDI). Small imports leave the order nearly intact and skip this.
        """
        if written >= 50_000:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _latest_sorted AS SELECT * FROM latest "
                "ORDER BY economy, indicator"
            )
            self.con.execute("DELETE FROM latest")
            self.con.execute("INSERT INTO latest SELECT * FROM _latest_sorted")

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only; open it without read_only to import")

    def _drop_temp(self) -> None:
        """Drop the temporary relations an import left (their names start with ``_``)."""
        with contextlib.suppress(duckdb.Error):  # connection already broken
            for kind, catalog in (("VIEW", "duckdb_views"), ("TABLE", "duckdb_tables")):
                column = "view_name" if kind == "VIEW" else "table_name"
                names = self.con.execute(
                    f"SELECT {column} FROM {catalog}() WHERE temporary AND NOT internal "
                    f"AND starts_with({column}, '_')"
                    if kind == "VIEW"
                    else f"SELECT {column} FROM {catalog}() WHERE temporary "
                    f"AND starts_with({column}, '_')"
                ).fetchall()
                for (name,) in names:
                    self.con.execute(f'DROP {kind} IF EXISTS temp."{name}"')

    def _ingest_one(self, batch: Batch, progress: Progress | None) -> ImportReport:
        t0 = time.perf_counter()
        self._check_origin(batch.origin)
        con = self.con
        con.register("_incoming", batch.observations)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _raw AS SELECT economy, indicator, "
                "CAST(year AS SMALLINT) AS year, CAST(value AS DOUBLE) AS value, "
                "nullif(flag, '') AS flag FROM _incoming"
            )
        finally:
            con.unregister("_incoming")
        n = self._scalar("SELECT count(*) FROM _raw")
        if progress:
            progress("staged", n)
        self._validate_stage(batch.origin.uri)
        vintage_id, existed = self._vintage(batch.origin.source_id, batch.origin.vintage)
        origin_id = self._origin(batch.origin, vintage_id)
        self._apply_economy_updates(batch)
        codes, economies = self._key_stage()
        new, revised, unchanged, superseded, written = self._write_stage(
            batch.origin, vintage_id, origin_id, existed, progress
        )
        return self._finish(
            batch, origin_id, codes, economies, n, new, revised, unchanged, superseded, written, t0
        )

    def _ingest_staged(self, staged: StagedBatch, progress: Progress | None) -> ImportReport:
        """Write a batch whose observations are a relation in this connection (fast path)."""
        t0 = time.perf_counter()
        origin = staged.origin
        self._check_origin(origin)
        con = self.con
        vintage_id, existed = self._vintage(origin.source_id, origin.vintage)
        origin_id = self._origin(origin, vintage_id)
        self._apply_economy_updates(staged)
        codes = list(staged.indicator_codes)
        overlap = existed or self._scalar(
            "SELECT count(*) FROM latest WHERE list_contains(?::VARCHAR[], indicator)", [codes]
        )
        if overlap or not staged.keys_unique:
            # general route: materialise, validate, diff against the current values
            con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM {staged.relation}")
            n = self._scalar("SELECT count(*) FROM _raw")
            if not staged.keys_unique:
                self._validate_stage(origin.uri)
            _, economies = self._key_stage()
            new, revised, unchanged, superseded, written = self._write_stage(
                origin, vintage_id, origin_id, existed, progress
            )
        else:
            # nothing stored yet for these indicators: one pass, straight into the history;
            # codes -> integer keys and series ids on the wide rows when there are some
            keyed = staged.wide_relation or staged.relation
            econ_list = [
                r[0] for r in con.execute(f"SELECT DISTINCT economy FROM {keyed}").fetchall()
            ]
            self._ensure_keys(econ_list, codes)
            self._ensure_series(f"SELECT economy, indicator FROM {keyed}")
            if staged.wide_relation:
                # one UNPIVOT of the year columns (y<year>)
                wide = staged.wide_relation
                cols = [
                    r[0]
                    for r in con.execute(
                        "SELECT column_name FROM (DESCRIBE SELECT * FROM " + wide + ") "
                        "WHERE regexp_matches(column_name, '^y[0-9]{4}$')"
                    ).fetchall()
                ]
                # name the unpivoted columns by the bare year: a plain CAST of the name is
                # cheaper than substr + CAST on 10 M rows
                as_year = ", ".join(f'{c} AS "{c[1:]}"' for c in cols)
                year_sql = ", ".join(f'"{c[1:]}"' for c in cols)
                source_sql = (
                    "SELECT series_id, CAST(year AS SMALLINT) AS year, value, "
                    "CAST(NULL AS VARCHAR) AS flag FROM (UNPIVOT (SELECT s.series_id, "
                    f"{as_year} FROM {wide} w {_SERIES_JOIN}) ON {year_sql} "
                    "INTO NAME year VALUE value)"
                )
                flagged = False
            else:
                source_sql = (
                    "SELECT s.series_id, w.year, w.value, w.flag "
                    f"FROM {staged.relation} w {_SERIES_JOIN}"
                )
                flagged = True
            # the history's row order carries no meaning: let both threads append row groups
            # independently (the ordered ``latest`` insert below keeps its ORDER BY)
            preserve = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
            con.execute("SET preserve_insertion_order = false")
            try:
                written = int(
                    con.execute(
                        "INSERT INTO observations SELECT series_id, year, value, ? "
                        f"FROM ({source_sql})",
                        [origin_id],
                    ).fetchall()[0][0]
                )
                if flagged:
                    con.execute(
                        f"INSERT INTO flags SELECT series_id, year, ?, flag FROM ({source_sql}) "
                        "WHERE flag IS NOT NULL",
                        [origin_id],
                    )
            finally:
                con.execute(f"SET preserve_insertion_order = {bool(preserve[0][0])}")
            n, new, revised, unchanged, superseded = written, written, 0, 0, 0
            if progress:
                progress("written", written)
            if staged.latest_relation:
                con.execute(
                    "INSERT INTO latest SELECT economy, indicator, year, value, flag, ?, ?, ?, ? "
                    f"FROM {staged.latest_relation} ORDER BY economy, indicator",
                    [origin.source_id, origin.vintage, vintage_id, origin_id],
                )
            else:
                con.execute(
                    "INSERT INTO latest SELECT economy, indicator, max(year), "
                    "arg_max(value, year), arg_max(flag, year), ?, ?, ?, ? FROM history "
                    "WHERE origin_id = ? GROUP BY economy, indicator",
                    [origin.source_id, origin.vintage, vintage_id, origin_id, origin_id],
                )
            if progress:
                progress("indexed", written)
            economies = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT economy FROM latest WHERE origin_id = ?", [origin_id]
                ).fetchall()
            ]
        return self._finish(
            staged, origin_id, codes, economies, n, new, revised, unchanged, superseded, written, t0
        )

    def _ensure_keys(self, economies: list[str], indicators: list[str]) -> None:
        """Give every new economy / indicator code its integer key."""
        self.con.execute(
            "INSERT INTO economy_keys SELECT CAST(nextval('economy_id_seq') AS SMALLINT), e "
            "FROM (SELECT DISTINCT unnest(?::VARCHAR[]) AS e) "
            "WHERE e NOT IN (SELECT economy FROM economy_keys) ORDER BY e",
            [economies],
        )
        self.con.execute(
            "INSERT INTO indicator_keys SELECT CAST(nextval('indicator_id_seq') AS INTEGER), c "
            "FROM (SELECT DISTINCT unnest(?::VARCHAR[]) AS c) "
            "WHERE c NOT IN (SELECT indicator FROM indicator_keys) ORDER BY c",
            [indicators],
        )

    def _ensure_series(self, pairs_sql: str) -> None:
        """Give every new (economy, indicator) pair of ``pairs_sql`` its ``series_id``.

        Ids are numbered in (indicator, economy) key order, so one indicator's series sit
        together and DuckDB's min/max zone maps skip the rest when a query names it.
        """
        self.con.execute(
            "INSERT INTO series SELECT CAST(coalesce((SELECT max(series_id) FROM series), 0) "
            "+ row_number() OVER (ORDER BY indicator_id, economy_id) AS INTEGER), economy_id, "
            "indicator_id FROM (SELECT DISTINCT k.economy_id, i.indicator_id FROM "
            f"({pairs_sql}) w {_KEYS_JOIN}) n "
            "WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.economy_id = n.economy_id "
            "AND s.indicator_id = n.indicator_id)"
        )

    def _key_stage(self) -> tuple[list[str], list[str]]:
        """``_raw`` (codes) → ``_stage`` (codes and integer keys); returns the distinct codes."""
        con = self.con
        codes = [r[0] for r in con.execute("SELECT DISTINCT indicator FROM _raw").fetchall()]
        economies = [r[0] for r in con.execute("SELECT DISTINCT economy FROM _raw").fetchall()]
        self._ensure_keys(economies, codes)
        self._ensure_series("SELECT DISTINCT economy, indicator FROM _raw")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _stage AS SELECT s.series_id, w.economy, w.indicator, "
            f"w.year, w.value, w.flag FROM _raw w {_SERIES_JOIN}"
        )
        return codes, economies

    def _check_origin(self, origin: Origin) -> None:
        if not origin.source_id or not origin.vintage:
            raise ImportRejected(
                f"origin of {origin.uri!r} needs a source_id and a vintage label; "
                f"got {origin.source_id!r} / {origin.vintage!r}"
            )

    def _apply_economy_updates(self, batch: Batch | StagedBatch) -> None:
        updates = getattr(batch, "economy_updates", None)  # metadata sources (WDI country file)
        if isinstance(updates, pa.Table):
            self._update_economies(updates)

    def _finish(
        self,
        batch: Batch | StagedBatch,
        origin_id: int,
        codes: list[str],
        economies: list[str],
        n: int,
        new: int,
        revised: int,
        unchanged: int,
        superseded: int,
        written: int,
        t0: float,
    ) -> ImportReport:
        described = self._merge_indicators(batch, codes)
        self._merge_economies(batch, economies)
        unknown = sum(u.rows for u in batch.unknown_codes)
        if batch.unknown_codes:
            self.con.execute("DELETE FROM unknown_codes WHERE origin_id = ?", [origin_id])
            self.con.executemany(
                "INSERT INTO unknown_codes VALUES (?, ?, ?, ?)",
                [[origin_id, u.code, u.where, u.rows] for u in batch.unknown_codes],
            )
        self.con.execute(
            "UPDATE origins SET n_rows = n_rows + ?, inserted = inserted + ?, "
            "revised = revised + ?, unchanged = unchanged + ?, unknown = unknown + ? "
            "WHERE origin_id = ?",
            [n, new, revised, unchanged, unknown, origin_id],
        )
        return ImportReport(
            rows=n,
            inserted=new,
            revised=revised,
            unchanged=unchanged,
            superseded=superseded,
            written=written,
            unknown_codes=list(batch.unknown_codes),
            sources=[batch.origin.source_id],
            vintages=[batch.origin.vintage],
            origin_ids=[origin_id],
            indicators=len(described),
            economies=len(economies),
            indicator_codes=set(described),
            economy_codes=set(economies),
            aggregates=sorted(batch.aggregates),
            seconds=time.perf_counter() - t0,
        )

    def _write_stage(
        self,
        origin: Origin,
        vintage_id: int,
        origin_id: int,
        existed: bool,
        progress: Progress | None,
    ) -> tuple[int, int, int, int, int]:
        """Diff ``_stage`` against the current values and write it.

        Returns (new, revised, unchanged, superseded, written).

        A staged row becomes current when its key has no current value or the current one
        comes from a vintage that sorts before this one (``(label, source_id)`` order); the
        superseded row stays in the history with ``is_current = false``.
        """
        con = self.con
        label, source_id = origin.vintage, origin.source_id
        if existed:
            clash = con.execute(
                "SELECT s.economy, s.indicator, s.year, o.value, s.value FROM _stage s "
                f"JOIN observations o USING ({_IDS}) JOIN origins g USING (origin_id) "
                f"LEFT JOIN flags f USING ({_IDS}, origin_id) WHERE g.vintage_id = ? "
                "AND (o.value <> s.value OR f.flag IS DISTINCT FROM s.flag) LIMIT 3",
                [vintage_id],
            ).fetchall()
            if clash:
                shown = "; ".join(
                    f"{e} {i} {y}: stored {a!r}, new {b!r}" for e, i, y, a, b in clash
                )
                raise ImportRejected(
                    f"{origin.uri}: vintage {label!r} of {source_id!r} already holds different "
                    f"values ({shown}); import the revised data under a new vintage label "
                    "(e.g. its release date)"
                )
        # the current value of every staged key (at most one: the invariant of ``current``)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _st AS SELECT s.series_id, s.economy, s.indicator, "
            "s.year, s.value, s.flag, c.origin_id AS cur_origin_id, "
            "(c.series_id IS NULL OR (c.label, c.source_id) < (?, ?)) AS win, "
            "c.series_id IS NOT NULL AS had, "
            "(c.value = s.value AND c.flag IS NOT DISTINCT FROM s.flag) AS same "
            "FROM _stage s LEFT JOIN (SELECT o.series_id, o.year, o.value, o.origin_id, "
            "f.flag, v.label, v.source_id FROM (SELECT * FROM observations o "
            f"SEMI JOIN _stage USING ({_IDS}) ANTI JOIN superseded x USING ({_IDS}, origin_id)) o "
            "JOIN origins g USING (origin_id) JOIN vintages v ON v.vintage_id = g.vintage_id "
            f"LEFT JOIN flags f USING ({_IDS}, origin_id)) c USING ({_IDS})",
            [label, source_id],
        )
        new, revised, unchanged, superseded = self._one(
            "SELECT count(*) FILTER (NOT had), count(*) FILTER (had AND NOT same AND win), "
            "count(*) FILTER (had AND same), count(*) FILTER (had AND NOT same AND NOT win) "
            "FROM _st"
        ) or (0, 0, 0, 0)
        # the current rows of the keys this batch wins are superseded (an append, no update)
        con.execute(
            "INSERT INTO superseded SELECT series_id, year, cur_origin_id FROM _st "
            "WHERE win AND had"
        )
        # what this batch adds to the history: everything, less what its vintage already holds
        already = (
            f"ANTI JOIN (SELECT {_IDS} FROM observations JOIN origins USING (origin_id) "
            f"WHERE vintage_id = ?) o USING ({_IDS})"
            if existed
            else ""
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _w AS SELECT s.series_id, s.year, s.value, s.flag, "
            f"s.win FROM _st s {already}",
            [vintage_id] if existed else [],
        )
        written = self._scalar("SELECT count(*) FROM _w")
        con.execute(
            "INSERT INTO observations SELECT series_id, year, value, ? FROM _w", [origin_id]
        )
        con.execute(
            "INSERT INTO superseded SELECT series_id, year, ? FROM _w WHERE NOT win", [origin_id]
        )
        con.execute(
            "INSERT INTO flags SELECT series_id, year, ?, flag FROM _w WHERE flag IS NOT NULL",
            [origin_id],
        )
        if progress:
            progress("written", int(written))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _pairs AS SELECT DISTINCT economy, indicator FROM _st "
            "WHERE win"
        )
        if self._scalar("SELECT count(*) FROM _pairs"):
            con.execute(
                "DELETE FROM latest USING _pairs p WHERE latest.economy = p.economy "
                "AND latest.indicator = p.indicator"
            )
            con.execute(
                "INSERT INTO latest SELECT c.economy, c.indicator, max(c.year), "
                "arg_max(c.value, c.year), arg_max(c.flag, c.year), arg_max(c.source_id, c.year), "
                "arg_max(c.vintage, c.year), arg_max(c.vintage_id, c.year), "
                "arg_max(c.origin_id, c.year) FROM current c SEMI JOIN _pairs p "
                "USING (economy, indicator) GROUP BY c.economy, c.indicator"
            )
        if progress:
            progress("indexed", int(written))
        return int(new), int(revised), int(unchanged), int(superseded), int(written)

    def _validate_stage(self, uri: str) -> None:
        con = self.con
        bad = self._one(
            "SELECT count(*) FILTER (economy IS NULL OR economy = ''), "
            "count(*) FILTER (indicator IS NULL OR indicator = ''), "
            "count(*) FILTER (year IS NULL), "
            "count(*) FILTER (value IS NULL OR isnan(value) OR isinf(value)), "
            "count(*) FILTER (flag IS NOT NULL AND flag NOT IN (SELECT unnest(?::VARCHAR[]))) "
            "FROM _raw",
            [list(FLAGS)],
        ) or (0, 0, 0, 0, 0)
        problems = [
            f"{count:,} rows {what}"
            for count, what in zip(
                bad,
                (
                    "without an economy code",
                    "without an indicator code",
                    "without a year",
                    "with a missing, NaN or infinite value (leave missing cells out)",
                    f"with a flag other than {', '.join(FLAGS)} ({', '.join(FLAGS.values())})",
                ),
                strict=True,
            )
            if count
        ]
        if problems:
            raise ImportRejected(f"{uri}: {'; '.join(problems)}; store unchanged")
        dup = con.execute(
            f"SELECT {_KEY}, count(*) AS n FROM _raw GROUP BY ALL HAVING n > 1 "
            "ORDER BY n DESC, economy, indicator, year LIMIT 3"
        ).fetchall()
        if dup:
            shown = "; ".join(f"{e} {i} {y} ({k} times)" for e, i, y, k in dup)
            raise ImportRejected(
                f"{uri}: duplicate (economy, indicator, year) keys: {shown}; each key may "
                "appear once per import: remove the duplicates or split them by vintage"
            )

    def _vintage(self, source_id: str, label: str) -> tuple[int, bool]:
        row = self._one(
            "SELECT vintage_id FROM vintages WHERE source_id = ? AND label = ?",
            [source_id, label],
        )
        if row is not None:
            return int(row[0]), True
        vid = self._scalar("SELECT nextval('vintage_id_seq')")
        self.con.execute(
            "INSERT INTO vintages VALUES (?, ?, ?, ?)",
            [vid, source_id, label, _utc_now()],
        )
        return vid, False

    def _origin(self, o: Origin, vintage_id: int) -> int:
        row = self._one(
            "SELECT origin_id FROM origins WHERE source_id = ? AND vintage_id = ? AND uri = ? "
            "AND sha256 = ?",
            [o.source_id, vintage_id, o.uri, o.sha256],
        )
        if row is not None:
            return int(row[0])
        oid = self._scalar("SELECT nextval('origin_id_seq')")
        self.con.execute(
            "INSERT INTO origins (origin_id, source_id, vintage_id, vintage, uri, sha256, "
            "retrieved_at, imported_at, publisher, licence, title) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                oid,
                o.source_id,
                vintage_id,
                o.vintage,
                o.uri,
                o.sha256,
                _naive_utc(o.retrieved_at),
                _utc_now(),
                o.publisher,
                o.licence,
                o.title,
            ],
        )
        return oid

    def _merge_indicators(self, batch: Batch | StagedBatch, codes: list[str]) -> list[str]:
        con = self.con
        table = batch.indicators.select(list(INDICATOR_COLUMNS))
        con.register("_ind_in", table)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _ind AS "
                "SELECT code, any_value(name) AS name, any_value(unit) AS unit, "
                "any_value(description) AS description, any_value(topic) AS topic, "
                "CAST(any_value(direction) AS TINYINT) AS direction, "
                "any_value(licence) AS licence, any_value(source) AS source "
                "FROM _ind_in WHERE code IS NOT NULL GROUP BY code "
                "UNION ALL SELECT c, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
                "FROM unnest(?::VARCHAR[]) t(c) WHERE c NOT IN "
                "(SELECT code FROM _ind_in WHERE code IS NOT NULL)",
                [codes],
            )
        finally:
            con.unregister("_ind_in")
        now = _utc_now()
        sid = batch.origin.source_id
        con.execute(
            "UPDATE indicators SET name = coalesce(n.name, indicators.name), "
            "unit = coalesce(n.unit, indicators.unit), "
            "description = coalesce(n.description, indicators.description), "
            "topic = coalesce(n.topic, indicators.topic), "
            "direction = coalesce(n.direction, indicators.direction), "
            "licence = coalesce(n.licence, indicators.licence), "
            "source = coalesce(n.source, indicators.source), "
            "source_id = coalesce(indicators.source_id, ?), updated_at = ? "
            "FROM _ind n WHERE indicators.code = n.code",
            [sid, now],
        )
        con.execute(
            "INSERT INTO indicators SELECT code, name, unit, description, topic, direction, "
            "licence, source, ?, ? FROM _ind WHERE code NOT IN (SELECT code FROM indicators)",
            [sid, now],
        )
        return [r[0] for r in con.execute("SELECT DISTINCT code FROM _ind").fetchall()]

    def _merge_economies(self, batch: Batch | StagedBatch, economies: list[str]) -> None:
        aggregates = sorted(batch.aggregates)
        self.con.execute(
            "INSERT INTO economies (iso3, is_aggregate) "
            "SELECT DISTINCT e, list_contains(?::VARCHAR[], e) FROM unnest(?::VARCHAR[]) t(e) "
            "WHERE e NOT IN (SELECT iso3 FROM economies)",
            [aggregates, economies],
        )
        if aggregates:
            self.con.execute(
                "UPDATE economies SET is_aggregate = TRUE WHERE list_contains(?::VARCHAR[], iso3) "
                "AND m49 IS NULL AND NOT is_aggregate",
                [aggregates],
            )

    # -- reading ---------------------------------------------------------------------------

    def observations(
        self,
        economies: Codes = None,
        indicators: Codes = None,
        years: Years = None,
        *,
        as_of: str | int | None = None,
        latest: bool = False,
        include_aggregates: bool = True,
    ) -> Observations:
        """Query values with their provenance.

        Parameters
        ----------
        economies, indicators:
            A code or a list of codes (ISO3 / indicator codes); ``None`` = all.
        years:
            A year, ``(first, last)`` inclusive, or a list of years; ``None`` = all.
        as_of:
            A vintage label or id, or a date prefix (``"2023"``, ``"2023-06"``): the values
            as published up to that vintage. Default: the latest.
        latest:
            Only the most recent year per (economy, indicator) within ``years``.
        """
        econ = _as_list(economies)
        inds = _as_list(indicators)
        self._check_codes(econ, inds)
        where, params = self._filters(econ, inds, years)
        if not include_aggregates:
            where.append("economy NOT IN (SELECT iso3 FROM economies WHERE is_aggregate)")
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        latest_q = (
            "QUALIFY row_number() OVER (PARTITION BY economy, indicator ORDER BY year DESC) = 1"
            if latest
            else ""
        )
        if as_of is not None:
            cutoff = self._cutoff(as_of)
            inner = " AND ".join(["vintage <= ?", *where])
            sql = (
                f"SELECT {_COLS} FROM (SELECT {_COLS} FROM history WHERE {inner} "
                "QUALIFY row_number() OVER (PARTITION BY economy, indicator, year "
                "ORDER BY vintage DESC, source_id DESC) = 1) "
                f"{latest_q} ORDER BY economy, indicator, year"
            )
            params = [cutoff, *params]
        elif latest and years is None:
            sql = f"SELECT {_COLS} FROM latest {cond} ORDER BY economy, indicator"
        else:
            sql = f"SELECT {_COLS} FROM current {cond} {latest_q} ORDER BY economy, indicator, year"
        return Observations(self.con.sql(sql, params=params).to_arrow_table())

    def latest_values(self, economy: str) -> Observations:
        """The most recent value of every indicator for one economy (target < 5 ms)."""
        table = self.con.sql(
            f"SELECT {_COLS} FROM latest WHERE economy = ? ORDER BY indicator", params=[economy]
        ).to_arrow_table()
        if table.num_rows == 0:
            self._check_codes([economy], None)
        return Observations(table)

    def panel(
        self,
        indicators: Sequence[str],
        economies: Sequence[str] | None = None,
        years: Years = None,
        *,
        as_of: str | int | None = None,
        include_aggregates: bool = False,
    ) -> Panel:
        """A dense ``values[year, economy, indicator]`` array for the engine (NaN = missing).

        ``economies`` defaults to every economy with a value for any of the indicators
        (aggregates only with ``include_aggregates``), sorted; ``years`` to the full span of
        the data; a ``(first, last)`` range gives every year in it, data or not.
        """
        inds = list(indicators)
        if not inds:
            raise NotFoundError("panel needs at least one indicator code")
        table = self.observations(
            economies,
            inds,
            years,
            as_of=as_of,
            include_aggregates=include_aggregates or economies is not None,
        ).to_arrow()
        import pyarrow.compute as pc

        year_col = table.column("year").to_numpy().astype(np.int64)
        if economies is not None:
            econ_list = list(economies)
        else:
            econ_list = sorted(pc.unique(table.column("economy")).to_pylist())
        if years is None:
            year_arr = (
                np.arange(year_col.min(), year_col.max() + 1)
                if len(year_col)
                else np.empty(0, np.int64)
            )
        elif isinstance(years, int):
            year_arr = np.array([years])
        elif isinstance(years, tuple) and len(years) == 2:
            lo = years[0] if years[0] is not None else (year_col.min() if len(year_col) else 0)
            hi = years[1] if years[1] is not None else (year_col.max() if len(year_col) else -1)
            year_arr = np.arange(int(lo), int(hi) + 1)
        else:
            year_arr = np.array(sorted(set(years)))
        values = np.full((len(year_arr), len(econ_list), len(inds)), np.nan)
        if len(table):
            # vectorised positions (Arrow index_in), no Python loop over rows
            ei = pc.index_in(table.column("economy"), value_set=pa.array(econ_list, pa.string()))
            ii = pc.index_in(table.column("indicator"), value_set=pa.array(inds, pa.string()))
            ei_np = ei.to_numpy(zero_copy_only=False)
            ii_np = ii.to_numpy(zero_copy_only=False)
            ok = ~(np.isnan(ei_np) if ei_np.dtype.kind == "f" else np.zeros(len(ei_np), bool))
            ok &= ~(np.isnan(ii_np) if ii_np.dtype.kind == "f" else np.zeros(len(ii_np), bool))
            yi = np.searchsorted(year_arr, year_col)
            ok &= yi < len(year_arr)
            ok &= year_arr[np.minimum(yi, max(len(year_arr) - 1, 0))] == year_col
            vals = table.column("value").to_numpy()
            e_idx = np.nan_to_num(ei_np.astype(np.float64)).astype(np.int64)
            i_idx = np.nan_to_num(ii_np.astype(np.float64)).astype(np.int64)
            values[yi[ok], e_idx[ok], i_idx[ok]] = vals[ok]
        return Panel(values, year_arr, econ_list, inds)

    def _filters(
        self, econ: list[str] | None, inds: list[str] | None, years: Years
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if econ is not None:
            where.append("list_contains(?::VARCHAR[], economy)")
            params.append(econ)
        if inds is not None:
            where.append("list_contains(?::VARCHAR[], indicator)")
            params.append(inds)
        if years is not None:
            if isinstance(years, int):
                where.append("year = ?")
                params.append(years)
            elif isinstance(years, tuple) and len(years) == 2:
                lo, hi = years
                if lo is not None:
                    where.append("year >= ?")
                    params.append(int(lo))
                if hi is not None:
                    where.append("year <= ?")
                    params.append(int(hi))
            else:
                where.append("list_contains(?::SMALLINT[], year)")
                params.append([int(y) for y in years])
        return where, params

    def _check_codes(self, econ: list[str] | None, inds: list[str] | None) -> None:
        for codes, table, column, what in (
            (econ, "economies", "iso3", "economy"),
            (inds, "indicators", "code", "indicator"),
        ):
            if not codes:
                continue
            missing = [
                r[0]
                for r in self.con.execute(
                    f"SELECT c FROM unnest(?::VARCHAR[]) t(c) WHERE c NOT IN "
                    f"(SELECT {column} FROM {table})",
                    [codes],
                ).fetchall()
            ]
            if missing:
                known = [r[0] for r in self.con.execute(f"SELECT {column} FROM {table}").fetchall()]
                hints = []
                for code in missing[:3]:
                    close = difflib.get_close_matches(code, known, n=3, cutoff=0.6)
                    if close:
                        hints.append(f"{code}: did you mean {', '.join(close)}?")
                hint = (" " + " ".join(hints)) if hints else ""
                fix = (
                    "use ISO 3166-1 alpha-3 codes (aibridge.reference.economies.resolve_economy)"
                    if what == "economy"
                    else "find codes with `aibridge indicators search TEXT`"
                )
                raise NotFoundError(
                    f"unknown {what} code(s) {', '.join(missing[:10])} in the store;{hint} ({fix})"
                )

    def _cutoff(self, as_of: str | int) -> str:
        if isinstance(as_of, int):
            row = self._one("SELECT label FROM vintages WHERE vintage_id = ?", [as_of])
            if row is None:
                raise NotFoundError(f"no vintage with id {as_of}; see store.vintages()")
            return str(row[0])
        label = str(as_of)
        exists = self._scalar("SELECT count(*) FROM vintages WHERE label = ?", [label])
        if not exists and not _DATE_LIKE.match(label):
            known = [
                r[0] for r in self.con.execute("SELECT DISTINCT label FROM vintages").fetchall()
            ]
            raise NotFoundError(
                f"unknown vintage {label!r}; known vintages: {', '.join(sorted(known)) or 'none'} "
                "(or give a date such as 2023-06-30)"
            )
        # a prefix includes every label that starts with it: "2024" covers "2024-06-28"
        return label + "\uffff"

    # -- metadata --------------------------------------------------------------------------

    def indicators(
        self, search: str | None = None, *, source_id: str | None = None
    ) -> pd.DataFrame:
        """Indicator metadata with coverage; ``search`` matches code, name, description, topic.

        Results are ranked: exact code, code prefix, name match, then description matches.
        """
        where: list[str] = []
        params: list[Any] = []
        order = "i.code"
        if search:
            terms = [t for t in search.split() if t]
            for term in terms:
                where.append(
                    "(i.code ILIKE ? OR i.name ILIKE ? OR i.description ILIKE ? OR i.topic ILIKE ?)"
                )
                params.extend([f"%{term}%"] * 4)
            order = (
                "(upper(i.code) = upper(?)) DESC, (i.code ILIKE ?) DESC, "
                "(i.name ILIKE ?) DESC, i.code"
            )
        if source_id:
            where.append("i.source_id = ?")
            params.append(source_id)
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        order_params = [search, f"{search}%", f"%{search}%"] if search else []
        return self._frame(
            "SELECT i.code, i.name, i.unit, i.topic, i.direction, i.source, i.licence, "
            "i.description, i.source_id, cov.economies, cov.first_year, cov.last_year "
            "FROM indicators i LEFT JOIN (SELECT indicator, count(DISTINCT economy) AS economies, "
            "min(year) AS first_year, max(year) AS last_year FROM current GROUP BY indicator) cov "
            f"ON cov.indicator = i.code {cond} ORDER BY {order}",
            params + order_params,
        )

    def indicator(self, code: str) -> dict[str, Any]:
        """One indicator's metadata as a dict (NotFoundError if unknown)."""
        self._check_codes(None, [code])
        frame = self._frame("SELECT * FROM indicators WHERE code = ?", [code])
        return {str(k): v for k, v in frame.iloc[0].to_dict().items()}

    def economies(self, include_aggregates: bool = False) -> pd.DataFrame:
        """The economies table (ISO3, ISO2, M49, names, regions, income group, flags)."""
        cond = "" if include_aggregates else "WHERE NOT is_aggregate"
        return self._frame(f"SELECT * FROM economies {cond} ORDER BY iso3")

    def origins(self) -> pd.DataFrame:
        """Provenance: every imported file or API response (URI, sha256, retrieval time)."""
        return self._frame("SELECT * FROM origins ORDER BY origin_id")

    def unknown_codes(self) -> pd.DataFrame:
        """Economy codes sources used that could not be mapped (their rows were not loaded)."""
        if not self._scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'unknown_codes' "
            "AND NOT temporary"
        ):  # a store created before this table existed, opened read-only
            return self._frame(
                "SELECT NULL::VARCHAR AS code, 0::BIGINT AS rows, NULL::VARCHAR AS location, "
                "NULL::VARCHAR AS source_id, NULL::VARCHAR AS vintage, NULL::VARCHAR AS uri, "
                "0 AS origin_id WHERE false"
            )
        return self._frame(
            "SELECT u.code, u.rows, u.location, o.source_id, o.vintage, o.uri, u.origin_id "
            "FROM unknown_codes u JOIN origins o USING (origin_id) ORDER BY o.source_id, u.code"
        )

    def vintages(self) -> pd.DataFrame:
        """Every (source, vintage label) with the number of rows it brought."""
        return self._frame(
            "SELECT v.vintage_id, v.source_id, v.label, v.created_at, "
            "count(o.origin_id) AS rows FROM vintages v LEFT JOIN origins g "
            "ON g.vintage_id = v.vintage_id LEFT JOIN observations o "
            "ON o.origin_id = g.origin_id GROUP BY ALL ORDER BY v.label, v.source_id"
        )

    def status(self) -> StoreStatus:
        """Totals and per-source coverage.

        ``sources`` has one row per source id: indicators, economies and year range of its
        current values, ``values`` (current), ``history`` (every vintage), vintages, origins,
        last import time and the URIs read. A source whose values were all replaced by a
        later vintage of another source shows 0 current values but keeps its history.
        """
        sources = self._frame(
            "WITH cov AS (SELECT source_id, count(*) AS values, "
            "count(DISTINCT indicator) AS indicators, count(DISTINCT economy) AS economies, "
            "min(year) AS first_year, max(year) AS last_year FROM current GROUP BY source_id), "
            "org AS (SELECT source_id, string_agg(DISTINCT vintage, ', ' ORDER BY vintage) "
            "AS vintages, count(*) AS origins, max(imported_at) AS last_import, "
            "string_agg(DISTINCT uri, ' | ' ORDER BY uri) AS uris FROM origins "
            "GROUP BY source_id), "
            "hist AS (SELECT g.source_id, count(*) AS history FROM observations o "
            "JOIN origins g USING (origin_id) GROUP BY g.source_id) "
            "SELECT org.source_id, coalesce(cov.indicators, 0) AS indicators, "
            "coalesce(cov.economies, 0) AS economies, cov.first_year, cov.last_year, "
            "coalesce(cov.values, 0) AS values, coalesce(hist.history, 0) AS history, "
            "org.vintages, org.origins, org.last_import, org.uris "
            "FROM org LEFT JOIN cov USING (source_id) LEFT JOIN hist USING (source_id) "
            "ORDER BY org.source_id"
        )
        return StoreStatus(
            path=self.path,
            observations=self._scalar("SELECT count(*) FROM observations"),
            current=self._scalar("SELECT count(*) FROM current"),
            indicators=self._scalar("SELECT count(DISTINCT indicator) FROM current"),
            economies=self._scalar("SELECT count(DISTINCT economy) FROM current"),
            sources=sources,
        )

    def scan(self, table: str = "current") -> duckdb.DuckDBPyRelation:
        """A lazy DuckDB relation over a store table (``current``, ``observations`` ...)."""
        if table not in {
            "current",
            "history",
            "latest",
            "observations",
            "indicators",
            "economies",
            "origins",
            "vintages",
            "unknown_codes",
        }:
            raise NotFoundError(f"no store table {table!r}")
        return self.con.table(table)

    def _frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.sql(sql, params=params or None).to_arrow_table().to_pandas()

    def _one(self, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        # fetchall, not fetchone: DuckDB refuses further work while a result is unfinished
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def _scalar(self, sql: str, params: list[Any] | None = None) -> int:
        row = self._one(sql, params)
        return int(row[0]) if row and row[0] is not None else 0
