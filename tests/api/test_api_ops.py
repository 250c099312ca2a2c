"""Operations and the cross-cutting layer: health, readiness, metrics, request ids, JSON logs,
problem+json errors, ETags, CORS, rate limit, body limit, offline docs."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from aibridge.api import create_app
from aibridge.api.middleware import JsonFormatter, Limits, RateLimiter
from aibridge.settings import Settings
from aibridge.store import Store

PROBLEM = "application/problem+json"


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["observations"] > 0
    client.get("/v1/economies/KEN")
    text = client.get("/metrics").text
    assert (
        'aibridge_http_requests_total{method="GET",route="/v1/economies/{code}",status="200"}'
        in text
    )
    assert "aibridge_http_request_duration_seconds_bucket" in text


def test_readyz_answers_503_when_the_store_is_gone() -> None:
    store = Store(":memory:")
    app = create_app(Settings(env="test"), store=store, web=False)
    store.close()
    r = TestClient(app, raise_server_exceptions=False).get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id <with> spaces"})
    assert r.headers["x-request-id"] != "bad id <with> spaces"
    assert len(r.headers["x-request-id"]) == 32
    problem = client.get("/v1/economies/XYZ", headers={"X-Request-ID": "req-9"}).json()
    assert problem["request_id"] == "req-9"


def test_access_log_is_one_json_line_with_the_request_id(
    api_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(env="test"), store=api_store, web=False)
    with caplog.at_level(logging.INFO, logger="aibridge.api.access"):
        TestClient(app).get("/v1/economies/KEN", headers={"X-Request-ID": "log-1"})
    record = next(r for r in caplog.records if r.name == "aibridge.api.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-1"
    assert line["status"] == 200 and line["route"] == "/v1/economies/{code}"
    assert line["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/economies/XYZ", 404),
        ("/v1/nowhere", 404),
        ("/v1/observations?limit=0", 422),
        ("/v1/observations?limit=abc", 422),
        ("/v1/observations?year_from=99999", 422),
        ("/v1/observations?economy=K%20N", 422),
        ("/v1/observations?cursor=bm90LWEtY3Vyc29y", 422),
        ("/v1/indicators/NOT.A.CODE", 404),
        ("/v1/frameworks/nope", 404),
    ],
)
def test_errors_are_problem_json(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == url.split("?")[0]


def test_validation_problem_names_the_field(client: TestClient) -> None:
    body = client.get("/v1/observations?limit=999999").json()
    assert body["errors"][0]["field"] == "limit"
    assert "limit" in body["detail"]


def test_unknown_code_suggests_close_matches(client: TestClient) -> None:
    body = client.get("/v1/observations?indicator=IT.NET.USER.Z").json()
    assert "did you mean IT.NET.USER.ZS" in body["detail"]


def test_method_not_allowed_is_problem_json(client: TestClient) -> None:
    r = client.delete("/v1/economies")
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM


def test_etag_and_304(client: TestClient) -> None:
    r = client.get("/v1/observations?indicator=IT.NET.USER.ZS&limit=5")
    etag = r.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in r.headers["cache-control"]
    again = client.get(
        "/v1/observations?indicator=IT.NET.USER.ZS&limit=5", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/v1/observations?indicator=IT.NET.USER.ZS&limit=6")
    assert other.headers["etag"] != etag
    csv = client.get(
        "/v1/observations?indicator=IT.NET.USER.ZS&limit=5", headers={"Accept": "text/csv"}
    )
    assert csv.headers["etag"] != etag


def test_etag_changes_with_the_data(api_store: Store) -> None:
    from api_support import revision_batch

    store = Store(":memory:")
    from api_support import base_batch

    store.ingest(base_batch())
    app = create_app(Settings(env="test"), store=store, web=False)
    app.state.data_version.ttl = 0.0
    c = TestClient(app)
    before = c.get("/v1/economies/KEN/latest").headers["etag"]
    store.ingest(revision_batch())
    after = c.get("/v1/economies/KEN/latest")
    assert after.headers["etag"] != before
    assert c.get("/v1/economies/KEN/latest", headers={"If-None-Match": before}).status_code == 200


def test_registry_reads_carry_no_etag(client: TestClient) -> None:
    r = client.get("/v1/registry/needs")
    assert "etag" not in r.headers
    assert r.headers["cache-control"] == "private, no-cache"


def test_cors(client: TestClient) -> None:
    r = client.options(
        "/v1/economies",
        headers={
            "Origin": "https://dashboard.example.org",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert r.headers["access-control-allow-origin"] == "https://dashboard.example.org"
    r = client.get("/v1/economies", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in r.headers


def test_rate_limit_answers_429_with_retry_after(api_store: Store) -> None:
    app = create_app(
        Settings(env="test"), store=api_store, web=False, limits=Limits(rate_limit_per_minute=3)
    )
    c = TestClient(app)
    codes = [c.get("/v1/economies/KEN").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/v1/economies/KEN")
    assert r.headers["content-type"] == PROBLEM
    assert int(r.headers["retry-after"]) >= 1
    assert c.get("/healthz").status_code == 200  # operations are not metered
    # made-up tokens do not escape the limit of the address
    statuses = {
        c.get("/v1/economies/KEN", headers={"Authorization": f"Bearer t{i}"}).status_code
        for i in range(20)
    }
    assert 429 in statuses


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(60)  # one per second
    for _ in range(60):
        assert limiter.hit("k", now=0.0)[0]
    allowed, wait, _ = limiter.hit("k", now=0.0)
    assert not allowed and wait == pytest.approx(1.0)
    assert limiter.hit("k", now=1.01)[0]


def test_body_limit(api_store: Store) -> None:
    app = create_app(
        Settings(env="test"), store=api_store, web=False, limits=Limits(max_body_bytes=1000)
    )
    c = TestClient(app)
    r = c.post("/v1/registry/needs", content=b"{" + b" " * 5000 + b"}")
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(10):
            yield b" " * 500

    r = c.post("/v1/registry/needs", content=chunks())
    assert r.status_code == 413


def test_docs_are_served_offline(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html  # no CDN
        for src in [p.split('"')[0] for p in html.split('src="')[1:]]:
            assert client.get(src).status_code == 200, src
    css = client.get("/api-docs-static/swagger-ui/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/api-docs-static/../app.py").status_code == 404
    schema = client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["Problem"]


def test_every_route_is_documented_with_an_example_or_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"
            assert any(code.startswith("2") for code in op["responses"]), (method, path)


def test_web_pages_get_html_errors(client: TestClient) -> None:
    r = client.get("/en/nothing-here", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    api = client.get("/v1/nothing-here", headers={"Accept": "text/html"})
    assert api.headers["content-type"] == PROBLEM


def test_response_cache_serves_identical_answers(api_store: Store) -> None:
    app = create_app(Settings(env="test"), store=api_store, web=False)
    c = TestClient(app)
    first = c.get("/v1/economies/KEN/latest", headers={"X-Request-ID": "one"})
    second = c.get("/v1/economies/KEN/latest", headers={"X-Request-ID": "two"})
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["x-request-id"] == "two"
    assert app.state.metrics.cache_hits._value.get() == 1
    uncached = create_app(
        Settings(env="test"), store=api_store, web=False, limits=Limits(response_cache_bytes=0)
    )
    assert TestClient(uncached).get("/v1/economies/KEN/latest").content == first.content
