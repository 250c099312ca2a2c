"""Registry fixtures: every test that takes ``registry_url`` runs on SQLite and, when
AIBRIDGE_TEST_POSTGRES_URL is set (scripts/test starts a throw-away cluster), on PostgreSQL,
each time in a fresh, empty database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_helpers import World
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aibridge.registry import Registry

PG_URL = os.environ.get("AIBRIDGE_TEST_POSTGRES_URL")


def _pg_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("AIBRIDGE_TEST_POSTGRES_URL not set (scripts/test sets it)")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _cheap_token_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests create many tokens: a cheap argon2 cost (the hash records its own parameters,
    so verification is unchanged; production keeps auth._HASHER's cost)."""
    from argon2 import PasswordHasher

    from aibridge.registry import auth

    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL: SQLite file, then PostgreSQL (skipped when not configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
    else:
        yield from _pg_database()


@pytest.fixture
def reg(registry_url: str) -> Iterator[Registry]:
    registry = Registry(registry_url)
    yield registry
    registry.close()


@pytest.fixture
def world(reg: Registry) -> World:
    return World(reg)
