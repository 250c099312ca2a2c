"""Runtime settings, read once from ``AIBRIDGE_*`` environment variables.

Every path has a working default, so nothing needs configuring to start: the indicator store
and the registry live under the user data directory, and the real open data are looked up
next to the repository (``../shared/data``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "find_shared_data", "get_settings"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("aibridge", appauthor=False))


class Settings(BaseSettings):
    """aibridge settings; each field is read from ``AIBRIDGE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="AIBRIDGE_", extra="ignore")

    env: Literal["dev", "prod", "test"] = "dev"
    home: Path = Field(
        default_factory=_default_data_dir, description="Where aibridge keeps its files."
    )
    store: str | None = Field(
        default=None, description="DuckDB file of the indicator store, or ':memory:'."
    )
    shared_data: Path | None = Field(
        default=None, description="Folder of the real open data (default ../shared/data)."
    )
    registry_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the cooperation registry (default SQLite)."
    )
    secret_key: str | None = Field(default=None, description="Signs web sessions (set in prod).")
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = 600
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def store_path(self) -> str:
        """The DuckDB database to open (a file path or ``:memory:``)."""
        if self.store:
            return self.store
        return str(self.home / "aibridge.duckdb")

    @property
    def registry_database_url(self) -> str:
        if self.registry_url:
            return self.registry_url
        return f"sqlite:///{self.home / 'registry.sqlite'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()


def find_shared_data(settings: Settings | None = None) -> Path | None:
    """Locate the shared open-data folder, or ``None`` where there is none.

    Order: ``AIBRIDGE_SHARED_DATA``; ``../shared/data`` from the working directory; the same
    next to this checkout.
    """
    settings = settings or get_settings()
    if settings.shared_data is not None:
        path = settings.shared_data.expanduser()
        return path if path.is_dir() else None
    for candidate in (Path.cwd() / ".." / "shared" / "data", _REPO_ROOT / ".." / "shared" / "data"):
        if candidate.is_dir():
            return candidate.resolve()
    return None
