"""ITU Global Cybersecurity Index 2020 (long CSV ``cc_iso3c, ref_year, variable, value``).

Indicators (year = reference year 2020):

* ``ITU.gci`` -- overall GCI score, 0-100 (``gci_overall``);
* ``ITU.gci_legal_measures``, ``ITU.gci_technical_measures``,
  ``ITU.gci_organisational_measures``, ``ITU.gci_capacity_development``,
  ``ITU.gci_cooperative_measures`` -- the five pillar scores, 0-20 each; the overall score is
  their sum (within 0.02, rounding of the published values).
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
    to_numbers,
)

__all__ = ["GCI_VARIABLES", "ItuGciSource"]

SOURCE_ID = "itu-gci-2020"
VINTAGE = "GCI 2020"
PUBLISHER = "International Telecommunication Union (ITU)"
LICENCE = "ITU terms of use: re-use for educational and non-commercial purposes, with attribution"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)

#: variable -> (code, name, unit)
GCI_VARIABLES: dict[str, tuple[str, str, str]] = {
    "gci_overall": ("ITU.gci", "Global Cybersecurity Index (GCI), overall score", "score 0-100"),
    "gci_legal_measures": ("ITU.gci_legal_measures", "GCI pillar: legal measures", "score 0-20"),
    "gci_technical_measures": (
        "ITU.gci_technical_measures",
        "GCI pillar: technical measures",
        "score 0-20",
    ),
    "gci_organisational_measures": (
        "ITU.gci_organisational_measures",
        "GCI pillar: organisational measures",
        "score 0-20",
    ),
    "gci_capacity_development": (
        "ITU.gci_capacity_development",
        "GCI pillar: capacity development",
        "score 0-20",
    ),
    "gci_cooperative_measures": (
        "ITU.gci_cooperative_measures",
        "GCI pillar: cooperative measures",
        "score 0-20",
    ),
}


class ItuGciSource:
    """Read ``gci_2020.csv`` (folder or file path)."""

    source_id = SOURCE_ID

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        file = find_file(path, "gci_*.csv", source_id=SOURCE_ID, folder=SOURCE_ID)
        frame = read_csv(file, source_id=SOURCE_ID)
        require_columns(
            frame, ("cc_iso3c", "ref_year", "variable", "value"), path=file, source_id=SOURCE_ID
        )
        unknown_variables = sorted(set(frame["variable"].dropna()) - set(GCI_VARIABLES))
        if unknown_variables:
            first = int(np.flatnonzero(frame["variable"].isin(unknown_variables).to_numpy())[0])
            raise SourceFormatError(
                f"unknown GCI variable(s) {unknown_variables}; expected {sorted(GCI_VARIABLES)}",
                source_id=SOURCE_ID,
                path=str(file),
                line=first + 2,
                column="variable",
            )
        mapper = EconomyMapper(where=str(file))
        economies = mapper.map(frame["cc_iso3c"].fillna("").tolist())
        values = to_numbers(frame, "value", path=file, source_id=SOURCE_ID).to_numpy()
        years = to_numbers(frame, "ref_year", path=file, source_id=SOURCE_ID).to_numpy()
        codes = frame["variable"].map(lambda v: GCI_VARIABLES[v][0]).to_numpy()
        keep = ~np.isnan(values)
        rows = [
            {
                "code": code,
                "name": name,
                "unit": unit,
                "description": (
                    f"{name}, ITU Global Cybersecurity Index 2020 (4th edition, published 2021; "
                    "values as extracted from the report's tables by the Blavatnik Index of "
                    "Public Administration source data). Overall = sum of the five pillars."
                ),
                "topic": "Cybersecurity",
                "direction": 1,
                "licence": LICENCE,
                "source": "ITU, Global Cybersecurity Index 2020",
            }
            for code, name, unit in GCI_VARIABLES.values()
        ]
        yield file_batch(
            file,
            RELEASE,
            title="ITU Global Cybersecurity Index 2020",
            observations=observations(
                economies[keep], codes[keep], years[keep].astype(int), values[keep]
            ),
            indicators=rows,
            economies=mapper,
        )
