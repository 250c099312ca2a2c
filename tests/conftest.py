"""Shared fixtures. Real-data tests use ``shared_data`` and skip cleanly when it is absent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aibridge.settings import Settings, find_shared_data, get_settings


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Never touch the user's real store or registry from a test."""
    home = tmp_path_factory.mktemp("aibridge-home")
    monkeypatch.setenv("AIBRIDGE_HOME", str(home))
    monkeypatch.setenv("AIBRIDGE_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open data folder (``AIBRIDGE_SHARED_DATA`` or ../shared/data); skip if absent."""
    path = find_shared_data(Settings())
    if path is None:
        pytest.skip("real open data not found (set AIBRIDGE_SHARED_DATA or place ../shared/data)")
    return path
