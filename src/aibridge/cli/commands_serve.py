"""``aibridge serve``: the REST API and the web app with uvicorn, on the default store.

Nothing to set up: the store (``settings.store_path``) and the registry are created on first
use when missing. The server is single-process because a DuckDB file has one writer; reads are
served concurrently from a thread pool (one DuckDB cursor per thread). uvicorn runs with
uvloop and httptools and without its own access log (``aibridge.api.app.serve``).
"""

from __future__ import annotations

import typer

__all__ = ["register", "serve"]


def serve(
    host: str = typer.Option(None, "--host", help="Interface to bind (default 127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="TCP port (default 8000)."),
    reload: bool = typer.Option(False, "--reload", help="Restart when the code changes (dev)."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help="One JSON line per request."
    ),
) -> None:
    """Serve the API (/v1, docs at /docs) and the web app on the default store."""
    import logging

    import uvicorn

    from aibridge.api.middleware import configure_logging
    from aibridge.settings import get_settings

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    configure_logging(log_level.upper())
    if not access_log:
        logging.getLogger("aibridge.api.access").setLevel(logging.WARNING)
    typer.echo(f"aibridge API on http://{host}:{port}/v1  (docs: http://{host}:{port}/docs)")
    typer.echo(f"store: {settings.store_path}", err=True)
    if reload:
        uvicorn.run(
            "aibridge.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=True,
            log_level=log_level,
            access_log=False,
        )
        return
    from aibridge.api.app import create_app
    from aibridge.api.app import serve as serve_app

    # uvloop + httptools, no uvicorn access log (the app writes its own JSON line), heap
    # frozen after start-up: see aibridge.api.app.serve
    serve_app(create_app(settings), host=host, port=port, log_level=log_level)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``aibridge`` command."""
    app.command("serve")(serve)
