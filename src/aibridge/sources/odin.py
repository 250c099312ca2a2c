"""Open Data Inventory (ODIN) 2022/23, Open Data Watch: coverage and openness of official
statistics by country and data category (CSV, cp1252, 4 footer lines).

Every score cell becomes an observation of ``ODIN.<category>.<element>`` (year 2022), with
``<category>`` the slug of ``Data categories`` (22 categories plus ``all_categories``) and
``<element>`` the slug of the score column:

* coverage elements: ``indicator_coverage_and_disaggregation``,
  ``data_available_last_5_years``, ``data_available_last_10_years``,
  ``first_administrative_level``, ``second_administrative_level``;
* openness elements: ``machine_readable``, ``non_proprietary``, ``download_options``,
  ``metadata_available``, ``terms_of_use``;
* ``overall_score``.

E.g. ``ODIN.all_categories.overall_score`` is the sum over the 22 categories (points, not
the 0-100 score of the ODIN website). Cells ``-`` ("not applicable": administrative levels)
are not observations. The footer lines (licence, citation, timestamps) are skipped: a data
row is one whose ``Year`` is a number.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from aibridge.errors import SourceFormatError
from aibridge.sources._base import Batch
from aibridge.sources._tabular import (
    EconomyMapper,
    Release,
    file_batch,
    find_file,
    observations,
    read_csv,
    require_columns,
    slug,
    to_numbers,
)

__all__ = ["ODIN_ELEMENTS", "OdinSource"]

SOURCE_ID = "odin-2022"
VINTAGE = "ODIN 2022/23 (2023-08-09)"
PUBLISHER = "Open Data Watch"
LICENCE = "CC BY 4.0"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)
ID_COLUMNS = ("Year", "Region", "Region code", "Country", "Country Code", "Data categories")
NOT_APPLICABLE = ("-",)

#: score column -> (kind, description)
ODIN_ELEMENTS: dict[str, tuple[str, str]] = {
    "Indicator coverage and disaggregation": ("coverage", "key indicators and disaggregations"),
    "Data available last 5 years": ("coverage", "data for at least 3 of the last 5 years"),
    "Data available last 10 years": ("coverage", "data for at least 5 of the last 10 years"),
    "First administrative level": ("coverage", "data at the first administrative level"),
    "Second administrative level": ("coverage", "data at the second administrative level"),
    "Machine readable": ("openness", "available in machine-readable formats"),
    "Non-proprietary": ("openness", "available in non-proprietary formats"),
    "Download options": ("openness", "bulk download / API / user-selectable options"),
    "Metadata available": ("openness", "metadata published"),
    "Terms of use": ("openness", "open terms of use / licence"),
    "Overall score": ("overall", "sum of the coverage and openness element scores"),
}


class OdinSource:
    """Read ``ODIN_*.csv`` (folder or file path)."""

    source_id = SOURCE_ID

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        file = find_file(path, "ODIN_*.csv", source_id=SOURCE_ID, folder=SOURCE_ID)
        frame = read_csv(file, source_id=SOURCE_ID, encoding="cp1252")
        require_columns(frame, (*ID_COLUMNS, *ODIN_ELEMENTS), path=file, source_id=SOURCE_ID)
        is_data = frame["Year"].fillna("").str.strip().str.fullmatch(r"\d{4}")
        footer = frame[~is_data]
        if footer[list(ODIN_ELEMENTS)].notna().any(axis=None):
            bad = int(footer.index[footer[list(ODIN_ELEMENTS)].notna().any(axis=1)][0])
            raise SourceFormatError(
                f"row has scores but its Year {frame['Year'].iloc[bad]!r} is not a year",
                source_id=SOURCE_ID,
                path=str(file),
                line=bad + 2,
                column="Year",
            )
        frame = frame[is_data]
        mapper = EconomyMapper(where=str(file))
        economies = mapper.map(frame["Country Code"].fillna("").tolist())
        years = frame["Year"].astype(int).to_numpy()
        categories = frame["Data categories"].fillna("").map(slug).to_numpy()
        econ, ind, yrs, vals = [], [], [], []
        for column in ODIN_ELEMENTS:
            values = to_numbers(
                frame, column, path=file, source_id=SOURCE_ID, missing=NOT_APPLICABLE
            ).to_numpy()
            keep = ~np.isnan(values)
            econ.append(economies[keep])
            ind.append(
                np.array([f"ODIN.{c}.{slug(column)}" for c in categories[keep]], dtype=object)
            )
            yrs.append(years[keep])
            vals.append(values[keep])
        obs = observations(
            np.concatenate(econ), np.concatenate(ind), np.concatenate(yrs), np.concatenate(vals)
        )
        names = dict(zip(categories, frame["Data categories"], strict=True))
        present = set(obs.column("indicator").to_pylist())
        rows = []
        for category, label in sorted(names.items()):
            for column, (kind, meaning) in ODIN_ELEMENTS.items():
                if f"ODIN.{category}.{slug(column)}" not in present:
                    continue  # e.g. an administrative level "-" for every country
                rows.append(
                    {
                        "code": f"ODIN.{category}.{slug(column)}",
                        "name": f"ODIN {label}: {column}",
                        "unit": "points",
                        "description": (
                            f"Open Data Inventory 2022/23, data category {label!r}, {kind} "
                            f"element {column!r} ({meaning}). Points as published (per "
                            "category the overall score is at most 10; 'All Categories' is "
                            "the sum over the 22 categories). '-' (not applicable) cells are "
                            "not observations."
                        ),
                        "topic": "Data development",
                        "direction": 1,
                        "licence": LICENCE,
                        "source": "Open Data Watch, Open Data Inventory 2022/23",
                    }
                )
        yield file_batch(
            file,
            RELEASE,
            title="Open Data Inventory 2022/23",
            observations=obs,
            indicators=rows,
            economies=mapper,
        )
