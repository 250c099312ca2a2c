"""CLI start-up: CPU and wall time of ``import aibridge.cli.main`` and ``aibridge --help``.

Each measurement is a fresh subprocess, repeated ``--runs`` times (default 7); the table shows
the minimum and the median. CPU = user + system time of the child (``resource.RUSAGE_CHILDREN``),
which a busy machine inflates far less than the wall time. The heavy modules that the process
ended up importing are listed too (they must be none for the CLI's start-up).

Bytecode is cached as an installed package has it: the runs use a private
``PYTHONPYCACHEPREFIX`` (filled by one warm-up run) even where ``PYTHONDONTWRITEBYTECODE`` is
set. ``--src DIR`` measures another source tree instead of the installed one, e.g. an older
commit: ``git archive COMMIT src | tar -x -C /tmp/old`` then ``--src /tmp/old/src``.

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs 7] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = str(Path(PY).parent / "aibridge")  # the console script, as users run it
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

CASES: dict[str, list[str]] = {
    "python -c pass (interpreter floor)": [PY, "-c", "pass"],
    "import aibridge.cli.main": [PY, "-c", "import aibridge.cli.main"],
    "aibridge --help": [CLI, "--help"],
    "aibridge aci --help": [CLI, "aci", "--help"],
    "aibridge data get --help": [CLI, "data", "get", "--help"],
}


ENV = dict(os.environ)


def _once(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def heavy_modules() -> list[str]:
    code = (
        "import sys, aibridge.cli.main\n"
        "from aibridge.cli.main import app\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True, env=ENV)
    return [m for m in out.stdout.strip().split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--src", type=Path, help="Source tree to measure (default: installed).")
    args = parser.parse_args()
    os.chdir(ROOT)
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="aibridge-pycache-")
    if args.src is not None:
        ENV["PYTHONPATH"] = str(args.src.resolve())
    where = subprocess.run(
        [PY, "-c", "import aibridge; print(aibridge.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    ).stdout.strip()
    for cmd in CASES.values():  # warm-up: fills the bytecode cache
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    print(f"aibridge from {where}")
    print(f"heavy modules after `import aibridge.cli.main`: {heavy_modules() or 'none'}")
    print("| command | CPU min | CPU median | wall min | wall median |")
    print("|---|---:|---:|---:|---:|")
    for name, cmd in CASES.items():
        runs = [_once(cmd) for _ in range(args.runs)]
        cpu = [c for c, _ in runs]
        wall = [w for _, w in runs]
        print(
            f"| `{name}` | {min(cpu):.3f} s | {statistics.median(cpu):.3f} s | "
            f"{min(wall):.3f} s | {statistics.median(wall):.3f} s |"
        )
    shutil.rmtree(ENV["PYTHONPYCACHEPREFIX"], ignore_errors=True)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
