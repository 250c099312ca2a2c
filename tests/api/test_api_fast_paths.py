"""The middleware's fast paths (cache hits, 304s, request ids, metrics, access log) answer
exactly what the slow path would, and ``serve`` runs uvicorn the way the benchmark measures it.
No timing here: speed is measured by benchmarks/bench_api.py (docs/benchmarks.md)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aibridge.api import app as app_module
from aibridge.api import create_app
from aibridge.api.middleware import JsonFormatter, Limits, new_request_id
from aibridge.settings import Settings
from aibridge.store import Store


def _app(store: Store, **limits: Any) -> Any:
    return create_app(
        Settings(env="test"),
        store=store,
        web=False,
        limits=Limits(rate_limit_per_minute=0, **limits),
    )


def test_request_ids_are_32_hex_digits_and_unique() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_made_up_request_ids_differ_per_request(api_store: Store) -> None:
    c = TestClient(_app(api_store))
    a = c.get("/healthz").headers["x-request-id"]
    b = c.get("/healthz").headers["x-request-id"]
    assert a != b and len(a) == len(b) == 32


def test_cache_hit_and_304_count_under_the_route_template(api_store: Store) -> None:
    app = _app(api_store)
    c = TestClient(app)
    first = c.get("/v1/economies/KEN/latest")
    c.get("/v1/economies/KEN/latest")  # served from the response cache
    assert (
        c.get(
            "/v1/economies/KEN/latest", headers={"If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )
    assert app.state.metrics.cache_hits._value.get() == 1
    text = c.get("/metrics").text
    series = 'aibridge_http_requests_total{method="GET",route="/v1/economies/{code}/latest"'
    ok = series + ',status="200"} 2.0'
    not_modified = series + ',status="304"} 1.0'
    assert ok in text and not_modified in text
    assert 'route="unmatched",status="200"' not in text


def test_cache_hit_headers_equal_the_computed_answer(api_store: Store) -> None:
    c = TestClient(_app(api_store))
    url = "/v1/observations?indicator=IT.NET.USER.ZS&limit=5"
    first, second = c.get(url), c.get(url)
    drop = {"x-request-id", "date"}
    assert {k: v for k, v in first.headers.items() if k not in drop} == {
        k: v for k, v in second.headers.items() if k not in drop
    }
    assert first.content == second.content
    # the ETag of a negotiated route still depends on Accept, also when memoised
    csv = c.get(url, headers={"Accept": "text/csv"})
    assert csv.headers["etag"] != first.headers["etag"]
    assert c.get(url, headers={"Accept": "text/csv"}).content == csv.content


def test_etag_memo_follows_the_data_version(api_store: Store) -> None:
    app = _app(api_store)
    c = TestClient(app)
    before = c.get("/v1/economies/KEN").headers["etag"]
    app.state.data_version._value = "another-version"  # as if an import had happened
    app.state.data_version._at = 1e18
    after = c.get("/v1/economies/KEN").headers["etag"]
    assert after != before


def test_unknown_methods_share_one_metrics_label(api_store: Store) -> None:
    app = _app(api_store)
    c = TestClient(app)
    for method in ("FOO", "BAR", "BAZ"):
        c.request(method, "/v1/economies")
    text = c.get("/metrics").text
    assert 'method="OTHER"' in text
    assert 'method="FOO"' not in text and 'method="BAR"' not in text


def test_access_log_line_for_a_cache_hit(
    api_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(api_store)
    c = TestClient(app)
    c.get("/v1/economies/KEN/latest")
    with caplog.at_level(logging.INFO, logger="aibridge.api.access"):
        c.get("/v1/economies/KEN/latest", headers={"X-Request-ID": "hit-1"})
    records = [r for r in caplog.records if r.name == "aibridge.api.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "hit-1" and line["status"] == 200
    assert line["route"] == "/v1/economies/{code}/latest" and line["level"] == "info"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])


def test_json_formatter_encodes_odd_extras() -> None:
    record = logging.LogRecord(
        "aibridge.test", logging.WARNING, __file__, 1, "ünï %s", ("x",), None
    )
    record.big = 2**70  # beyond orjson's 64-bit integers: the stdlib fallback
    record.obj = object()  # not JSON: written as its str()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "ünï x" and line["big"] == 2**70
    assert line["obj"].startswith("<object object")
    record2 = logging.LogRecord("aibridge.test", logging.INFO, __file__, 1, "ok", (), None)
    record2.created += 1.5  # another second: the cached timestamp prefix is renewed
    assert json.loads(JsonFormatter().format(record2))["ts"] != line["ts"]


def test_serve_runs_uvicorn_tuned_and_freezes_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import uvicorn

    calls: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.update(app=app, **kw))
    monkeypatch.setattr(gc, "freeze", lambda: calls.setdefault("frozen", True))
    sentinel = object()
    app_module.serve(sentinel, host="127.0.0.1", port=8123, log_level="warning")
    assert calls["app"] is sentinel and calls["port"] == 8123
    assert calls["loop"] == "auto" and calls["http"] == "auto"
    assert calls["access_log"] is False and calls["server_header"] is False
    assert calls["proxy_headers"] is False and calls["frozen"] is True
    # uvloop and httptools are pinned dependencies, so "auto" picks them
    assert app_module.server_info() == {"loop": "uvloop", "http": "httptools"}


def test_one_code_and_a_list_of_codes_select_the_same_rows(client: TestClient) -> None:
    one = client.get("/v1/observations?economy=KEN&limit=1000").json()["data"]
    both = client.get("/v1/observations?economy=KEN,NGA&limit=1000").json()["data"]
    assert one and one == [r for r in both if r["economy"] == "KEN"]
    ind = client.get("/v1/observations?indicator=IT.NET.USER.ZS&limit=1000").json()["data"]
    assert ind and all(r["indicator"] == "IT.NET.USER.ZS" for r in ind)
    assert {r["economy"] for r in ind} >= {"KEN", "NGA"}
