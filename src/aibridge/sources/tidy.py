"""Generic tidy CSV / Parquet importer driven by a small declarative YAML mapping.

A tidy file has one value per row. The mapping says which column is which::

    # ai_survey.yaml  (next to the data, or pass it with --mapping)
    source_id: ai-survey              # required: who published it (lower-case, dashes)
    path: ai_survey_2024.csv          # the data file, relative to this YAML (CSV or Parquet)
    vintage: "2024-05-01"             # optional; default: the file's modification date
    columns:                          # economy, year, value required; indicator or a constant
      economy: country
      indicator: series
      year: year
      value: value
      flag: note                      # optional
    economy_scheme: auto              # iso3 | iso2 | m49 | name | auto (default)
    indicator_prefix: "SURVEY."       # prepended to every indicator code
    constants:                        # a fixed value for a column the file lacks
      flag: E
    flag_map: {est: E, prov: P}       # raw flag -> E / I / P; others are an error
    csv: {delimiter: ";", encoding: "latin-1", skip_rows: 2}
    indicators:                       # optional metadata, one entry per indicator code
      - {code: SURVEY.readiness, name: AI readiness, unit: score 0-100, direction: 1}
    publisher: Ministry of ICT
    licence: CC BY 4.0

The file is read by DuckDB (every column as text first, so a bad cell can be reported with its
line and column instead of silently becoming NULL). Economy names and codes are resolved to
ISO3 once per distinct value; unresolved ones go to the import report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aibridge.errors import SourceFormatError, SourceUnavailable, SpecError
from aibridge.sources._base import FLAGS, Batch, Origin, UnknownCode, indicator_table, sha256_file

__all__ = ["TidyMapping", "TidySource", "load_mapping"]

_SCHEMES = {
    "iso3": re.compile(r"^[A-Za-z]{3}$"),
    "iso2": re.compile(r"^[A-Za-z]{2}$"),
    "m49": re.compile(r"^\d{1,3}$"),
}


class ColumnMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    economy: str
    year: str
    value: str
    indicator: str | None = None
    flag: str | None = None


class CsvOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delimiter: str = ","
    encoding: str = "utf-8"
    skip_rows: int = Field(0, ge=0)


class IndicatorMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str | None = None
    unit: str | None = None
    description: str | None = None
    topic: str | None = None
    direction: Literal[-1, 1] | None = None
    licence: str | None = None
    source: str | None = None


class TidyMapping(BaseModel):
    """The YAML mapping of a tidy file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    source_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    path: str | None = None
    vintage: str | None = None
    format: Literal["csv", "parquet"] | None = None
    columns: ColumnMap
    economy_scheme: Literal["auto", "iso3", "iso2", "m49", "name"] = "auto"
    indicator_prefix: str = ""
    constants: dict[str, str] = Field(default_factory=dict)
    flag_map: dict[str, str] = Field(default_factory=dict)
    csv: CsvOptions = Field(default_factory=CsvOptions)
    indicators: list[IndicatorMeta] = Field(default_factory=list)
    publisher: str | None = None
    licence: str | None = None
    title: str | None = None

    @field_validator("constants")
    @classmethod
    def _known_constants(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"indicator", "flag"}
        if unknown:
            raise ValueError(
                f"constants may set 'indicator' and 'flag' only; got {sorted(unknown)}"
            )
        return value

    @field_validator("flag_map")
    @classmethod
    def _known_flags(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if v not in FLAGS}
        if bad:
            raise ValueError(f"flag_map values must be one of {sorted(FLAGS)}; got {bad}")
        return value

    def model_post_init(self, __context: Any) -> None:
        if self.columns.indicator is None and "indicator" not in self.constants:
            raise ValueError("give columns.indicator or constants.indicator")


def load_mapping(path: Path) -> TidyMapping:
    """Read and validate a YAML mapping; SpecError names the field and the rule."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceUnavailable(f"cannot read the mapping {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: the mapping must be a YAML mapping (key: value lines)")
    try:
        return TidyMapping.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise SpecError(f"{path}: {where}: {first['msg']}") from exc


class TidySource:
    """Reads a tidy CSV/Parquet file described by a :class:`TidyMapping`.

    ``read(path)`` accepts the YAML mapping (whose ``path`` names the data file) or the data
    file itself, with the mapping given to the constructor or found next to it as
    ``<file>.yaml`` / ``<stem>.yaml``.
    """

    source_id = "tidy"

    def __init__(
        self, mapping: TidyMapping | Path | str | None = None, *, vintage: str | None = None
    ):
        self.vintage = vintage  # overrides the mapping's vintage (aibridge import --vintage)
        if isinstance(mapping, str | Path):
            self.mapping_path: Path | None = Path(mapping)
            self.mapping: TidyMapping | None = load_mapping(Path(mapping))
        else:
            self.mapping_path = None
            self.mapping = mapping

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None and self.mapping_path is None:
            raise SourceUnavailable(
                "pass a YAML mapping or a data file (aibridge import tidy FILE --mapping MAP.yaml)",
                source_id=self.source_id,
            )
        data, mapping = self._resolve(Path(path) if path is not None else None)
        yield self.read_file(data, mapping)

    def _resolve(self, path: Path | None) -> tuple[Path, TidyMapping]:
        if path is not None and path.suffix.lower() in {".yaml", ".yml"}:
            mapping = load_mapping(path)
            if not mapping.path:
                raise SpecError(f"{path}: 'path' (the data file) is required in this mapping")
            return (path.parent / mapping.path).resolve(), mapping
        if self.mapping is not None:
            base = self.mapping_path.parent if self.mapping_path else Path.cwd()
            if path is None:
                if not self.mapping.path:
                    raise SpecError("the mapping has no 'path'; pass the data file")
                path = base / self.mapping.path
            return path.resolve(), self.mapping
        assert path is not None
        for sidecar in (path.with_name(path.name + ".yaml"), path.with_suffix(".yaml")):
            if sidecar.is_file():
                return path.resolve(), load_mapping(sidecar)
        raise SpecError(
            f"no mapping for {path}: pass --mapping MAP.yaml or put {path.stem}.yaml next to it "
            "(see `aibridge import --help` and docs/data.md)"
        )

    def read_file(self, path: Path, mapping: TidyMapping) -> Batch:
        if not path.is_file():
            raise SourceUnavailable(f"data file {path} not found", source_id=mapping.source_id)
        fmt = mapping.format or ("parquet" if path.suffix.lower() == ".parquet" else "csv")
        con = duckdb.connect()
        try:
            return self._read(con, path, fmt, mapping)
        finally:
            con.close()

    def _read(self, con: duckdb.DuckDBPyConnection, path: Path, fmt: str, m: TidyMapping) -> Batch:
        sid = m.source_id

        def fail(
            message: str, row: int | None = None, column: str | None = None
        ) -> SourceFormatError:
            return SourceFormatError(
                message, source_id=sid, path=str(path), line=row, column=column
            )

        try:
            if fmt == "parquet":
                con.execute("CREATE TABLE raw AS SELECT * FROM read_parquet(?)", [str(path)])
                first_line = 0  # parquet: report row numbers (1-based)
            else:
                con.execute(
                    "CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, "
                    "all_varchar = true, delim = ?, skip = ?, encoding = ?, nullstr = '', "
                    "strict_mode = true)",
                    [str(path), m.csv.delimiter, m.csv.skip_rows, m.csv.encoding],
                )
                first_line = m.csv.skip_rows + 2  # header line + 1
        except duckdb.Error as exc:
            raise fail(f"could not read the {fmt} file: {str(exc).splitlines()[0]}") from exc
        available = [r[0] for r in con.sql("DESCRIBE raw").fetchall()]
        wanted = {k: v for k, v in m.columns.model_dump().items() if v is not None}
        for role, column in wanted.items():
            if column not in available:
                raise fail(
                    f"mapping says columns.{role} is {column!r} but the file has no such column; "
                    f"columns are: {', '.join(available)}",
                    row=first_line - 1 if first_line else None,
                    column=column,
                )

        def line(rowid: int) -> int:
            return (first_line + rowid) if first_line else rowid + 1

        def col(role: str) -> str:
            name = wanted.get(role)
            return f'CAST("{name}" AS VARCHAR)' if name else "CAST(? AS VARCHAR)"

        params: list[Any] = []
        indicator_expr = col("indicator")
        if "indicator" not in wanted:
            params.append(m.constants["indicator"])
        flag_expr = col("flag")
        if "flag" not in wanted:
            params.append(m.constants.get("flag"))
        con.execute(
            "CREATE TABLE t AS SELECT rowid AS rid, "
            f'trim(CAST("{wanted["economy"]}" AS VARCHAR)) AS economy_raw, '
            f"trim({indicator_expr}) AS indicator, "
            f'trim(CAST("{wanted["year"]}" AS VARCHAR)) AS year_raw, '
            f'trim(CAST("{wanted["value"]}" AS VARCHAR)) AS value_raw, '
            f"nullif(trim({flag_expr}), '') AS flag_raw FROM raw",
            params,
        )
        # every cell must be usable; the first bad one is reported with its line and column
        checks = [
            ("economy", "economy_raw IS NULL OR economy_raw = ''", "empty economy"),
            ("indicator", "indicator IS NULL OR indicator = ''", "empty indicator code"),
            (
                "year",
                "TRY_CAST(substr(year_raw, 1, 4) AS SMALLINT) IS NULL "
                "OR NOT regexp_matches(year_raw, '^\\d{4}($|-)')",
                "year must be a 4-digit year (or an ISO date)",
            ),
            (
                "value",
                "value_raw IS NOT NULL AND value_raw <> '' "
                "AND (TRY_CAST(value_raw AS DOUBLE) IS NULL "
                "OR isnan(TRY_CAST(value_raw AS DOUBLE)))",
                "value is not a number",
            ),
        ]
        for role, condition, what in checks:
            bad = con.sql(
                f"SELECT rid, economy_raw, year_raw, value_raw FROM t WHERE {condition} "
                "ORDER BY rid LIMIT 1"
            ).fetchall()
            if bad:
                rid, _, year_raw, value_raw = bad[0]
                shown = {"year": year_raw, "value": value_raw}.get(role)
                got = f" (got {shown!r})" if shown is not None else ""
                raise fail(
                    f"{what}{got}; fix the cell or leave missing values empty",
                    row=line(int(rid)),
                    column=wanted.get(role, role),
                )
        flags = {str(r[0]) for r in con.sql("SELECT DISTINCT flag_raw FROM t").fetchall()}
        flags.discard("None")
        flag_lookup = {f: f for f in FLAGS} | dict(m.flag_map)
        unmapped = sorted(f for f in flags if f not in flag_lookup)
        if unmapped:
            rid = con.sql(
                "SELECT min(rid) FROM t WHERE flag_raw = ?", params=[unmapped[0]]
            ).fetchall()[0][0]
            raise fail(
                f"flag {unmapped[0]!r} is not one of {', '.join(FLAGS)}; add it to flag_map in "
                "the mapping (e.g. flag_map: {est: E})",
                row=line(int(rid)),
                column=wanted.get("flag", "flag"),
            )
        con.execute("CREATE TABLE flagmap (raw VARCHAR, flag VARCHAR)")
        if flag_lookup:
            con.executemany("INSERT INTO flagmap VALUES (?, ?)", list(flag_lookup.items()))

        # economies: resolve each distinct value once
        from aibridge.sources._geo import resolve_many

        distinct = con.sql(
            "SELECT economy_raw, count(*), min(rid) FROM t "
            "WHERE value_raw IS NOT NULL AND value_raw <> '' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        pattern = _SCHEMES.get(m.economy_scheme)
        resolved = resolve_many(r[0] for r in distinct)
        try:
            from aibridge.reference.economies import is_aggregate
        except ImportError:  # pragma: no cover

            def is_aggregate(code: str) -> bool:
                return False

        codemap: list[tuple[str, str]] = []
        unknown: list[UnknownCode] = []
        aggregates: set[str] = set()
        for raw, count, rid in distinct:
            iso3 = resolved.get(raw)
            if iso3 is None or (pattern is not None and not pattern.match(raw)):
                unknown.append(UnknownCode(str(raw), f"{path}:{line(int(rid))}", int(count)))
                continue
            codemap.append((raw, iso3))
            if is_aggregate(iso3):
                aggregates.add(iso3)
        con.execute("CREATE TABLE codemap (raw VARCHAR, iso3 VARCHAR)")
        if codemap:
            con.executemany("INSERT INTO codemap VALUES (?, ?)", codemap)

        con.execute(
            "CREATE TABLE obs AS SELECT t.rid, c.iso3 AS economy, ? || t.indicator AS indicator, "
            "CAST(substr(t.year_raw, 1, 4) AS SMALLINT) AS year, "
            "CAST(t.value_raw AS DOUBLE) AS value, f.flag AS flag "
            "FROM t JOIN codemap c ON t.economy_raw = c.raw LEFT JOIN flagmap f "
            "ON t.flag_raw = f.raw WHERE t.value_raw IS NOT NULL AND t.value_raw <> ''",
            [m.indicator_prefix],
        )
        dup = con.sql(
            "SELECT economy, indicator, year, list(rid ORDER BY rid) FROM obs "
            "GROUP BY ALL HAVING count(*) > 1 ORDER BY min(rid) LIMIT 1"
        ).fetchall()
        if dup:
            economy, indicator, year, rids = dup[0]
            lines = ", ".join(str(line(int(r))) for r in rids)
            raise fail(
                f"duplicate key: {economy} {indicator} {year} on lines {lines}; keep one row per "
                "economy, indicator and year",
                row=line(int(rids[1])),
                column=wanted["economy"],
            )
        observations = con.sql(
            "SELECT economy, indicator, year, value, flag FROM obs ORDER BY rid"
        ).to_arrow_table()
        codes = sorted(set(observations.column("indicator").to_pylist()))
        return Batch(
            origin=Origin(
                source_id=sid,
                uri=str(path),
                sha256=sha256_file(path),
                vintage=self.vintage or m.vintage or _mtime_label(path),
                publisher=m.publisher,
                licence=m.licence,
                title=m.title or path.name,
            ),
            observations=observations,
            indicators=_indicator_meta(codes, m),
            unknown_codes=unknown,
            aggregates=frozenset(aggregates),
        )


def _mtime_label(path: Path) -> str:
    """Default vintage: the file's modification time (changes when the file is edited)."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _indicator_meta(codes: list[str], m: TidyMapping) -> pa.Table:
    given = {i.code: i for i in m.indicators}
    given |= {f"{m.indicator_prefix}{i.code}": i for i in m.indicators}
    rows = []
    for code in codes:
        meta = given.get(code)
        row: dict[str, Any] = {"code": code, "licence": m.licence, "source": m.publisher}
        if meta is not None:
            row |= {k: v for k, v in meta.model_dump().items() if v is not None and k != "code"}
        rows.append(row)
    return indicator_table(rows)
