"""The FastAPI application: ``create_app()`` wires the ``/v1`` routes, the error funnel, the
middleware (request ids, JSON logs, ETags, rate limit, body limit, metrics, CORS), the
offline API docs and, when installed, the web pages.

``aibridge serve`` runs it with :func:`serve` (uvicorn on the embedded default store; the
load benchmark starts it the same way); tests pass their own ``store=`` (e.g.
``Store(":memory:")``) and ``registry=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from aibridge import __version__
from aibridge.api.deps import DataVersion
from aibridge.api.docs import install_docs
from aibridge.api.errors import install_error_handlers
from aibridge.api.middleware import ApiMiddleware, Limits, Metrics, configure_logging
from aibridge.api.openapi import PROBLEM_RESPONSES, install_openapi
from aibridge.settings import Settings, get_settings

if TYPE_CHECKING:
    from aibridge.registry.service import Registry
    from aibridge.store import Store

__all__ = ["create_app", "serve", "server_info"]

API_DESCRIPTION = """\
Machine access to everything aibridge knows: the indicator store (economies, indicators,
observations with their source, vintage and flag), composite-index frameworks and results,
and the cooperation registry.

* Reads are public; registry writes need `Authorization: Bearer <token>` with the right role.
* Every error is RFC 9457 `application/problem+json`.
* Read responses carry a strong `ETag`; send it back in `If-None-Match` to get `304`.
* Observations come as JSON, CSV or Parquet (`Accept` header or `?format=`), paginated with
  an opaque `cursor`.
"""

_NOT_CACHEABLE = ("/v1/registry", "/v1/resolutions", "/v1/me")


def _cacheable(path: str) -> bool:
    """Read routes answered from the store and framework files only (the registry changes
    without a data version change, so its routes are never given an ETag)."""
    return (
        path.startswith("/v1/")
        and not path.startswith(_NOT_CACHEABLE)
        and not path.endswith("/resolutions")
    )


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    registry: Registry | None = None,
    limits: Limits | None = None,
    web: bool = True,
) -> FastAPI:
    """Build the aibridge API (and web) application.

    Parameters
    ----------
    settings:
        Defaults to :func:`aibridge.settings.get_settings` (``AIBRIDGE_*`` variables).
    store, registry:
        Use these instead of opening the configured ones on first use.
    limits:
        Body size, rate limit and caching knobs; defaults from ``settings``.
    web:
        Mount the web pages (``aibridge.web``) when they are installed.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="aibridge API",
        version=__version__,
        summary="AI capacity building between countries: data, indices and cooperation.",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=PROBLEM_RESPONSES,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.settings = settings
    if store is not None:
        app.state.store = store
    if registry is not None:
        app.state.registry = registry
    version = DataVersion(app)
    app.state.data_version = version
    metrics = Metrics()
    app.state.metrics = metrics

    install_error_handlers(app)
    _include_routes(app)
    install_docs(app)
    install_openapi(app)
    if web:
        try:
            from aibridge.web.app import mount_web
        except ImportError:  # pragma: no cover - the web app is part of the package
            pass
        else:
            mount_web(app)

    limits = limits or Limits(rate_limit_per_minute=settings.rate_limit_per_minute)
    app.add_middleware(
        ApiMiddleware,
        limits=limits,
        metrics=metrics,
        version=version,
        cacheable=_cacheable,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "X-Request-ID", "Retry-After", "Link", "X-Next-Cursor"],
            max_age=600,
        )
    if settings.env != "test":
        configure_logging()
    return app


def _include_routes(app: FastAPI) -> None:
    import importlib

    from aibridge.api.routes import ROUTERS

    for name in ROUTERS:
        module: Any = importlib.import_module(f"aibridge.api.routes.{name}")
        app.include_router(module.router)


# -- serving ------------------------------------------------------------------------------------

#: modules the read routes import on their first request; imported before the garbage
#: collector's heap is frozen, so their objects are never scanned again
_WARM_IMPORTS: Final = (
    "pandas",
    "polars",
    "pyarrow.parquet",
    "aibridge.engine",
    "aibridge.analysis.divide",
    "aibridge.analysis.projection",
    "aibridge.analysis.aci",
)


def server_info() -> dict[str, str]:
    """The event loop and HTTP parser uvicorn picks (``auto``: uvloop and httptools when
    installed, else asyncio and h11)."""
    import importlib.util

    return {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
    }


def freeze_heap() -> None:
    """Collect once, then move every object alive now (modules, the app, its routes) to the
    collector's permanent generation (:func:`gc.freeze`).

    A full collection scans every tracked object, and after start-up there are about
    300,000 of them (pandas, polars, FastAPI, SQLAlchemy): ~0.1-0.5 s with the GIL held, so a
    full collection while serving would stall every request in flight. Frozen objects are
    never scanned, so later collections only look at what the server made since (the price:
    a start-up object that later becomes part of a garbage cycle is not reclaimed)."""
    import contextlib
    import gc
    import importlib

    for name in _WARM_IMPORTS:
        with contextlib.suppress(ImportError):  # optional parts
            importlib.import_module(name)
    gc.collect()
    gc.freeze()


def serve(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    backlog: int = 2048,
) -> None:
    """Run ``app`` with uvicorn in this process, tuned for the API:

    * ``loop="auto"``, ``http="auto"``: uvloop and httptools (pinned dependencies), which
      cost about a third less CPU per request than asyncio and h11;
    * no uvicorn access log (the app writes one structured JSON line per request), no
      ``Server`` header, ``X-Forwarded-*`` ignored (the app binds to loopback by default);
    * ``backlog`` pending connections (uvicorn's default, 2048);
    * the heap is frozen after start-up (:func:`freeze_heap`).
    """
    import uvicorn

    freeze_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="auto",
        http="auto",
        log_level=log_level,
        access_log=False,  # the app writes its own structured access log
        proxy_headers=False,
        server_header=False,
        backlog=backlog,
    )
