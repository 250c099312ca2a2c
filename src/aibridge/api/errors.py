"""RFC 9457 ``application/problem+json`` for every API error.

One funnel (datasette ``handle_exception``): :class:`~aibridge.errors.AibridgeError`
subclasses map to their HTTP status, FastAPI's request validation errors to 422 with the
offending fields, Starlette's HTTP errors keep their status, and anything unexpected becomes a
500 whose body names the request id but never the internals. Browser page routes (anything
outside ``/v1`` whose client asks for HTML) get the web app's HTML error page instead, via
``aibridge.web.app.render_error`` when the web app is installed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from aibridge.errors import (
    AibridgeError,
    AuthenticationFailed,
    ConfigError,
    ConflictError,
    DataError,
    IatiError,
    ImportRejected,
    NotFittedError,
    NotFoundError,
    PermissionDenied,
    SourceError,
    SourceFormatError,
    SourceUnavailable,
    SpecError,
    StoreError,
    ValidationFailed,
)

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "install_error_handlers",
    "problem_response",
    "status_for",
]

PROBLEM_JSON: Final = "application/problem+json"
PROBLEM_BASE: Final = "urn:aibridge:problem:"

log = logging.getLogger("aibridge.api")

#: Most specific first; the first ``isinstance`` match wins.
_STATUS: Final[tuple[tuple[type[AibridgeError], int, str], ...]] = (
    (NotFoundError, 404, "not-found"),
    (AuthenticationFailed, 401, "authentication-failed"),
    (PermissionDenied, 403, "permission-denied"),
    (ConflictError, 409, "conflict"),
    (ValidationFailed, 422, "validation-failed"),
    (SpecError, 422, "invalid-spec"),
    (DataError, 422, "invalid-data"),
    (IatiError, 422, "invalid-iati"),
    (ImportRejected, 422, "import-rejected"),
    (NotFittedError, 422, "not-fitted"),
    (SourceUnavailable, 502, "source-unavailable"),
    (SourceFormatError, 502, "source-format"),
    (SourceError, 502, "source-error"),
    (StoreError, 503, "store-error"),
    (ConfigError, 500, "configuration"),
)

_TITLES: Final = {
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ApiProblem(Exception):
    """Raise from a route to answer a problem with a given status, detail and extensions."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = dict(headers or {})
        self.extensions = extensions


def status_for(exc: AibridgeError) -> tuple[int, str]:
    """HTTP status and problem type slug of an aibridge error (500 if unmapped)."""
    for cls, status, slug in _STATUS:
        if isinstance(exc, cls):
            return status, slug
    return 500, "internal"


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A ``application/problem+json`` response (RFC 9457)."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = _request_id(request)
        if request_id:
            body["request_id"] = request_id
    body.update({k: v for k, v in extensions.items() if v is not None})
    return Response(
        json.dumps(body, ensure_ascii=False, default=str).encode(),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def _wants_html(request: Request) -> bool:
    """A browser page: outside the API paths and asking for HTML."""
    path = request.url.path
    if path.startswith(("/v1", "/healthz", "/readyz", "/metrics", "/openapi", "/docs")):
        return False
    if path.startswith("/redoc"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _html_error(request: Request, status: int, title: str, detail: str) -> Response | None:
    try:
        from aibridge.web.app import render_error
    except ImportError:  # the web app is optional
        return None
    try:
        return render_error(request, status, title, detail)
    except Exception:  # never let the error page hide the error
        log.exception("web error page failed")
        return None


def _respond(
    request: Request,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    if _wants_html(request):
        page = _html_error(request, status, _TITLES.get(status, "Error"), detail)
        if page is not None:
            for name, value in (headers or {}).items():
                page.headers[name] = value
            return page
    return problem_response(request, status, detail, kind=kind, headers=headers, **extensions)


def _validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors[:50]:
        loc = [str(part) for part in err.get("loc", ())]
        item = {
            "location": loc[0] if loc else "",
            "field": ".".join(loc[1:]),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        ctx = err.get("ctx")
        if ctx:
            item["context"] = {k: str(v) for k, v in ctx.items()}
        out.append(item)
    return out


def _summarise(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        where = f"{err['location']} {err['field']}".strip() or "request"
        parts.append(f"{where}: {err['message']}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more if parts else "the request is invalid"


def _allowed_methods(request: Request) -> list[str]:
    """Every documented method on this path (Starlette's 405 names only the first route's)."""
    from starlette.routing import compile_path

    app = request.app
    table = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = []
        for path, item in app.openapi().get("paths", {}).items():
            regex = compile_path(path)[0]
            table.append((regex, sorted(m.upper() for m in item if m != "parameters")))
        app.state.allowed_methods = table
    methods: set[str] = set()
    for regex, allowed in table:
        if regex.match(request.url.path):
            methods.update(allowed)
    return sorted(methods)


async def _on_aibridge_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AibridgeError)
    status, slug = status_for(exc)
    if status >= 500:
        log.error(
            "request failed",
            exc_info=exc,
            extra={"request_id": _request_id(request), "error": type(exc).__name__},
        )
    detail = str(exc) or type(exc).__name__
    headers = {"WWW-Authenticate": 'Bearer realm="aibridge"'} if status == 401 else None
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        extra = {"field": exc.field, "rule": exc.rule}
    return _respond(request, status, detail, kind=slug, headers=headers, **extra)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return _respond(
        request, exc.status, exc.detail, kind=exc.kind, headers=exc.headers, **exc.extensions
    )


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(list(exc.errors()))
    return _respond(request, 422, _summarise(errors), kind="invalid-request", errors=errors or None)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}; see /docs for the API routes"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        detail = f"{request.method} is not allowed on {request.url.path}" + (
            f"; allowed: {', '.join(allowed)}" if allowed else ""
        )
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return _respond(request, exc.status_code, detail, headers=headers)


async def _on_store_failure(request: Request, exc: Exception) -> Response:
    log.error(
        "store failure",
        exc_info=exc,
        extra={"request_id": _request_id(request), "error": type(exc).__name__},
    )
    return _respond(
        request,
        503,
        "the indicator store could not answer; retry shortly (if it persists, check "
        "GET /readyz and the server log with this request id)",
        kind="store-unavailable",
        headers={"Retry-After": "5"},
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"request_id": _request_id(request), "error": type(exc).__name__},
    )
    return _respond(
        request,
        500,
        "an unexpected error occurred; quote the request id when reporting it",
        kind="internal",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json funnel on ``app`` (before the web app is mounted)."""
    app.add_exception_handler(AibridgeError, _on_aibridge_error)
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    import duckdb

    app.add_exception_handler(duckdb.Error, _on_store_failure)
    app.add_exception_handler(Exception, _on_unexpected)
