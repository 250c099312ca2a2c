"""The :class:`Settings` model (pydantic-settings), imported on first use.

Kept apart from :mod:`aibridge.settings` because pydantic-settings takes about 0.1-0.2 s to
import: modules that only need :func:`~aibridge.settings.find_shared_data` or that call
:func:`~aibridge.settings.get_settings` in a function body (the CLI, the sources, the
registry) stay cheap to import. Import ``Settings`` from :mod:`aibridge.settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


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
