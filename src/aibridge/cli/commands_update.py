"""``aibridge update``: load current data from web APIs into the store.

* ``aibridge update worldbank --indicator IT.NET.USER.ZS [--indicator ...] [--economy KEN]
  [--years 2015:2023]`` — World Bank Indicators API v2 (the batches also carry the region and
  income group of every economy the API lists; the store applies them on ingest);
* ``aibridge update sdmx AGENCY FLOW [KEY] [--years 2015:2023]`` — any SDMX agency ``sdmx1``
  knows (OECD, ESTAT, ILO, IMF_DATA, UNICEF, ...).

Everything fetched in one command is ingested in one transaction: if any call fails, nothing
is written. Responses are cached under ``$AIBRIDGE_HOME/cache`` for a day (``--no-cache`` to
refetch).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aibridge.cli.commands_data import StoreOption, _open, _print_report, _progress, parse_years
from aibridge.errors import ConfigError

if TYPE_CHECKING:  # pyarrow: imported on use
    from aibridge.sources._base import Batch

__all__ = ["register", "update_app"]

update_app = typer.Typer(
    help="Fetch current data from web APIs (World Bank, SDMX agencies) into the store.",
    no_args_is_help=True,
)

TimeoutOption = typer.Option(30.0, "--timeout", help="Seconds allowed for each HTTP call.")
RetriesOption = typer.Option(3, "--retries", help="Retries after a timeout, 429 or 5xx.")
NoCacheOption = typer.Option(False, "--no-cache", help="Ignore cached responses.")
JsonOption = typer.Option(False, "--json", help="Print the import report as JSON.")


def year_range(text: str | None) -> tuple[int, int] | None:
    """``--years`` as an inclusive ``(first, last)`` range for the web APIs."""
    years = parse_years(text)
    if years is None:
        return None
    if isinstance(years, int):
        return (years, years)
    if isinstance(years, list):
        return (min(years), max(years))
    lo, hi = years
    lo = 1960 if lo == -32768 else lo
    hi = date.today().year if hi == 32767 else hi
    if lo > hi:
        raise ConfigError(f"--years range is empty: {text!r} (first year after last)")
    return (lo, hi)


def _ingest(store: Path | None, batches: list[Batch], as_json: bool) -> None:
    """One transaction; economy updates riding on the batches are applied by the store."""
    with _open(store, read_only=False) as s:
        t0 = time.perf_counter()
        report = s.ingest_many(batches)
        report.seconds = time.perf_counter() - t0
    _print_report(report, as_json)


@update_app.command("worldbank")
def update_worldbank(
    indicator: list[str] = typer.Option(
        ..., "--indicator", "-i", help="WDI code, e.g. IT.NET.USER.ZS (repeat or comma-separate)."
    ),
    economy: list[str] | None = typer.Option(
        None, "--economy", "-e", help="ISO3/ISO2 code (repeat or comma-separate); default all."
    ),
    years: str | None = typer.Option(None, "--years", help="e.g. 2015:2023, 2015: or 2020."),
    database: int | None = typer.Option(
        None, "--database", help="API source id for series outside WDI (e.g. 3 = WGI)."
    ),
    store: Path | None = StoreOption,
    timeout: float = TimeoutOption,
    retries: int = RetriesOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Fetch World Bank indicators (API v2) and import them (one transaction)."""
    from aibridge.sources.worldbank import WorldBankClient

    codes = [c.strip() for v in indicator for c in v.split(",") if c.strip()]
    if not codes:
        raise ConfigError("give at least one --indicator code, e.g. --indicator IT.NET.USER.ZS")
    economies = [c.strip() for v in economy or [] for c in v.split(",") if c.strip()] or None
    span = year_range(years)
    batches: list[Batch] = []
    with (
        WorldBankClient(timeout=timeout, retries=retries, use_cache=not no_cache) as wb,
        _progress() as bar,
    ):
        task = bar.add_task("fetching World Bank API", total=None)
        for code in codes:
            bar.update(task, description=f"fetching {code}")
            batch = wb.fetch_indicator(code, economies=economies, years=span, database=database)
            batches.append(batch)
            bar.advance(task, batch.observations.num_rows)
    _ingest(store, batches, as_json)


@update_app.command("sdmx")
def update_sdmx(
    agency: str = typer.Argument(..., help="SDMX agency: OECD, ESTAT, ILO, IMF_DATA, UNICEF ..."),
    flow: str = typer.Argument(
        ..., help="Dataflow id, e.g. isoc_ci_in_h or OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3"
    ),
    key: str = typer.Argument(
        "", help="Dotted series key, e.g. A.PC_HH.TOTAL.DE+FR (default all)."
    ),
    years: str | None = typer.Option(None, "--years", help="e.g. 2015:2023."),
    geo_dim: str | None = typer.Option(
        None, "--geo-dim", help="Economy dimension if not REF_AREA/GEO."
    ),
    vintage: str | None = typer.Option(None, help="Release label (default: the message date)."),
    no_structure: bool = typer.Option(
        False,
        "--no-structure",
        help="Skip the dataflow structure call: indicators keep their codes as names, no units.",
    ),
    store: Path | None = StoreOption,
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds allowed for each HTTP call."),
    retries: int = RetriesOption,
    no_cache: bool = NoCacheOption,
    as_json: bool = JsonOption,
) -> None:
    """Fetch one SDMX dataflow (annual data) and import it (one transaction); names and units
    come from the dataflow's codelists."""
    from aibridge.sources.sdmx import SdmxClient

    span = year_range(years)
    with (
        SdmxClient(agency, timeout=timeout, retries=retries, use_cache=not no_cache) as client,
        _progress() as bar,
    ):
        task = bar.add_task(f"fetching {agency} {flow}", total=None)
        batch = client.fetch(
            flow, key, years=span, geo_dim=geo_dim, vintage=vintage, structure=not no_structure
        )
        bar.advance(task, batch.observations.num_rows)
    _ingest(store, [batch], as_json)


def register(app: typer.Typer) -> None:
    """Attach ``aibridge update`` to the root app."""
    app.add_typer(update_app, name="update")
