"""Engines and migrations for the registry database (SQLite in WAL mode, or PostgreSQL).

SQLite: WAL journal (readers never block the writer), foreign keys on, a 30 s busy timeout,
and write transactions opened with ``BEGIN IMMEDIATE`` so two processes that read-then-write
queue up instead of deadlocking or losing an update. PostgreSQL: write paths lock the rows
they change (``SELECT ... FOR UPDATE``). Both: a ``version`` column refuses stale edits.
"""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["current_revision", "downgrade", "head_revision", "make_engine", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x61696272  # "aibr": advisory lock id serialising migrations
#: Set while the service opens a write transaction (SQLite then uses BEGIN IMMEDIATE).
WRITING: contextvars.ContextVar[bool] = contextvars.ContextVar("registry_writing", default=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the registry's connection settings (see module doc)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            if parsed.database and parsed.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if WRITING.get() else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent)."""
    cfg = _config(engine)
    token = WRITING.set(True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # processes opening a fresh DB at once
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        WRITING.reset(token)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Revert migrations down to ``revision`` (``base`` drops every registry table)."""
    cfg = _config(engine)
    token = WRITING.set(True)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        WRITING.reset(token)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` = not initialised)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of aibridge."""
    return ScriptDirectory.from_config(_config_for_scripts()).get_current_head()


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg
