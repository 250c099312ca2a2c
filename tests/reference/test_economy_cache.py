"""The economy reference rows are cached on disk, keyed by library versions and the module."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from aibridge.reference import economies


def test_rows_are_cached_and_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIBRIDGE_NO_CACHE", raising=False)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(tmp_path))
    economies._rows.cache_clear()
    try:
        built = economies._rows()
        cache = economies._cache_file()
        assert cache is not None and cache.parent == tmp_path and cache.exists()
        economies._rows.cache_clear()
        assert economies._rows() == built == economies._build_rows()
        # a damaged cache file is rebuilt, never trusted
        cache.write_text("{not json", encoding="utf-8")
        economies._rows.cache_clear()
        assert economies._rows() == built
        monkeypatch.setenv("AIBRIDGE_NO_CACHE", "1")
        assert economies._cache_file() is None
    finally:
        economies._rows.cache_clear()
