"""The ``aibridge`` command: one Typer app, one sub-app per command group.

Errors funnel through :func:`run`: an :class:`~aibridge.errors.AibridgeError` prints one line
``Error: ...`` and exits 1; the traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from aibridge import __version__
from aibridge.errors import AibridgeError

app = typer.Typer(
    name="aibridge",
    help="Measure the AI divide between countries and organise the help to close it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

err_console = Console(stderr=True)
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aibridge {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """aibridge: indicator store, composite indices, AI Capacity Index, cooperation registry."""
    _state["debug"] = debug


def _register() -> None:
    """Attach every command group (each module owns its commands)."""
    from aibridge.cli import commands_data

    commands_data.register(app)
    __import__("aibridge.cli.commands_index", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_update", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_uncertainty", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_report", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_registry", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_serve", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_quickstart", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_aci", fromlist=["register"]).register(app)
    __import__("aibridge.cli.commands_divide", fromlist=["register"]).register(app)


_register()


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point with the error funnel."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, standalone_mode=False)
    except AibridgeError as exc:
        if debug:
            raise
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors (typer ships its own copy of click)
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            err_console.print(
                f"[bold red]Error:[/] {exc.format_message()}{hint}", highlight=False, soft_wrap=True
            )
        sys.exit(exc.exit_code)
    except Exception as exc:  # unexpected failures
        if debug:
            raise
        err_console.print(
            f"[bold red]Error:[/] unexpected {type(exc).__name__}: {exc} (rerun with --debug "
            "for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    run()
