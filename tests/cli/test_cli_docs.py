"""Every CLI command is documented, has help text, and docs/cli.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from aibridge.cli.docs import iter_commands, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.mark.parametrize("path,cmd", list(iter_commands()), ids=lambda v: str(v))
def test_every_command_has_help(path: str, cmd: object) -> None:
    assert (getattr(cmd, "help", None) or "").strip(), f"{path} has no help text"


def test_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run scripts/gen-cli-docs"


def test_core_commands_exist() -> None:
    paths = {p for p, _ in iter_commands()}
    for expected in (
        "aibridge quickstart",
        "aibridge init",
        "aibridge import",
        "aibridge status",
        "aibridge data get",
        "aibridge indicators search",
        "aibridge export datapackage",
        "aibridge update worldbank",
        "aibridge index build",
        "aibridge index audit",
        "aibridge index uncertainty",
        "aibridge aci build",
        "aibridge registry match",
        "aibridge serve",
        "aibridge report",
    ):
        assert expected in paths
