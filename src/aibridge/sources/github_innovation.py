"""GitHub Innovation Graph: public GitHub activity by economy and quarter -> annual indicators.

The store holds annual values, so each quarterly metric is turned into a yearly one by a rule
that fits what it counts (stated in every indicator's description):

==================  ===================================  ==================================
code                file / column                        annual rule
==================  ===================================  ==================================
GH.developers       developers.csv ``developers``        value of the last quarter (Q4)
GH.organizations    organizations.csv ``organizations``  value of the last quarter (Q4)
GH.repositories     repositories.csv ``repositories``    value of the last quarter (Q4)
GH.git_pushes       git_pushes.csv ``git_pushes``        sum of the four quarters (a flow)
==================  ===================================  ==================================

*Stocks* (developers, organisations, repositories: GitHub's datasheet counts every account /
organisation / repository located in the economy, including inactive ones) are not additive
across quarters, so the annual value is the end-of-year stock: the value of Q4, or of the
latest quarter reported, flagged ``P`` (provisional) when that is not Q4 (2025 in this
snapshot: Q1-Q3). *Flows* (pushes) add up: the annual value is the sum of the four quarters;
a year with fewer than four quarters reported (2025, or an economy under the privacy threshold
in some quarter) is annualised as ``sum * 4 / n`` and flagged ``E`` (estimate).

Codes are ISO alpha-2; ``EU`` (the European Union, counted in addition to its members) is kept
as the aggregate ``EUU``, ``XK`` is Kosovo (``XKX``). The per-topic / licence / language and the
collaboration-graph files are not imported (no country-year indicator; see docs/sources.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

__all__ = ["GH_METRICS", "GithubInnovationGraphSource", "annualise"]

SOURCE_ID = "github-innovation-graph"
VINTAGE = "2026-01-27 (release 2025Q3)"
PUBLISHER = "GitHub, Inc. — GitHub Innovation Graph"
LICENCE = "CC0-1.0"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)

#: metric -> (name, unit, rule) where rule is "last" (stock) or "sum" (flow)
GH_METRICS: Mapping[str, tuple[str, str, str]] = {
    "developers": ("GitHub developer accounts located in the economy", "accounts", "last"),
    "organizations": ("GitHub organisations located in the economy", "organisations", "last"),
    "repositories": ("GitHub repositories located in the economy", "repositories", "last"),
    "git_pushes": ("Git pushes to GitHub", "pushes per year", "sum"),
}

_RULE_TEXT = {
    "last": (
        "Annual value = end-of-year stock: the Q4 value (a count of accounts is not additive "
        "across quarters); where Q4 is not reported, the latest quarter's, flagged P."
    ),
    "sum": (
        "Annual value = sum of the four quarterly values (a flow); when fewer than 4 quarters "
        "are reported the sum is annualised (sum x 4 / quarters) and flagged E."
    ),
}


def annualise(
    economy: np.ndarray, year: np.ndarray, quarter: np.ndarray, value: np.ndarray, rule: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group quarterly rows by (economy, year) and apply ``rule`` ("last" or "sum").

    Returns economies, years, annual values and flags (None, "P" or "E").
    """
    import pandas as pd

    frame = pd.DataFrame({"economy": economy, "year": year, "quarter": quarter, "value": value})
    frame = frame.sort_values(["economy", "year", "quarter"], kind="stable")
    grouped = frame.groupby(["economy", "year"], sort=True).agg(
        total=("value", "sum"), last=("value", "last"), n=("value", "count"), q=("quarter", "max")
    )
    count = grouped["n"].to_numpy()
    if rule == "sum":
        complete = count >= 4
        annual = np.where(complete, grouped["total"], grouped["total"] * 4.0 / count)
        flags = np.array([None if c else "E" for c in complete], dtype=object)
    elif rule == "last":
        annual = grouped["last"].to_numpy()
        flags = np.array([None if q == 4 else "P" for q in grouped["q"]], dtype=object)
    else:
        raise ValueError(f"rule must be 'last' or 'sum'; got {rule!r}")
    econ = grouped.index.get_level_values(0).to_numpy()
    years = grouped.index.get_level_values(1).to_numpy()
    return econ, years, np.asarray(annual, dtype=float), flags


class GithubInnovationGraphSource:
    """Read developers / organizations / repositories / git_pushes CSVs (folder path)."""

    source_id = SOURCE_ID

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        for metric, (name, unit, rule) in GH_METRICS.items():
            file = find_file(path, f"{metric}.csv", source_id=SOURCE_ID, folder=SOURCE_ID)
            if path is not None and path.is_file() and file.stem != metric:
                continue
            yield self._read_metric(file, metric, name, unit, rule)

    def _read_metric(self, file: Path, metric: str, name: str, unit: str, rule: str) -> Batch:
        frame = read_csv(file, source_id=SOURCE_ID)
        require_columns(
            frame, (metric, "iso2_code", "year", "quarter"), path=file, source_id=SOURCE_ID
        )
        values = to_numbers(frame, metric, path=file, source_id=SOURCE_ID).to_numpy()
        years = to_numbers(frame, "year", path=file, source_id=SOURCE_ID).to_numpy()
        quarters = to_numbers(frame, "quarter", path=file, source_id=SOURCE_ID).to_numpy()
        if not np.isin(quarters, [1, 2, 3, 4]).all():
            bad = int(np.flatnonzero(~np.isin(quarters, [1, 2, 3, 4]))[0])
            raise SourceFormatError(
                f"quarter must be 1-4; got {frame['quarter'].iloc[bad]!r}",
                source_id=SOURCE_ID,
                path=str(file),
                line=bad + 2,
                column="quarter",
            )
        keys = frame[["iso2_code", "year", "quarter"]]
        duplicated = keys.duplicated()
        if duplicated.any():
            bad = int(np.flatnonzero(duplicated.to_numpy())[0])
            raise SourceFormatError(
                f"duplicate economy-quarter {tuple(keys.iloc[bad])}; each must appear once",
                source_id=SOURCE_ID,
                path=str(file),
                line=bad + 2,
            )
        mapper = EconomyMapper(where=str(file))
        economies = mapper.map(frame["iso2_code"].fillna("").tolist())
        keep = np.array([e is not None for e in economies]) & ~np.isnan(values)
        econ, yrs, annual, flags = annualise(
            economies[keep], years[keep].astype(int), quarters[keep].astype(int), values[keep], rule
        )
        code = f"GH.{metric}"
        indicator = {
            "code": code,
            "name": name,
            "unit": unit,
            "description": (
                f"{name}, by economy (GitHub Innovation Graph, {metric}.csv; economies with "
                "fewer than 100 developers doing the activity in a quarter are not reported). "
                f"{_RULE_TEXT[rule]}"
            ),
            "topic": "Open-source activity",
            "direction": 1,
            "licence": LICENCE,
            "source": "GitHub Innovation Graph (innovationgraph.github.com)",
        }
        return file_batch(
            file,
            RELEASE,
            title=f"GitHub Innovation Graph: {metric} by economy and quarter",
            observations=observations(econ, np.full(len(econ), code), yrs, annual, flags),
            indicators=[indicator],
            economies=mapper,
        )
