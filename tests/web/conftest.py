"""Fixtures of the web tests: a small store, an app with the web pages mounted, a client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtest_support import fixture_batch, make_app, make_registry

from aibridge.store import Store


@pytest.fixture(scope="session")
def web_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    yield store
    store.close()


@pytest.fixture(scope="session")
def registry_and_tokens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    return make_registry(tmp_path_factory.mktemp("registry") / "registry.sqlite")


@pytest.fixture(scope="session")
def tokens(registry_and_tokens: tuple[Any, dict[str, str]]) -> dict[str, str]:
    return registry_and_tokens[1]


@pytest.fixture(scope="session")
def web_app(web_store: Store, registry_and_tokens: tuple[Any, dict[str, str]]) -> FastAPI:
    app = make_app(web_store)
    app.state.registry = registry_and_tokens[0]
    return app


@pytest.fixture()
def client(web_app: FastAPI) -> TestClient:
    return TestClient(web_app)
