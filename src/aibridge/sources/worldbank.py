"""World Bank Indicators API v2 connector (``https://api.worldbank.org/v2``).

Fetches indicator data, indicator metadata and economy metadata (region, income group,
whether a code is an aggregate) and returns :class:`~aibridge.sources.Batch` objects. Built
on plain ``httpx`` rather than ``wbgapi`` (see docs/adr/0003-worldbank-client.md): ``wbgapi``
calls ``requests`` internally, so it can neither be tested with ``httpx.MockTransport`` nor
given our cache, retry and timeout policy, and it hides the raw body whose sha256 is the
provenance of every value.

Paging: the API answers ``[header, rows]`` with ``header = {page, pages, per_page, total,
lastupdated, ...}``; every page is fetched (``per_page`` 1,000 by default). Errors come back
as HTTP 200 with ``[{"message": [{"id", "key", "value"}]}]``; those become
:class:`~aibridge.errors.SourceFormatError` (bad codes) naming the URL.

Example::

    with WorldBankClient() as wb:
        batch = wb.fetch_indicator("IT.NET.USER.ZS", economies=["KEN", "NGA"], years=(2015, 2023))
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa

from aibridge.errors import SourceFormatError
from aibridge.settings import get_settings
from aibridge.sources._base import (
    FLAGS,
    OBSERVATION_SCHEMA,
    Batch,
    Origin,
    UnknownCode,
    indicator_table,
)
from aibridge.sources._http import HttpFetcher, build_url
from aibridge.sources._tabular import EconomyMetadataBatch

__all__ = ["DEFAULT_BASE_URL", "ECONOMY_SCHEMA", "SOURCE_ID", "WorldBankClient"]

SOURCE_ID = "worldbank-api"
DEFAULT_BASE_URL = "https://api.worldbank.org/v2"
_LICENCE = "CC BY 4.0"

#: Columns of :meth:`WorldBankClient.fetch_economies`.
ECONOMY_SCHEMA = pa.schema(
    [
        pa.field("iso3", pa.string(), nullable=False),
        pa.field("iso2", pa.string()),
        pa.field("name", pa.string()),
        pa.field("wb_region", pa.string()),
        pa.field("income_group", pa.string()),
        pa.field("lending_type", pa.string()),
        pa.field("is_aggregate", pa.bool_(), nullable=False),
    ]
)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class WorldBankClient:
    """Client of the World Bank Indicators API v2.

    Parameters
    ----------
    base_url:
        API root (``https://api.worldbank.org/v2``).
    timeout, retries, backoff:
        Per-call timeout in seconds; extra attempts on timeouts, network errors, 429 and 5xx;
        first backoff wait in seconds (doubling each retry).
    cache_dir:
        On-disk response cache; default ``settings.home / "cache" / "worldbank"``.
        ``use_cache=False`` disables it.
    ttl:
        How long a cached response is reused (default 24 hours).
    per_page:
        Rows per page requested from the API (5,000: one indicator for all economies and
        years is about 17,000 rows, so 4 calls; paging follows the answer's ``pages``).
    transport, sleep:
        Injected in tests (``httpx.MockTransport``; a no-op sleep).
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        ttl: timedelta = timedelta(hours=24),
        per_page: int = 5000,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_page < 1:
            raise ValueError(f"per_page must be >= 1; got {per_page}")
        if use_cache and cache_dir is None:
            cache_dir = get_settings().home / "cache" / "worldbank"
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.http = HttpFetcher(
            source_id=SOURCE_ID,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            cache_dir=cache_dir if use_cache else None,
            ttl=ttl,
            transport=transport,
            sleep=sleep,
        )
        self._economies: pa.Table | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> WorldBankClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- low level ---------------------------------------------------------------------------
    def _page(self, url: str) -> tuple[dict[str, Any], list[dict[str, Any]], str, Any]:
        """One page: (header, rows, body sha256, response)."""
        resp = self.http.get(url)
        try:
            payload = json.loads(resp.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.http.invalidate(url)
            raise SourceFormatError(
                f"World Bank API answered with malformed JSON ({exc}); the service may be "
                "degraded, try again later",
                source_id=SOURCE_ID,
                url=url,
            ) from exc
        if isinstance(payload, list) and payload and isinstance(payload[0], dict):
            if "message" in payload[0]:
                self.http.invalidate(url)
                msgs = payload[0]["message"] or [{}]
                detail = "; ".join(
                    f"{m.get('key', '')}: {m.get('value', '')}".strip(": ") for m in msgs
                )
                raise SourceFormatError(
                    f"World Bank API refused the request ({detail}); check the indicator and "
                    "economy codes (e.g. `aibridge indicators search`)",
                    source_id=SOURCE_ID,
                    url=url,
                )
            if len(payload) == 2 and isinstance(payload[1], list | type(None)):
                return payload[0], payload[1] or [], resp.sha256, resp
        self.http.invalidate(url)
        raise SourceFormatError(
            "World Bank API answer is not the expected [header, rows] JSON array; check that "
            "base_url points at the v2 API",
            source_id=SOURCE_ID,
            url=url,
        )

    def _paged(
        self, path: str, params: dict[str, object]
    ) -> tuple[dict[str, Any], list[dict[str, Any]], str, list[Any]]:
        """Every page of ``path``: (first header, all rows, combined sha256, responses)."""
        base = f"{self.base_url}/{path}"
        page = 1
        header: dict[str, Any] = {}
        rows: list[dict[str, Any]] = []
        digest = hashlib.sha256()
        responses: list[Any] = []
        while True:
            url = build_url(
                base, {**params, "format": "json", "per_page": self.per_page, "page": page}
            )
            head, page_rows, sha, resp = self._page(url)
            if page == 1:
                header = head
            digest.update(sha.encode())
            responses.append(resp)
            rows.extend(page_rows)
            try:
                pages = int(head.get("pages") or 1)
            except (TypeError, ValueError) as exc:
                raise SourceFormatError(
                    f"World Bank API page header has a non-numeric 'pages': {head.get('pages')!r}",
                    source_id=SOURCE_ID,
                    url=url,
                ) from exc
            if page >= pages:
                break
            page += 1
        # one page: its own body hash; several: the hash of the pages' hashes, in order
        sha = responses[0].sha256 if len(responses) == 1 else digest.hexdigest()
        return header, rows, sha, responses

    # -- metadata ----------------------------------------------------------------------------
    def fetch_economies(self) -> pa.Table:
        """Every economy and aggregate the API knows: ISO3, ISO2, name, region, income group.

        Aggregates (regions, income groups, World) have ``region == "Aggregates"`` in the API
        and ``is_aggregate=True`` here.
        """
        if self._economies is not None:
            return self._economies
        _, rows, _, _ = self._paged("country", {})
        records: dict[str, list[object]] = {name: [] for name in ECONOMY_SCHEMA.names}
        for row in rows:
            iso3 = _clean(row.get("id"))
            if not iso3:
                continue
            region = _clean((row.get("region") or {}).get("value"))
            records["iso3"].append(iso3)
            records["iso2"].append(_clean(row.get("iso2Code")))
            records["name"].append(_clean(row.get("name")))
            is_agg = region == "Aggregates"
            records["wb_region"].append(None if is_agg else region)
            records["income_group"].append(
                None if is_agg else _clean((row.get("incomeLevel") or {}).get("value"))
            )
            records["lending_type"].append(
                None if is_agg else _clean((row.get("lendingType") or {}).get("value"))
            )
            records["is_aggregate"].append(is_agg)
        self._economies = pa.table(records, schema=ECONOMY_SCHEMA)
        return self._economies

    def fetch_indicator_metadata(self, code: str) -> dict[str, Any]:
        """Name, unit, description, topic and source of one indicator (a dict of
        :data:`~aibridge.sources.INDICATOR_COLUMNS`)."""
        _, rows, _, _ = self._paged(f"indicator/{code}", {})
        if not rows:
            raise SourceFormatError(
                f"World Bank API knows no indicator {code!r}; search for the right code with "
                "`aibridge indicators search` or https://data.worldbank.org/indicator",
                source_id=SOURCE_ID,
                url=f"{self.base_url}/indicator/{code}",
            )
        row = rows[0]
        topics = [t.get("value", "").strip() for t in row.get("topics") or [] if t.get("value")]
        source = _clean((row.get("source") or {}).get("value"))
        organisation = _clean(row.get("sourceOrganization"))
        return {
            "code": _clean(row.get("id")) or code,
            "name": _clean(row.get("name")),
            "unit": _clean(row.get("unit")),
            "description": _clean(row.get("sourceNote")),
            "topic": "; ".join(topics) or None,
            "direction": None,
            "licence": _LICENCE,
            "source": "; ".join(p for p in (source, organisation) if p) or None,
        }

    # -- data --------------------------------------------------------------------------------
    def fetch_indicator(
        self,
        code: str,
        *,
        economies: Sequence[str] | None = None,
        years: tuple[int, int] | None = None,
        database: int | None = None,
        with_metadata: bool = True,
    ) -> Batch:
        """All observations of one indicator as a :class:`Batch`.

        ``economies``: ISO3/ISO2 codes (default all); ``years``: inclusive ``(first, last)``;
        ``database``: the API's source id for series outside WDI (e.g. 3 = Worldwide
        Governance Indicators), sent as ``source=``.
        The batch's origin records the URL called (without the paging parameters), the
        sha256 of the body (of the page hashes when several), the retrieval time and the
        API's ``lastupdated`` date as vintage.
        """
        code = code.strip()
        if not code:
            raise ValueError("indicator code must not be empty")
        if years is not None and years[0] > years[1]:
            raise ValueError(f"years must be (first, last) with first <= last; got {years}")
        countries = ";".join(e.strip() for e in economies) if economies else "all"
        params: dict[str, object] = {}
        if years is not None:
            params["date"] = f"{years[0]}:{years[1]}"
        if database is not None:
            params["source"] = database
        path = f"country/{countries}/indicator/{code}"
        header, rows, sha, responses = self._paged(path, params)
        url = build_url(f"{self.base_url}/{path}", {**params, "format": "json"})

        econ = self.fetch_economies()
        iso2_to_iso3 = {
            iso2: iso3
            for iso2, iso3 in zip(
                econ.column("iso2").to_pylist(), econ.column("iso3").to_pylist(), strict=True
            )
            if iso2
        }
        aggregate_codes = {
            iso3
            for iso3, agg in zip(
                econ.column("iso3").to_pylist(),
                econ.column("is_aggregate").to_pylist(),
                strict=True,
            )
            if agg
        }
        known = set(econ.column("iso3").to_pylist())

        out_econ: list[str] = []
        out_year: list[int] = []
        out_value: list[float] = []
        out_flag: list[str | None] = []
        unknown: dict[str, int] = {}
        name = None
        for row in rows:
            value = row.get("value")
            if value is None:
                continue
            country = row.get("country") or {}
            iso3 = _clean(row.get("countryiso3code"))
            if not iso3:
                iso3 = iso2_to_iso3.get(_clean(country.get("id")) or "")
            if not iso3 or (known and iso3 not in known):
                label = iso3 or _clean(country.get("id")) or _clean(country.get("value")) or "?"
                unknown[label] = unknown.get(label, 0) + 1
                continue
            try:
                year = int(str(row.get("date"))[:4])
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise SourceFormatError(
                    f"non-numeric date or value in row {row!r} of indicator {code}",
                    source_id=SOURCE_ID,
                    url=url,
                ) from exc
            status = _clean(row.get("obs_status"))
            out_econ.append(iso3)
            out_year.append(year)
            out_value.append(number)
            out_flag.append(status if status in FLAGS else None)
            name = name or _clean((row.get("indicator") or {}).get("value"))

        observations = pa.table(
            {
                "economy": pa.array(out_econ, pa.string()),
                "indicator": pa.array([code] * len(out_econ), pa.string()),
                "year": pa.array(out_year, pa.int16()),
                "value": pa.array(out_value, pa.float64()),
                "flag": pa.array(out_flag, pa.string()),
            },
            schema=OBSERVATION_SCHEMA,
        )
        meta = (
            self.fetch_indicator_metadata(code)
            if with_metadata
            else {
                "code": code,
                "name": name,
                "licence": _LICENCE,
                "source": header.get("sourcename"),
            }
        )
        meta["code"] = code
        vintage = _clean(header.get("lastupdated")) or responses[0].retrieved_at.date().isoformat()
        origin = Origin(
            source_id=SOURCE_ID,
            uri=url,
            sha256=sha,
            vintage=vintage,
            retrieved_at=min(r.retrieved_at for r in responses),
            publisher="The World Bank",
            licence=_LICENCE,
            title=f"{meta.get('name') or code} ({header.get('sourcename') or 'World Bank API'})",
        )
        present = set(out_econ)
        return EconomyMetadataBatch(
            origin=origin,
            observations=observations,
            indicators=indicator_table([meta]),
            unknown_codes=[UnknownCode(c, url, n) for c, n in sorted(unknown.items())],
            aggregates=frozenset(present & aggregate_codes),
            economy_updates=self.economy_updates(present, as_of=vintage),
        )

    def economy_updates(self, present: set[str], *, as_of: str | None = None) -> pa.Table:
        """Region and income group of every economy the API lists, plus the names of the
        aggregates in ``present`` (``ECONOMY_UPDATE_SCHEMA``; applied by the store on ingest).

        Names of economies are left null so the store keeps the reference's (CLDR) names.
        """
        from aibridge.reference.economies import ECONOMY_UPDATE_SCHEMA

        econ = self.fetch_economies()
        rows = [r for r in econ.to_pylist() if not r["is_aggregate"] or r["iso3"] in present]
        return pa.table(
            {
                "iso3": [r["iso3"] for r in rows],
                "name": [r["name"] if r["is_aggregate"] else None for r in rows],
                "wb_region": [r["wb_region"] for r in rows],
                "income_group": [r["income_group"] for r in rows],
                "is_aggregate": [bool(r["is_aggregate"]) for r in rows],
                "as_of": [as_of] * len(rows),
            },
            schema=ECONOMY_UPDATE_SCHEMA,
        )

    def fetch_indicators(
        self,
        codes: Sequence[str],
        *,
        economies: Sequence[str] | None = None,
        years: tuple[int, int] | None = None,
        database: int | None = None,
    ) -> Iterator[Batch]:
        """One batch per indicator code (see :meth:`fetch_indicator`)."""
        for code in codes:
            yield self.fetch_indicator(code, economies=economies, years=years, database=database)
