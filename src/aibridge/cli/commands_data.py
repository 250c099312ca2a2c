"""Placeholder: the store/data command group (owned by the foundation work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the root app."""
    return None
