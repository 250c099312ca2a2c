"""``aibridge report``: a country report (AI Capacity Index analytics, key indicators, charts,
sources) as PDF or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from aibridge.errors import ConfigError


def report(
    economy: str = typer.Argument(..., help="Economy: ISO3 code (KEN), ISO2, M49 or English name."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf or html."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output file (default: <ISO3>-report.<format>)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language: ar, zh, en, fr, ru or es."),
    store: Path | None = typer.Option(
        None, "--store", help="Store file (default: the configured store)."
    ),
) -> None:
    """Write a country report: the AI Capacity Index and its gender lens (score, rank band,
    pillars vs peers, bottleneck, gaps with Action Plan actions and SDG targets, 2030
    projection, data table), key indicators with peer medians, charts and every source."""
    from aibridge.store import Store
    from aibridge.web.i18n import LANGUAGES
    from aibridge.web.report import render_report

    if fmt not in ("pdf", "html"):
        raise ConfigError(f"--format must be pdf or html; got {fmt!r}")
    if lang not in LANGUAGES:
        raise ConfigError(f"--lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    iso3 = economy.strip().upper()
    try:
        from aibridge.reference.economies import resolve_economy

        iso3 = resolve_economy(economy) or iso3
    except ImportError:  # pragma: no cover - the reference module ships with aibridge
        pass
    kind: Literal["pdf", "html"] = "pdf" if fmt == "pdf" else "html"
    with Store.open(store, read_only=True) as s:
        body = render_report(s, iso3, fmt=kind, lang=lang)
    target = out or Path(f"{iso3}-report.{fmt}")
    target.write_bytes(body)
    typer.echo(f"Wrote {target} ({len(body):,} bytes)")


def register(app: typer.Typer) -> None:
    """Attach ``aibridge report`` to the root app."""
    app.command("report")(report)
