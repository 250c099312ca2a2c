"""Worldwide Governance Indicators (WGI), 2024 release: the long ``wgidataset.xlsx``.

The workbook has one sheet of rows ``codeindyr, code, countryname, year, indicator,
estimate, stddev, nsource, pctrank, pctranklower, pctrankupper`` (missing cells are the string
``".."``). Each (dimension, statistic) pair becomes one indicator coded like the World Bank's
WDI-style WGI series, prefixed ``WGI.``:

==============  =====================  ==========================================
xlsx column     code suffix            meaning
==============  =====================  ==========================================
estimate        ``.EST``               estimate, standard normal units (~ -2.5..2.5)
stddev          ``.STD.ERR``           standard error of the estimate
nsource         ``.NO.SRC``            number of sources
pctrank         ``.PER.RNK``           percentile rank (0-100)
pctranklower    ``.PER.RNK.LOWER``     lower bound of the 90 % interval
pctrankupper    ``.PER.RNK.UPPER``     upper bound of the 90 % interval
==============  =====================  ==========================================

so ``ge`` + ``estimate`` → ``WGI.GE.EST``, the same code the 2023 update CSV gets from
:class:`aibridge.sources.wdi_bulk.WgiCsvSource`. Both use source id ``wgi`` with vintages
``2023`` (CSV) and ``2024`` (this file): importing both keeps every revised value as a new
vintage. Legacy WGI economy codes (``ADO``, ``ROM``, ``TMP``, ``ZAR``, ``KSV``, ``WBG``) are
mapped to ISO3 / the World Bank's ``XKX``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import Batch
from aibridge.sources._tabular import Release, arrow_observations, file_batch, map_economy_column

__all__ = ["DIMENSIONS", "STATISTICS", "WgiXlsxSource"]

#: WGI dimension code → name.
DIMENSIONS: dict[str, str] = {
    "VA": "Voice and Accountability",
    "PV": "Political Stability and Absence of Violence/Terrorism",
    "GE": "Government Effectiveness",
    "RQ": "Regulatory Quality",
    "RL": "Rule of Law",
    "CC": "Control of Corruption",
}

#: xlsx column → (code suffix, name suffix, unit, direction).
STATISTICS: dict[str, tuple[str, str, str, int | None]] = {
    "estimate": ("EST", "Estimate", "standard normal units", 1),
    "stddev": ("STD.ERR", "Standard Error", "standard normal units", None),
    "nsource": ("NO.SRC", "Number of Sources", "count", None),
    "pctrank": ("PER.RNK", "Percentile Rank", "percentile (0-100)", 1),
    "pctranklower": (
        "PER.RNK.LOWER",
        "Percentile Rank, Lower Bound of 90% Confidence Interval",
        "percentile (0-100)",
        None,
    ),
    "pctrankupper": (
        "PER.RNK.UPPER",
        "Percentile Rank, Upper Bound of 90% Confidence Interval",
        "percentile (0-100)",
        None,
    ),
}

_REQUIRED = ("code", "year", "indicator", *STATISTICS)
_MISSING = ("..", "", "#N/A", "NA")


class WgiXlsxSource:
    """Read ``wgidataset.xlsx`` (a file, or the folder holding it) into one batch."""

    source_id = "wgi"
    FILE = "wgidataset.xlsx"

    def __init__(self, *, vintage: str = "2024") -> None:
        self.vintage = vintage

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None:
            raise SourceUnavailable("wgi: pass wgidataset.xlsx or its folder", source_id="wgi")
        file = Path(path)
        if file.is_dir():
            file = file / self.FILE
        if not file.is_file():
            raise SourceUnavailable(
                f"{file} not found; download wgidataset.xlsx from www.govindicators.org",
                source_id=self.source_id,
            )
        yield self._read(file)

    def _read(self, file: Path) -> Batch:
        import openpyxl  # reading xlsx is this module's only use of it

        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
            raise SourceFormatError(
                f"cannot open the workbook ({type(exc).__name__}: {exc}); pass the WGI xlsx",
                path=str(file),
            ) from exc
        try:
            sheet = book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
            missing = [c for c in _REQUIRED if c not in header]
            if missing:
                raise SourceFormatError(
                    f"sheet {sheet.title!r} lacks column(s) {missing}; expected the WGI long "
                    f"layout {list(_REQUIRED)}",
                    path=str(file),
                    line=1,
                )
            index = {name: header.index(name) for name in _REQUIRED}
            # openpyxl yields Python tuples: one pass collects the columns, everything after
            # (numeric checks, codes, economy mapping) is columnar
            columns: dict[str, list[object]] = {name: [] for name in _REQUIRED}
            for row in rows:
                if row is None or all(v is None for v in row):
                    continue
                for name, i in index.items():
                    columns[name].append(row[i] if i < len(row) else None)
        finally:
            book.close()
        return self._batch(file, columns)

    def _batch(self, file: Path, columns: dict[str, list[object]]) -> Batch:
        economies = pa.array([str(c).strip() if c is not None else None for c in columns["code"]])
        dims = [str(d).strip().upper() if d is not None else "" for d in columns["indicator"]]
        unknown_dims = sorted(set(dims) - set(DIMENSIONS))
        if unknown_dims:
            line = dims.index(unknown_dims[0]) + 2
            raise SourceFormatError(
                f"unknown WGI indicator {unknown_dims[0]!r}; expected one of "
                f"{sorted(d.lower() for d in DIMENSIONS)}",
                path=str(file),
                line=line,
                column="indicator",
            )
        years = _numbers(columns["year"], file, "year")
        if pc.any(pc.is_null(years)).as_py():
            line = years.to_pylist().index(None) + 2
            raise SourceFormatError("missing year", path=str(file), line=line, column="year")
        mapped = map_economy_column(economies, file=file, column="code")
        dim_arr = pa.array(dims, pa.string())
        parts: list[pa.Table] = []
        for column, (suffix, _, _, _) in STATISTICS.items():
            values = _numbers(columns[column], file, column)
            codes = pc.binary_join_element_wise(
                pa.scalar("WGI."), dim_arr, pa.scalar(f".{suffix}"), ""
            )
            parts.append(
                arrow_observations(
                    pc.and_(mapped.keep, pc.is_valid(values)),
                    economy=mapped.codes,
                    indicator=codes,
                    year=years,
                    value=values,
                )
            )
        observations = pa.concat_tables(parts).combine_chunks()
        meta = [
            {
                "code": f"WGI.{dim}.{suffix}",
                "name": f"{name}: {label}",
                "unit": unit,
                "description": (
                    f"Worldwide Governance Indicators, {name} ({label.lower()}); "
                    "Kaufmann & Kraay, www.govindicators.org"
                ),
                "topic": "Governance",
                "direction": direction,
                "licence": "CC BY 4.0",
                "source": "World Bank, Worldwide Governance Indicators",
            }
            for dim, name in DIMENSIONS.items()
            for suffix, label, unit, direction in STATISTICS.values()
        ]
        return file_batch(
            file,
            Release(self.source_id, self.vintage, "The World Bank", "CC BY 4.0"),
            title="Worldwide Governance Indicators, 2024 release (wgidataset.xlsx)",
            observations=observations,
            indicators=meta,
            economies=mapped,
        )


def _numbers(values: list[object], file: Path, column: str) -> pa.Array:
    """Floats, with WGI's ``".."`` (and empty cells) as missing; anything else is an error."""
    out: list[float | None] = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and value.strip() in _MISSING):
            out.append(None)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(float(value))
        else:
            try:
                out.append(float(str(value).strip()))
            except ValueError:
                raise SourceFormatError(
                    f"value {value!r} is not a number (missing values are '..')",
                    path=str(file),
                    line=i + 2,
                    column=column,
                ) from None
    return pa.array(out, pa.float64())
