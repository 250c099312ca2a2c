"""Fixtures of the web tests: a small store, an app with the web pages mounted, a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtest_support import fixture_batch, make_app

from aibridge.store import Store


@pytest.fixture(scope="session")
def web_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    yield store
    store.close()


@pytest.fixture(scope="session")
def web_app(web_store: Store) -> FastAPI:
    return make_app(web_store)


@pytest.fixture()
def client(web_app: FastAPI) -> TestClient:
    return TestClient(web_app)
