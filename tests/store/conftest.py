"""Fixtures for the store tests: a fresh in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aibridge.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as s:
        yield s
