"""World Bank API v2 connector against recorded responses (never the live API)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources.worldbank import WorldBankClient

RECORDED = Path(__file__).parent / "recorded" / "worldbank"


def _body(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def recorded_api(calls: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """Answer like api.worldbank.org/v2 from the recorded files."""

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        page = request.url.params.get("page", "1")
        if path == "/v2/country":
            return httpx.Response(200, content=_body("country.json"))
        if path == "/v2/indicator/IT.NET.USER.ZS":
            return httpx.Response(200, content=_body("indicator_IT.NET.USER.ZS.json"))
        if path.endswith("/indicator/IT.NET.USER.ZS"):
            return httpx.Response(200, content=_body(f"data_IT.NET.USER.ZS_page{page}.json"))
        if "/indicator/" in path:
            return httpx.Response(200, content=_body("error_invalid_indicator.json"))
        return httpx.Response(404)

    return handler


def client(handler: Callable[[httpx.Request], httpx.Response], tmp_path: Path, **kw: object):
    waits: list[float] = []
    wb = WorldBankClient(
        transport=httpx.MockTransport(handler),
        cache_dir=tmp_path / "cache",
        per_page=4,
        sleep=waits.append,
        **kw,  # type: ignore[arg-type]
    )
    return wb, waits


def test_pages_are_all_fetched_and_mapped(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    wb, _ = client(recorded_api(calls), tmp_path)
    batch = wb.fetch_indicator("IT.NET.USER.ZS", years=(2021, 2022))
    data_calls = [c for c in calls if c.url.path.endswith("/indicator/IT.NET.USER.ZS")]
    assert [c.url.params["page"] for c in data_calls if "country" in c.url.path] == ["1", "2"]
    assert data_calls[0].url.params["date"] == "2021:2022"
    rows = sorted(
        zip(
            batch.observations.column("economy").to_pylist(),
            batch.observations.column("year").to_pylist(),
            batch.observations.column("value").to_pylist(),
            strict=True,
        )
    )
    # null value skipped; NGA 2021 recovered from its ISO2 id; Atlantis reported, not dropped
    assert rows == [
        ("KEN", 2021, 28.8),
        ("KEN", 2022, 40.8),
        ("NGA", 2021, 35.5),
        ("NGA", 2022, 45.5),
        ("SSF", 2022, 36.1),
    ]
    assert set(batch.observations.column("indicator").to_pylist()) == {"IT.NET.USER.ZS"}
    assert batch.aggregates == frozenset({"SSF"})
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("XY", 1)]
    origin = batch.origin
    assert origin.vintage == "2024-06-28"
    assert origin.source_id == "worldbank-api"
    assert "page=" not in origin.uri and "IT.NET.USER.ZS" in origin.uri
    page_hashes = [
        hashlib.sha256(_body(f"data_IT.NET.USER.ZS_page{p}.json")).hexdigest() for p in (1, 2)
    ]
    assert origin.sha256 == hashlib.sha256("".join(page_hashes).encode()).hexdigest()
    updates = {r["iso3"]: r for r in batch.economy_updates.to_pylist()}
    assert set(updates) == {"KEN", "NGA", "DEU", "SSF"}  # WLD: aggregate without data here
    assert (
        updates["KEN"]["income_group"] == "Lower middle income" and updates["KEN"]["name"] is None
    )
    assert updates["SSF"]["is_aggregate"] and updates["SSF"]["name"] == "Sub-Saharan Africa"
    meta = batch.indicators.to_pylist()[0]
    assert meta["name"] == "Individuals using the Internet (% of population)"
    assert meta["topic"] == "Infrastructure"
    assert "International Telecommunication Union" in meta["source"]
    assert meta["licence"] == "CC BY 4.0"


def test_economy_metadata(tmp_path: Path) -> None:
    wb, _ = client(recorded_api([]), tmp_path)
    econ = {r["iso3"]: r for r in wb.fetch_economies().to_pylist()}
    assert econ["KEN"]["income_group"] == "Lower middle income"
    assert econ["KEN"]["wb_region"] == "Sub-Saharan Africa"
    assert econ["KEN"]["iso2"] == "KE"
    assert econ["WLD"]["is_aggregate"] and econ["WLD"]["income_group"] is None
    assert not econ["DEU"]["is_aggregate"]


def test_economies_and_years_are_sent(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    wb, _ = client(recorded_api(calls), tmp_path)
    wb.fetch_indicator("IT.NET.USER.ZS", economies=["KEN", "NGA"], with_metadata=False)
    assert any(c.url.path == "/v2/country/KEN;NGA/indicator/IT.NET.USER.ZS" for c in calls)


def test_database_is_sent_as_source(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    wb, _ = client(recorded_api(calls), tmp_path)
    wb.fetch_indicator("IT.NET.USER.ZS", database=3, with_metadata=False)
    data = [c for c in calls if "/country/" in c.url.path]
    assert data and all(c.url.params["source"] == "3" for c in data)


def test_cache_hit_avoids_a_second_call(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    wb, _ = client(recorded_api(calls), tmp_path)
    first = wb.fetch_indicator("IT.NET.USER.ZS")
    n = len(calls)
    wb2, _ = client(recorded_api(calls), tmp_path)  # a new client, same cache folder
    second = wb2.fetch_indicator("IT.NET.USER.ZS")
    assert len(calls) == n
    assert second.observations.equals(first.observations)
    assert second.origin.sha256 == first.origin.sha256
    assert second.origin.retrieved_at == first.origin.retrieved_at


def test_expired_cache_is_refetched(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    wb, _ = client(recorded_api(calls), tmp_path, ttl=timedelta(seconds=-1))
    wb.fetch_economies()
    wb2, _ = client(recorded_api(calls), tmp_path, ttl=timedelta(seconds=-1))
    wb2.fetch_economies()
    assert len(calls) == 2


def test_retry_after_503_with_backoff(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    inner = recorded_api(calls)
    failures = {"left": 2}

    def flaky(request: httpx.Request) -> httpx.Response:
        if failures["left"]:
            failures["left"] -= 1
            calls.append(request)
            return httpx.Response(503)
        return inner(request)

    wb, waits = client(flaky, tmp_path, backoff=0.5)
    econ = wb.fetch_economies()
    assert econ.num_rows == 5
    assert waits == [0.5, 1.0]  # exponential backoff
    assert len(calls) == 3


def test_retry_after_header_is_honoured(tmp_path: Path) -> None:
    state = {"n": 0}

    def limited(request: httpx.Request) -> httpx.Response:
        state["n"] += 1
        if state["n"] == 1:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return httpx.Response(200, content=_body("country.json"))

    wb, waits = client(limited, tmp_path, backoff=0.5)
    wb.fetch_economies()
    assert waits == [7.0]


def test_persistent_503_is_unavailable(tmp_path: Path) -> None:
    wb, waits = client(lambda r: httpx.Response(503), tmp_path, retries=2)
    with pytest.raises(SourceUnavailable, match="failed after 3 attempt"):
        wb.fetch_economies()
    assert len(waits) == 2


def test_timeout_is_source_unavailable(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    wb, _ = client(slow, tmp_path, retries=1, timeout=2.0)
    with pytest.raises(SourceUnavailable, match="timed out after 2 s") as info:
        wb.fetch_indicator("IT.NET.USER.ZS")
    assert info.value.url and info.value.url.startswith("https://api.worldbank.org/v2/")
    assert info.value.source_id == "worldbank-api"


def test_connection_error_is_source_unavailable(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("name resolution failed", request=request)

    wb, _ = client(down, tmp_path, retries=0)
    with pytest.raises(SourceUnavailable, match="network error"):
        wb.fetch_economies()


def test_client_error_is_not_retried(tmp_path: Path) -> None:
    wb, waits = client(lambda r: httpx.Response(400), tmp_path)
    with pytest.raises(SourceUnavailable, match="HTTP 400"):
        wb.fetch_economies()
    assert waits == []


def test_malformed_json_is_format_error_and_not_cached(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=b'[{"page":1,"pages":1},[{"id": "KEN"')

    wb, _ = client(broken, tmp_path)
    with pytest.raises(SourceFormatError, match="malformed JSON"):
        wb.fetch_economies()
    with pytest.raises(SourceFormatError):
        wb.fetch_economies()
    assert len(calls) == 2  # the broken body was not served from the cache


def test_wrong_shape_is_format_error(tmp_path: Path) -> None:
    wb, _ = client(lambda r: httpx.Response(200, json={"data": []}), tmp_path)
    with pytest.raises(SourceFormatError, match=r"\[header, rows\]"):
        wb.fetch_economies()


def test_api_error_message_is_format_error(tmp_path: Path) -> None:
    wb, _ = client(recorded_api([]), tmp_path)
    with pytest.raises(SourceFormatError, match="indicator was not found"):
        wb.fetch_indicator("NOT.A.CODE")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="first <= last"):
        WorldBankClient(use_cache=False).fetch_indicator("X", years=(2020, 2010))
    with pytest.raises(ValueError, match="timeout"):
        WorldBankClient(use_cache=False, timeout=0)


def test_default_cache_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aibridge.settings import get_settings

    wb = WorldBankClient(transport=httpx.MockTransport(recorded_api([])))
    wb.fetch_economies()
    cache = get_settings().home / "cache" / "worldbank"
    assert len(list(cache.glob("*.body"))) == 1


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


@pytest.mark.parametrize(
    "exc_type", sorted(set(_subclasses(httpx.TransportError)), key=lambda c: c.__name__)
)
def test_every_httpx_transport_error_maps_to_source_unavailable(
    tmp_path: Path, exc_type: type[httpx.TransportError]
) -> None:
    """The boundary maps every transport failure httpx can raise (httpx ``map_exceptions``)."""

    def failing(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    wb, waits = client(failing, tmp_path, retries=1)
    with pytest.raises(SourceUnavailable) as info:
        wb.fetch_economies()
    assert info.value.source_id == "worldbank-api"
    assert len(waits) == 1  # retried once, then gave up
