"""``aibridge index``: build and audit composite indices from framework YAML files.

``index_app`` is importable at module level so other groups (``index uncertainty``) can
attach their commands to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

index_app = typer.Typer(
    name="index",
    help="Build, audit and analyse composite indices defined by framework YAML files.",
    no_args_is_help=True,
)

console = Console()


def _build(framework: str, year: int | None, store: str | None):  # type: ignore[no-untyped-def]
    from aibridge.engine.build import build_index
    from aibridge.frameworks import load_framework, load_panel

    fw = load_framework(framework)
    panel = load_panel(fw, store_path=store)
    return fw, build_index(fw.to_spec(), panel, years=None if year is None else [year])


@index_app.command("build")
def build(
    framework: str = typer.Argument(..., help="Framework YAML file (or a built-in name: hdi)."),
    year: int | None = typer.Option(None, "--year", help="Build one year only (default: all)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write tidy results to FILE.csv or FILE.parquet."
    ),
    store: str | None = typer.Option(None, "--store", help="Store file for store-backed data."),
    top: int = typer.Option(10, "--top", help="Rows of the summary table to print."),
    stages: Path | None = typer.Option(
        None,
        "--stages",
        help="Also write every intermediate table (raw, denominated, imputed, screened, "
        "treated, normalised) and the screening/treatment reports as CSV into this folder.",
    ),
) -> None:
    """Build the index: every stage, scores and ranks for every node, economy and year."""
    fw, result = _build(framework, year, store)
    if out is not None:
        result.write(out)
    if stages is not None:
        stages.mkdir(parents=True, exist_ok=True)
        for name in result.stages:
            result.stage_frame(name).to_csv(stages / f"{name}.csv", float_format="%.17g")
        result.screening_frame().to_csv(stages / "screening.csv", index=False)
        result.treatment_frame().to_csv(stages / "treatment.csv", index=False)
        console.print(f"Wrote {len(result.stages) + 2} stage tables to {stages}/")
    excluded = result.screening_frame()
    excluded = excluded[~excluded["included"]]
    if len(excluded):
        console.print(
            f"Screened out {len(excluded)} economy-years: "
            + ", ".join(
                f"{r.economy} {r.year} ({r.reason})" for r in excluded.head(10).itertuples()
            )
            + (" …" if len(excluded) > 10 else "")
        )
    root = result.tree.codes[result.tree.root]
    last = result.years[-1]
    t = Table(title=f"{fw.name} — {root}, {last} (top {top})")
    t.add_column("rank", justify="right")
    t.add_column("economy")
    t.add_column("score", justify="right")
    scores = result.score(root, last)
    ranks = result.rank(root, last)
    order = sorted(
        (i for i in range(len(result.economies)) if ranks[i] == ranks[i]), key=lambda i: ranks[i]
    )
    for i in order[:top]:
        e = result.economies[i]
        t.add_row(f"{int(ranks[i])}", f"{e} {result.economy_names.get(e, '')}", f"{scores[i]:.2f}")
    console.print(t)
    if out is not None:
        console.print(f"Wrote {len(result.to_frame())} rows to {out}")


@index_app.command("audit")
def audit(
    framework: str = typer.Argument(..., help="Framework YAML file (or a built-in name: hdi)."),
    year: int | None = typer.Option(None, "--year", help="Year to audit (default: latest)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the audit as JSON."),
    store: str | None = typer.Option(None, "--store", help="Store file for store-backed data."),
) -> None:
    """Statistical audit (JRC practice): correlations, Cronbach's alpha, PCA, weights, coverage."""
    from aibridge.engine.audit import audit_index

    _fw, result = _build(framework, year, store)
    report = audit_index(result, year=year)
    report.print(console)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_dict(), indent=2, allow_nan=False))
        console.print(f"Wrote audit JSON to {json_out}")


def register(app: typer.Typer) -> None:
    """Attach ``aibridge index`` to the root app."""
    app.add_typer(index_app, name="index")
