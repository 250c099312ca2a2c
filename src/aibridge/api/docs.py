"""Offline API documentation: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, both from
assets vendored under ``api/static`` (see its README for versions and licences), so the docs
work with no network. FastAPI's built-in pages would load them from a CDN."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

__all__ = ["install_docs"]

STATIC: Final = Path(__file__).parent / "static"
_ALLOWED: Final = {
    "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css",
    "swagger-ui/favicon-32x32.png",
    "redoc/redoc.standalone.js",
    "swagger-init.js",
    "redoc-init.js",
}
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'"
)

_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{head}
</head><body data-openapi="{openapi}">
{body}
</body></html>"""


@lru_cache(maxsize=16)
def _asset(rel: str) -> tuple[bytes, str, str]:
    raw = (STATIC / rel).read_bytes()
    media = mimetypes.guess_type(rel)[0] or "application/octet-stream"
    if rel.endswith(".js"):
        media = "text/javascript"
    return raw, media, '"' + hashlib.sha256(raw).hexdigest()[:20] + '"'


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and ``/api-docs-static/{file}`` to ``app``."""
    openapi = app.openapi_url or "/openapi.json"
    title = f"{app.title} {app.version}"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return HTMLResponse(
            _PAGE.format(
                title=title + " — Swagger UI",
                openapi=openapi,
                head='<link rel="stylesheet" href="/api-docs-static/swagger-ui/swagger-ui.css">'
                '<link rel="icon" href="/api-docs-static/swagger-ui/favicon-32x32.png">',
                body='<div id="swagger-ui"></div>'
                '<script src="/api-docs-static/swagger-ui/swagger-ui-bundle.js"></script>'
                '<script src="/api-docs-static/swagger-init.js"></script>',
            ),
            headers={"Content-Security-Policy": _CSP},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(
            _PAGE.format(
                title=title + " — ReDoc",
                openapi=openapi,
                head="",
                body='<div id="redoc"></div>'
                '<script src="/api-docs-static/redoc/redoc.standalone.js"></script>'
                '<script src="/api-docs-static/redoc-init.js"></script>',
            ),
            headers={"Content-Security-Policy": _CSP},
        )

    @app.get("/api-docs-static/{path:path}", include_in_schema=False)
    def asset(path: str) -> Response:
        if path not in _ALLOWED:
            return Response("Not found", status_code=404, media_type="text/plain")
        raw, media, etag = _asset(path)
        return Response(
            raw,
            media_type=media,
            headers={"ETag": etag, "Cache-Control": "public, max-age=86400"},
        )
