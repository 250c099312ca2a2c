"""Frictionless data packages: export a store (or part of it) and import one back.

A package is a folder with ``datapackage.json`` and one file per resource (CSV or Parquet):

==============  =========================================================================
resource        content
==============  =========================================================================
observations    economy, indicator, year, value, flag, source_id, vintage, origin_id
indicators      the indicators' metadata (code, name, unit, description, topic, ...)
economies       the economies present (ISO3, ISO2, M49, names, regions, is_aggregate ...)
origins         provenance: origin_id, source_id, vintage, uri, sha256, retrieved_at ...
==============  =========================================================================

Every resource carries a Table Schema (types, primary key, foreign keys, the E/I/P flag enum),
and packages are validated with the ``frictionless`` library on export and before import,
so a ministry can carry data to an offline machine and back and know nothing was lost:
importing an export into an empty store gives identical observations, vintages and origins.

Parquet resources: frictionless needs the optional ``fastparquet`` package to read Parquet,
which aibridge does not install; there the descriptor is validated by frictionless and the data
by DuckDB against the same schema (types, primary key, foreign keys, flag enum).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pyarrow as pa

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import FLAGS, INDICATOR_COLUMNS, Batch, Origin, sha256_file

if TYPE_CHECKING:
    from aibridge.store import Store

__all__ = ["DataPackageSource", "export_datapackage", "validate_datapackage"]

Format = Literal["csv", "parquet"]

_TS = "strftime({col}, '%Y-%m-%dT%H:%M:%S.%fZ')"  # store timestamps are UTC

FIELDS: dict[str, list[tuple[str, str, str]]] = {
    # resource -> (name, frictionless type, DuckDB type)
    "observations": [
        ("economy", "string", "VARCHAR"),
        ("indicator", "string", "VARCHAR"),
        ("year", "integer", "SMALLINT"),
        ("value", "number", "DOUBLE"),
        ("flag", "string", "VARCHAR"),
        ("source_id", "string", "VARCHAR"),
        ("vintage", "string", "VARCHAR"),
        ("origin_id", "integer", "INTEGER"),
    ],
    "indicators": [
        ("code", "string", "VARCHAR"),
        ("name", "string", "VARCHAR"),
        ("unit", "string", "VARCHAR"),
        ("description", "string", "VARCHAR"),
        ("topic", "string", "VARCHAR"),
        ("direction", "integer", "TINYINT"),
        ("licence", "string", "VARCHAR"),
        ("source", "string", "VARCHAR"),
        ("source_id", "string", "VARCHAR"),
    ],
    "economies": [
        ("iso3", "string", "VARCHAR"),
        ("iso2", "string", "VARCHAR"),
        ("m49", "integer", "SMALLINT"),
        ("name", "string", "VARCHAR"),
        ("name_ar", "string", "VARCHAR"),
        ("name_zh", "string", "VARCHAR"),
        ("name_fr", "string", "VARCHAR"),
        ("name_ru", "string", "VARCHAR"),
        ("name_es", "string", "VARCHAR"),
        ("un_region", "string", "VARCHAR"),
        ("un_subregion", "string", "VARCHAR"),
        ("wb_region", "string", "VARCHAR"),
        ("income_group", "string", "VARCHAR"),
        ("is_aggregate", "boolean", "BOOLEAN"),
        ("is_un_member", "boolean", "BOOLEAN"),
    ],
    "origins": [
        ("origin_id", "integer", "INTEGER"),
        ("source_id", "string", "VARCHAR"),
        ("vintage", "string", "VARCHAR"),
        ("uri", "string", "VARCHAR"),
        ("sha256", "string", "VARCHAR"),
        ("retrieved_at", "datetime", "VARCHAR"),
        ("publisher", "string", "VARCHAR"),
        ("licence", "string", "VARCHAR"),
        ("title", "string", "VARCHAR"),
    ],
}

DESCRIPTIONS = {
    "observations": "One value per economy, indicator and year, with its source and vintage.",
    "indicators": "Indicator metadata: name, unit, definition, topic, direction, licence.",
    "economies": "Economies (ISO 3166-1 alpha-3) and aggregates (World Bank codes).",
    "origins": "Provenance: the file or API call each value came from, with its sha256.",
}


def _schema(resource: str, history: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for name, ftype, _ in FIELDS[resource]:
        spec: dict[str, Any] = {"name": name, "type": ftype}
        if name == "flag":
            spec["constraints"] = {"enum": list(FLAGS)}
            spec["description"] = ", ".join(f"{k} = {v}" for k, v in FLAGS.items())
        if name == "direction":
            spec["constraints"] = {"enum": [-1, 1]}
        if name in {"economy", "indicator", "year", "value", "code", "iso3", "origin_id"}:
            spec.setdefault("constraints", {})["required"] = True
        fields.append(spec)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if resource == "observations":
        schema["primaryKey"] = (
            ["economy", "indicator", "year", "source_id", "vintage"]
            if history
            else ["economy", "indicator", "year"]
        )
        schema["foreignKeys"] = [
            {"fields": "indicator", "reference": {"resource": "indicators", "fields": "code"}},
            {"fields": "economy", "reference": {"resource": "economies", "fields": "iso3"}},
            {"fields": "origin_id", "reference": {"resource": "origins", "fields": "origin_id"}},
        ]
    else:
        schema["primaryKey"] = [FIELDS[resource][0][0]]
    return schema


def export_datapackage(
    store: Store,
    directory: Path | str,
    *,
    format: Format = "csv",
    history: bool = False,
    economies: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    name: str = "aibridge-export",
    validate: bool = True,
) -> Path:
    """Write the store's values (current ones, or every vintage with ``history``) as a package.

    Returns the path of ``datapackage.json``. The folder is created; existing package files
    in it are overwritten.
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet'; got {format!r}")
    out = Path(directory)
    (out / "data").mkdir(parents=True, exist_ok=True)
    con = store.con
    where: list[str] = []
    params: list[Any] = []
    if economies is not None:
        store.observations(economies=list(economies), years=0)  # NotFoundError if unknown
        where.append("list_contains(?::VARCHAR[], economy)")
        params.append(list(economies))
    if indicators is not None:
        store.observations(indicators=list(indicators), years=0)
        where.append("list_contains(?::VARCHAR[], indicator)")
        params.append(list(indicators))
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    if history:
        source = (
            "SELECT economy, indicator, year, value, flag, source_id, vintage, origin_id "
            "FROM history"
        )
    else:
        source = (
            "SELECT economy, indicator, year, value, flag, source_id, vintage, origin_id "
            "FROM current"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _export AS SELECT * FROM ({source}) {cond} "
        "ORDER BY economy, indicator, year, vintage",
        params,
    )
    try:
        queries = {
            "observations": "SELECT * FROM _export",
            "indicators": "SELECT code, name, unit, description, topic, direction, licence, "
            "source, source_id FROM indicators WHERE code IN (SELECT indicator FROM _export) "
            "ORDER BY code",
            "economies": "SELECT * FROM economies WHERE iso3 IN (SELECT economy FROM _export) "
            "ORDER BY iso3",
            "origins": "SELECT origin_id, source_id, vintage, uri, sha256, "
            f"{_TS.format(col='retrieved_at')} AS retrieved_at, publisher, licence, title "
            "FROM origins WHERE origin_id IN (SELECT origin_id FROM _export) ORDER BY origin_id",
        }
        resources = []
        for resource, query in queries.items():
            rel_path = f"data/{resource}.{format}"
            options = "FORMAT parquet" if format == "parquet" else "FORMAT csv, HEADER true"
            con.execute(f"COPY ({query}) TO '{(out / rel_path).as_posix()}' ({options})")
            entry: dict[str, Any] = {
                "name": resource,
                "path": rel_path,
                "profile": "tabular-data-resource",
                "format": format,
                "description": DESCRIPTIONS[resource],
                "schema": _schema(resource, history),
            }
            if format == "csv":
                entry |= {"mediatype": "text/csv", "encoding": "utf-8"}
            else:
                entry["mediatype"] = "application/vnd.apache.parquet"
            entry["hash"] = f"sha256:{sha256_file(out / rel_path)}"
            entry["bytes"] = (out / rel_path).stat().st_size
            resources.append(entry)
        licences = sorted(
            {
                str(r[0])
                for r in con.sql(
                    "SELECT DISTINCT licence FROM origins WHERE licence IS NOT NULL AND "
                    "origin_id IN (SELECT origin_id FROM _export)"
                ).fetchall()
            }
        )
        sources = [
            {"title": f"{r[0]} ({r[1]})"}
            for r in con.sql(
                "SELECT DISTINCT source_id, vintage FROM _export ORDER BY 1, 2"
            ).fetchall()
        ]
    finally:
        con.execute("DROP TABLE IF EXISTS temp._export")
    descriptor = {
        "profile": "tabular-data-package",
        "name": name,
        "title": "aibridge indicator store export",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": (
            "Values exported from an aibridge indicator store"
            + (" with every vintage" if history else " (latest vintage of each value)")
            + ". Each value traces to its origin (file or API call, sha256, retrieval time)."
        ),
        "licenses": [{"name": lic.replace(" ", "-"), "title": lic} for lic in licences],
        "sources": sources,
        "aibridge": {"history": history, "format": format, "schema_version": 1},
        "resources": resources,
    }
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if validate:
        validate_datapackage(path)
    return path


def validate_datapackage(path: Path | str) -> None:
    """Validate a package with frictionless (descriptor, and data for CSV resources).

    Raises :class:`SourceFormatError` naming the resource, row and field of the first error.
    """
    import frictionless

    descriptor_path = Path(path)
    if descriptor_path.is_dir():
        descriptor_path = descriptor_path / "datapackage.json"
    if not descriptor_path.is_file():
        raise SourceUnavailable(f"no datapackage.json at {path}", source_id="datapackage")
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceFormatError(
            f"datapackage.json is not valid JSON: {exc}",
            source_id="datapackage",
            path=str(descriptor_path),
        ) from exc
    parquet = [r for r in descriptor.get("resources", []) if _is_parquet(r)]
    if parquet:
        # descriptor only (frictionless reads Parquet only with fastparquet); data below
        try:
            frictionless.Package(str(descriptor_path))
        except frictionless.FrictionlessException as exc:
            raise SourceFormatError(
                f"invalid data package descriptor: {exc.error.message}",
                source_id="datapackage",
                path=str(descriptor_path),
            ) from exc
        csv_names = [r["name"] for r in descriptor["resources"] if not _is_parquet(r)]
        if not csv_names:
            return
    report = frictionless.validate(str(descriptor_path))
    if report.valid:
        return
    for task in report.tasks:
        for error in task.errors:
            if parquet and task.name not in [
                r.get("name") for r in descriptor["resources"] if not _is_parquet(r)
            ]:
                continue
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            raise SourceFormatError(
                f"resource {task.name!r}: {error.message} (frictionless {error.type}); fix the "
                "file or export the package again",
                source_id="datapackage",
                path=str(descriptor_path.parent / (task.place or "")),
                line=row,
                column=field,
            )
    if report.errors:
        error = report.errors[0]
        raise SourceFormatError(
            f"invalid data package: {error.message}",
            source_id="datapackage",
            path=str(descriptor_path),
        )


def _is_parquet(resource: dict[str, Any]) -> bool:
    return str(resource.get("format", "")).lower() == "parquet" or str(
        resource.get("path", "")
    ).lower().endswith(".parquet")


class DataPackageSource:
    """Reads an aibridge data package back into batches, one per origin (provenance kept)."""

    source_id = "datapackage"

    def __init__(self, *, validate: bool = True):
        self.validate = validate

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None:
            raise SourceUnavailable(
                "pass the package folder or its datapackage.json", source_id=self.source_id
            )
        descriptor_path = Path(path)
        if descriptor_path.is_dir():
            descriptor_path = descriptor_path / "datapackage.json"
        if self.validate:
            validate_datapackage(descriptor_path)
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        resources = {r.get("name"): r for r in descriptor.get("resources", [])}
        if "observations" not in resources:
            raise SourceFormatError(
                "the package has no 'observations' resource; aibridge imports packages it "
                "exported (resources observations, indicators, economies, origins) — for other "
                "tidy files use `aibridge import tidy` with a YAML mapping",
                source_id=self.source_id,
                path=str(descriptor_path),
            )
        base = descriptor_path.parent
        con = duckdb.connect()
        try:
            for name, resource in resources.items():
                if name in FIELDS:
                    self._load(con, base, name, resource)
            if any(_is_parquet(r) for r in resources.values()):
                self._check_parquet(con, descriptor_path)
            yield from self._batches(con, descriptor_path, descriptor)
        finally:
            con.close()

    def _load(
        self, con: duckdb.DuckDBPyConnection, base: Path, name: str, resource: dict[str, Any]
    ) -> None:
        file = (base / str(resource["path"])).resolve()
        if not file.is_relative_to(base.resolve()):
            raise SourceFormatError(
                f"resource {name!r} points outside the package ({resource['path']})",
                source_id=self.source_id,
                path=str(base),
            )
        if not file.is_file():
            raise SourceUnavailable(
                f"resource {name!r}: file {file} is missing", source_id=self.source_id
            )
        expected = FIELDS[name]
        cols = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, _, t in expected)
        try:
            if _is_parquet(resource):
                con.execute(
                    f"CREATE TABLE {name} AS SELECT {cols} FROM read_parquet(?)", [str(file)]
                )
            else:
                types = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n, _, _ in expected) + "}"
                con.execute(
                    f"CREATE TABLE {name} AS SELECT {cols} FROM read_csv(?, header = true, "
                    f"columns = {types}, auto_detect = false, nullstr = '')",
                    [str(file)],
                )
        except duckdb.Error as exc:
            raise SourceFormatError(
                f"resource {name!r} does not match the aibridge schema: {str(exc).splitlines()[0]}",
                source_id=self.source_id,
                path=str(file),
            ) from exc

    def _check_parquet(self, con: duckdb.DuckDBPyConnection, descriptor_path: Path) -> None:
        problems = {
            "observations rows with a flag other than E, I, P": (
                "SELECT count(*) FROM observations WHERE flag IS NOT NULL AND flag NOT IN "
                "('E', 'I', 'P')"
            ),
            "observations rows missing economy, indicator, year or value": (
                "SELECT count(*) FROM observations WHERE economy IS NULL OR indicator IS NULL "
                "OR year IS NULL OR value IS NULL"
            ),
            "observations whose origin_id is not in origins": (
                "SELECT count(*) FROM observations WHERE origin_id NOT IN "
                "(SELECT origin_id FROM origins)"
            ),
            "duplicate observation keys": (
                "SELECT count(*) FROM (SELECT 1 FROM observations GROUP BY economy, indicator, "
                "year, source_id, vintage HAVING count(*) > 1)"
            ),
        }
        for what, query in problems.items():
            count = con.sql(query).fetchall()[0][0]
            if count:
                raise SourceFormatError(
                    f"{count} {what}", source_id=self.source_id, path=str(descriptor_path)
                )

    def _batches(
        self, con: duckdb.DuckDBPyConnection, descriptor_path: Path, descriptor: dict[str, Any]
    ) -> Iterator[Batch]:
        tables = {r[0] for r in con.sql("SHOW TABLES").fetchall()}
        aggregates: frozenset[str] = frozenset()
        if "economies" in tables:
            aggregates = frozenset(
                r[0] for r in con.sql("SELECT iso3 FROM economies WHERE is_aggregate").fetchall()
            )
        if "origins" not in tables:
            con.execute(
                "CREATE TABLE origins AS SELECT DISTINCT origin_id, source_id, vintage, "
                "? AS uri, ? AS sha256, NULL AS retrieved_at, NULL AS publisher, "
                "NULL AS licence, NULL AS title FROM observations",
                [str(descriptor_path), sha256_file(descriptor_path)],
            )
        origins = con.sql(
            "SELECT origin_id, source_id, vintage, uri, sha256, retrieved_at, publisher, "
            "licence, title FROM origins ORDER BY origin_id"
        ).fetchall()
        for oid, source_id, vintage, uri, sha, retrieved, publisher, licence, title in origins:
            obs = con.sql(
                "SELECT economy, indicator, year, value, flag FROM observations "
                "WHERE origin_id = ? ORDER BY economy, indicator, year",
                params=[oid],
            ).to_arrow_table()
            if obs.num_rows == 0:
                continue
            if "indicators" in tables:
                cols = ", ".join(INDICATOR_COLUMNS)
                indicators = con.sql(
                    f"SELECT {cols} FROM indicators WHERE code IN (SELECT DISTINCT indicator "
                    "FROM observations WHERE origin_id = ?)",
                    params=[oid],
                ).to_arrow_table()
            else:
                indicators = pa.table({c: pa.array([], pa.string()) for c in INDICATOR_COLUMNS})
            yield Batch(
                origin=Origin(
                    source_id=str(source_id),
                    uri=str(uri),
                    sha256=str(sha),
                    vintage=str(vintage),
                    retrieved_at=_parse_ts(retrieved),
                    publisher=publisher,
                    licence=licence,
                    title=title,
                ),
                observations=obs,
                indicators=indicators,
                aggregates=aggregates & frozenset(obs.column("economy").unique().to_pylist()),
            )


def _parse_ts(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.now(UTC)
