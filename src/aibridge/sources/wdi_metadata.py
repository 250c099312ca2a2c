"""World Bank WDI metadata: economy classifications and series descriptions, no observations.

* ``WDICountry.csv`` (bulk download) or ``Metadata_Country_*.csv`` (single-indicator
  download): World Bank region and income group per economy -> an economy-metadata update
  (:data:`~aibridge.reference.economies.ECONOMY_UPDATE_SCHEMA`). Rows without a region are
  aggregates. The update rides on the batch as ``economy_updates``; the catalogue's
  :func:`~aibridge.sources.catalog.ingest_batches` applies it with ``Store.update_economies``.
* ``WDISeries.csv(.gz)``: name, unit, topic, definition, source and licence of every WDI
  series code -> the batch's indicator table (codes as is, e.g. ``IT.NET.USER.ZS``).

Income groups change every 1 July; the update carries ``as_of`` (the classification year) so
the store and the user can tell which one is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from aibridge.errors import SourceUnavailable
from aibridge.reference.economies import economy_table, economy_updates_from_wdi
from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, indicator_table
from aibridge.sources._tabular import (
    EconomyMetadataBatch,
    Release,
    economy_updates_of,
    file_batch,
    read_csv,
    require_columns,
)

__all__ = [
    "EconomyMetadataBatch",
    "WdiCountryMetadataSource",
    "WdiMetadataSource",
    "economy_updates_of",
    "series_indicators",
]

PUBLISHER = "The World Bank, World Development Indicators"
LICENCE = "CC BY 4.0"


def _empty_observations() -> pa.Table:
    return OBSERVATION_SCHEMA.empty_table()


def _unit_of(name: str, unit: object) -> str | None:
    if isinstance(unit, str) and unit.strip():
        return unit.strip()
    match = re.search(r"\(([^()]*)\)\s*$", name)
    return match.group(1) if match else None


def series_indicators(path: Path, *, source_id: str) -> pa.Table:
    """Indicator metadata of every series in a ``WDISeries.csv(.gz)`` file."""
    frame = read_csv(path, source_id=source_id)
    require_columns(
        frame, ("Series Code", "Indicator Name", "Topic", "Source"), path=path, source_id=source_id
    )
    rows = []
    for record in frame.to_dict("records"):
        name = str(record["Indicator Name"])
        definition = record.get("Long definition") or record.get("Short definition")
        licence = record.get("License Type")
        rows.append(
            {
                "code": str(record["Series Code"]).strip(),
                "name": name,
                "unit": _unit_of(name, record.get("Unit of measure")),
                "description": definition if isinstance(definition, str) else None,
                "topic": record["Topic"] if isinstance(record["Topic"], str) else None,
                "direction": None,  # WDI does not state a normative direction
                "licence": (
                    "CC BY 4.0"
                    if isinstance(licence, str) and licence.replace("-", " ") == "CC BY 4.0"
                    else licence
                ),
                "source": record["Source"] if isinstance(record["Source"], str) else None,
            }
        )
    return indicator_table(rows)


def _country_batch(file: Path, *, source_id: str, vintage: str, as_of: str) -> Batch:
    updates = economy_updates_from_wdi(file, as_of=as_of)
    # names only for codes the reference lacks; CLDR names stay for known economies
    known = set(economy_table().column("iso3").to_pylist())
    names = [
        None if code in known else name
        for code, name in zip(
            updates.column("iso3").to_pylist(), updates.column("name").to_pylist(), strict=True
        )
    ]
    updates = updates.set_column(
        updates.schema.get_field_index("name"), "name", pa.array(names, pa.string())
    )
    aggregates = frozenset(
        code
        for code, flag in zip(
            updates.column("iso3").to_pylist(),
            updates.column("is_aggregate").to_pylist(),
            strict=True,
        )
        if flag
    )
    return file_batch(
        file,
        Release(source_id, vintage, PUBLISHER, LICENCE),
        title=f"WDI country metadata ({file.name})",
        observations=_empty_observations(),
        indicators=[],
        aggregates=aggregates,
        economy_updates=updates,
    )


class WdiMetadataSource:
    """``wdi-metadata-2020``: ``WDICountry.csv`` + ``WDISeries.csv.gz`` (folder path)."""

    source_id = "wdi-metadata-2020"
    vintage = "WDI 2020-04"
    as_of = "FY2020"  # income groups of July 2019

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        folder = _folder(path, "wdi-metadata-2020", self.source_id)
        country = _first(folder, ("WDICountry.csv", "WDICountry.csv.gz"))
        series = _first(folder, ("WDISeries.csv.gz", "WDISeries.csv"))
        if country is None and series is None:
            raise SourceUnavailable(
                f"neither WDICountry.csv nor WDISeries.csv(.gz) in {folder}",
                source_id=self.source_id,
            )
        if country is not None:
            yield _country_batch(
                country, source_id=self.source_id, vintage=self.vintage, as_of=self.as_of
            )
        if series is not None:
            yield file_batch(
                series,
                Release(self.source_id, self.vintage, PUBLISHER, LICENCE),
                title="WDI series metadata (WDISeries.csv)",
                observations=_empty_observations(),
                indicators=series_indicators(series, source_id=self.source_id),
            )


class WdiCountryMetadataSource:
    """``wdi-country-metadata``: every ``Metadata_Country_*.csv`` in a folder (WDI API-style
    single-indicator downloads), e.g. ``wdi-recent`` (classification of 2024-06-28)."""

    source_id = "wdi-country-metadata"

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        folder = _folder(path, "wdi-recent", self.source_id)
        files = [path] if path is not None and path.is_file() else []
        files = files or sorted(folder.glob("Metadata_Country_*.csv"))
        for file in files:
            vintage = _vintage_near(file)
            yield _country_batch(file, source_id=self.source_id, vintage=vintage, as_of=vintage)


def _vintage_near(file: Path) -> str:
    """Vintage date from the folder README (``vintage 2024-06-28``), else the file's mtime."""
    readme = file.parent / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8", errors="replace")
        # the README line that names this file's download carries its vintage
        stem = file.name.split("_API_")[-1].split("_DS2")[0]
        for line in text.splitlines():
            if stem in line or "Metadata_Country" in line:
                match = re.search(r"(20\d\d-\d\d-\d\d)", line)
                if match:
                    return match.group(1)
    from datetime import UTC, datetime

    return datetime.fromtimestamp(file.stat().st_mtime, UTC).date().isoformat()


def _folder(path: Path | None, default: str, source_id: str) -> Path:
    if path is None:
        from aibridge.settings import find_shared_data

        root = find_shared_data()
        if root is None:
            raise SourceUnavailable(
                f"no path given and no shared open-data folder; pass the {default}/ folder",
                source_id=source_id,
            )
        path = root / default
    if path.is_file():
        return path.parent
    if not path.is_dir():
        raise SourceUnavailable(f"{path} does not exist", source_id=source_id)
    return path


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None
