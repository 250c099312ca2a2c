"""Runtime settings, read once from ``AIBRIDGE_*`` environment variables.

Every path has a working default, so nothing needs configuring to start: the indicator store
and the registry live under the user data directory, and the real open data are looked up
next to the repository (``../shared/data``).

Importing this module is cheap: the :class:`Settings` model (pydantic-settings, about 0.1-0.2 s
to import) is loaded on first use — ``get_settings()``, or ``from aibridge.settings import
Settings`` — so the CLI starts without it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge._settings import Settings

__all__ = ["Settings", "find_shared_data", "get_settings"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def __getattr__(name: str) -> Any:
    """``Settings`` (and the model's helpers), imported on first access (PEP 562)."""
    if name in ("Settings", "_default_data_dir"):
        from aibridge import _settings

        value = getattr(_settings, name)
        globals()[name] = value  # later lookups (and typing.get_type_hints) find it directly
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    from aibridge._settings import Settings

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
