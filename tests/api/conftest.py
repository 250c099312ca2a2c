"""Fixtures of the API tests: an in-memory store, a SQLite registry, the app and a client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import base_batch, make_registry, revision_batch
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store


@pytest.fixture(scope="session")
def api_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(base_batch())
    store.ingest(revision_batch())
    yield store
    store.close()


@pytest.fixture(scope="session")
def registry_tokens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    return make_registry(tmp_path_factory.mktemp("api-registry") / "registry.sqlite")


@pytest.fixture(scope="session")
def tokens(registry_tokens: tuple[Any, dict[str, str]]) -> dict[str, str]:
    return registry_tokens[1]


@pytest.fixture(scope="session")
def api_app(api_store: Store, registry_tokens: tuple[Any, dict[str, str]]) -> FastAPI:
    return create_app(
        Settings(env="test", cors_origins=["https://dashboard.example.org"]),
        store=api_store,
        registry=registry_tokens[0],
        limits=Limits(rate_limit_per_minute=0, access_log=False),
    )


@pytest.fixture()
def client(api_app: FastAPI) -> TestClient:
    return TestClient(api_app, raise_server_exceptions=False)
