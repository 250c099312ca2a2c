"""The API's ASGI middleware: one pure-ASGI layer (no ``BaseHTTPMiddleware``, which costs a
task and a body copy per request) that does, in order:

1. **request id**: ``X-Request-ID`` from the client when it is a safe token, else a new one;
   echoed on the response and put on ``request.state.request_id`` and in every log line;
2. **body size limit**: ``Content-Length`` above the limit answers 413 at once; a chunked
   body is counted as it streams and cut off at the limit;
3. **rate limit** per bearer token (hashed) or client IP: a token bucket of
   ``rate_limit_per_minute`` requests refilled continuously; over it, 429 problem+json with
   ``Retry-After``;
4. **conditional GET**: on cacheable read routes a strong ``ETag`` derived from the data
   version (store origins/vintages), the framework files' hash, the path, query and the
   negotiated media type; ``If-None-Match`` answers 304 before the route runs;
5. **metrics** (Prometheus counters/histograms by route template) and one structured JSON
   access-log line per request.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aibridge.api.errors import PROBLEM_JSON

__all__ = [
    "ApiMiddleware",
    "JsonFormatter",
    "Limits",
    "Metrics",
    "RateLimiter",
    "configure_logging",
]

_SAFE_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_UNMETERED: Final = ("/healthz", "/readyz", "/metrics")
_NEGOTIATED: Final = ("/v1/observations",)
_METHODS: Final = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
access_log = logging.getLogger("aibridge.api.access")

# request ids: a random per-process prefix and a counter (32 hex digits, unique across
# processes and restarts; ``uuid4`` would cost a system call for 16 random bytes per request)
_ID_PREFIX: Final = secrets.token_hex(8)
_id_counter = itertools.count(1)


def new_request_id() -> str:
    """A fresh request id: 32 lower-case hex digits."""
    return f"{_ID_PREFIX}{next(_id_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


# -- logging ----------------------------------------------------------------------------------

_STD_ATTRS: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and every ``extra`` field.

    Encoded by orjson (a few microseconds a line); the seconds part of the timestamp is
    formatted once per second, not once per line."""

    _second: int = -1
    _stamp: str = ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        out: dict[str, Any] = {
            "ts": f"{self._stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and key[0] != "_":
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        try:
            return orjson.dumps(out, default=str).decode()
        except (TypeError, orjson.JSONEncodeError):  # e.g. an int beyond 64 bits
            return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: int | str = logging.INFO) -> None:
    """Send ``aibridge`` logs to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("aibridge")
    if any(getattr(h, "_aibridge_json", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler._aibridge_json = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


# -- settings of the layer ----------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Knobs of the middleware (``create_app`` fills them from the settings)."""

    max_body_bytes: int = 1_000_000
    rate_limit_per_minute: int = 600  # 0 = no limit
    cache_max_age: int = 60  # seconds a client may reuse a read response unchecked
    access_log: bool = True
    response_cache_bytes: int = 64 * 1024 * 1024  # 0 = no server-side response cache
    response_cache_max_item: int = 4 * 1024 * 1024


# -- rate limiting ----------------------------------------------------------------------------


class RateLimiter:
    """Token buckets keyed by client (thread-safe; the buckets are pruned when many)."""

    MAX_KEYS: Final = 50_000

    def __init__(self, per_minute: int):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, float, int]:
        """Take one token: (allowed, seconds until the next token, tokens left)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                allowed, wait = True, 0.0
            else:
                self._buckets[key] = (tokens, now)
                allowed, wait = False, (1.0 - tokens) / self.rate
            if len(self._buckets) > self.MAX_KEYS:
                self._prune(now)
            return allowed, wait, int(tokens - 1 if allowed else tokens)

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.capacity
        ]
        for k in full:
            del self._buckets[k]


def _client_key(auth: str, scope: Scope) -> str:
    if auth[:7].lower() == "bearer " and len(auth) > 7:
        return "token:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:24]
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


# -- response cache ---------------------------------------------------------------------------


class ResponseCache:
    """Bodies of 200 answers to cacheable GETs keyed by their strong ETag, least recently used
    evicted first. The ETag already names everything the answer depends on (data version,
    framework hash, path, query, Accept), so a hit is exactly what the route would answer;
    it lags an import by at most the data-version check interval, as 304s do."""

    def __init__(self, max_bytes: int, max_item: int):
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self.max_item = max_item
        self.size = 0
        self._items: OrderedDict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if len(body) > self.max_item:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old[2])
            self._items[key] = (status, headers, body)
            self.size += len(body)
            while self.size > self.max_bytes and self._items:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self.size -= len(dropped)


# -- metrics ------------------------------------------------------------------------------------


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "aibridge_http_requests_total",
            "HTTP requests by method, route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "aibridge_http_request_duration_seconds",
            "Time to answer a request, by method and route template",
            ("method", "route"),
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "aibridge_http_requests_in_flight", "Requests being answered", registry=self.registry
        )
        self.rate_limited = Counter(
            "aibridge_http_rate_limited_total",
            "Requests refused by the rate limit",
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "aibridge_http_response_cache_hits_total",
            "Read answers served from the response cache",
            registry=self.registry,
        )
        # labelled children by (method, route, status): ``labels()`` validates and locks on
        # every call, a dict look-up does not (routes and statuses are finite sets)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        key = (method, route, status)
        pair = self._children.get(key)
        if pair is None:
            if method not in _METHODS:
                method = "OTHER"  # a client's made-up method must not add label values
                key = (method, route, status)
            pair = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = pair
        pair[0].inc()
        pair[1].observe(seconds)


# -- the middleware -----------------------------------------------------------------------------


def _problem(status: int, title: str, detail: str, request_id: str, path: str) -> bytes:
    return json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
            "request_id": request_id,
        }
    ).encode()


class ApiMiddleware:
    """See the module docstring. ``version`` returns the current data+framework version
    string; ``cacheable(path)`` says whether a GET on ``path`` may carry an ETag.

    The hot path (a cache hit or a 304) reads the request headers in one pass, takes the
    ETag from a memo keyed by (version, path, query, Accept) instead of hashing again,
    counts metrics through cached label children and writes one access-log line."""

    ETAG_MEMO_MAX: Final = 50_000

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Limits,
        metrics: Metrics,
        version: Callable[[], str],
        cacheable: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.limits = limits
        self.metrics = metrics
        self.version = version
        self.cacheable = cacheable
        per_minute = limits.rate_limit_per_minute
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None
        # every client address also has a bucket (4x, for several tokens behind one NAT), so
        # sending made-up tokens does not escape the limit
        self.ip_limiter = RateLimiter(per_minute * 4) if per_minute > 0 else None
        self.cache = (
            ResponseCache(limits.response_cache_bytes, limits.response_cache_max_item)
            if limits.response_cache_bytes > 0
            else None
        )
        self._cache_control_value = self._cache_control().encode()
        self._etags: dict[tuple[str, str, bytes, str], str] = {}
        # route template by ETag: a 304 or a cache hit never reaches the router, yet its
        # metrics and log line name the route that made the answer
        self._routes: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        # the few request headers this layer reads, in one pass (ASGI names are lower-case;
        # the first occurrence wins, as with starlette's Headers.get)
        given = length = auth = if_none_match = accept = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                given = given if given is not None else value.decode("latin-1")
            elif key == b"content-length":
                length = length if length is not None else value.decode("latin-1")
            elif key == b"authorization":
                auth = auth if auth is not None else value.decode("latin-1")
            elif key == b"if-none-match":
                if_none_match = if_none_match if if_none_match is not None else value
            elif key == b"accept":
                accept = accept if accept is not None else value.decode("latin-1")
        request_id = given if given and _SAFE_ID.match(given) else new_request_id()
        rid = request_id.encode()
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope["path"]
        method: str = scope["method"]
        status_box = [500]

        async def reply(status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
            status_box[0] = status
            hdrs = [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid),
            ]
            hdrs += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
            await send({"type": "http.response.start", "status": status, "headers": hdrs})
            await send({"type": "http.response.body", "body": body})

        etag: str | None = None
        self.metrics.in_flight.inc()
        try:
            # 2. body size ------------------------------------------------------------------
            limit = self.limits.max_body_bytes
            if length is not None and (not length.isdigit() or int(length) > limit):
                await reply(
                    413 if length.isdigit() else 400,
                    _problem(
                        413 if length.isdigit() else 400,
                        "Content Too Large" if length.isdigit() else "Bad Request",
                        f"the request body may be at most {limit} bytes; got {length}"
                        if length.isdigit()
                        else "invalid Content-Length header",
                        request_id,
                        path,
                    ),
                )
                return
            # 3. rate limit -----------------------------------------------------------------
            if self.limiter is not None and not path.startswith(_UNMETERED):
                key = _client_key(auth or "", scope)
                allowed, wait, _left = self.limiter.hit(key)
                if allowed and key.startswith("token:") and self.ip_limiter is not None:
                    client = scope.get("client")
                    allowed, wait, _left = self.ip_limiter.hit(
                        "ip:" + (client[0] if client else "unknown")
                    )
                if not allowed:
                    self.metrics.rate_limited.inc()
                    retry = max(1, math.ceil(wait))
                    await reply(
                        429,
                        _problem(
                            429,
                            "Too Many Requests",
                            f"rate limit of {self.limits.rate_limit_per_minute} requests per "
                            f"minute exceeded; retry in {retry} s",
                            request_id,
                            path,
                        ),
                        {"Retry-After": str(retry)},
                    )
                    return
            # 4. conditional GET ---------------------------------------------------------------
            if method in ("GET", "HEAD") and self.cacheable(path):
                etag = self._etag(path, scope.get("query_string", b""), accept)
                if if_none_match is not None and _matches(if_none_match.decode("latin-1"), etag):
                    status_box[0] = 304
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 304,
                            "headers": [
                                (b"etag", etag.encode()),
                                (b"cache-control", self._cache_control_value),
                                (b"vary", b"Accept"),
                                (b"x-request-id", rid),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
                if method == "GET" and self.cache is not None:
                    hit = self.cache.get(etag)
                    if hit is not None:
                        self.metrics.cache_hits.inc()
                        status_box[0] = hit[0]
                        hdrs = [*hit[1], (b"x-request-id", rid)]
                        await send(
                            {"type": "http.response.start", "status": hit[0], "headers": hdrs}
                        )
                        await send({"type": "http.response.body", "body": hit[2]})
                        return

            receive_from = receive
            if length is None and method in ("POST", "PUT", "PATCH"):
                # a chunked body is read up to the limit before the app sees it (FastAPI
                # would turn an error raised while it reads the body into a 400)
                chunks: list[Message] = []
                received = 0
                while True:
                    message = await receive()
                    chunks.append(message)
                    if message["type"] != "http.request":
                        break
                    received += len(message.get("body", b""))
                    if received > limit:
                        await reply(
                            413,
                            _problem(
                                413,
                                "Content Too Large",
                                f"the request body may be at most {limit} bytes",
                                request_id,
                                path,
                            ),
                        )
                        return
                    if not message.get("more_body", False):
                        break
                replay = iter(chunks)

                async def receive_buffered() -> Message:
                    try:
                        return next(replay)
                    except StopIteration:
                        return await receive()

                receive_from = receive_buffered

            captured: dict[str, Any] = {}

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.body" and "start" in captured:
                    captured.setdefault("body", []).append(message.get("body", b""))
                    if not message.get("more_body", False) and self.cache is not None:
                        start = captured.pop("start")
                        headers_list = [
                            (k, v) for k, v in start["headers"] if k.lower() != b"x-request-id"
                        ]
                        self.cache.put(
                            etag or "", start["status"], headers_list, b"".join(captured["body"])
                        )
                if message["type"] == "http.response.start":
                    status_box[0] = message["status"]
                    out = MutableHeaders(scope=message)
                    out["X-Request-ID"] = request_id
                    if etag is not None and message["status"] == 200:
                        route = scope.get("route")
                        if route is not None and etag not in self._routes:
                            if len(self._routes) >= self.ETAG_MEMO_MAX:
                                self._routes.clear()
                            self._routes[etag] = getattr(route, "path", "unmatched")
                        out["ETag"] = etag
                        out["Cache-Control"] = self._cache_control()
                        out.append("Vary", "Accept")
                        if method == "GET" and self.cache is not None:
                            captured["start"] = message
                    elif "cache-control" not in out and method in ("GET", "HEAD"):
                        out["Cache-Control"] = (
                            "no-store" if message["status"] >= 400 else ("private, no-cache")
                        )
                await send(message)

            await self.app(scope, receive_from, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - start
            template = (
                getattr(scope.get("route"), "path", None)
                or (self._routes.get(etag) if etag is not None else None)
                or ("static" if path.startswith("/static/") else "unmatched")
            )
            status = status_box[0]
            self.metrics.observe(method, template, status, elapsed)
            if self.limits.access_log and access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                # makeRecord + handle: the line logger.info() would write, without its
                # stack walk for the caller's file and line (unused in an access log)
                access_log.handle(
                    access_log.makeRecord(
                        access_log.name,
                        logging.INFO,
                        __file__,
                        0,
                        "request",
                        (),
                        None,
                        extra={
                            "request_id": request_id,
                            "method": method,
                            "path": path,
                            "route": template,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                            "client": client[0] if client else None,
                        },
                    )
                )

    def _cache_control(self) -> str:
        return f"public, max-age={self.limits.cache_max_age}, must-revalidate"

    def _etag(self, path: str, query: bytes, accept: str | None) -> str:
        """The strong ETag of a read answer: a hash of the data version, path, query and
        (observations only) the Accept header; memoised, so a repeated request costs a dict
        look-up, and a new data version makes new keys (the memo is cleared when large)."""
        # only observations negotiate a format; elsewhere the body does not depend on
        # Accept, and hashing it would split the cache by client
        key = (
            self.version(),
            path,
            query,
            (accept or "") if path.startswith(_NEGOTIATED) else "",
        )
        etag = self._etags.get(key)
        if etag is None:
            digest = hashlib.sha256()
            for part in (key[0], key[1], key[2].decode("latin-1"), key[3]):
                digest.update(part.encode())
                digest.update(b"\0")
            etag = '"' + digest.hexdigest()[:32] + '"'
            if len(self._etags) >= self.ETAG_MEMO_MAX:
                self._etags.clear()
            self._etags[key] = etag
        return etag


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))
