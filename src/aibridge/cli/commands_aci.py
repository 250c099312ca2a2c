"""``aibridge aci``: the AI Capacity Index (five Action Plan pillars + gender & inclusion lens).

``aci_app`` is importable at module level so other modules can attach their commands to it
(``aci profile``, ``aci divide``, ``aci scenario``, ``aci path`` live beside ``aci build``).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

aci_app = typer.Typer(
    name="aci",
    help="AI Capacity Index: build, profiles, divide analytics, scenarios and minimal paths.",
    no_args_is_help=True,
)

console = Console()


@aci_app.command("build")
def build(
    year: int | None = typer.Option(
        None, "--year", help="Build one year only (default: every year since 2015)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write tidy results (same columns as `index build`, plus coverage, status, "
        "reason and band) to FILE.csv or FILE.parquet.",
    ),
    store: str | None = typer.Option(None, "--store", help="Store file (default: AIBRIDGE_HOME)."),
    uncertainty_n: int = typer.Option(
        200, "--n", help="Monte Carlo replications for the uncertainty bands (0: no bands)."
    ),
    save: bool = typer.Option(
        True, "--save/--no-save", help="Store the scores as the derived dataset 'aci'."
    ),
    top: int = typer.Option(10, "--top", help="Rows of the top/bottom tables to print."),
    framework: str = typer.Option(
        "aci",
        "--framework",
        help="'aci' (default), 'aci_gender' (the gender & inclusion lens) or a framework YAML "
        "file built with the same coverage rule.",
    ),
) -> None:
    """Build the ACI with coverage shares, insufficient-data reasons and uncertainty bands."""
    from aibridge.analysis.aci import build_aci, build_aci_gender

    if framework == "aci_gender":
        res = build_aci_gender(year=year, store_path=store, n_uncertainty=uncertainty_n, save=save)
    else:
        res = build_aci(
            year=year,
            store_path=store,
            n_uncertainty=uncertainty_n,
            save=save,
            framework=framework,
        )
    if out is not None:
        res.write(out)
    last = res.latest_year
    table = res.scores_frame(year=last)
    scored = table[table["status"] == "scored"].sort_values("rank")
    insufficient = table[table["status"] != "scored"]
    console.print(
        f"{res.framework} {last}: {len(scored)} economies scored, "
        f"{len(insufficient)} with insufficient data."
    )
    for title, rows in (
        (f"{res.framework} {last} — top {top}", scored.head(top)),
        (f"{res.framework} {last} — bottom {top}", scored.tail(top)),
    ):
        t = Table(title=title)
        for col in ("rank", "economy", "score", "band (p05-p95 rank)", "coverage"):
            t.add_column(col, justify="left" if col == "economy" else "right")
        for r in rows.to_dict("records"):
            lo, hi = float(r["rank_p05"]), float(r["rank_p95"])
            band = f"{lo:.0f}-{hi:.0f}" if lo == lo and hi == hi else "-"
            t.add_row(
                f"{float(r['rank']):.0f}",
                f"{r['economy']} {r['name']}",
                f"{float(r['score']):.1f}",
                band,
                f"{float(r['coverage']):.0%}",
            )
        console.print(t)
    movers = res.movers(top=5)
    if len(movers):
        t = Table(title=f"Biggest rank movers {movers.attrs.get('from_year')}→{last}")
        for col in ("economy", "rank then", "rank now", "change"):
            t.add_column(col)
        for m in movers.to_dict("records"):
            t.add_row(
                f"{m['economy']} {m['name']}",
                str(m["rank_from"]),
                str(m["rank_to"]),
                f"{int(m['change']):+d}",
            )
        console.print(t)
    if len(insufficient):
        console.print(
            "Insufficient data: "
            + "; ".join(
                f"{e} ({why})"
                for e, why in zip(
                    insufficient["economy"][:5], insufficient["reason"][:5], strict=True
                )
            )
            + (" …" if len(insufficient) > 5 else "")
        )
    if out is not None:
        console.print(f"Wrote {len(res.frame)} rows to {out}")


def register(app: typer.Typer) -> None:
    """Attach ``aibridge aci`` to the root app."""
    app.add_typer(aci_app, name="aci")
