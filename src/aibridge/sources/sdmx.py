"""SDMX connector (OECD, IMF, ILO, UNICEF, Eurostat ... any agency ``sdmx1`` knows).

``sdmx1`` (import name ``sdmx``) knows each agency's REST endpoint and quirks and parses
every SDMX data format (SDMX-ML 2.1 generic and structure-specific, SDMX-JSON). It is used
for exactly those two jobs: building the request (``Client.data(..., dry_run=True)``) and
parsing the body (``sdmx.read_sdmx``). The HTTP call itself goes through
:class:`aibridge.sources._http.HttpFetcher` (timeout, retries with backoff, on-disk cache),
like the World Bank connector (ADR 0003), so tests replay recorded bodies through
``httpx.MockTransport`` and every batch carries the sha256 of the exact body parsed.

Mapping to observations
-----------------------
* Only annual data are accepted (``TIME_PERIOD`` ``YYYY``); put ``A`` in the key's
  frequency position for agencies that mix frequencies.
* The economy dimension is the first of ``REF_AREA``, ``GEO``, ``COUNTRY``, ``LOCATION``,
  ``AREA`` (any case) unless ``geo_dim`` is given. Codes go through the economy reference
  (ISO2 for Eurostat/IMF, ISO3 for OECD/ILO/UNICEF); Eurostat's ``EL``, ``UK`` and ``XK``
  are Greece, the United Kingdom and Kosovo. Unmappable areas (``EU27_2020``, ILO's ``X11``)
  are listed in ``Batch.unknown_codes``.
* The indicator code is ``<AGENCY>.<flow>.<other dimension values in order>``, leaving out
  the frequency: Eurostat ``isoc_ci_in_h`` with key ``A.PC_HH.TOTAL.DE`` gives
  ``ESTAT.isoc_ci_in_h.PC_HH.TOTAL``; OECD ``OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3`` gives
  ``OECD.DF_MSTI.G.PT_B1GQ``.
* ``OBS_STATUS`` / ``OBS_FLAG`` ``E``/``e`` → flag ``E``, ``P``/``p`` → ``P``, ``I`` → ``I``.
* Vintage: ``vintage=`` if given, else the date the message was prepared, else today.

Codelist lookups (readable names and units)
-------------------------------------------
With ``structure=True`` (the default) the connector also reads the dataflow's structure:
for SDMX-ML it calls the agency's structure endpoint (``sdmx1``'s ``Client.dataflow(...)``
URL, i.e. ``dataflow/<agency>/<id>/<version>?references=all`` — ``descendants`` for
Eurostat), which brings the data structure definition (DSD), its concepts and codelists; it
goes through the same fetcher and cache, and a structure-specific message is then parsed
against the DSD, so series attributes (``UNIT_MEASURE``, ``UNIT_MULT`` ...) are read as
attributes, not as key dimensions. SDMX-JSON messages carry the names of their dimension and
attribute values themselves, so no second call is made for them. From the structure:

* **name**: ``<dataflow name>: <name of each dimension value in the code>`` (e.g. ``Level of
  internet access - households: Percentage of households, Total``); the description lists
  every dimension as ``concept = name [code]``;
* **unit**: the name of the ``UNIT_MEASURE`` (or Eurostat ``unit``) value, dimension or
  attribute, followed by the ``UNIT_MULT`` name in brackets unless it is units
  (``Number (Thousands)``);
* **economies**: an area code that the economy reference does not know (numeric codes of
  regions, ILO ``X..``, UN M49 ``412``) is looked up by its codelist name (``412`` →
  ``Kosovo`` → ``XKX``). A name is accepted only for an economy, or for the world (``WLD``):
  an agency's regions are not the World Bank's aggregates of the same name. When the code and
  the name point to two different economies the rows are not loaded and the code is reported
  (the name is the publisher's statement, the code reading is ours). Every unknown code is
  in ``Batch.unknown_codes`` with its codelist name.

``structure=False`` skips the structure call (indicator names are then the codes, as before),
as does an agency that has no dataflow query (``WB_WDI``, ``StatCan`` ...); a structure that
cannot be fetched or read raises, naming that option.
"""

from __future__ import annotations

import io
import json
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aibridge.errors import ConfigError, SourceFormatError, SourceUnavailable
from aibridge.settings import get_settings
from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, UnknownCode, indicator_table
from aibridge.sources._geo import is_aggregate, resolve
from aibridge.sources._http import HttpFetcher

__all__ = [
    "GEO_DIMENSIONS",
    "SOURCE_ID",
    "SdmxClient",
    "SdmxStructure",
    "batch_from_message",
    "known_agencies",
    "map_areas",
    "structure_from_json",
    "structure_from_message",
]

SOURCE_ID = "sdmx"
GEO_DIMENSIONS = ("REF_AREA", "GEO", "COUNTRY", "LOCATION", "AREA", "REF_AREA_CODE")
_TIME_DIMENSIONS = ("TIME_PERIOD", "TIME")
_FREQ_DIMENSIONS = ("FREQ", "FREQUENCY")
_FLAG_ATTRIBUTES = ("OBS_STATUS", "OBS_FLAG")
_FLAGS = {"E": "E", "P": "P", "I": "I"}
#: Eurostat's own codes that are not ISO 3166-1 alpha-2.
_ESTAT_CODES = {"EL": "GRC", "UK": "GBR", "XK": "XKX"}
_UNIT_COMPONENTS = ("UNIT_MEASURE", "UNIT")
_UNIT_MULT = "UNIT_MULT"
#: UNIT_MULT codes that mean "no multiplier" (10^0).
_NO_MULTIPLIER = ("0", "")


def known_agencies() -> list[str]:
    """The agency ids ``sdmx1`` has endpoints for (``OECD``, ``IMF_DATA``, ``ILO`` ...)."""
    import sdmx

    return sorted(sdmx.list_sources())


def _flow_id(flow: str) -> str:
    """Short flow id: ``OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3`` → ``DF_MSTI``."""
    part = flow.split(",")[1] if flow.count(",") >= 1 else flow
    return part.split("@")[-1] if "@" in part else part


def _flow_parts(flow: str) -> tuple[str | None, str, str | None]:
    """``AGENCY,ID,VERSION`` (or ``AGENCY,ID`` or ``ID``) → (agency, id, version)."""
    parts = [p.strip() for p in flow.split(",")]
    if len(parts) >= 3:
        return parts[0] or None, parts[1], parts[2] or None
    if len(parts) == 2:
        return parts[0] or None, parts[1], None
    return None, parts[0], None


@dataclass(frozen=True)
class SdmxStructure:
    """The names a dataflow's structure gives: of the flow, of each component's concept and of
    the codes of each enumerated dimension or attribute (component id → code → name).

    ``dimensions`` lists the DSD's key dimensions in order (without the time dimension), or
    is empty when unknown (SDMX-JSON); ``dsd`` is ``sdmx1``'s DSD, used to parse
    structure-specific data.
    """

    flow_name: str | None = None
    dimensions: tuple[str, ...] = ()
    concepts: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    dsd: Any = None

    def component(self, wanted: Iterable[str]) -> str | None:
        """The first component id among ``wanted`` (any case) that has codes."""
        by_upper = {c.upper(): c for c in self.codes}
        return next((by_upper[w.upper()] for w in wanted if w.upper() in by_upper), None)

    def code_name(self, component: str, code: str) -> str | None:
        names = self.codes.get(component)
        if names is None:  # data and structure may spell component ids in different cases
            key = self.component([component])
            names = self.codes.get(key) if key else None
        return names.get(code) if names else None


def _text(name: Any) -> str | None:
    """English text of an sdmx1 InternationalString (else any localisation)."""
    if name is None:
        return None
    localizations = getattr(name, "localizations", None)
    if isinstance(localizations, Mapping):
        text = localizations.get("en") or next(iter(localizations.values()), None)
        return str(text).strip() if text else None
    text = str(name).strip()
    return text or None


def _codes_of(component: Any, message: Any) -> dict[str, str] | None:
    representation = getattr(component, "local_representation", None)
    codelist = getattr(representation, "enumerated", None)
    if codelist is None:
        return None
    items = list(getattr(codelist, "items", {}).values())
    if not items:  # a reference: the codelist itself is elsewhere in the message
        full = getattr(message, "codelist", {}).get(codelist.id)
        items = list(getattr(full, "items", {}).values()) if full is not None else []
    return {str(code.id): _text(code.name) or str(code.id) for code in items}


def structure_from_message(message: Any, flow: str) -> SdmxStructure:
    """Read an ``sdmx1`` ``StructureMessage`` (dataflow with references) into names."""
    _, flow_id, _ = _flow_parts(flow)
    flows = getattr(message, "dataflow", {})
    dataflow = flows.get(flow_id) or flows.get(flow_id.upper()) or next(iter(flows.values()), None)
    dsd = getattr(dataflow, "structure", None) if dataflow is not None else None
    structures = getattr(message, "structure", {})
    if dsd is None or getattr(dsd, "is_external_reference", False) or not dsd.dimensions:
        dsd = structures.get(dsd.id) if dsd is not None else next(iter(structures.values()), None)
    if dsd is None:
        raise SourceFormatError(
            f"the structure message for {flow} holds no data structure definition; "
            "the agency may not support ?references=all"
        )
    concepts: dict[str, str] = {}
    codes: dict[str, dict[str, str]] = {}
    dimensions: list[str] = []
    for component in [*dsd.dimensions.components, *dsd.attributes.components]:
        name = _text(getattr(getattr(component, "concept_identity", None), "name", None))
        if name:
            concepts[component.id] = name
        found = _codes_of(component, message)
        if found is not None:
            codes[component.id] = found
        if component in dsd.dimensions.components and type(component).__name__ == "Dimension":
            dimensions.append(component.id)
    return SdmxStructure(
        flow_name=_text(getattr(dataflow, "name", None)) or _text(getattr(dsd, "name", None)),
        dimensions=tuple(dimensions),
        concepts=concepts,
        codes=codes,
        dsd=dsd,
    )


def structure_from_json(body: bytes) -> SdmxStructure:
    """Names from an SDMX-JSON data message's own ``structure`` block (1.0 or 2.0)."""
    try:
        tree = json.loads(body)
        block = tree["structure"] if "structure" in tree else tree["data"]["structures"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return SdmxStructure()
    concepts: dict[str, str] = {}
    codes: dict[str, dict[str, str]] = {}
    for group in ("dimensions", "attributes"):
        for level in (block.get(group) or {}).values():
            for component in level or []:
                cid = str(component.get("id", ""))
                if not cid:
                    continue
                concept = _json_text(component.get("name") or component.get("names"))
                if concept:
                    concepts[cid] = concept
                values = component.get("values") or []
                names = {
                    str(v["id"]): _json_text(v.get("name") or v.get("names")) or str(v["id"])
                    for v in values
                    if isinstance(v, Mapping) and "id" in v
                }
                if names:
                    codes[cid] = names
    flow_name = _json_text(block.get("name") or block.get("names"))
    return SdmxStructure(flow_name=flow_name, concepts=concepts, codes=codes)


def _json_text(value: Any) -> str | None:
    if isinstance(value, Mapping):  # SDMX-JSON 2.0 localised names
        value = value.get("en") or next(iter(value.values()), None)
    return str(value).strip() if value else None


def map_areas(
    codes: Iterable[str], names: Mapping[str, str] | None = None, *, agency: str = ""
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Map distinct area codes to ISO3 (see the module docstring), with codelist ``names``.

    Returns ``(mapping, notes)``: ``mapping[code]`` is the store code or ``None``;
    ``notes[code]`` says, for an unmapped code, what its name was and why it did not map.
    """
    from aibridge.reference.economies import classify_economy

    names = names or {}
    mapping: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for code in codes:
        key = _ESTAT_CODES.get(code, code) if agency.upper().startswith("ESTAT") else code
        by_code = resolve(key)
        name = names.get(code)
        by_name: str | None = None
        if name:
            match = classify_economy(name)
            if match is not None and (not match.is_aggregate or match.code == "WLD"):
                by_name = match.code
        if by_code and by_name and by_code != by_name:
            mapping[code] = None
            notes[code] = (
                f"codelist name {name!r} is {by_name} but the code reads as {by_code}; not loaded"
            )
        else:
            mapping[code] = by_code or by_name
            if mapping[code] is None:
                notes[code] = (
                    f"codelist name {name!r} (not an economy)" if name else "no codelist name"
                )
    return mapping, notes


class SdmxClient:
    """Fetch SDMX data from one agency as :class:`Batch` objects.

    Parameters
    ----------
    agency:
        An ``sdmx1`` source id: ``OECD``, ``ESTAT``, ``ILO``, ``IMF_DATA``, ``UNICEF``, ``ECB``,
        ``BIS``, ``UNSD`` ... (see :func:`known_agencies`).
    timeout, retries, backoff, cache_dir, use_cache, ttl, transport, sleep:
        As for :class:`aibridge.sources.worldbank.WorldBankClient`; the cache defaults to
        ``settings.home / "cache" / "sdmx"``.
    """

    def __init__(
        self,
        agency: str,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        ttl: timedelta = timedelta(hours=24),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import sdmx

        agency_id = (
            agency.strip().upper() if agency.strip().upper() in sdmx.list_sources() else agency
        )
        if agency_id not in sdmx.list_sources():
            raise ConfigError(
                f"unknown SDMX agency {agency!r}; known: {', '.join(known_agencies())}"
            )
        self.agency = agency_id
        self._client = sdmx.Client(agency_id)
        if use_cache and cache_dir is None:
            cache_dir = get_settings().home / "cache" / "sdmx"
        self.http = HttpFetcher(
            source_id=f"{SOURCE_ID}:{agency_id}",
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            cache_dir=cache_dir if use_cache else None,
            ttl=ttl,
            transport=transport,
            sleep=sleep,
        )

    def close(self) -> None:
        self.http.close()
        self._client.session.close()

    def __enter__(self) -> SdmxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def data_url(
        self, flow: str, key: str = "", *, years: tuple[int, int] | None = None
    ) -> tuple[str, dict[str, str]]:
        """The URL (and Accept header) ``sdmx1`` would call for this query."""
        params: dict[str, Any] = {}
        if years is not None:
            if years[0] > years[1]:
                raise ValueError(f"years must be (first, last) with first <= last; got {years}")
            params = {"startPeriod": str(years[0]), "endPeriod": str(years[1])}
        request = self._client.data(flow, key=key or None, params=params, dry_run=True)
        headers = {k: v for k, v in request.headers.items() if k.lower() == "accept" and v != "*/*"}
        return str(request.url), headers

    def structure_url(self, flow: str) -> tuple[str, dict[str, str]]:
        """The URL (and Accept header) of the dataflow's structure with its references
        (DSD, concepts, codelists), as ``sdmx1`` builds it for this agency."""
        agency_id, flow_id, version = _flow_parts(flow)
        kwargs: dict[str, Any] = {"dry_run": True}
        if agency_id:
            kwargs["agency_id"] = agency_id
        if version:
            kwargs["version"] = version
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            request = self._client.dataflow(flow_id, **kwargs)
        headers = {k: v for k, v in request.headers.items() if k.lower() == "accept" and v != "*/*"}
        return str(request.url), headers

    def fetch_structure(self, flow: str) -> SdmxStructure | None:
        """The names of ``flow``'s dimensions, attributes and codes (one cached call);
        ``None`` for an agency that has no dataflow query (``sdmx1`` knows which)."""
        try:
            url, headers = self.structure_url(flow)
        except NotImplementedError:  # e.g. WB_WDI, StatCan: codes stay without names
            return None
        try:
            resp = self.http.get(url, headers=headers)
        except SourceUnavailable as exc:
            raise SourceUnavailable(
                f"{exc}; the dataflow structure (codelist names) could not be fetched: pass "
                "structure=False (CLI: --no-structure) to import the codes without names",
                source_id=self.http.source_id,
                url=url,
            ) from exc
        try:
            return structure_from_message(_parse(resp.body, kind="structure"), flow)
        except SourceFormatError as exc:
            self.http.invalidate(url)
            raise SourceFormatError(
                f"{exc}; pass structure=False (CLI: --no-structure) to import the codes "
                "without names",
                source_id=self.http.source_id,
                url=url,
            ) from exc

    def fetch(
        self,
        flow: str,
        key: str = "",
        *,
        years: tuple[int, int] | None = None,
        geo_dim: str | None = None,
        vintage: str | None = None,
        structure: bool = True,
    ) -> Batch:
        """Observations of ``flow`` (optionally filtered by the dotted ``key``) as one batch.

        With ``structure`` (default) indicators get names and units and area codes are also
        matched by their codelist names (see the module docstring).
        """
        url, headers = self.data_url(flow, key, years=years)
        resp = self.http.get(url, headers=headers)
        try:
            message = _parse(resp.body)
        except SourceFormatError as exc:
            self.http.invalidate(url)
            raise SourceFormatError(str(exc), source_id=self.http.source_id, url=url) from exc
        names: SdmxStructure | None = None
        if structure and _is_json(resp.body):
            names = structure_from_json(resp.body)
        elif structure:
            names = self.fetch_structure(flow)
        try:
            if names is not None and b"StructureSpecificData" in resp.body[:4096]:
                # without the DSD, sdmx1 cannot tell series attributes from dimensions
                message = _parse(resp.body, dsd=names.dsd)
            return batch_from_message(
                message,
                agency=self.agency,
                flow=flow,
                uri=url,
                sha256=resp.sha256,
                retrieved_at=resp.retrieved_at,
                geo_dim=geo_dim,
                vintage=vintage,
                structure=names,
            )
        except SourceFormatError as exc:
            raise SourceFormatError(str(exc), source_id=self.http.source_id, url=url) from exc


def _is_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[")


def _parse(body: bytes, *, dsd: Any = None, kind: str = "data") -> Any:
    """``sdmx.read_sdmx`` on a body, with every parser failure as SourceFormatError.

    ``kind`` is ``"data"`` (a data message is required) or ``"structure"``; ``dsd`` is the
    data structure to read structure-specific data with.
    """
    import sdmx

    fmt = "JSON" if _is_json(body) else "XML"
    logger = logging.getLogger("sdmx")
    level = logger.level
    try:
        # structure-specific data parse without the DSD too; sdmx1 logs a warning about it
        logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            extra = {"structure": dsd} if dsd is not None else {}
            message = sdmx.read_sdmx(io.BytesIO(body), format=fmt, **extra)
    except Exception as exc:  # lxml, json and sdmx1's own errors: the body is not SDMX
        raise SourceFormatError(
            f"the response is not a readable SDMX {fmt} {kind} message ({type(exc).__name__}: "
            f"{str(exc)[:200]}); check the flow id and key"
        ) from exc
    finally:
        logger.setLevel(level)
    error = getattr(message, "footer", None)
    if type(message).__name__ == "ErrorMessage":
        raise SourceFormatError(f"the agency answered with an SDMX error: {error or message}")
    is_kind = (
        hasattr(message, "data") if kind == "data" else type(message).__name__ == "StructureMessage"
    )
    if not is_kind:
        raise SourceFormatError(
            f"expected an SDMX {kind} message, got {type(message).__name__}; check the flow id"
        )
    return message


def batch_from_message(
    message: Any,
    *,
    agency: str,
    flow: str,
    uri: str,
    sha256: str,
    retrieved_at: Any,
    geo_dim: str | None = None,
    vintage: str | None = None,
    structure: SdmxStructure | None = None,
) -> Batch:
    """Map a parsed SDMX ``DataMessage`` to a :class:`Batch` (see the module docstring);
    ``structure`` gives the codelist names (:meth:`SdmxClient.fetch_structure`)."""
    import sdmx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sdmx.to_pandas(message, attributes="os") if message.data else None
    if result is None or len(result) == 0:
        raise SourceFormatError(
            f"{agency} returned no observations for {flow}; check the key and the years"
        )
    # a Series when the message has no attributes
    frame: pd.DataFrame = (
        result.to_frame("value") if isinstance(result, pd.Series) else pd.DataFrame(result)
    )
    key_names = [str(n) for n in frame.index.names]
    frame = frame.reset_index()
    columns = {c.upper(): c for c in frame.columns}
    time_col = next((columns[t] for t in _TIME_DIMENSIONS if t in columns), None)
    if time_col is None:
        raise SourceFormatError(f"no TIME_PERIOD dimension in the {agency} {flow} message")
    if geo_dim is not None:
        geo_col = columns.get(geo_dim.upper())
    else:
        geo_col = next((columns[g] for g in GEO_DIMENSIONS if g in columns), None)
    if geo_col is None:
        raise SourceFormatError(
            f"no economy dimension in {flow} (dimensions: "
            f"{[c for c in key_names if c != time_col]}); pass geo_dim="
        )
    periods = frame[time_col].astype(str)
    annual = periods.str.fullmatch(r"\d{4}")
    if not bool(annual.all()):
        bad = periods[~annual].iloc[0]
        raise SourceFormatError(
            f"period {bad!r} is not a year; aibridge stores annual data: put the annual "
            "frequency (A) in the key"
        )
    attributes = [columns[a] for a in _FLAG_ATTRIBUTES if a in columns]
    dims = [
        c
        for c in key_names
        if c not in (time_col, geo_col, *attributes) and c.upper() not in _FREQ_DIMENSIONS
    ]
    frame = frame[frame["value"].notna()]
    periods = periods[frame.index]
    base = f"{agency}.{_flow_id(flow)}"
    code_list: list[str] = (
        frame[dims].astype(str).agg(".".join, axis=1).radd(base + ".").tolist()
        if dims
        else [base] * len(frame)
    )
    areas = frame[geo_col].astype(str)
    area_names = structure.codes.get(geo_col) if structure is not None else None
    if structure is not None and area_names is None:
        key = structure.component([geo_col])
        area_names = structure.codes.get(key) if key else None
    mapping, notes = map_areas(sorted(set(areas)), area_names, agency=agency)
    iso3 = pa.array([mapping[a] for a in areas.tolist()], pa.string())
    keep = pc.is_valid(iso3)
    flags: list[str | None] = [None] * len(frame)
    if attributes:
        raw = frame[attributes[0]].astype(str).str.strip().str.upper()
        flags = [_FLAGS.get(v) for v in raw.tolist()]
    table = pa.table(
        {
            "economy": iso3,
            "indicator": pa.array(code_list, pa.string()),
            "year": pa.array(periods.astype(int).tolist(), pa.int16()),
            "value": pa.array(frame["value"].astype(float).tolist(), pa.float64()),
            "flag": pa.array(flags, pa.string()),
        }
    )
    table = table.filter(keep).cast(OBSERVATION_SCHEMA)
    dup = table.group_by(["economy", "indicator", "year"]).aggregate([("value", "count")])
    if dup.num_rows and pc.max(dup.column("value_count")).as_py() > 1:
        raise SourceFormatError(
            f"{flow}: several observations per economy, indicator and year (two area codes for "
            "one economy?); narrow the key"
        )
    header = getattr(message, "header", None)
    prepared = getattr(header, "prepared", None)
    label = vintage or (
        prepared.date().isoformat() if prepared else retrieved_at.date().isoformat()
    )
    loaded = set(table.column("indicator").to_pylist())
    frame = frame.assign(_code=code_list)
    firsts = frame[frame["_code"].isin(loaded)].drop_duplicates("_code").set_index("_code")
    meta = [
        _indicator_row(code, firsts.loc[code], dims, agency=agency, flow=flow, names=structure)
        for code in sorted(loaded)
    ]
    unknown = sorted(
        (str(code), int(rows)) for code, rows in areas[~np.asarray(keep)].value_counts().items()
    )
    return Batch(
        origin=Origin(
            source_id=f"{SOURCE_ID}-{agency.lower()}",
            uri=uri,
            sha256=sha256,
            vintage=label,
            retrieved_at=retrieved_at,
            publisher=agency,
            title=f"{agency} {flow}"
            + (f" ({structure.flow_name})" if structure and structure.flow_name else ""),
        ),
        observations=table,
        indicators=indicator_table(meta),
        unknown_codes=[
            UnknownCode(code, f"{uri} ({geo_col} {code}: {notes.get(code, '')})", rows)
            for code, rows in unknown
        ],
        aggregates=frozenset(v for v in set(mapping.values()) if v and is_aggregate(v)),
    )


def _indicator_row(
    code: str,
    row: pd.Series,
    dims: list[str],
    *,
    agency: str,
    flow: str,
    names: SdmxStructure | None,
) -> dict[str, object]:
    """Name, unit and description of one series code from the first row that has it."""
    base = f"{agency}.{_flow_id(flow)}"
    suffix = code[len(base) + 1 :] if code != base else ""
    source = f"{agency} SDMX API, dataflow {flow}"
    if names is None:
        return {
            "code": code,
            "name": f"{agency} {_flow_id(flow)}" + (f": {suffix}" if suffix else ""),
            "description": f"SDMX dataflow {flow} from {agency}"
            + (f", series {', '.join(dims)} = {suffix}" if dims else ""),
            "source": source,
        }
    flow_name = names.flow_name or f"{agency} {_flow_id(flow)}"
    values = [(dim, str(row[dim])) for dim in dims]
    labels = [names.code_name(dim, value) or value for dim, value in values]
    described = "; ".join(
        f"{names.concepts.get(dim, dim)} = {label} [{value}]"
        for (dim, value), label in zip(values, labels, strict=True)
    )
    return {
        "code": code,
        "name": flow_name + (f": {', '.join(labels)}" if labels else ""),
        "unit": _unit(row, names),
        "description": f"{flow_name} (SDMX dataflow {flow} from {agency})"
        + (f". {described}" if described else ""),
        "source": source,
    }


def _unit(row: pd.Series, names: SdmxStructure) -> str | None:
    """``UNIT_MEASURE`` (or ``unit``) name, with the ``UNIT_MULT`` name unless it is 10^0."""
    by_upper = {str(c).upper(): str(c) for c in row.index}

    def value_of(component: str) -> tuple[str, str] | None:
        column = by_upper.get(component)
        if column is None:
            return None
        value = row[column]
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            return None
        return column, str(value).strip()

    unit = next((v for c in _UNIT_COMPONENTS if (v := value_of(c)) is not None), None)
    mult = value_of(_UNIT_MULT)
    unit_name = (names.code_name(unit[0], unit[1]) or unit[1]) if unit and unit[1] else None
    mult_name = (
        names.code_name(mult[0], mult[1]) or f"x 10^{mult[1]}"
        if mult and mult[1] not in _NO_MULTIPLIER
        else None
    )
    if unit_name and mult_name:
        return f"{unit_name} ({mult_name})"
    return unit_name or mult_name
