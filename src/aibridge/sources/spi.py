"""World Bank Statistical Performance Indicators (SPI), first release (2021).

Reads ``SPI_index.csv`` (one row per economy-year: ``country, iso3c, date`` then one column per
score) with its column dictionary ``index description.csv`` (no header: column, type, label,
range). Every score column is already a dotted SPI code and is kept as the indicator code:

* ``SPI.INDEX`` — overall score (0-100);
* ``SPI.INDEX.PIL1`` .. ``SPI.INDEX.PIL5`` — the five pillars (0-100): data use, data services,
  data products, data sources, data infrastructure;
* ``SPI.DIM<d>.INDEX`` (and ``SPI.DIM4.1.CEN.INDEX`` / ``.SVY.INDEX``) — dimensions (0-1);
* ``SPI.D<d>.<item>`` — the indicator-level scores of each dimension (0-1).

``-99`` (used by ``SPI.DIM5.1.INDEX`` and ``SPI.DIM5.5.INDEX``) and ``NA`` are missing. The
``income``, ``region``, ``weights`` and ``population`` columns are descriptive, not scores,
and are not imported. (The World Bank publishes the same overall score in WDI as
``IQ.SPI.OVRL``; this first-release file is kept under its own ``SPI.`` codes.)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import Batch
from aibridge.sources._tabular import Release, arrow_observations, file_batch, map_economy_column

__all__ = ["SpiSource"]

_ID_COLUMNS = ("country", "iso3c", "date")
_NOT_SCORES = ("income", "region", "weights", "population")
_MISSING_CODE = -99.0


def _topic(code: str) -> str:
    """``Statistical performance: overall`` or ``...: pillar N`` (dimensions by their pillar)."""
    if code == "SPI.INDEX":
        return "Statistical performance: overall"
    match = re.search(r"(?:PIL|DIM|D)(\d)", code)
    return (
        f"Statistical performance: pillar {match.group(1)}" if match else "Statistical performance"
    )


class SpiSource:
    """Read the SPI folder (``SPI_index.csv`` + ``index description.csv``) into one batch."""

    source_id = "wb-spi-2021"
    FILE = "SPI_index.csv"
    DICTIONARY = "index description.csv"

    def __init__(self, *, vintage: str = "2021") -> None:
        self.vintage = vintage

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None:
            raise SourceUnavailable("wb-spi-2021: pass the SPI folder", source_id=self.source_id)
        folder = Path(path)
        file = folder / self.FILE if folder.is_dir() else folder
        if not file.is_file():
            raise SourceUnavailable(
                f"{file} not found; pass the folder holding SPI_index.csv",
                source_id=self.source_id,
            )
        yield self._read(file)

    def _labels(self, folder: Path) -> dict[str, str]:
        path = folder / self.DICTIONARY
        if not path.is_file():
            return {}
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return {r[0].strip(): r[2].strip() for r in csv.reader(fh) if len(r) >= 3 and r[2]}

    def _read(self, file: Path) -> Batch:
        with file.open("rb") as fh:
            header = fh.readline().decode("utf-8-sig").strip().split(",")
        header = [h.strip('"') for h in header]
        missing = [c for c in _ID_COLUMNS if c not in header]
        if missing:
            raise SourceFormatError(
                f"lacks column(s) {missing}; expected the SPI_index.csv layout "
                "(country, iso3c, date, SPI.* ...)",
                path=str(file),
                line=1,
            )
        scores = [h for h in header if h.startswith("SPI.")]
        if not scores:
            raise SourceFormatError("no SPI.* score columns", path=str(file), line=1)
        types: dict[str, pa.DataType] = {h: pa.string() for h in header}
        types.update({s: pa.float64() for s in scores})
        types["date"] = pa.int16()
        try:
            table = pacsv.read_csv(
                file,
                convert_options=pacsv.ConvertOptions(
                    column_types=types,
                    null_values=["NA", ""],
                    strings_can_be_null=True,
                    include_columns=[*_ID_COLUMNS, *scores],
                ),
            )
        except pa.ArrowInvalid as exc:
            raise SourceFormatError(
                f"cannot read ({exc}); every SPI.* cell must be a number or NA",
                path=str(file),
            ) from exc
        table = table.rename_columns([c.lstrip("\ufeff") for c in table.column_names])
        economies = map_economy_column(table.column("iso3c"), file=file, column="iso3c")
        parts = []
        for code in scores:
            values = table.column(code)
            valid = pc.and_(economies.keep, pc.is_valid(values))
            parts.append(
                arrow_observations(
                    pc.and_(valid, pc.not_equal(values, _MISSING_CODE)),
                    economy=economies.codes,
                    indicator=code,
                    year=table.column("date"),
                    value=values,
                )
            )
        labels = self._labels(file.parent)
        meta = [
            {
                "code": code,
                "name": labels.get(code) or code,
                "unit": "score (0-100)" if code.startswith("SPI.INDEX") else "score (0-1)",
                "description": (
                    "World Bank Statistical Performance Indicators (first release, Dodd et al. "
                    f"2021): {labels.get(code) or code}"
                ),
                "topic": _topic(code),
                "direction": 1,
                "licence": "CC BY 4.0",
                "source": "World Bank, Statistical Performance Indicators",
            }
            for code in scores
        ]
        return file_batch(
            file,
            Release(self.source_id, self.vintage, "The World Bank", "CC BY 4.0"),
            title="Statistical Performance Indicators, first release (SPI_index.csv)",
            observations=pa.concat_tables(parts).combine_chunks(),
            indicators=meta,
            economies=economies,
        )
