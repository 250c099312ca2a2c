"""Generate the CLI reference (``docs/cli.md``) from the Typer app itself.

``python -m aibridge.cli.docs > docs/cli.md``; a test checks the file is current, so the
reference cannot drift from the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from aibridge.cli.main import app

__all__ = ["iter_commands", "render"]


def iter_commands() -> Iterator[tuple[str, Any]]:
    """Every leaf command as ``("aibridge group cmd", command)``, in a stable order."""
    root = typer.main.get_command(app)

    # Typer ships its own copy of click, so groups are recognised by their ``commands``.
    def walk(prefix: str, cmd: Any) -> Iterator[tuple[str, Any]]:
        if hasattr(cmd, "commands"):
            for name in sorted(cmd.commands):
                yield from walk(f"{prefix} {name}", cmd.commands[name])
        else:
            yield prefix, cmd

    yield from walk("aibridge", root)


def _first_paragraph(text: str | None) -> str:
    return (text or "").strip().split("\n\n")[0].replace("\n", " ")


def render() -> str:
    """The Markdown reference."""
    lines = [
        "# Command line reference",
        "",
        "Generated from the commands by `scripts/gen-cli-docs` (`python -m aibridge.cli.docs`);",
        "do not edit by hand. Every command also answers `--help`. Errors print one line",
        "`Error: ...` and exit 1 (2 for a usage error such as an unknown option); add",
        "`--debug` (before the command) for the traceback.",
        "",
    ]
    for path, cmd in iter_commands():
        lines += [f"## `{path}`", "", _first_paragraph(cmd.help), ""]
        params = [p for p in cmd.params if p.name != "help"]
        if params:
            lines += ["| argument / option | meaning |", "|---|---|"]
            for p in params:
                if getattr(p, "param_type_name", "") == "option":
                    flag = ", ".join(f"`{o}`" for o in (*p.opts, *p.secondary_opts))
                    helptext = (p.help or "").replace("|", "\\|").replace("\n", " ")
                else:
                    flag = f"`{(p.name or '').upper()}`"
                    helptext = (getattr(p, "help", None) or "").replace("|", "\\|")
                lines.append(f"| {flag} | {helptext} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
