"""HTTP plumbing shared by the web connectors: timeout, retries with backoff, on-disk cache.

Every connector (World Bank API, SDMX agencies) fetches raw bytes through :class:`HttpFetcher`
and parses them itself, so that

* tests inject an ``httpx.MockTransport`` (or respx) and never touch the network;
* the cache stores the exact body that was parsed, and its sha256 is the provenance hash;
* foreign errors are mapped at one boundary (:data:`RETRYABLE_STATUS`, :func:`_map_error`)
  to :class:`~aibridge.errors.SourceUnavailable`.

The cache is a folder of ``<sha256(url)>.body`` files with a ``.json`` sidecar recording the
URL, retrieval time and body hash; an entry older than ``ttl`` is refetched. Writes go to a
temporary file first and are renamed into place, so an interrupted run never leaves a
half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx

from aibridge import __version__
from aibridge.errors import SourceUnavailable

__all__ = ["RETRYABLE_STATUS", "CachedResponse", "HttpFetcher", "build_url"]

#: Status codes worth retrying: rate limiting and transient server-side failures.
RETRYABLE_STATUS: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})


def build_url(base: str, params: Mapping[str, object] | None = None) -> str:
    """``base`` plus a query string with keys in sorted order (a stable cache key)."""
    if not params:
        return base
    query = urlencode(sorted((k, str(v)) for k, v in params.items() if v is not None))
    return f"{base}{'&' if '?' in base else '?'}{query}"


@dataclass(frozen=True)
class CachedResponse:
    """A response body with where and when it was retrieved."""

    url: str
    body: bytes
    sha256: str
    retrieved_at: datetime
    from_cache: bool


class HttpFetcher:
    """GET with a per-call timeout, retries with exponential backoff and an on-disk cache.

    Parameters
    ----------
    source_id:
        Named in every error message.
    timeout:
        Seconds allowed for each single HTTP call (connect, read, write and pool).
    retries:
        Extra attempts after the first one, for transport errors, timeouts and
        :data:`RETRYABLE_STATUS` responses.
    backoff:
        First wait in seconds; each further retry doubles it (``backoff * 2**attempt``),
        capped at ``max_backoff``. A ``Retry-After`` header in seconds is honoured (capped too).
    cache_dir:
        Folder of cached bodies, or ``None`` for no cache.
    ttl:
        Age after which a cached body is fetched again.
    transport:
        An ``httpx`` transport; tests pass ``httpx.MockTransport(handler)``.
    sleep:
        Called with the wait in seconds between retries (tests pass a recorder).
    """

    def __init__(
        self,
        *,
        source_id: str,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        cache_dir: Path | None = None,
        ttl: timedelta = timedelta(hours=24),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds; got {timeout}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0; got {retries}")
        self.source_id = source_id
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.cache_dir = cache_dir
        self.ttl = ttl
        self.sleep = sleep
        self.calls = 0  # HTTP requests actually sent (tests check cache hits with it)
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"User-Agent": f"aibridge/{__version__}", **(headers or {})},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cache -------------------------------------------------------------------------------
    def _cache_paths(self, url: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / f"{key}.body", self.cache_dir / f"{key}.json"

    def _cache_get(self, url: str) -> CachedResponse | None:
        paths = self._cache_paths(url)
        if paths is None or not paths[0].is_file() or not paths[1].is_file():
            return None
        try:
            meta = json.loads(paths[1].read_text())
            retrieved = datetime.fromisoformat(meta["retrieved_at"])
            body = paths[0].read_bytes()
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is simply refetched
        if meta.get("url") != url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        if datetime.now(UTC) - retrieved > self.ttl:
            return None
        return CachedResponse(url, body, meta["sha256"], retrieved, from_cache=True)

    def _cache_put(self, resp: CachedResponse) -> None:
        paths = self._cache_paths(resp.url)
        if paths is None:
            return
        body_path, meta_path = paths
        body_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "url": resp.url,
            "sha256": resp.sha256,
            "retrieved_at": resp.retrieved_at.isoformat(),
        }
        for path, data in ((body_path, resp.body), (meta_path, json.dumps(meta).encode())):
            tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def invalidate(self, url: str) -> None:
        """Drop the cached entry of ``url`` (e.g. after its body proved malformed)."""
        paths = self._cache_paths(url)
        if paths is not None:
            for path in paths:
                path.unlink(missing_ok=True)

    # -- fetch -------------------------------------------------------------------------------
    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        wait = self.backoff * (2**attempt)
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                wait = max(wait, float(retry_after))
        return min(wait, self.max_backoff)

    def get(
        self, url: str, *, use_cache: bool = True, headers: Mapping[str, str] | None = None
    ) -> CachedResponse:
        """The body of ``url``: from the cache when fresh, else fetched with retries.

        Raises
        ------
        SourceUnavailable
            After the last retry failed (timeout, connection error, 5xx/429), or at once for
            any other non-2xx status.
        """
        if use_cache and (hit := self._cache_get(url)) is not None:
            return hit
        last: str = ""
        for attempt in range(self.retries + 1):
            response: httpx.Response | None = None
            try:
                self.calls += 1
                response = self._client.get(url, headers=headers)
            except httpx.TimeoutException as exc:
                last = f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"network error: {type(exc).__name__}: {exc}"
            else:
                if response.status_code in RETRYABLE_STATUS:
                    last = f"HTTP {response.status_code} {response.reason_phrase}"
                elif response.is_error:
                    raise SourceUnavailable(
                        f"{self.source_id}: {url} answered HTTP {response.status_code} "
                        f"{response.reason_phrase}; check the codes in the request",
                        source_id=self.source_id,
                        url=url,
                    )
                else:
                    body = response.content
                    resp = CachedResponse(
                        url=url,
                        body=body,
                        sha256=hashlib.sha256(body).hexdigest(),
                        retrieved_at=datetime.now(UTC),
                        from_cache=False,
                    )
                    self._cache_put(resp)
                    return resp
            if attempt < self.retries:
                self.sleep(self._wait(attempt, response))
        raise SourceUnavailable(
            f"{self.source_id}: {url} failed after {self.retries + 1} attempt(s): {last}; "
            "check the network connection or try again later (raise --timeout/--retries)",
            source_id=self.source_id,
            url=url,
        )
