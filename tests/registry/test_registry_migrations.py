"""Alembic migrations up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from aibridge.registry.db import current_revision, downgrade, head_revision, make_engine, upgrade

TABLES = {
    "organisations",
    "accounts",
    "api_tokens",
    "needs",
    "offers",
    "projects",
    "pledges",
    "pledge_updates",
    "matches",
    "resolutions",
    "audit_log",
}


def test_upgrade_downgrade_upgrade(registry_url: str) -> None:
    engine = make_engine(registry_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        symbols = conn.execute(text("SELECT symbol FROM resolutions ORDER BY symbol")).scalars()
        assert list(symbols) == ["A/RES/78/265", "A/RES/78/311"]
    upgrade(engine)  # idempotent

    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())

    upgrade(engine)  # and up again after a full downgrade
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_sqlite_uses_wal(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_audit_log_is_append_only_in_the_database(registry_url: str) -> None:
    engine = make_engine(registry_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, entity) "
                "VALUES (CURRENT_TIMESTAMP, 'x', 'create', 'need')"
            )
        )
    for stmt in ("UPDATE audit_log SET actor = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(stmt))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["x"]
    engine.dispose()


def test_unknown_revision_or_unreachable_database_is_a_config_error(tmp_path) -> None:
    from aibridge.errors import ConfigError
    from aibridge.registry import Registry

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ConfigError, match="9999"):
        Registry(url)
    with pytest.raises(ConfigError, match="cannot open"):
        Registry("postgresql+psycopg://nobody@127.0.0.1:1/none")
