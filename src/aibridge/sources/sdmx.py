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
"""

from __future__ import annotations

import io
import logging
import time
import warnings
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aibridge.errors import ConfigError, SourceFormatError
from aibridge.settings import get_settings
from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, UnknownCode, indicator_table
from aibridge.sources._geo import map_column
from aibridge.sources._http import HttpFetcher

__all__ = ["GEO_DIMENSIONS", "SOURCE_ID", "SdmxClient", "batch_from_message", "known_agencies"]

SOURCE_ID = "sdmx"
GEO_DIMENSIONS = ("REF_AREA", "GEO", "COUNTRY", "LOCATION", "AREA", "REF_AREA_CODE")
_TIME_DIMENSIONS = ("TIME_PERIOD", "TIME")
_FREQ_DIMENSIONS = ("FREQ", "FREQUENCY")
_FLAG_ATTRIBUTES = ("OBS_STATUS", "OBS_FLAG")
_FLAGS = {"E": "E", "P": "P", "I": "I"}
#: Eurostat's own codes that are not ISO 3166-1 alpha-2.
_ESTAT_CODES = {"EL": "GRC", "UK": "GBR", "XK": "XKX"}


def known_agencies() -> list[str]:
    """The agency ids ``sdmx1`` has endpoints for (``OECD``, ``IMF_DATA``, ``ILO`` ...)."""
    import sdmx

    return sorted(sdmx.list_sources())


def _flow_id(flow: str) -> str:
    """Short flow id: ``OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3`` → ``DF_MSTI``."""
    part = flow.split(",")[1] if flow.count(",") >= 1 else flow
    return part.split("@")[-1] if "@" in part else part


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

    def fetch(
        self,
        flow: str,
        key: str = "",
        *,
        years: tuple[int, int] | None = None,
        geo_dim: str | None = None,
        vintage: str | None = None,
    ) -> Batch:
        """Observations of ``flow`` (optionally filtered by the dotted ``key``) as one batch."""
        url, headers = self.data_url(flow, key, years=years)
        resp = self.http.get(url, headers=headers)
        try:
            message = _parse(resp.body)
        except SourceFormatError as exc:
            self.http.invalidate(url)
            raise SourceFormatError(str(exc), source_id=self.http.source_id, url=url) from exc
        try:
            return batch_from_message(
                message,
                agency=self.agency,
                flow=flow,
                uri=url,
                sha256=resp.sha256,
                retrieved_at=resp.retrieved_at,
                geo_dim=geo_dim,
                vintage=vintage,
            )
        except SourceFormatError as exc:
            raise SourceFormatError(str(exc), source_id=self.http.source_id, url=url) from exc


def _parse(body: bytes) -> Any:
    """``sdmx.read_sdmx`` on a body, with every parser failure as SourceFormatError."""
    import sdmx

    head = body.lstrip()[:1]
    fmt = "JSON" if head in (b"{", b"[") else "XML"
    logger = logging.getLogger("sdmx")
    level = logger.level
    try:
        # structure-specific data parse fine without the DSD; sdmx1 logs a warning about it
        logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            message = sdmx.read_sdmx(io.BytesIO(body), format=fmt)
    except Exception as exc:  # lxml, json and sdmx1's own errors: the body is not SDMX data
        raise SourceFormatError(
            f"the response is not a readable SDMX {fmt} data message ({type(exc).__name__}: "
            f"{str(exc)[:200]}); check the flow id and key"
        ) from exc
    finally:
        logger.setLevel(level)
    error = getattr(message, "footer", None)
    if type(message).__name__ == "ErrorMessage":
        raise SourceFormatError(f"the agency answered with an SDMX error: {error or message}")
    if not hasattr(message, "data"):
        raise SourceFormatError(
            f"expected an SDMX data message, got {type(message).__name__}; check the flow id"
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
) -> Batch:
    """Map a parsed SDMX ``DataMessage`` to a :class:`Batch` (see the module docstring)."""
    import sdmx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sdmx.to_pandas(message, attributes="o") if message.data else None
    if result is None or len(result) == 0:
        raise SourceFormatError(
            f"{agency} returned no observations for {flow}; check the key and the years"
        )
    # a Series when the message has no observation attributes
    frame: pd.DataFrame = (
        result.to_frame("value") if isinstance(result, pd.Series) else pd.DataFrame(result)
    ).reset_index()
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
            f"{[c for c in frame.columns if c not in ('value', time_col)]}); pass geo_dim="
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
        for c in frame.columns
        if c not in ("value", time_col, geo_col, *attributes) and c.upper() not in _FREQ_DIMENSIONS
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
    if agency.upper().startswith("ESTAT"):
        areas = areas.replace(_ESTAT_CODES)
    iso3, keep, unknown, aggregates = map_column(pa.array(areas.tolist(), pa.string()), uri)
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
    if pc.max(dup.column("value_count")).as_py() > 1:
        raise SourceFormatError(
            f"{flow}: several observations per economy, indicator and year (two area codes for "
            "one economy?); narrow the key"
        )
    header = getattr(message, "header", None)
    prepared = getattr(header, "prepared", None)
    label = vintage or (
        prepared.date().isoformat() if prepared else retrieved_at.date().isoformat()
    )
    meta: list[Mapping[str, object]] = [
        {
            "code": code,
            "name": f"{agency} {_flow_id(flow)}"
            + (f": {code[len(base) + 1 :]}" if code != base else ""),
            "description": f"SDMX dataflow {flow} from {agency}"
            + (f", series {', '.join(dims)} = {code[len(base) + 1 :]}" if dims else ""),
            "source": f"{agency} SDMX API, dataflow {flow}",
        }
        for code in sorted(set(table.column("indicator").to_pylist()))
    ]
    return Batch(
        origin=Origin(
            source_id=f"{SOURCE_ID}-{agency.lower()}",
            uri=uri,
            sha256=sha256,
            vintage=label,
            retrieved_at=retrieved_at,
            publisher=agency,
            title=f"{agency} {flow}",
        ),
        observations=table,
        indicators=indicator_table(meta),
        unknown_codes=[UnknownCode(code, uri, rows) for code, rows in unknown],
        aggregates=aggregates,
    )
