"""``aibridge index uncertainty``: Monte Carlo uncertainty and Sobol' sensitivity of an index.

Adds one command to the ``index`` group (``aibridge.cli.commands_index.index_app``). Errors are
:class:`~aibridge.errors.AibridgeError` subclasses, which the funnel in ``cli/main.py`` prints as
one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from aibridge.errors import SpecError

console = Console()

#: Used when no --spec is given: COINr's sensitivity vignette (R/sensitivity.R,
#: vignettes/sensitivity.Rmd), with the weights noise of the issue (±25 % on the aggregate
#: levels below the root).
VIGNETTE_SPEC: dict[str, Any] = {
    "weights": {"distribution": "uniform", "noise": 0.25},
    "normalisation": [
        {"method": "minmax", "params": {"low": 1, "high": 100}},
        {"method": "zscore", "params": {"mean": 10, "sd": 2}},
    ],
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
    "treatment": {"winmax": [1, 5]},
}


def default_spec(max_level: int, has_treat: bool) -> dict[str, Any]:
    """The vignette spec fitted to a tree: weights of levels 2..max-1 (or 1 for a flat tree)."""
    spec = {k: v for k, v in VIGNETTE_SPEC.items() if has_treat or k != "treatment"}
    levels = list(range(2, max_level)) or [1]
    spec["weights"] = {**VIGNETTE_SPEC["weights"], "levels": levels}
    return spec


def uncertainty(
    framework: str = typer.Argument(
        ..., help="Framework YAML file (or a built-in name such as 'hdi')."
    ),
    n: int = typer.Option(
        1000,
        "--n",
        help="Replications (Monte Carlo), or base points with --sobol (runs = n × (inputs + 2); "
        "use a power of two).",
    ),
    spec_file: Path | None = typer.Option(
        None,
        "--spec",
        help="Uncertainty spec YAML (see docs/uncertainty.md). Default: COINr's sensitivity "
        "vignette (weights ±25 %, min-max or z-score, arithmetic or geometric mean, "
        "winsorisation limit 1-5).",
    ),
    sobol: bool = typer.Option(
        False, "--sobol", help="Saltelli design and Sobol' first-order/total indices."
    ),
    backend: str = typer.Option("numpy", "--backend", help="numpy (in-process) or dask."),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="dask scheduler address (tcp://host:8786); default: a local cluster.",
    ),
    workers: int = typer.Option(2, "--workers", help="Workers of the local dask cluster."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives identical results."),
    year: int | None = typer.Option(None, "--year", help="Year to analyse (default: latest)."),
    store: str | None = typer.Option(None, "--store", help="Store file for store-backed data."),
    chunk_size: int | None = typer.Option(
        None, "--chunk-size", help="Replications per chunk (default: what fits 64 MiB)."
    ),
    n_boot: int = typer.Option(100, "--n-boot", help="Bootstrap resamples for Sobol' CIs."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the per-economy summary (.csv or .parquet) and the input effects to "
        "<stem>_inputs.csv; with --sobol the indices go to <stem>_sobol.csv and their "
        "convergence to <stem>_convergence.csv.",
    ),
    replications: Path | None = typer.Option(
        None,
        "--replications",
        help="Also write every replication's score and rank (long format, .csv or .parquet).",
    ),
    save: bool = typer.Option(
        False,
        "--save",
        help="Store the rank statistics (UA.<framework>.<node>.<statistic>) in the indicator "
        "store (--store, or the default store), with the analysis' provenance.",
    ),
    plots: Path | None = typer.Option(
        None,
        "--plots",
        help="Folder for rank_uncertainty.svg/.png (and sobol.svg/.png with --sobol).",
    ),
) -> None:
    """Uncertainty (and sensitivity) analysis of an index: how robust is each rank?"""
    import pandas as pd

    from aibridge.analysis import plots as plotting
    from aibridge.analysis.backends import BACKENDS
    from aibridge.analysis.uncertainty import (
        IndexPlan,
        UncertaintySpec,
        bind,
        load_spec,
        run_uncertainty,
    )
    from aibridge.frameworks import load_framework, load_panel

    # Validate everything cheap before loading data or running anything.
    if backend not in BACKENDS:
        raise SpecError(f"--backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if n < 2:
        raise SpecError(f"--n must be an integer >= 2; got {n}")
    for opt, path in (("--out", out), ("--replications", replications)):
        if path is not None and path.suffix.lower() not in (".csv", ".parquet"):
            raise SpecError(f"{opt} must end in .csv or .parquet; got {path.name!r}")
    uspec_from_file = load_spec(spec_file) if spec_file is not None else None
    fw = load_framework(framework)
    index_spec = fw.to_spec()
    panel = load_panel(fw, store_path=store)
    plan = IndexPlan(index_spec, panel, year=year)
    if uspec_from_file is None:
        has_treat = "treat" in index_spec.stages and index_spec.treat.method != "none"
        uspec = UncertaintySpec.parse(default_spec(plan.tree.max_level, has_treat))
    else:
        uspec = uspec_from_file
    problem = bind(uspec, plan)  # raises SpecError before any replication
    method = "saltelli" if sobol else "montecarlo"
    runs = n * (len(problem.factors) + 2) if sobol else n
    console.print(
        f"[bold]{fw.name}[/] {plan.year}: {len(plan.economies)} economies × "
        f"{len(plan.indicators)} indicators; inputs: {', '.join(problem.factor_names)}; "
        f"{runs:,} replications on {backend}"
    )
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("replications", total=runs)
        result = run_uncertainty(
            plan,
            uspec,
            n,
            seed=seed,
            method=method,  # type: ignore[arg-type]
            backend=backend,
            chunk_size=chunk_size,
            scheduler=scheduler,
            n_workers=workers,
            n_boot=n_boot,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    console.print(
        f"{result.n_runs:,} replications in {result.seconds:.2f} s "
        f"({result.seconds / result.n_runs * 1e3:.3f} ms each)"
        + (f"; {result.failed} failed (NaN)" if result.failed else "")
    )
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {note}")
    summary = result.summary()
    _print_summary(summary, result.targets[0])
    effects = result.input_effects()
    _print_effects(effects)
    if result.sobol is not None:
        _print_sobol(result)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        result.write(out)
        inputs = out.with_name(f"{out.stem}_inputs.csv")
        effects.to_csv(inputs, index=False)
        console.print(f"Wrote {out} and {inputs}")
        if result.sobol is not None:
            sob = out.with_name(f"{out.stem}_sobol.csv")
            result.sobol_frame().to_csv(sob, index=False)
            conv = out.with_name(f"{out.stem}_convergence.csv")
            result.convergence(n_boot=min(n_boot, 100), rng=seed).to_csv(conv, index=False)
            console.print(f"Wrote {sob} and {conv}")
    if replications is not None:
        replications.parent.mkdir(parents=True, exist_ok=True)
        frames = [result.replications_frame(t) for t in result.targets]
        long = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if replications.suffix.lower() == ".parquet":
            long.to_parquet(replications, index=False)
        else:
            long.to_csv(replications, index=False)
        console.print(f"Wrote {replications} ({len(long):,} rows)")
    if save:
        from aibridge.store import Store

        report = Store.open(store).ingest(result.to_batch())
        console.print(
            f"Stored {report.rows:,} rank statistics in the indicator store "
            f"({report.inserted:,} new, {report.revised:,} revised, "
            f"{report.unchanged:,} unchanged)"
        )
    if plots is not None:
        written = []
        for suffix in (".svg", ".png"):
            written.append(plotting.rank_whiskers(result, plots / f"rank_uncertainty{suffix}"))
            if result.sobol is not None:
                written.append(plotting.sobol_bars(result.sobol, plots / f"sobol{suffix}"))
        console.print("Wrote " + ", ".join(str(p) for p in written))


def _print_summary(summary: Any, node: str, limit: int = 15) -> None:
    sub = summary[summary["node"] == node]
    table = Table(title=f"Rank uncertainty of {node} (most volatile first)", show_lines=False)
    for col in ("economy", "nominal", "median", "5-95 %", "volatility"):
        table.add_column(col, justify="left" if col == "economy" else "right")
    top = sub.sort_values("rank_volatility", ascending=False, kind="stable").head(limit)
    for row in top.itertuples():
        table.add_row(
            str(row.economy),
            _fmt(row.nominal_rank),
            _fmt(row.median_rank),
            f"{_fmt(row.p05_rank)}-{_fmt(row.p95_rank)}",
            f"{row.rank_volatility:.2f}",
        )
    console.print(table)


def _print_effects(effects: Any) -> None:
    table = Table(title="How much each input moves ranks (mean |rank shift| by value)")
    for col in ("input", "value", "replications", "mean |shift|"):
        table.add_column(col, justify="left" if col in ("input", "value") else "right")
    for row in effects.itertuples():
        table.add_row(
            str(row.factor),
            str(row.value),
            f"{row.n_replications:,}",
            f"{row.mean_abs_rank_shift:.2f}",
        )
    console.print(table)


def _print_sobol(result: Any) -> None:
    frame = result.sobol.for_output("mean_abs_rank_shift")
    table = Table(title="Sobol' indices of the mean absolute rank shift")
    for col in ("input", "S1", "±", "ST", "±"):
        table.add_column(col, justify="left" if col == "input" else "right")
    for row in frame.itertuples():
        table.add_row(
            str(row.factor),
            f"{row.S1:.3f}",
            f"{row.S1_conf:.3f}",
            f"{row.ST:.3f}",
            f"{row.ST_conf:.3f}",
        )
    console.print(table)


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "-"
    return f"{x:.1f}".removesuffix(".0")


def register(app: typer.Typer) -> None:
    """Attach ``uncertainty`` to the ``index`` command group."""
    from aibridge.cli.commands_index import index_app

    index_app.command("uncertainty")(uncertainty)
