"""aibridge.api — the versioned REST API (FastAPI): ``create_app()``."""

from aibridge.api.app import create_app

__all__ = ["create_app"]
