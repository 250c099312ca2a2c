"""``aibridge quickstart``: the main job on the embedded default store, in one command.

1. create the store (DuckDB under the user data directory, or ``AIBRIDGE_STORE``);
2. load the real open data found in ``../shared/data`` (``AIBRIDGE_SHARED_DATA``) — every
   dataset folder, one transaction each, idempotent (a second run changes nothing);
3. print what the store holds (``aibridge status``);
4. build the AI Capacity Index (coverage rule, uncertainty bands, stored as a derived
   dataset) and print the top, the bottom, the biggest movers and the economies with
   insufficient data; then the same summary for the UNDP HDI as a reference;
5. with ``--serve``, serve the API and web app on it.

Where there is no data folder it says so and how to load data online instead.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()

#: Reference indices summarised after the ACI (those not shipped are skipped).
FRAMEWORKS: tuple[str, ...] = ("hdi",)


def quickstart(
    data: Path | None = typer.Option(
        None,
        "--data",
        help="Folder of the open data (default: AIBRIDGE_SHARED_DATA or ../shared/data).",
    ),
    store: Path | None = typer.Option(None, "--store", help="Store file (default: user data dir)."),
    top: int = typer.Option(5, "--top", help="Economies to show at the top and bottom."),
    skip_import: bool = typer.Option(
        False, "--skip-import", help="Use what the store holds; import nothing."
    ),
    serve: bool = typer.Option(False, "--serve", help="Then serve the API and web app."),
) -> None:
    """Create the store, load the open data, build the indices and print a summary."""
    from aibridge.cli import commands_data
    from aibridge.settings import find_shared_data, get_settings

    settings = get_settings()
    store_path = store or Path(settings.store_path)
    console.print(f"[bold]aibridge quickstart[/] — store: {store_path}", highlight=False)
    commands_data.init(store=store_path)

    if not skip_import:
        root = data if data is not None else find_shared_data(settings)
        if root is None or not Path(root).is_dir():
            console.print(
                "No open-data folder found (looked for AIBRIDGE_SHARED_DATA and ../shared/data).\n"
                "Load data online instead, for example:\n"
                "  aibridge update worldbank --indicator IT.NET.USER.ZS --indicator "
                "NY.GDP.PCAP.PP.KD\n"
                "or point AIBRIDGE_SHARED_DATA at a folder of the open datasets, then run "
                "`aibridge quickstart` again.",
                highlight=False,
            )
            raise typer.Exit(0)
        console.print(f"Loading the open data in {root} (every folder, one transaction each)")
        commands_data._import_shared(Path(root), store_path, as_json=False)

    commands_data.status(store=store_path, as_json=False)

    from aibridge.cli import commands_aci
    from aibridge.errors import AibridgeError

    console.rule("AI Capacity Index")
    try:
        commands_aci.build(
            year=None,
            out=None,
            store=str(store_path),
            uncertainty_n=200,
            save=True,
            top=top,
            framework="aci",
        )
    except AibridgeError as exc:  # a partial store: say what is missing, go on
        console.print(f"AI Capacity Index not built: {exc}", highlight=False)
    for name in FRAMEWORKS:
        _summarise(name, str(store_path), top)

    if serve:
        import os

        from aibridge.cli import commands_serve

        os.environ["AIBRIDGE_STORE"] = str(store_path)  # serve reads the store from settings
        get_settings.cache_clear()
        commands_serve.serve(host=None, port=None, reload=False, log_level="info", access_log=True)  # type: ignore[arg-type]


def _summarise(name: str, store_path: str, top: int) -> None:
    """Build a built-in framework on the store and print top, bottom and biggest movers."""
    import numpy as np

    from aibridge.engine.build import build_index
    from aibridge.errors import AibridgeError
    from aibridge.frameworks import load_framework, load_panel

    try:
        fw = load_framework(name)
    except AibridgeError:
        return  # this framework is not shipped
    try:
        panel = load_panel(fw, store_path=store_path)
        result = build_index(fw.to_spec(), panel)
    except AibridgeError as exc:
        console.print(f"{fw.name}: not built — {exc}", highlight=False)
        return
    root = result.tree.codes[result.tree.root]
    years = list(result.years)
    # The latest year with a score for at least half of the economies scored in any year.
    counts = [int(np.isfinite(result.score(root, y)).sum()) for y in years]
    best = max(counts) if counts else 0
    scored = [y for y, c in zip(years, counts, strict=True) if best and c >= best / 2]
    if not scored:
        console.print(f"{fw.name}: no economy has enough data for a score.")
        return
    last = scored[-1]
    scores, ranks = result.score(root, last), result.rank(root, last)
    ok = np.flatnonzero(np.isfinite(ranks))
    order = ok[np.argsort(ranks[ok], kind="stable")]
    names = result.economy_names

    table = Table(
        title=f"{fw.name}, {last}: top and bottom {top} of {len(ok)} economies",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    table.add_column("economy")
    table.add_column("score", justify="right")
    shown = [*order[:top], *order[-top:]] if len(order) > 2 * top else list(order)
    for k, i in enumerate(shown):
        if k == top and len(order) > 2 * top:
            table.add_row("…", "", "")
        e = result.economies[i]
        table.add_row(f"{int(ranks[i])}", f"{e} {names.get(e, '')}", f"{scores[i]:.3f}")
    console.print(table)

    base_year = next((y for y in scored if y >= last - 5), None)
    if base_year is None or base_year == last:
        return
    before = result.rank(root, base_year)
    moved = np.isfinite(before) & np.isfinite(ranks)
    delta = np.where(moved, before - ranks, 0.0)
    movers = np.argsort(-np.abs(delta), kind="stable")[:top]
    mt = Table(title=f"Biggest movers in rank, {base_year} → {last}", title_justify="left")
    mt.add_column("economy")
    mt.add_column(f"rank {base_year}", justify="right")
    mt.add_column(f"rank {last}", justify="right")
    mt.add_column("change", justify="right")
    for i in movers:
        if delta[i] == 0:
            continue
        e = result.economies[i]
        mt.add_row(
            f"{e} {names.get(e, '')}", f"{int(before[i])}", f"{int(ranks[i])}", f"{delta[i]:+.0f}"
        )
    console.print(mt)


def register(app: typer.Typer) -> None:
    """Attach ``quickstart`` to the root app."""
    app.command("quickstart")(quickstart)
