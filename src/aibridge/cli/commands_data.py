"""Store and data commands: init, import, indicators search, data get, export, status.

Every command opens the store at ``--store`` or ``AIBRIDGE_STORE`` (default: the user data
directory). Queries open it read-only, so they work next to other readers; DuckDB allows one
writing process at a time (an import waits for nothing: it fails with a clear message).
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from aibridge.errors import ConfigError

if TYPE_CHECKING:  # the store and sources pull in duckdb and pyarrow: import them on use
    from aibridge.sources._base import Batch, Source
    from aibridge.store import ImportReport, Store

__all__ = ["parse_years", "register"]

console = Console()
err = Console(stderr=True)

indicators_app = typer.Typer(help="Find indicators in the store.", no_args_is_help=True)
data_app = typer.Typer(help="Read values from the store.", no_args_is_help=True)
export_app = typer.Typer(help="Export the store.", no_args_is_help=True)

StoreOption = typer.Option(
    None, "--store", help="DuckDB store file (default: AIBRIDGE_STORE or the user data dir)."
)


class RowsPerSecond(ProgressColumn):
    """``1,234,567 rows · 250,000 rows/s``."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = task.completed / elapsed if elapsed else 0.0
        return Text(f"{task.completed:,.0f} rows · {rate:,.0f} rows/s", style="progress.data.speed")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        RowsPerSecond(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def _open(path: Path | None, *, read_only: bool) -> Store:
    from aibridge.store import Store

    return Store.open(path, read_only=read_only)


def parse_years(text: str | None) -> int | tuple[int, int] | list[int] | None:
    """``2015:2023`` → (2015, 2023); ``2015:`` / ``:2023`` open ranges; ``2015,2018``; ``2020``."""
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    try:
        if ":" in text:
            lo, _, hi = text.partition(":")
            return (int(lo) if lo else -32768, int(hi) if hi else 32767)
        if "," in text:
            return [int(y) for y in text.split(",") if y.strip()]
        return int(text)
    except ValueError:
        raise ConfigError(
            f"--years must look like 2015:2023, 2015:, :2023, 2015,2018 or 2020; got {text!r}"
        ) from None


def _codes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [c.strip() for v in values for c in v.split(",") if c.strip()]
    return out or None


# -- init ------------------------------------------------------------------------------------


def init(store: Path | None = StoreOption) -> None:
    """Create the indicator store (schema and economy reference); safe to run again."""
    with _open(store, read_only=False) as s:
        economies = len(s.economies(include_aggregates=True))
        console.print(f"Store ready: [bold]{s.path}[/] ({economies} economies in the reference)")
        console.print(str(s.status()))


# -- import ----------------------------------------------------------------------------------


def _build_source(source_id: str, vintage: str | None, mapping: Path | None) -> Source:
    from aibridge.sources.catalog import SOURCES, get_source

    if source_id not in SOURCES:
        get_source(source_id)  # raises ConfigError naming the known sources
    source = get_source(source_id)
    options: dict[str, Any] = {}
    params = inspect.signature(type(source).__init__).parameters
    if vintage is not None:
        if "vintage" not in params:
            raise ConfigError(
                f"source {source_id!r} takes its vintage from the data; drop --vintage"
            )
        options["vintage"] = vintage
    if mapping is not None:
        if "mapping" not in params:
            raise ConfigError(f"--mapping applies to the tidy source only, not {source_id!r}")
        options["mapping"] = mapping
    return type(source)(**options) if options else source


def import_(
    source: str = typer.Argument(
        ...,
        help="Source id (see `aibridge sources`), or 'shared' for every shared dataset.",
    ),
    path: Path | None = typer.Argument(None, help="File or folder to read."),
    vintage: str | None = typer.Option(None, help="Release label, e.g. 2024-06-28."),
    mapping: Path | None = typer.Option(None, help="YAML mapping (tidy source)."),
    store: Path | None = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import a file, folder or data package into the store (one transaction, idempotent)."""
    if source == "shared":
        _import_shared(path, store, as_json)
        return
    src = _build_source(source, vintage, mapping)
    with _open(store, read_only=False) as s, _progress() as bar:
        if hasattr(src, "stage_into") and path is not None:
            report = _import_fast(s, src, path, bar)
        else:
            report = _import_batches(s, src, path, bar)
    _print_report(report, as_json)


def _import_fast(s: Store, src: Source, path: Path, bar: Progress) -> ImportReport:
    """WDI-style files: parsed, unpivoted and written inside DuckDB (see Store.import_path)."""
    reading = bar.add_task(f"reading + unpivoting {src.source_id}", total=None)
    writing = bar.add_task("writing", total=None, start=False)

    def on_progress(step: str, rows: int) -> None:
        if step == "read":
            bar.advance(reading, rows)
        elif step == "written":
            bar.stop_task(reading)
            bar.start_task(writing)
            bar.advance(writing, rows)

    t0 = time.perf_counter()
    report = s.import_path(src, path, progress=on_progress)
    report.seconds = time.perf_counter() - t0
    return report


def _import_batches(s: Store, src: Source, path: Path | None, bar: Progress) -> ImportReport:
    reading = bar.add_task(f"reading {src.source_id}", total=None)
    writing = bar.add_task("writing", total=None, start=False)
    batches: list[Batch] = []
    for batch in src.read(path):
        batches.append(batch)
        bar.advance(reading, batch.observations.num_rows)
    bar.update(reading, total=bar.tasks[reading].completed)
    bar.stop_task(reading)
    bar.start_task(writing)
    total = sum(b.observations.num_rows for b in batches)
    bar.update(writing, total=total)

    def on_progress(step: str, rows: int) -> None:
        if step == "indexed":
            bar.advance(writing, rows)

    t0 = time.perf_counter()
    report = s.ingest_many(batches, progress=on_progress)
    bar.update(writing, completed=total)
    report.seconds = time.perf_counter() - t0
    return report


def _import_shared(path: Path | None, store: Path | None, as_json: bool) -> None:
    from aibridge.sources.catalog import import_shared
    from aibridge.store import ImportReport

    with _open(store, read_only=False) as s, _progress() as bar:
        task = bar.add_task("shared data", total=None)

        def on_progress(dataset: str, step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{step} {dataset} ({done}/{total})")

        result = import_shared(s, path, on_progress)
        bar.update(task, completed=result.observations, description="shared data imported")
    reports = [r for d in result.datasets for r in d.reports if isinstance(r, ImportReport)]
    _print_report(ImportReport.combine(reports), as_json)


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    console.print(f"Imported {report}", highlight=False)
    if report.unknown_codes:
        table = Table(title="Unknown economy codes (not loaded)", title_justify="left")
        table.add_column("code")
        table.add_column("rows", justify="right")
        table.add_column("first seen")
        for u in report.unknown_codes[:20]:
            table.add_row(u.code, f"{u.rows:,}", u.where)
        console.print(table)
        if len(report.unknown_codes) > 20:
            console.print(f"... and {len(report.unknown_codes) - 20} more (use --json)")


def list_sources() -> None:
    from aibridge.sources.catalog import SOURCES

    for name in sorted(SOURCES):
        console.print(name)


# -- indicators search ---------------------------------------------------------------------


@indicators_app.command("search")
def indicators_search(
    text: str = typer.Argument("", help="Words to find in code, name, definition or topic."),
    source: str | None = typer.Option(None, help="Only indicators from this source id."),
    limit: int = typer.Option(30, help="Show at most this many."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    store: Path | None = StoreOption,
) -> None:
    """Search indicators by code, name, definition or topic."""
    with _open(store, read_only=True) as s:
        frame = s.indicators(text or None, source_id=source).head(limit)
    cols = ["code", "name", "unit", "source_id", "economies", "first_year", "last_year"]
    frame = frame[cols]
    if fmt == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        typer.echo(frame.to_json(orient="records", indent=2))
    elif fmt == "table":
        table = Table(title=f"{len(frame)} indicator(s)", title_justify="left")
        for col in cols:
            table.add_column(col, overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*["" if _missing(v) else str(v) for v in row])
        console.print(table)
    else:
        raise ConfigError(f"--format must be table, csv or json; got {fmt!r}")


def _missing(value: object) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False


# -- data get -------------------------------------------------------------------------------


@data_app.command("get")
def data_get(
    economy: list[str] | None = typer.Option(
        None, "--economy", "-e", help="ISO3 code(s); repeat or comma-separate. Default: all."
    ),
    indicator: list[str] | None = typer.Option(
        None, "--indicator", "-i", help="Indicator code(s); repeat or comma-separate."
    ),
    years: str | None = typer.Option(None, help="2015:2023, 2015:, :2023, 2015,2018 or 2020."),
    as_of: str | None = typer.Option(None, "--as-of", help="Vintage label/id or a date."),
    latest: bool = typer.Option(False, help="Only the most recent year per economy/indicator."),
    fmt: str = typer.Option("table", "--format", help="table, csv, json or parquet."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
    store: Path | None = StoreOption,
) -> None:
    """Values with their source and vintage (e.g. --economy KEN --indicator IT.NET.USER.ZS)."""
    if fmt not in {"table", "csv", "json", "parquet"}:
        raise ConfigError(f"--format must be table, csv, json or parquet; got {fmt!r}")
    vintage: str | int | None = (
        int(as_of) if as_of and as_of.isdigit() and len(as_of) < 4 else as_of
    )
    with _open(store, read_only=True) as s:
        obs = s.observations(
            _codes(economy), _codes(indicator), parse_years(years), as_of=vintage, latest=latest
        )
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if output is None:
            raise ConfigError("--format parquet needs --output FILE.parquet")
        pq.write_table(obs.to_arrow(), output)
        err.print(f"wrote {len(obs):,} rows to {output}")
        return
    frame = obs.to_pandas()
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(obs.to_pylist(), indent=2, default=str)
    else:
        table = Table(title=f"{len(frame):,} value(s)", title_justify="left")
        for col in ("economy", "indicator", "year", "value", "flag", "source_id", "vintage"):
            table.add_column(
                col, justify="right" if col in {"year", "value"} else "left", overflow="fold"
            )
        for r in obs.to_pylist():
            table.add_row(
                r["economy"],
                r["indicator"],
                str(r["year"]),
                f"{r['value']:.6g}",
                r["flag"] or "",
                r["source_id"],
                r["vintage"],
            )
        if output is None:
            console.print(table)
            return
        text = frame.to_string(index=False)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(frame):,} rows to {output}")


# -- export ---------------------------------------------------------------------------------


@export_app.command("datapackage")
def export_datapackage_cmd(
    directory: Path = typer.Argument(..., help="Folder to write datapackage.json and data/ to."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    history: bool = typer.Option(False, help="Every vintage, not only the latest values."),
    economy: list[str] | None = typer.Option(None, "--economy", "-e", help="Only these."),
    indicator: list[str] | None = typer.Option(None, "--indicator", "-i", help="Only these."),
    validate: bool = typer.Option(True, help="Validate with frictionless after writing."),
    store: Path | None = StoreOption,
) -> None:
    """Export the store as a Frictionless data package (validated)."""
    from aibridge.sources.datapackage import export_datapackage

    if fmt not in {"csv", "parquet"}:
        raise ConfigError(f"--format must be csv or parquet; got {fmt!r}")
    with _open(store, read_only=True) as s, _progress() as bar:
        task = bar.add_task("exporting", total=None)
        path = export_datapackage(
            s,
            directory,
            format=fmt,  # type: ignore[arg-type]
            history=history,
            economies=_codes(economy),
            indicators=_codes(indicator),
            validate=validate,
        )
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        obs = next(r for r in descriptor["resources"] if r["name"] == "observations")
        rows = s.con.sql(
            "SELECT count(*) FROM read_" + ("parquet" if fmt == "parquet" else "csv") + "(?)",
            params=[str(directory / obs["path"])],
        ).fetchall()[0][0]
        bar.update(task, completed=rows, total=rows)
    console.print(
        f"Wrote {path} ({len(descriptor['resources'])} resources"
        + f", {rows:,} values"
        + (", validated" if validate else "")
        + "); import it elsewhere with `aibridge import datapackage "
        + f"{directory}`",
        highlight=False,
    )


# -- status ---------------------------------------------------------------------------------


def status(
    store: Path | None = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """What the store holds: per source, indicators, economies, year range and origins."""
    with _open(store, read_only=True) as s:
        st = s.status()
    if as_json:
        payload = {
            "path": st.path,
            "observations": st.observations,
            "current": st.current,
            "indicators": st.indicators,
            "economies": st.economies,
            "sources": json.loads(st.sources.to_json(orient="records", date_format="iso")),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    console.print(str(st), highlight=False)
    if st.sources.empty:
        console.print("Nothing loaded yet: run `aibridge import SOURCE PATH` (see --help).")
        return
    coverage = Table(title="Coverage per source (current values)", title_justify="left")
    coverage.add_column("source", overflow="ellipsis", no_wrap=True, max_width=21)
    for col, width in (("indic.", 6), ("econ.", 5), ("years", 9), ("values", 9), ("history", 9)):
        coverage.add_column(
            col, no_wrap=True, min_width=width, justify="left" if col == "years" else "right"
        )
    origin = Table(title="Vintages and origins", title_justify="left")
    origin.add_column("source", no_wrap=True)
    origin.add_column("vintages", overflow="fold")
    origin.add_column("from", overflow="fold")
    for r in st.sources.to_dict("records"):
        first, last = r["first_year"], r["last_year"]
        years = "" if _missing(first) else f"{int(first)}–{int(last)}"
        coverage.add_row(
            str(r["source_id"]),
            f"{int(r['indicators']):,}",
            f"{int(r['economies']):,}",
            years,
            f"{int(r['values']):,}",
            f"{int(r['history']):,}",
        )
        origin.add_row(str(r["source_id"]), str(r["vintages"] or ""), _places(str(r["uris"] or "")))
    console.print(coverage)
    console.print(origin)
    with _open(store, read_only=True) as s:
        unknown = s.unknown_codes()
    if len(unknown):
        by_source = unknown.groupby("source_id")["code"].apply(lambda c: ", ".join(sorted(set(c))))
        console.print(
            f"{int(unknown['rows'].sum()):,} rows not loaded: economy codes that could not be "
            "mapped to ISO3 —",
            highlight=False,
        )
        for source_id, codes in by_source.items():
            console.print(f"  {source_id}: {codes}", highlight=False)


def _places(uris: str) -> str:
    """Short 'from' column: the folders (or hosts) the origins came from."""
    places: list[str] = []
    for uri in uris.split(" | "):
        if "://" in uri:
            place = uri.split("://", 1)[1].split("/", 1)[0]
        else:
            place = Path(uri).parent.name or uri
        if place and place not in places:
            places.append(place)
    return ", ".join(places)


# -- registration ---------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the root app."""
    app.command("init")(init)
    app.command("import")(import_)
    app.command("status")(status)
    app.command("sources", help="List the source ids `aibridge import` accepts.")(list_sources)
    app.add_typer(indicators_app, name="indicators")
    app.add_typer(data_app, name="data")
    app.add_typer(export_app, name="export")
