"""Our World in Data grapher exports (``Entity, Code, Year, <value columns>``).

Each country-level CSV becomes indicator ``OWID.<file stem>`` (e.g.
``OWID.annual-scholarly-publications-on-artificial-intelligence``); a file with several value
columns gives one indicator per column, ``OWID.<file stem>.<column slug>`` (e.g.
``OWID.views-ai-impact-society-next-20-years.mostly_help``), except that a column named
``All`` keeps the bare stem. A ``<column> (Projected)`` column (private investment, 2025) is
folded into its base column's indicator with flag ``E`` where the base value is missing.

Entities: ``Code`` ISO3 -> the economy; ``OWID_KOS`` -> Kosovo (``XKX``); any other
``OWID_*`` code (``OWID_WRL``, ``OWID_AFR`` ...) -> kept as an aggregate under that code; an
empty code is resolved by the entity name (e.g. "Republic of the Congo") and otherwise kept as
an aggregate ``OWID_<NAME>`` (CSET regions such as "Africa (CSET)", "OECD (CSET)", and the
Epoch groupings "Multinational" / "All large-scale AI systems").

Files with a ``Day`` column instead of ``Code, Year`` describe individual AI systems, not
countries, and are not imported (listed in ``skipped``; see docs/sources.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from aibridge.sources._base import Batch
from aibridge.sources._tabular import (
    EconomyMapper,
    Release,
    aggregate_updates,
    file_batch,
    find_files,
    observations,
    read_csv,
    require_columns,
    slug,
    to_numbers,
)

__all__ = ["OwidSource", "owid_code"]

SOURCE_ID = "owid-ai"
VINTAGE = "2026-05-10"  # date of the download (commit of the source repository)
PUBLISHER = "Our World in Data (Global Change Data Lab)"
LICENCE = "CC BY 4.0 (OWID processing); respect the original source's terms"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)
ID_COLUMNS = ("Entity", "Code", "Year")
_PROJECTED = re.compile(r"^(?P<base>.*?)\s*\(projected\)\s*\(Projected\)$", re.IGNORECASE)

#: Original source of each file (from the folder README), shown in the indicator metadata.
ORIGINAL_SOURCES: dict[str, tuple[str, str]] = {
    "annual-scholarly-publications-on-artificial-intelligence": (
        "CSET Country Activity Tracker (ETO), processed by Our World in Data",
        "articles",
    ),
    "artificial-intelligence-patents-submitted": (
        "CSET Country Activity Tracker (ETO), processed by Our World in Data",
        "patent applications",
    ),
    "private-investment-in-artificial-intelligence-cset": (
        "CSET, processed by Our World in Data",
        "constant 2021 US$",
    ),
    "cumulative-number-of-large-scale-ai-systems-by-country": (
        "Epoch AI, processed by Our World in Data",
        "AI systems (cumulative)",
    ),
    "cumulative-number-artificial-intelligence-bills-passed": (
        "Stanford AI Index, processed by Our World in Data",
        "bills (cumulative since 2016)",
    ),
    "views-ai-impact-society-next-20-years": (
        "Lloyd's Register Foundation World Risk Poll (Gallup), processed by Our World in Data",
        "% of respondents",
    ),
    "annual-reported-ai-incidents-controversies": (
        "AI Index / AIAAIC, processed by Our World in Data",
        "incidents",
    ),
}


def owid_code(stem: str, column: str, n_value_columns: int) -> str:
    """Indicator code of one value column of ``<stem>.csv``."""
    if n_value_columns == 1 or column == "All":
        return f"OWID.{stem}"
    return f"OWID.{stem}.{slug(column)}"


class OwidSource:
    """Read every country-level OWID grapher CSV in a folder (or one file)."""

    source_id = SOURCE_ID

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        for file in find_files(path, "*.csv", source_id=SOURCE_ID, folder="owid-ai"):
            frame = read_csv(file, source_id=SOURCE_ID)
            if "Code" not in frame.columns and "Day" in frame.columns:
                self.skipped.append(file.name)  # one row per AI system, not per country
                continue
            require_columns(frame, ID_COLUMNS, path=file, source_id=SOURCE_ID)
            yield self._read_file(file, frame)

    def _read_file(self, file: Path, frame: object) -> Batch:
        import pandas as pd

        assert isinstance(frame, pd.DataFrame)
        stem = file.stem
        codes = frame["Code"].fillna("")
        entity = frame["Entity"].fillna("")
        # the key per row: the code, or the entity name where OWID gives no code
        keys = [c if c else f"name:{e}" for c, e in zip(codes, entity, strict=True)]
        aggregates: dict[str, str] = {}
        overrides: dict[str, str] = {"OWID_KOS": "XKX"}
        from aibridge.reference.economies import classify_economy

        for key in set(keys):
            if key.startswith("OWID_") and key not in overrides:
                aggregates[key] = key
            elif key.startswith("name:"):
                name = key[5:]
                match = classify_economy(name)
                if match is not None:
                    overrides[key] = match.code
                    if match.is_aggregate:
                        aggregates[key] = match.code
                else:
                    aggregates[key] = "OWID_" + slug(name).upper()
        mapper = EconomyMapper(where=str(file), aggregates=aggregates, overrides=overrides)
        economies = mapper.map(keys)
        years = to_numbers(frame, "Year", path=file, source_id=SOURCE_ID).to_numpy()

        value_columns = [c for c in frame.columns if c not in ID_COLUMNS]
        projected = {c: m["base"] for c in value_columns if (m := _PROJECTED.match(c))}
        base_columns = [c for c in value_columns if c not in projected]
        econ, ind, yrs, vals, flags = [], [], [], [], []
        indicators = []
        origin_source, unit = ORIGINAL_SOURCES.get(stem, ("Our World in Data", None))
        for column in base_columns:
            code = owid_code(stem, column, len(base_columns))
            values = to_numbers(frame, column, path=file, source_id=SOURCE_ID).to_numpy()
            flag = np.full(len(values), None, dtype=object)
            for proj_column, base in projected.items():
                if base == column:
                    proj = to_numbers(frame, proj_column, path=file, source_id=SOURCE_ID).to_numpy()
                    fill = np.isnan(values) & ~np.isnan(proj)
                    values = np.where(fill, proj, values)
                    flag[fill] = "E"
            keep = ~np.isnan(values)
            econ.append(economies[keep])
            ind.append(np.full(int(keep.sum()), code, dtype=object))
            yrs.append(years[keep])
            vals.append(values[keep])
            flags.append(flag[keep])
            label = stem.replace("-", " ")
            name = label[0].upper() + label[1:] + ("" if column == "All" else f": {column}")
            indicators.append(
                {
                    "code": code,
                    "name": name,
                    "unit": unit,
                    "description": (
                        f"{name} (OWID grapher export {file.name}, column {column!r}"
                        + (
                            "; 2025 projections filled from the '(Projected)' column, flag E"
                            if column in projected.values()
                            else ""
                        )
                        + f"). Original source: {origin_source}."
                    ),
                    "topic": "Artificial intelligence",
                    "direction": None,
                    "licence": LICENCE,
                    "source": origin_source,
                }
            )
        names: dict[str, str] = {}
        for key, name in zip(keys, entity, strict=True):
            mapped = mapper.one(key)
            if mapped is not None and mapped.startswith("OWID_"):
                names.setdefault(mapped, f"{name} (OWID)")
        return file_batch(
            file,
            RELEASE,
            title=f"Our World in Data: {stem}",
            observations=observations(
                np.concatenate(econ),
                np.concatenate(ind),
                np.concatenate(yrs),
                np.concatenate(vals),
                np.concatenate(flags),
            ),
            indicators=indicators,
            economies=mapper,
            economy_updates=aggregate_updates(names),
        )
