"""The CLI starts without the heavy libraries: they are imported by the commands that use them.

Importing ``aibridge.cli.main`` and printing any command's ``--help`` must not import the data
stack (duckdb, pyarrow, pandas, numpy), the registry (SQLAlchemy), the web stack (FastAPI,
uvicorn, Jinja2), the report renderers (WeasyPrint, Matplotlib) or pydantic-settings. Each
check runs in a fresh interpreter, because this test process has imported them already.
Timings are in docs/benchmarks.md ("CLI start-up"), never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = (
    "duckdb",
    "pyarrow",
    "pandas",
    "numpy",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "jinja2",
    "weasyprint",
    "matplotlib",
    "pydantic_settings",
)


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _heavy_after(imports: str) -> list[str]:
    """The heavy modules loaded in a fresh interpreter after ``imports``."""
    out = _python(
        f"""
        {imports}
        import json, sys
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
        """
    )
    return list(json.loads(out.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    heavy = _heavy_after("import aibridge.cli.main")
    assert heavy == [], f"`import aibridge.cli.main` imported {heavy}"


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe can fail: it reports a heavy module that was imported."""
    assert _heavy_after("import aibridge.cli.main, numpy") == ["numpy"]


def test_every_help_imports_no_heavy_library() -> None:
    """``aibridge --help``, each group's and each command's ``--help``, in one fresh process."""
    out = _python(
        f"""
        import contextlib, io, json, sys

        from aibridge.cli.docs import iter_commands
        from aibridge.cli.main import run

        paths = [p.split()[1:] for p, _ in iter_commands()]
        groups = {{tuple(p[:k]) for p in paths for k in range(1, len(p))}}
        shown = []
        for args in [[], *map(list, sorted(groups)), *paths]:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                try:
                    run([*args, "--help"])
                except SystemExit as exc:
                    assert exc.code in (0, None), (args, exc.code)
            assert "Usage" in buf.getvalue(), (args, buf.getvalue())
            shown.append(" ".join(args))
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print(json.dumps({{"shown": shown, "heavy": heavy}}))
        """
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert len(result["shown"]) > 30  # every command and group was asked for its help
    assert {"", "aci", "data get", "registry user add", "serve", "report"} <= set(result["shown"])
    assert result["heavy"] == [], f"--help imported {result['heavy']}"


@pytest.mark.parametrize("module", ["aibridge", "aibridge.errors", "aibridge.settings"])
def test_light_modules_stay_light(module: str) -> None:
    heavy = _heavy_after(f"import {module}")
    assert heavy == [], f"`import {module}` imported {heavy}"


# -- usage errors: the funnel in cli/main.py (typer ships its own copy of click, so its usage
# errors are typer.TyperException, not click.ClickException) ------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        (["status", "--bogus"], "No such option: --bogus"),
        (["aci", "path"], "Missing argument 'economy'"),
        (["index", "build", "hdi", "--year", "abc"], "Invalid value for '--year'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from aibridge.cli.main import run

    with pytest.raises(SystemExit) as info:
        run(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error:") and message in err, err
    assert "unexpected" not in err and "Traceback" not in err and "\n" not in err


def test_no_arguments_print_the_help_and_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    from aibridge.cli.main import run

    with pytest.raises(SystemExit) as info:
        run([])
    assert info.value.code == 2  # click's convention for "no command given"
    out = capsys.readouterr()
    assert "Usage" in out.out and "aci" in out.out
    assert out.err == ""
