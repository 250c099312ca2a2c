"""World Bank WDI bulk CSV importer: the wide layout, unpivoted inside DuckDB.

Reads the two wide layouts the World Bank publishes:

* the bulk file ``WDIData.csv`` / ``WDICSV.csv`` (``Country Name, Country Code, Indicator
  Name, Indicator Code, 1960, ..., 2024``), plain or gzipped;
* single-indicator downloads ``API_<CODE>_DS2_en_csv_v2_<n>.csv``: the same header after a
  4-line preamble (``"Data Source"``, blank, ``"Last Updated Date","2026-07-13"``, blank),
  with companion ``Metadata_Country_API_...csv`` (region, income group; aggregates have no
  region) and ``Metadata_Indicator_API_...csv`` (definition, source) files;
* anything else in that layout, such as the WGI ``WGIData.csv`` (``WgiCsvSource``: codes get
  the ``WGI.`` prefix).

How (hand-written because this is the bulk path; see benchmarks/bench_store.py): the full WDI
file is ~400,000 rows x 65 year columns. Arrow's multi-threaded CSV reader parses it into
typed columns (cheaper than DuckDB's ``read_csv`` on this layout: 0.8 vs 1.0 CPU-s for the
full-size file, 2026-11-23); the wide Arrow table is registered in DuckDB without a copy;
checks and the economy-code mapping run on the wide rows; one ``UNPIVOT`` drops the empty
cells while reshaping. No Python loop ever touches a row. With ``Store.import_path`` this all
happens in the store's own connection (``stage_into``) and the long rows go straight into the
store table; ``read`` returns the same rows as an Arrow ``Batch``. When Arrow's reader rejects
the file, DuckDB re-reads it with ``store_rejects`` to report the exact line and column of the
first bad cell.

The vintage label is, in order: the ``vintage`` argument; the file's ``Last Updated Date``;
a year in the file name (``WDIData_2013...``); the last year column of the header.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import Batch, Origin, UnknownCode, indicator_table, sha256_file
from aibridge.store.results import StagedBatch

__all__ = ["WdiBulkSource", "WgiCsvSource", "WideFile", "sniff_wide_file"]

ID_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d|21\d\d)$")
_FILE_YEAR = re.compile(r"(?<!\d)(19[6-9]\d|20\d\d)(?!\d)")
_UNIT = re.compile(r"\(([^()]*)\)\s*$")
_PREAMBLE_LINES = 12

WDI_PUBLISHER = "The World Bank"
WDI_LICENCE = "CC BY 4.0"
WDI_SOURCE = "World Bank, World Development Indicators"

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class WideFile:
    """What the sniffer learned from a wide file's first lines."""

    path: Path
    header_line: int  # 1-based line number of the header
    years: tuple[int, ...]
    columns: tuple[str, ...]  # every header field, trailing empty ones included
    last_updated: str | None  # from the API_ preamble


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def sniff_wide_file(path: Path) -> WideFile:
    """Find the header (after an optional preamble) and check it; raise SourceFormatError."""
    try:
        with _open_text(path) as fh:
            lines = [line for _, line in zip(range(_PREAMBLE_LINES), fh, strict=False)]
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc}", source_id="wdi-bulk") from exc
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"not UTF-8 text ({exc.reason}); save the file as UTF-8 CSV",
            source_id="wdi-bulk",
            path=str(path),
        ) from exc
    last_updated: str | None = None
    for number, fields in enumerate(csv.reader(lines), start=1):
        cells = [c.strip() for c in fields]
        if len(cells) >= 2 and cells[0].lower() == "last updated date":
            last_updated = cells[1] or None
        if [c.lower() for c in cells[:4]] == [c.lower() for c in ID_COLUMNS]:
            years: list[int] = []
            for position, name in enumerate(cells[4:], start=5):
                if _YEAR.match(name):
                    years.append(int(name))
                elif name and not name.startswith("Unnamed"):
                    raise SourceFormatError(
                        f"header field {position} is {name!r}, expected a year (1960, 1961 ...); "
                        "the WDI wide layout has one column per year after the four id columns",
                        source_id="wdi-bulk",
                        path=str(path),
                        line=number,
                        column=name,
                    )
            if not years:
                raise SourceFormatError(
                    "no year columns after the four id columns",
                    source_id="wdi-bulk",
                    path=str(path),
                    line=number,
                )
            if len(set(years)) != len(years):
                raise SourceFormatError(
                    "a year column appears twice in the header",
                    source_id="wdi-bulk",
                    path=str(path),
                    line=number,
                )
            return WideFile(path, number, tuple(years), tuple(cells), last_updated)
    first = lines[0].strip()[:120] if lines else "(empty file)"
    raise SourceFormatError(
        f"no WDI header found in the first {_PREAMBLE_LINES} lines (got {first!r}); expected "
        f"'{', '.join(ID_COLUMNS)}, 1960, 1961, ...' — pass the WDI bulk CSV (WDIData.csv) or a "
        "single-indicator API_*.csv download",
        source_id="wdi-bulk",
        path=str(path),
        line=1,
    )


def _year_column(year: int) -> str:
    return f"y{year}"


class WdiBulkSource:
    """Reads WDI wide CSV files (bulk or single-indicator) into batches, one per file.

    Parameters
    ----------
    vintage:
        Release label for every file read (default: see the module docstring).
    code_prefix:
        Prepended to every indicator code (``""`` for WDI, ``"WGI."`` for WGI).
    progress:
        ``progress(step, rows)`` after reading and after unpivoting each file.
    """

    source_id = "wdi-bulk"
    publisher = WDI_PUBLISHER
    licence = WDI_LICENCE
    source_name = WDI_SOURCE
    code_prefix = ""

    def __init__(
        self,
        *,
        vintage: str | None = None,
        code_prefix: str | None = None,
        progress: Progress | None = None,
    ):
        self.vintage = vintage
        if code_prefix is not None:
            self.code_prefix = code_prefix
        self.progress = progress

    # -- discovery -------------------------------------------------------------------------

    def files(self, path: Path) -> list[Path]:
        """The data files to read: ``path`` itself, or the wide CSVs in a folder."""
        if path.is_file():
            return [path]
        if not path.is_dir():
            raise SourceUnavailable(
                f"{path} does not exist; pass a WDI CSV file or a folder of them",
                source_id=self.source_id,
            )
        found = []
        for candidate in sorted(path.iterdir()):
            name = candidate.name
            if not re.search(r"\.csv(\.gz)?$", name, re.I) or name.startswith("Metadata_"):
                continue
            if re.search(r"series|country|footnote|ind_list", name, re.I):
                continue
            try:
                sniff_wide_file(candidate)
            except SourceFormatError:
                continue
            found.append(candidate)
        if not found:
            raise SourceUnavailable(
                f"no WDI wide CSV (Country Name, Country Code, Indicator Name, Indicator Code, "
                f"1960, ...) in {path}",
                source_id=self.source_id,
            )
        return found

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None:
            raise SourceUnavailable(
                "pass the WDI CSV file or folder (aibridge import wdi-bulk PATH)",
                source_id=self.source_id,
            )
        for file in self.files(Path(path)):
            yield self.read_file(file)

    # -- one file --------------------------------------------------------------------------

    def read_file(self, path: Path) -> Batch:
        """Read one wide file into a batch (DuckDB read_csv + UNPIVOT, then Arrow)."""
        path = Path(path).resolve()
        wide = sniff_wide_file(path)
        con = duckdb.connect()
        try:
            staged = self._stage(con, wide, "_w")
            observations = con.sql(f"SELECT * FROM {staged.relation}").to_arrow_table()
            if self.progress:
                self.progress("unpivot", observations.num_rows)
            return Batch(
                origin=staged.origin,
                observations=observations,
                indicators=staged.indicators,
                unknown_codes=staged.unknown_codes,
                aggregates=staged.aggregates,
            )
        finally:
            con.close()

    def stage_into(
        self, con: duckdb.DuckDBPyConnection, path: Path, *, name: str = "_wdi"
    ) -> StagedBatch:
        """The fast path: parse and unpivot ``path`` inside ``con`` (the store's connection).

        Leaves the observations in the temporary view ``<name>_obs``; nothing is written to a
        store table (``Store.import_path`` does that in its transaction).
        """
        path = Path(path).resolve()
        return self._stage(con, sniff_wide_file(path), name)

    def _stage(self, con: duckdb.DuckDBPyConnection, wide: WideFile, name: str) -> StagedBatch:
        t = _Names(name)
        path = wide.path
        # hash the file on another thread while it is parsed (hashlib releases the GIL)
        hasher = ThreadPoolExecutor(max_workers=1)
        digest = hasher.submit(sha256_file, path)
        hasher.shutdown(wait=False)
        names = ["country_name", "country_code", "indicator_name", "indicator_code"]
        types = dict.fromkeys(names, "VARCHAR")
        year_cols = [_year_column(y) for y in wide.years]
        extra = 0
        for field_name in wide.columns[4:]:
            if _YEAR.match(field_name):
                types[_year_column(int(field_name))] = "DOUBLE"
            else:
                extra += 1
                types[f"_extra{extra}"] = "VARCHAR"
        arrow = self._read_arrow(con, wide, t, types)
        if arrow is None:
            self._read_duckdb(con, wide, t, types)
        n_rows = con.sql(f"SELECT count(*) FROM {t.wide}").fetchall()[0][0]
        if self.progress:
            self.progress("read", int(n_rows))
        self._check_ids(con, wide, t)
        self._check_finite(con, wide, t, year_cols, arrow)

        # economy codes -> ISO3 (resolved once per distinct code, never per row)
        codes = [
            (r[0], int(r[1]), int(r[2]))
            for r in con.sql(
                f"SELECT country_code, count(*), min(rid) FROM {t.wide} GROUP BY 1"
            ).fetchall()
        ]
        mapped, unknown, aggregates = self._map_economies(wide, codes)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t.codes} (code VARCHAR, iso3 VARCHAR)")
        if mapped:
            con.executemany(f"INSERT INTO {t.codes} VALUES (?, ?)", list(mapped.items()))
        self._check_duplicates(con, wide, t)

        prefix = self.code_prefix.replace("'", "''")
        cols = ", ".join(year_cols)
        # codes are mapped and prefixed on the ~400k wide rows, not on the ~10M long ones
        mapped_sql = (
            f"SELECT m.iso3 AS economy, '{prefix}' || w.indicator_code AS indicator, {cols} "
            f"FROM {t.wide} w JOIN {t.codes} m ON w.country_code = m.code"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {t.mapped} AS {mapped_sql}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {t.obs} AS SELECT economy, indicator, "
            "CAST(substr(year, 2) AS SMALLINT) AS year, value, "
            f"CAST(NULL AS VARCHAR) AS flag FROM (UNPIVOT ({mapped_sql}) ON {cols} "
            "INTO NAME year VALUE value)"
        )
        # the most recent year with a value, per wide row (for Store.latest, no 10M-row sort)
        newest_first = list(reversed(wide.years))
        year_expr = ", ".join(
            f"CASE WHEN {_year_column(y)} IS NOT NULL THEN {y} END" for y in newest_first
        )
        value_expr = ", ".join(_year_column(y) for y in newest_first)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {t.latest} AS SELECT economy, indicator, year, value, "
            "CAST(NULL AS VARCHAR) AS flag FROM (SELECT economy, indicator, "
            f"CAST(coalesce({year_expr}) AS SMALLINT) AS year, coalesce({value_expr}) AS value "
            f"FROM ({mapped_sql})) WHERE year IS NOT NULL"
        )
        indicators = self._indicators(con, wide, t)
        return StagedBatch(
            origin=Origin(
                source_id=self.source_id,
                uri=str(path),
                sha256=digest.result(),
                vintage=self._vintage(wide),
                publisher=self.publisher,
                licence=self.licence,
                title=path.name,
            ),
            relation=t.obs,
            latest_relation=t.latest,
            wide_relation=t.mapped,
            indicators=indicators,
            indicator_codes=indicators.column("code").to_pylist(),
            rows=int(n_rows),
            unknown_codes=unknown,
            aggregates=frozenset(aggregates),
            keys_unique=True,  # (economy, indicator) checked unique per row of the wide file
        )

    def _read_arrow(
        self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names, types: dict[str, str]
    ) -> pa.Table | None:
        """Parse with Arrow's multi-threaded CSV reader (the fast route); False if it balks.

        On any parse problem the file is read again by DuckDB with ``store_rejects``, which
        names the exact line and column for the error message (see ``_read_duckdb``).
        """
        import numpy as np
        import pyarrow.csv as pacsv

        arrow_types = {k: pa.float64() if v == "DOUBLE" else pa.string() for k, v in types.items()}
        try:
            table = pacsv.read_csv(
                wide.path,
                read_options=pacsv.ReadOptions(
                    column_names=list(types), skip_rows=wide.header_line
                ),
                parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"'),
                convert_options=pacsv.ConvertOptions(
                    column_types=arrow_types,
                    # names and trailing empty columns are not needed: skip converting them
                    include_columns=[
                        k for k in types if k != "country_name" and not k.startswith("_extra")
                    ],
                    null_values=["", ".."],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except (pa.ArrowException, OSError, ValueError):
            return None
        table = table.append_column("rid", pa.array(np.arange(table.num_rows, dtype=np.int64)))
        con.register(t.arrow, table)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {t.wide} AS SELECT * FROM {t.arrow}")
        return table

    def _read_duckdb(
        self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names, types: dict[str, str]
    ) -> None:
        """Parse with DuckDB, keeping rejected lines to report the first bad cell exactly."""
        columns_sql = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {t.raw} AS SELECT * FROM read_csv(?, "
                f"header = false, skip = ?, columns = {columns_sql}, auto_detect = false, "
                "delim = ',', quote = '\"', escape = '\"', nullstr = ['', '..'], "
                f"store_rejects = true, rejects_table = '{t.rejects}', "
                f"rejects_scan = '{t.scans}', strict_mode = true)",
                [str(wide.path), wide.header_line],
            )
        except duckdb.Error as exc:
            raise SourceFormatError(
                f"could not parse the file: {exc}", source_id=self.source_id, path=str(wide.path)
            ) from exc
        self._raise_rejects(con, wide, t)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {t.wide} AS SELECT *, rowid AS rid FROM {t.raw}")

    def _raise_rejects(self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names) -> None:
        rows = con.sql(
            "SELECT line, column_name, error_type, csv_line, error_message "
            f"FROM {t.rejects} "
            "ORDER BY line LIMIT 1"
        ).fetchall()
        if not rows:
            return
        total = con.sql(f"SELECT count(*) FROM {t.rejects}").fetchall()[0][0]
        line, column, kind, raw, message = rows[0]
        column_name = str(column) if column else None
        if column_name and column_name.startswith("y") and column_name[1:].isdigit():
            column_name = column_name[1:]
        more = f" ({total - 1} more rejected lines)" if total > 1 else ""
        if str(kind) == "CAST":
            value = _cell(raw, column_name, wide)
            text = (
                f"non-numeric value {value!r} in a year column{more}; year cells must be "
                "numbers or empty (use an empty cell for missing values)"
            )
        else:
            text = (
                f"{str(kind).lower()}: {str(message).splitlines()[0]}{more}; every line needs "
                f"the {len(wide.columns)} fields of the header"
            )
        raise SourceFormatError(
            text,
            source_id=self.source_id,
            path=str(wide.path),
            line=int(line),
            column=column_name,
        )

    def _check_finite(
        self,
        con: duckdb.DuckDBPyConnection,
        wide: WideFile,
        t: _Names,
        year_cols: list[str],
        table: pa.Table | None,
    ) -> None:
        """NaN / inf cells ("nan", "inf", 1e400) are an error, not a value."""
        import pyarrow.compute as pc

        if table is None:
            table = con.sql(f"SELECT rid, {', '.join(year_cols)} FROM {t.wide}").to_arrow_table()
        for column in year_cols:
            bad = pc.invert(pc.is_finite(table.column(column)))
            if pc.any(bad).as_py():
                row = pc.index(bad, True).as_py()
                rid = table.column("rid")[row].as_py()
                value = table.column(column)[row].as_py()
                raise SourceFormatError(
                    f"non-finite value {value!r}; year cells must be finite numbers or empty "
                    "(use an empty cell for a missing value)",
                    source_id=self.source_id,
                    path=str(wide.path),
                    line=wide.header_line + 1 + int(rid),
                    column=column[1:],
                )

    def _check_ids(self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names) -> None:
        bad = con.sql(
            f"SELECT rid, country_code IS NULL FROM {t.wide} "
            "WHERE country_code IS NULL OR indicator_code IS NULL ORDER BY rid LIMIT 1"
        ).fetchall()
        if bad:
            rowid, no_country = bad[0]
            column = "Country Code" if no_country else "Indicator Code"
            raise SourceFormatError(
                f"empty {column}; every row needs an economy code and an indicator code",
                source_id=self.source_id,
                path=str(wide.path),
                line=wide.header_line + 1 + int(rowid),
                column=column,
            )

    def _check_duplicates(self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names) -> None:
        clash = con.sql(
            f"SELECT count(*) FROM {t.wide} w JOIN {t.codes} m ON w.country_code = m.code "
            "GROUP BY m.iso3, w.indicator_code HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
        if not clash:
            return
        dup = con.sql(
            "SELECT w.indicator_code, m.iso3, list(w.country_code ORDER BY w.rid), "
            f"list(w.rid ORDER BY w.rid) FROM {t.wide} w JOIN {t.codes} m "
            "ON w.country_code = m.code GROUP BY 1, 2 HAVING count(*) > 1 "
            "ORDER BY min(w.rid) LIMIT 1"
        ).fetchall()
        if dup:
            indicator, iso3, raw_codes, rowids = dup[0]
            lines = [wide.header_line + 1 + int(r) for r in rowids]
            same = len(set(raw_codes)) == 1
            why = (
                f"appears on lines {', '.join(map(str, lines))}"
                if same
                else f"is given as {' and '.join(raw_codes)} (same economy) on lines "
                f"{', '.join(map(str, lines))}"
            )
            raise SourceFormatError(
                f"duplicate key: {indicator} for {iso3} {why}; keep one row per economy "
                "and indicator",
                source_id=self.source_id,
                path=str(wide.path),
                line=lines[1],
                column="Country Code",
            )

    def _map_economies(
        self, wide: WideFile, codes: list[tuple[str, int, int]]
    ) -> tuple[dict[str, str], list[UnknownCode], set[str]]:
        from aibridge.sources._geo import resolve_many

        metadata_aggregates = _metadata_aggregates(wide.path)
        resolved = resolve_many(code for code, _, _ in codes)
        try:
            from aibridge.reference.economies import is_aggregate
        except ImportError:  # pragma: no cover - the reference ships with the package

            def is_aggregate(code: str) -> bool:
                return False

        mapped: dict[str, str] = {}
        unknown: list[UnknownCode] = []
        aggregates: set[str] = set()
        for code, count, first_rowid in codes:
            iso3 = resolved.get(code)
            if code in metadata_aggregates:
                # the file's own metadata says "no region": a World Bank aggregate, kept as is
                iso3 = iso3 or code
                aggregates.add(iso3)
            if iso3 is None:
                unknown.append(
                    UnknownCode(
                        code=code,
                        where=f"{wide.path}:{wide.header_line + 1 + first_rowid}",
                        rows=count,
                    )
                )
                continue
            if is_aggregate(iso3):
                aggregates.add(iso3)
            mapped[code] = iso3
        return mapped, unknown, aggregates

    def _indicators(self, con: duckdb.DuckDBPyConnection, wide: WideFile, t: _Names) -> pa.Table:
        names = con.sql(
            f"SELECT indicator_code, any_value(indicator_name) FROM {t.wide} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        extra = _series_metadata(wide.path, {code for code, _ in names})
        rows = []
        for code, name in names:
            meta = extra.get(code, {})
            unit = _UNIT.search(name or "")
            rows.append(
                {
                    "code": f"{self.code_prefix}{code}",
                    "name": name,
                    "unit": meta.get("unit") or (unit.group(1) if unit else None),
                    "description": meta.get("description"),
                    "topic": meta.get("topic"),
                    "direction": None,
                    "licence": self.licence,
                    "source": meta.get("source") or self.source_name,
                }
            )
        return indicator_table(rows)

    def _vintage(self, wide: WideFile) -> str:
        if self.vintage:
            return self.vintage
        if wide.last_updated:
            return wide.last_updated
        years = _FILE_YEAR.findall(wide.path.name)
        if years:
            return years[0]
        return str(max(wide.years))


@dataclass(frozen=True)
class _Names:
    """Names of the temporary relations one staged file uses (unique per file)."""

    prefix: str

    @property
    def wide(self) -> str:
        return f"{self.prefix}_wide"

    @property
    def mapped(self) -> str:
        return f"{self.prefix}_mapped"

    @property
    def arrow(self) -> str:
        return f"{self.prefix}_arrow"

    @property
    def raw(self) -> str:
        return f"{self.prefix}_raw"

    @property
    def latest(self) -> str:
        return f"{self.prefix}_latest"

    @property
    def codes(self) -> str:
        return f"{self.prefix}_codes"

    @property
    def obs(self) -> str:
        return f"{self.prefix}_obs"

    @property
    def rejects(self) -> str:
        return f"{self.prefix}_rejects"

    @property
    def scans(self) -> str:
        return f"{self.prefix}_scans"


class WgiCsvSource(WdiBulkSource):
    """Worldwide Governance Indicators in the WDI wide layout (``WGIData.csv``).

    Codes become ``WGI.<code>`` (``WGI.GE.EST``, ``WGI.CC.PER.RNK`` ...), so they line up
    with the WGI xlsx release read by the WGI importer.
    """

    source_id = "wgi"
    source_name = "World Bank, Worldwide Governance Indicators"
    code_prefix = "WGI."

    def files(self, path: Path) -> list[Path]:
        if path.is_dir():
            return [p for p in super().files(path) if "wgi" in p.name.lower()]
        return super().files(path)


def _cell(raw: object, column: str | None, wide: WideFile) -> str:
    """The offending cell of a rejected CSV line (for the error message)."""
    if not isinstance(raw, str) or column is None:
        return str(raw)
    try:
        fields = next(csv.reader([raw]))
        index = list(wide.columns).index(column)
        return fields[index]
    except (StopIteration, ValueError, IndexError):
        return raw[:60]


def _companion(path: Path, kind: str) -> Path | None:
    """``Metadata_<kind>_API_...csv`` next to an ``API_...csv`` file."""
    if not path.name.startswith("API_"):
        return None
    candidate = path.with_name(f"Metadata_{kind}_{path.name}")
    return candidate if candidate.is_file() else None


def _metadata_aggregates(path: Path) -> set[str]:
    """Codes the companion Metadata_Country file lists without a region (aggregates)."""
    meta = _companion(path, "Country")
    if meta is None:
        return set()
    with meta.open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["Country Code"].strip()
            for row in csv.DictReader(fh)
            if row.get("Country Code") and not (row.get("Region") or "").strip()
        }


def _series_metadata(path: Path, codes: set[str]) -> dict[str, dict[str, str]]:
    """Definitions and topics from a series file next to the data, when there is one.

    Looks for ``Metadata_Indicator_<file>`` (API downloads) or ``WDISeries.csv`` /
    ``WDI_Series*.csv[.gz]`` (bulk download; often Windows-1252 encoded).
    """
    import pandas as pd

    candidates: list[Path] = []
    companion = _companion(path, "Indicator")
    if companion is not None:
        candidates.append(companion)
    folder = path.parent
    candidates += sorted(folder.glob("WDISeries.csv")) + sorted(folder.glob("WDI_Series*.csv*"))
    for file in candidates:
        frame = None
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding=encoding)
                break
            except UnicodeDecodeError:
                continue
            except (OSError, ValueError):
                break
        if frame is None:
            continue
        code_col = next(
            (c for c in ("INDICATOR_CODE", "Series Code", "SeriesCode") if c in frame.columns),
            None,
        )
        if code_col is None:
            continue
        pick = {
            "description": ("SOURCE_NOTE", "Long definition", "Short definition"),
            "topic": ("Topic",),
            "source": ("SOURCE_ORGANIZATION", "Source"),
            "unit": ("Unit of measure",),
        }
        out: dict[str, dict[str, str]] = {}
        for record in frame[frame[code_col].isin(codes)].to_dict("records"):
            entry: dict[str, str] = {}
            for key, options in pick.items():
                for option in options:
                    value = str(record.get(option) or "").strip()
                    if value:
                        entry[key] = value
                        break
            out[str(record[code_col])] = entry
        if out:
            return out
    return {}
