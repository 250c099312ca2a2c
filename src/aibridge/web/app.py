"""Mount the web app on the API's FastAPI application.

``aibridge.api.app.create_app()`` calls :func:`mount_web` once, after its ``/v1`` routes, so
the web pages never shadow the API. Everything here is server-rendered HTML (Jinja2) with
HTMX partials and one optional charts bundle; every page works with JavaScript off.

Security (applied to every web response, see :class:`WebRoute`): a strict
Content-Security-Policy (scripts and styles from this origin only, no inline script, no
external origin), ``X-Content-Type-Options``, ``Referrer-Policy``, ``frame-ancestors 'none'``.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import Callable, Coroutine
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from aibridge.web.i18n import LANGUAGES, negotiate_language

__all__ = ["CSP", "WebRoute", "mount_web", "render_error", "static_url"]

WEB_DIR: Final = Path(__file__).parent
STATIC_DIR: Final = WEB_DIR / "static"

#: No inline script and no other origin. ``style-src`` allows only this origin's stylesheet;
#: the charts set inline styles through the CSSOM, which CSP permits.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

_GZIP_MIN_BYTES: Final = 1024


class LanguageConvertor(Convertor[str]):
    """``{lang:lang}`` path segments: one of the six UN language codes, nothing else."""

    regex = "|".join(LANGUAGES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("lang", LanguageConvertor())


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _finish(request: Request, response: Response) -> Response:
    """Add the security headers and gzip a large HTML/CSV/JSON body when the client accepts it."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # full page or htmx partial from the same URL: caches must key on HX-Request too
    response.headers.setdefault("Vary", "Accept-Encoding, HX-Request")
    body = getattr(response, "body", None)
    if (
        isinstance(body, bytes)
        and len(body) >= _GZIP_MIN_BYTES
        and "content-encoding" not in response.headers
        and _accepts_gzip(request)
    ):
        compressed = gzip.compress(body, compresslevel=6)
        response.body = compressed
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(compressed))
    return response


class WebRoute(APIRoute):
    """An APIRoute whose responses carry the web security headers (and gzip)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def web_handler(request: Request) -> Response:
            return _finish(request, await handler(request))

        return web_handler


@lru_cache(maxsize=256)
def _static_file(rel: str) -> tuple[bytes, bytes, str, str] | None:
    """(raw, gzipped, media type, etag) of a file under static/, cached in memory."""
    path = (STATIC_DIR / rel).resolve()
    if STATIC_DIR.resolve() not in path.parents or not path.is_file():
        return None
    raw = path.read_bytes()
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    elif path.suffix == ".json":
        media = "application/json"
    etag = '"' + hashlib.sha256(raw).hexdigest()[:20] + '"'
    return raw, gzip.compress(raw, compresslevel=9), media, etag


@lru_cache(maxsize=256)
def static_url(rel: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    found = _static_file(rel)
    version = found[3].strip('"')[:10] if found else "0"
    return f"/static/{rel}?v={version}"


class StaticAssets:
    """Serve ``web/static`` with strong ETags, long caching and pre-compressed gzip bodies.

    Starlette's StaticFiles does not compress; the charts bundle is 600 KB raw and 200 KB
    gzipped, so serving it compressed is what keeps every page under its weight budget.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        rel = request.path_params.get("path", "")
        found = _static_file(rel) if rel and ".." not in rel else None
        if found is None:
            response: Response = Response("Not found", status_code=404, media_type="text/plain")
            await response(scope, receive, send)
            return
        raw, zipped, media, etag = found
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=31536000, immutable"
            if "v" in request.query_params
            else "public, max-age=3600",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if request.headers.get("if-none-match") == etag:
            response = Response(status_code=304, headers=headers)
        elif _accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            response = Response(zipped, media_type=media, headers=headers)
        else:
            response = Response(raw, media_type=media, headers=headers)
        await response(scope, receive, send)


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    """An HTML error page in the request's language (for the API's exception handlers)."""
    from aibridge.web.views import render_error_page

    return render_error_page(request, status, title, detail)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    first = path.strip("/").split("/", 1)[0]
    return first in LANGUAGES or path == "/"


def mount_web(app: FastAPI) -> None:
    """Attach the web pages, partials and static assets to ``app`` (idempotent)."""
    if getattr(app.state, "aibridge_web_mounted", False):
        return
    from aibridge.web.board import router as board_router
    from aibridge.web.methodology import router as methodology_router
    from aibridge.web.rankings import router as rankings_router
    from aibridge.web.scenario import router as scenario_router
    from aibridge.web.views import router

    app.router.routes.append(Route("/static/{path:path}", StaticAssets(), methods=["GET", "HEAD"]))
    app.include_router(router)
    app.include_router(board_router)
    app.include_router(methodology_router)
    app.include_router(rankings_router)
    app.include_router(scenario_router)
    app.state.aibridge_web_mounted = True

    previous = app.exception_handlers.get(StarletteHTTPException)

    async def html_http_errors(request: Request, exc: Exception) -> Response:
        """HTML error pages for web paths; anything else goes to the API's handler."""
        assert isinstance(exc, StarletteHTTPException)
        if _wants_html(request):
            from aibridge.web.views import error_title

            lang = request.path_params.get("lang") or negotiate_language(
                request.headers.get("accept-language")
            )
            request.state.lang = lang
            return _finish(
                request,
                render_error(
                    request, exc.status_code, error_title(exc.status_code, lang), str(exc.detail)
                ),
            )
        if previous is not None:
            result = previous(request, exc)
            if hasattr(result, "__await__"):
                return await result
            return result
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, html_http_errors)
