"""aibridge: measure the AI divide between countries and organise the help to close it."""

from __future__ import annotations

from aibridge.errors import AibridgeError

__version__ = "0.1.0"

__all__ = ["AibridgeError", "__version__"]
