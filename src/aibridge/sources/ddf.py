"""General importer for Gapminder's DDF (Data Description Format, "DDFcsv").

A DDF package is a folder (or a ``.tar.gz`` of one) holding

* ``ddf--concepts.csv`` (or ``ddf--concepts--*.csv``): one row per concept with
  ``concept_type`` (``measure``, ``entity_domain``, ``entity_set``, ``time`` ...), ``name``,
  ``description``, ``unit``/``format``, ``source``, ``tags``, ``domain``;
* ``ddf--entities--<domain>[--<set>].csv``: entity tables (for economies: a geo domain with
  columns such as ``iso3166_1_alpha3`` and ``is--country``);
* ``ddf--datapoints--<indicator>[--<indicator>...]--by--<key>--<key>....csv``: values of
  one or more measures keyed by the listed keys (e.g. ``geo--time``,
  ``geo_area--nature--sex--units--year``);
* optionally ``datapackage.json`` (title, licence, version).

How a datapoints file becomes observations
------------------------------------------
* The **geo key** is the key whose concept has ``domain == "geo"`` or is the geo entity domain
  (else the first key named ``geo``, ``geo_area``, ``country``, ``economy``, ``ref_area``).
  Ids are mapped to ISO3 through the entity table: the ``iso3166_1_alpha3`` column where there
  is one, else :func:`aibridge.sources._geo.resolve` on the id (ISO2/ISO3/M49 number) and then
  the entity name. Unmappable entities flagged ``is--country`` (or without any ``is--`` flag
  and with a non-numeric id) are reported in ``Batch.unknown_codes``; the others (regions,
  income groups, SDG areas, World) are kept as aggregates, coded ``WLD`` for the world and
  ``<aggregate_prefix><id>`` otherwise (M49 ids zero-padded: ``M49_202``).
* The **time key** (concept type ``time``, or a key named ``time`` / ``year``) must hold
  years; sub-annual periods are refused with a clear error (the store is annual).
* **Attribute keys** ``units``/``unit`` and ``nature`` are not part of the indicator code
  when they hold one value per file: ``units`` becomes the indicator's unit; ``nature``
  (UN SDG: ``e`` estimated, ``m`` modelled) becomes the ``E`` flag.
* Every **other key** (``sex``, ``type_of_skill``, ``type_of_speed``, or an attribute key
  with several values) is an extra dimension, spelled into the indicator code in file order:
  ``<prefix><measure>.<key>=<value>``, e.g. ``SDG.SE_ADT_ACTS.sex=female.type_of_skill=arsp``.
* Measure codes are ``code_map[measure]`` where given (e.g. Gapminder concept → WDI code),
  else ``prefix + measure`` (upper-cased with ``upper_codes=True``).

Reading is columnar (``pyarrow.csv`` per file, ``pyarrow.compute`` for codes and geo mapping;
no per-row Python). A ``.tar.gz`` is streamed member by member and never unpacked to disk.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import (
    OBSERVATION_SCHEMA,
    Batch,
    Origin,
    UnknownCode,
    indicator_table,
    sha256_file,
)
from aibridge.sources._geo import resolve
from aibridge.sources._tabular import EconomyMetadataBatch, aggregate_updates

__all__ = [
    "DdfSource",
    "GapminderSystemaGlobalisSource",
    "SdgIctSource",
    "read_wdi_map",
]

_GEO_NAMES = ("geo", "geo_area", "country", "economy", "ref_area", "area")
_TIME_NAMES = ("time", "year")
_UNIT_KEYS = ("units", "unit")
_NATURE_KEYS = ("nature",)
#: UN SDG ``nature`` codes that mean the value is an estimate (E estimated, M modelled).
_ESTIMATE_NATURE = frozenset({"e", "m"})
_DATAPOINTS = re.compile(r"ddf--datapoints--(?P<measures>.+?)--by--(?P<keys>.+)\.csv$")
_ENTITIES = re.compile(r"ddf--entities--(?P<domain>[^-]+(?:_[^-]+)*)(?:--(?P<set>.+))?\.csv$")


@dataclass
class _Raw:
    """One measure column of one datapoints file, keys still as strings."""

    member: str
    measure: str
    keys: list[str]
    table: pa.Table  # key columns (string) + "value" (float64)


@dataclass
class _Package:
    """Everything read from a DDF package before the geo/time roles are settled."""

    concepts: dict[str, dict[str, str]] = field(default_factory=dict)
    entities: dict[str, list[tuple[str | None, pa.Table]]] = field(default_factory=dict)
    datapoints: list[_Raw] = field(default_factory=list)
    datapackage: dict[str, Any] = field(default_factory=dict)


def _csv_error(member: str, exc: Exception) -> SourceFormatError:
    text = str(exc)
    line = None
    match = re.search(r"Row #(\d+)", text)
    if match:
        line = int(match.group(1))
    column = None
    col = re.search(r"column #(\d+)", text)
    if col:
        column = f"#{col.group(1)}"
    return SourceFormatError(
        f"cannot read DDF CSV ({text.splitlines()[0] if text else type(exc).__name__}); "
        "fix the file or re-download the package",
        path=member,
        line=line,
        column=column,
    )


def _read_strings(member: str, data: bytes) -> pa.Table:
    """A CSV with every column as string (entity and concept tables)."""
    try:
        first = data.split(b"\n", 1)[0].decode("utf-8-sig").strip().split(",")
        return pacsv.read_csv(
            io.BytesIO(data),
            convert_options=pacsv.ConvertOptions(
                column_types={name.strip('"'): pa.string() for name in first},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _csv_error(member, exc) from exc


def _read_datapoints(member: str, data: bytes, match: re.Match[str]) -> list[_Raw]:
    keys = match.group("keys").split("--")
    try:
        header = [
            h.strip().strip('"') for h in data.split(b"\n", 1)[0].decode("utf-8-sig").split(",")
        ]
    except UnicodeDecodeError as exc:
        raise _csv_error(member, exc) from exc
    # DDF allows "key-value" filters in file names (e.g. ``country-swe``): keep the key part
    keys = [k if k in header else k.split("-", 1)[0] for k in keys]
    missing = [k for k in keys if k not in header]
    if missing:
        raise SourceFormatError(
            f"the file name lists key(s) {missing} that are not columns of the header {header}; "
            "the file name and header must agree",
            path=member,
            line=1,
        )
    measures = [h for h in header if h not in keys]
    if not measures:
        raise SourceFormatError("datapoints file has no measure column", path=member, line=1)
    types: dict[str, pa.DataType] = {k: pa.string() for k in keys}
    types.update({m: pa.float64() for m in measures})
    options = {"strings_can_be_null": True, "null_values": ["", "NA", "NaN", ".."]}
    try:
        table = pacsv.read_csv(
            io.BytesIO(data), convert_options=pacsv.ConvertOptions(column_types=types, **options)
        )
    except pa.ArrowInvalid:
        # a non-numeric column: a string/boolean concept (skipped later, once the concepts
        # are known) or a broken value (reported later with its line)
        types.update({m: pa.string() for m in measures})
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                convert_options=pacsv.ConvertOptions(column_types=types, **options),
            )
        except pa.ArrowInvalid as exc:
            raise _csv_error(member, exc) from exc
    out = []
    for measure in measures:
        value = table.column(measure)
        part = table.select(keys).append_column("value", value)
        if value.type != pa.float64():  # keep file line numbers for the error message
            part = part.append_column("_line", pa.array(range(2, table.num_rows + 2), pa.int64()))
        part = part.filter(pc.is_valid(value))
        out.append(_Raw(member=member, measure=measure, keys=keys, table=part))
    return out


def _iter_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(relative name, bytes) of every DDF file of a folder or a .tar.gz, streamed."""
    wanted = re.compile(r"(^|/)(ddf--[^/]+\.csv|datapackage\.json)$")
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            rel = file.relative_to(path).as_posix()
            if file.is_file() and wanted.search(rel):
                yield rel, file.read_bytes()
        return
    if not path.is_file():
        raise SourceUnavailable(f"{path} does not exist; pass a DDF folder or its .tar.gz")
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for info in tar:
                if info.isfile() and wanted.search(info.name):
                    fh = tar.extractfile(info)
                    if fh is not None:
                        yield info.name, fh.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceFormatError(
            f"cannot read the archive ({exc}); pass a DDF folder or an intact .tar.gz",
            path=str(path),
        ) from exc


def _read_package(path: Path) -> _Package:
    pkg = _Package()
    for name, data in _iter_members(path):
        base = name.rsplit("/", 1)[-1]
        if base == "datapackage.json":
            try:
                pkg.datapackage = json.loads(data)
            except json.JSONDecodeError as exc:
                raise SourceFormatError(f"malformed JSON ({exc})", path=name) from exc
        elif base.startswith("ddf--concepts"):
            for row in _read_strings(name, data).to_pylist():
                concept = row.get("concept")
                if concept:
                    pkg.concepts[concept] = {k: v for k, v in row.items() if v is not None}
        elif m := _ENTITIES.match(base):
            pkg.entities.setdefault(m.group("domain"), []).append(
                (m.group("set"), _read_strings(name, data))
            )
        elif m := _DATAPOINTS.match(base):
            pkg.datapoints.extend(_read_datapoints(name, data, m))
    if not pkg.datapoints:
        raise SourceFormatError(
            "no ddf--datapoints--*.csv files found; is this a DDF package?", path=str(path)
        )
    return pkg


@dataclass(frozen=True)
class _GeoMap:
    ids: pa.Array  # entity ids (string)
    codes: pa.Array  # ISO3 / aggregate code, null where unknown
    aggregates: frozenset[str]
    names: dict[str, str]  # aggregate code -> entity name


class DdfSource:
    """Import any DDF package (folder or ``.tar.gz``) as one :class:`Batch`.

    Parameters
    ----------
    source_id:
        Recorded in the origin (``"ddf"`` by default).
    prefix:
        Prepended to measure codes that ``code_map`` does not map (``"SG."``, ``"SDG."``).
    code_map:
        Measure → indicator code (e.g. Gapminder ``internet_users`` → ``IT.NET.USER.ZS``).
    upper_codes:
        Upper-case the measure part of prefixed codes (UN SDG series are upper-case).
    geo_key, time_key:
        Force the key roles instead of inferring them.
    aggregate_prefix:
        Prefix of aggregate codes (``"M49_"`` for UN areas); the world is always ``WLD``.
    names:
        Measure → display name, where the package has no concepts file.
    vintage, publisher, licence, title:
        Origin fields; defaults come from ``datapackage.json`` or the file date.
    archive:
        File name looked for inside a folder passed to :meth:`read` (e.g. the Gapminder
        ``.tar.gz``); when absent the folder itself is read as the package.
    """

    def __init__(
        self,
        *,
        source_id: str = "ddf",
        prefix: str = "DDF.",
        code_map: Mapping[str, str] | None = None,
        upper_codes: bool = False,
        geo_key: str | None = None,
        time_key: str | None = None,
        aggregate_prefix: str = "AGG_",
        names: Mapping[str, str] | None = None,
        vintage: str | None = None,
        publisher: str | None = None,
        licence: str | None = None,
        title: str | None = None,
        archive: str | None = None,
    ) -> None:
        self.source_id = source_id
        self.prefix = prefix
        self.code_map = dict(code_map or {})
        self.upper_codes = upper_codes
        self.geo_key = geo_key
        self.time_key = time_key
        self.aggregate_prefix = aggregate_prefix
        self.names = dict(names or {})
        self.vintage = vintage
        self.publisher = publisher
        self.licence = licence
        self.title = title
        self.archive = archive
        #: ``file:measure (concept_type)`` of non-numeric datapoints left out by the last read
        self.skipped: list[str] = []

    # -- public ------------------------------------------------------------------------------
    def locate(self, path: Path) -> Path:
        """The package to read: ``path``, or ``path / archive`` when that file exists."""
        if path.is_dir() and self.archive and (path / self.archive).is_file():
            return path / self.archive
        return path

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        """Yield one batch holding every datapoint of the package at ``path``."""
        if path is None:
            raise SourceUnavailable(
                f"{self.source_id}: pass the DDF folder or .tar.gz to read",
                source_id=self.source_id,
            )
        package_path = self.locate(Path(path))
        if not package_path.exists():
            raise SourceUnavailable(
                f"{package_path} does not exist; pass a DDF folder or its .tar.gz",
                source_id=self.source_id,
            )
        retrieved = datetime.now(UTC)
        self.skipped = []
        pkg = _read_package(package_path)
        yield self._batch(pkg, package_path, retrieved)

    def code_for(self, measure: str) -> str:
        """Indicator code of a measure (before any extra-dimension suffix)."""
        if measure in self.code_map:
            return self.code_map[measure]
        return self.prefix + (measure.upper() if self.upper_codes else measure)

    # -- roles -------------------------------------------------------------------------------
    def _geo_key(self, keys: list[str], pkg: _Package, member: str) -> str:
        if self.geo_key:
            if self.geo_key in keys:
                return self.geo_key
        else:
            for key in keys:
                concept = pkg.concepts.get(key, {})
                if key == "geo" or concept.get("domain") == "geo":
                    return key
            for key in keys:
                if key in _GEO_NAMES:
                    return key
        raise SourceFormatError(
            f"datapoints are not keyed by an economy (keys {keys}); only country-level DDF "
            "datapoints can be imported (set geo_key= if the key has another name)",
            path=member,
        )

    def _time_key(self, keys: list[str], pkg: _Package, member: str) -> str:
        if self.time_key and self.time_key in keys:
            return self.time_key
        for key in keys:
            if pkg.concepts.get(key, {}).get("concept_type") == "time" or key in _TIME_NAMES:
                return key
        raise SourceFormatError(
            f"datapoints have no time key (keys {keys}); expected 'time' or 'year'", path=member
        )

    # -- geo ---------------------------------------------------------------------------------
    def _geo_map(self, pkg: _Package, key: str, ids: pa.Array) -> _GeoMap:
        """Map the distinct ids of one geo key to ISO3 / aggregate codes."""
        domain = pkg.concepts.get(key, {}).get("domain") or key
        info: dict[str, dict[str, Any]] = {}
        for source_key in dict.fromkeys((domain, key)):
            for set_name, table in pkg.entities.get(source_key, []):
                id_col = (
                    set_name
                    if set_name and set_name in table.column_names
                    else source_key
                    if source_key in table.column_names
                    else table.column_names[0]
                )
                for row in table.to_pylist():
                    ent = row.get(id_col)
                    if ent is None:
                        continue
                    entry = info.setdefault(ent, {"sets": set(), "columns": set()})
                    entry["columns"].update(table.column_names)
                    for column, value in row.items():
                        if column.startswith("is--"):
                            if str(value).upper() == "TRUE":
                                entry["sets"].add(column[4:])
                        elif value is not None and column not in entry:
                            entry[column] = value
                    if set_name and not any(c.startswith("is--") for c in row):
                        entry["sets"].add(set_name)
        out_codes: list[str | None] = []
        aggregates: set[str] = set()
        agg_names: dict[str, str] = {}
        id_list = [str(i) for i in ids.to_pylist()]
        for ent in id_list:
            if ent not in info:  # not in any entity table: an id we can only try to resolve
                out_codes.append(resolve(ent))
                continue
            entry = info[ent]
            iso3 = entry.get("iso3166_1_alpha3")
            if iso3:
                out_codes.append(resolve(iso3) or iso3.upper())
                continue
            sets: set[str] = entry["sets"]
            is_country = "country" in sets
            is_group = bool(sets - {"country"}) and not is_country
            name = entry.get("name")
            if is_group:
                hit = None
            elif "iso3166_1_alpha3" in entry["columns"] or ent.isdigit():
                # the table says "no ISO code", or the id is an M49 number: trust only the id
                hit = resolve(ent)
            else:
                hit = resolve(ent) or (resolve(name) if name else None)
            if hit:
                out_codes.append(hit)
            elif is_country:
                out_codes.append(None)  # an economy we cannot key: reported, never guessed
            else:
                if ent in ("1", "001", "world") or (name or "").strip().lower() == "world":
                    code = "WLD"
                elif ent.isdigit():
                    code = f"{self.aggregate_prefix}{int(ent):03d}"
                else:
                    code = f"{self.aggregate_prefix}{ent}"
                aggregates.add(code)
                agg_names[code] = str(name or ent)
                out_codes.append(code)
        return _GeoMap(
            ids=pa.array(id_list, pa.string()),
            codes=pa.array(out_codes, pa.string()),
            aggregates=frozenset(aggregates),
            names=agg_names,
        )

    # -- assembly ----------------------------------------------------------------------------
    def _batch(self, pkg: _Package, package_path: Path, retrieved: datetime) -> Batch:
        parts: list[pa.Table] = []
        unknown: list[UnknownCode] = []
        aggregates: set[str] = set()
        indicators: dict[str, dict[str, Any]] = {}
        geo_maps: dict[str, _GeoMap] = {}

        for raw in pkg.datapoints:
            keys = raw.keys
            geo = self._geo_key(keys, pkg, raw.member)
            time = self._time_key(keys, pkg, raw.member)
            table = raw.table
            if table.num_rows == 0:
                continue
            if table.column("value").type != pa.float64():
                concept_type = pkg.concepts.get(raw.measure, {}).get("concept_type", "measure")
                if concept_type != "measure":
                    self.skipped.append(f"{raw.member}:{raw.measure} ({concept_type})")
                    continue
                table = table.set_column(
                    table.column_names.index("value"),
                    "value",
                    _to_float(table, raw.member, raw.measure),
                )
            # time → year
            times = table.column(time)
            if not pc.all(pc.match_substring_regex(times, r"^-?\d{1,4}$")).as_py():
                bad = pc.filter(times, pc.invert(pc.match_substring_regex(times, r"^-?\d{1,4}$")))
                raise SourceFormatError(
                    f"time value {bad[0].as_py()!r} is not a year; only annual DDF datapoints "
                    "can be imported",
                    path=raw.member,
                    column=time,
                )
            years = pc.cast(times, pa.int16())
            # attribute keys with one value per file → metadata / flag, not part of the code
            unit: str | None = None
            flag = pa.nulls(table.num_rows, pa.string())
            dims: list[str] = []
            for key in keys:
                if key in (geo, time):
                    continue
                distinct = pc.unique(table.column(key))
                if key in _UNIT_KEYS and len(distinct) == 1:
                    unit = distinct[0].as_py()
                elif key in _NATURE_KEYS:
                    lowered = pc.utf8_lower(table.column(key))
                    flag = pc.if_else(
                        pc.is_in(lowered, pa.array(sorted(_ESTIMATE_NATURE))),
                        pa.scalar("E"),
                        pa.scalar(None, pa.string()),
                    )
                else:
                    dims.append(key)
            base = self.code_for(raw.measure)
            if dims:
                pieces: list[Any] = [pa.scalar(base)]
                for key in dims:
                    pieces.append(
                        pc.binary_join_element_wise(pa.scalar(f"{key}="), table.column(key), "")
                    )
                codes = pc.binary_join_element_wise(*pieces, ".")
                codes = pc.fill_null(codes, base)
            else:
                codes = pa.repeat(pa.scalar(base, pa.string()), table.num_rows)
            # geo → ISO3
            if geo not in geo_maps:
                all_ids = pc.unique(
                    pa.chunked_array(
                        [r.table.column(geo) for r in pkg.datapoints if geo in r.keys],
                        pa.string(),
                    )
                )
                geo_maps[geo] = self._geo_map(pkg, geo, all_ids)
            gmap = geo_maps[geo]
            idx = pc.index_in(table.column(geo), value_set=gmap.ids)
            economy = pc.take(gmap.codes, idx)
            missing = pc.is_null(economy)
            if pc.any(missing).as_py():
                counts = pc.value_counts(pc.filter(table.column(geo), missing))
                for item in counts.to_pylist():
                    unknown.append(
                        UnknownCode(str(item["values"]), raw.member, int(item["counts"]))
                    )
            keep = pc.invert(missing)
            part = pa.table(
                {
                    "economy": pc.filter(economy, keep),
                    "indicator": pc.filter(codes, keep),
                    "year": pc.filter(years, keep),
                    "value": pc.filter(table.column("value"), keep),
                    "flag": pc.filter(flag, keep),
                },
                schema=OBSERVATION_SCHEMA,
            )
            aggregates.update(set(pc.unique(part.column("economy")).to_pylist()) & gmap.aggregates)
            parts.append(part)
            self._describe(pkg, raw.measure, base, unit, dims, table, indicators)

        observations = (
            pa.concat_tables(parts).combine_chunks() if parts else OBSERVATION_SCHEMA.empty_table()
        )
        if _may_have_duplicates(parts):
            self._check_duplicates(observations, package_path)
        origin = self._origin(pkg, package_path, retrieved)
        names = {c: n for g in geo_maps.values() for c, n in g.names.items() if c in aggregates}
        return EconomyMetadataBatch(
            origin=origin,
            observations=observations,
            indicators=indicator_table(list(indicators.values())),
            unknown_codes=_merge_unknown(unknown),
            aggregates=frozenset(aggregates),
            # the names of the package's own aggregates (UN areas ...), applied by the store
            economy_updates=aggregate_updates(names, as_of=origin.vintage) if names else None,
        )

    def _describe(
        self,
        pkg: _Package,
        measure: str,
        base: str,
        unit: str | None,
        dims: list[str],
        table: pa.Table,
        out: dict[str, dict[str, Any]],
    ) -> None:
        concept = pkg.concepts.get(measure, {})
        name = self.names.get(measure) or concept.get("name") or measure
        source = concept.get("source") or concept.get("source_long") or self.publisher
        url = concept.get("source_url")
        row = {
            "name": name,
            "unit": unit or concept.get("unit") or concept.get("format"),
            "description": concept.get("description_long") or concept.get("description"),
            "topic": concept.get("tags"),
            "direction": None,
            "licence": self.licence or _licence(pkg.datapackage),
            "source": f"{source} ({url})" if source and url else source or url,
        }
        if not dims:
            out.setdefault(base, {"code": base, **row})
            return
        combos = table.select(dims).group_by(dims).aggregate([]).to_pylist()
        for combo in combos:
            suffix = ".".join(f"{k}={combo[k]}" for k in dims)
            label = ", ".join(f"{k.replace('_', ' ')}: {combo[k]}" for k in dims)
            code = f"{base}.{suffix}"
            out.setdefault(code, {**row, "code": code, "name": f"{name} ({label})"})

    @staticmethod
    def _check_duplicates(observations: pa.Table, package_path: Path) -> None:
        if observations.num_rows == 0:
            return
        counts = observations.group_by(["economy", "indicator", "year"]).aggregate(
            [("value", "count")]
        )
        dup = counts.filter(pc.greater(counts.column("value_count"), 1))
        if dup.num_rows:
            first = dup.slice(0, 1).to_pylist()[0]
            raise SourceFormatError(
                f"{dup.num_rows} duplicate (economy, indicator, year) key(s), e.g. "
                f"{first['economy']} / {first['indicator']} / {first['year']}: two entity ids map "
                "to the same economy or an attribute key varies; fix the entity table",
                path=str(package_path),
            )

    def _origin(self, pkg: _Package, package_path: Path, retrieved: datetime) -> Origin:
        if package_path.is_file():
            sha = sha256_file(package_path)
            mtime = package_path.stat().st_mtime
        else:
            import hashlib

            digest = hashlib.sha256()
            mtime = 0.0
            for file in sorted(package_path.rglob("ddf--*.csv")):
                digest.update(file.relative_to(package_path).as_posix().encode())
                digest.update(sha256_file(file).encode())
                mtime = max(mtime, file.stat().st_mtime)
            sha = digest.hexdigest()
        dp = pkg.datapackage
        vintage = (
            self.vintage
            or str(dp.get("version") or "")
            or datetime.fromtimestamp(mtime, UTC).date().isoformat()
        )
        return Origin(
            source_id=self.source_id,
            uri=str(package_path.resolve()),
            sha256=sha,
            vintage=vintage,
            retrieved_at=retrieved,
            publisher=self.publisher or _first_name(dp.get("author") or dp.get("contributors")),
            licence=self.licence or _licence(dp),
            title=self.title or dp.get("title") or dp.get("name"),
        )


def _first_name(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0].get("title") or value[0].get("name")
    return None


def _licence(dp: Mapping[str, Any]) -> str | None:
    licences = dp.get("licenses") or dp.get("license")
    if isinstance(licences, str):
        return licences
    if isinstance(licences, list) and licences and isinstance(licences[0], dict):
        return licences[0].get("title") or licences[0].get("name")
    return None


def _to_float(table: pa.Table, member: str, measure: str) -> pa.Array:
    """Cast a measure read as text to float64, naming the first value that is not a number."""
    values = table.column("value")
    numeric = pc.match_substring_regex(values, r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
    bad = pc.invert(numeric)
    if pc.any(bad).as_py():
        index = pc.index(bad, True).as_py()
        raise SourceFormatError(
            f"value {values[index].as_py()!r} of measure {measure!r} is not a number; fix the "
            "value or declare the concept with concept_type 'string'",
            path=member,
            line=table.column("_line")[index].as_py(),
            column=measure,
        )
    return pc.cast(pc.utf8_trim_whitespace(values), pa.float64()).combine_chunks()


def _may_have_duplicates(parts: list[pa.Table]) -> bool:
    """Whether any (economy, indicator, year) key can repeat: within one part (checked on an
    integer key, much cheaper than a group-by over 3.7 M strings) or across parts sharing an
    indicator code. Only then does the caller run the full, error-reporting check."""
    seen: set[str] = set()
    for part in parts:
        economy = pc.dictionary_encode(part.column("economy")).combine_chunks()
        indicator = pc.dictionary_encode(part.column("indicator")).combine_chunks()
        codes = set(indicator.dictionary.to_pylist())
        if codes & seen:
            return True
        seen |= codes
        n_econ = len(economy.dictionary)
        key = pc.add(
            pc.multiply(
                pc.add(
                    pc.multiply(pc.cast(indicator.indices, pa.int64()), n_econ),
                    pc.cast(economy.indices, pa.int64()),
                ),
                1 << 17,
            ),
            pc.add(pc.cast(part.column("year"), pa.int64()), 1 << 16),
        )
        if len(pc.unique(key)) != part.num_rows:
            return True
    return False


def _merge_unknown(items: list[UnknownCode]) -> list[UnknownCode]:
    """One entry per unknown code: total rows, first file (and how many other files)."""
    rows: dict[str, int] = {}
    files: dict[str, list[str]] = {}
    for item in items:
        rows[item.code] = rows.get(item.code, 0) + item.rows
        seen = files.setdefault(item.code, [])
        if item.where not in seen:
            seen.append(item.where)
    out = []
    for code in sorted(rows):
        where = sorted(files[code])
        label = where[0] + (f" and {len(where) - 1} other file(s)" if len(where) > 1 else "")
        out.append(UnknownCode(code, label, rows[code]))
    return out


# -- the two shared-data DDF packages --------------------------------------------------------


def read_wdi_map(path: Path) -> dict[str, str]:
    """Gapminder's ``indicators_wdi_to_sg.json`` inverted: concept → WDI code.

    The file maps lower-case WDI codes with ``_`` for ``.`` (``it_net_user_zs``) to concepts;
    WDI codes never contain ``_``, so the inversion is exact.
    """
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"cannot read the WDI code map ({exc})", path=str(path)) from exc
    if not isinstance(mapping, dict):
        raise SourceFormatError("the WDI code map must be a JSON object", path=str(path))
    out: dict[str, str] = {}
    for wdi, concept in mapping.items():
        code = str(wdi).upper().replace("_", ".")
        if concept in out and out[concept] != code:
            raise SourceFormatError(
                f"concept {concept!r} is mapped to two WDI codes ({out[concept]}, {code})",
                path=str(path),
            )
        out[str(concept)] = code
    return out


class GapminderSystemaGlobalisSource(DdfSource):
    """Gapminder Systema Globalis (shared-data folder ``gapminder-systema-globalis``).

    Reads ``systema_globalis_ddf.tar.gz`` (streamed). Concepts listed in
    ``indicators_wdi_to_sg.json`` keep their WDI code (``internet_users`` →
    ``IT.NET.USER.ZS``); all others are ``SG.<concept>``. Vintage: the archive's member date
    (the repository commit, 2026-03-01); values for years from the vintage year on
    (projections) are flagged ``E``.
    """

    ARCHIVE = "systema_globalis_ddf.tar.gz"
    WDI_MAP = "indicators_wdi_to_sg.json"

    def __init__(self) -> None:
        super().__init__(
            source_id="gapminder-systema-globalis",
            prefix="SG.",
            aggregate_prefix="SG_",
            publisher="Gapminder Foundation (Systema Globalis)",
            licence="CC BY 4.0",
            title="Gapminder Systema Globalis (DDF)",
            archive=self.ARCHIVE,
        )

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is not None:
            folder = Path(path) if Path(path).is_dir() else Path(path).parent
            if (folder / self.WDI_MAP).is_file():
                self.code_map = read_wdi_map(folder / self.WDI_MAP)
        yield from super().read(path)

    def _origin(self, pkg: _Package, package_path: Path, retrieved: datetime) -> Origin:
        origin = super()._origin(pkg, package_path, retrieved)
        if self.vintage is None and package_path.is_file():
            # the archive's members carry the repository commit date (2026-03-01)
            with tarfile.open(package_path, mode="r|*") as tar:
                first = next(iter(tar), None)
                if first is not None:
                    date = datetime.fromtimestamp(first.mtime, UTC).date().isoformat()
                    origin = Origin(**{**origin.__dict__, "vintage": date})
        return origin

    def _batch(self, pkg: _Package, package_path: Path, retrieved: datetime) -> Batch:
        batch = super()._batch(pkg, package_path, retrieved)
        # Several series run past the release (ILOSTAT modelled labour series to 2026, UN
        # population projections to 2100): values from the release year on are projections
        # and carry the estimate flag, so "latest value" views can tell them apart.
        release_year = int(batch.origin.vintage[:4]) if batch.origin.vintage[:4].isdigit() else None
        if release_year is not None:
            obs = batch.observations
            future = pc.greater_equal(obs.column("year"), release_year)
            flag = pc.if_else(future, pa.scalar("E"), obs.column("flag"))
            batch.observations = obs.set_column(obs.schema.get_field_index("flag"), "flag", flag)
        return batch


#: Official UN SDG series descriptions of the ICT series in the 2020 extract.
SDG_ICT_NAMES: dict[str, str] = {
    "se_adt_acts": "Proportion of youth and adults with information and communications "
    "technology (ICT) skills, by sex and type of skill (%)",
    "se_gpi_icts": "Gender parity index for youth/adults with information and communications "
    "technology (ICT) skills, by type of skill (ratio)",
    "it_mob_own": "Proportion of individuals who own a mobile telephone, by sex (%)",
    "it_mob_2gntwk": "Proportion of population covered by at least a 2G mobile network (%)",
    "it_mob_3gntwk": "Proportion of population covered by at least a 3G mobile network (%)",
    "it_mob_4gntwk": "Proportion of population covered by at least a 4G mobile network (%)",
    "it_net_bbn": "Fixed Internet broadband subscriptions, by speed (number)",
    "it_use_ii99": "Internet users per 100 inhabitants",
}


class SdgIctSource(DdfSource):
    """UN SDG ICT series, 2020 extract (shared-data folder ``sdg-ict-2020``; M49-keyed).

    Codes ``SDG.<SERIES>[.<dim>=<value>...]``, e.g. ``SDG.IT_MOB_OWN.sex=female``; UN areas
    that are not countries become aggregates ``M49_<nnn>`` (``WLD`` for the world).
    """

    def __init__(self) -> None:
        super().__init__(
            source_id="sdg-ict-2020",
            prefix="SDG.",
            upper_codes=True,
            geo_key="geo_area",
            time_key="year",
            aggregate_prefix="M49_",
            names=SDG_ICT_NAMES,
            vintage="2020-10-19",
            publisher="UN Statistics Division, Global SDG Indicators Database (custodian ITU)",
            licence="UN data: free use with attribution",
            title="UN SDG ICT indicators (open-numbers DDF extract, October 2020)",
        )
