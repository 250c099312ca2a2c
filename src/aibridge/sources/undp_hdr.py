"""UNDP Human Development Report composite indices, complete time series (wide CSV, cp1252).

Every ``<stem>_<year>`` column becomes indicator ``HDR.<stem>`` (the stem exactly as in the
file: ``HDR.hdi``, ``HDR.le``, ``HDR.gnipc``, ``HDR.gii``, ``HDR.le_f``, ``HDR.gni_pc_m`` ...).
Single-year rank/group columns (``hdi_rank_2022``, ``gii_rank_2022``, ``gdi_group_2022``,
``rankdiff_hdi_phdi_2022``) are imported the same way (year 2022). The 11 aggregate rows
(``ZZA.VHHD`` ... ``ZZK.WORLD``) are kept under their UNDP code and flagged as aggregates.
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
    find_file,
    observations,
    read_csv,
    require_columns,
    to_numbers,
)

__all__ = ["HDR_INDICATORS", "UndpHdrSource"]

SOURCE_ID = "undp-hdr-2023-24"
VINTAGE = "HDR 2023-24"
LICENCE = "UNDP terms of use: free public use with attribution"
PUBLISHER = "United Nations Development Programme (UNDP), Human Development Report Office"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)
CITATION = "UNDP (United Nations Development Programme). 2024. Human Development Report 2023-2024."

#: stem -> (name, unit, direction, topic). From the HDR technical notes / the folder README.
HDR_INDICATORS: dict[str, tuple[str, str, int | None, str]] = {
    "hdi_rank": ("HDI rank", "rank", -1, "Human development"),
    "hdi": ("Human Development Index (HDI)", "index 0-1", 1, "Human development"),
    "le": ("Life expectancy at birth", "years", 1, "Health"),
    "eys": ("Expected years of schooling", "years", 1, "Education"),
    "mys": ("Mean years of schooling", "years", 1, "Education"),
    "gnipc": ("Gross national income (GNI) per capita", "2017 PPP $", 1, "Income"),
    "gdi_group": ("GDI group (1 = high equality ... 5 = low equality)", "group 1-5", -1, "Gender"),
    "gdi": ("Gender Development Index (GDI): female HDI / male HDI", "ratio", None, "Gender"),
    "hdi_f": ("HDI, female", "index 0-1", 1, "Gender"),
    "le_f": ("Life expectancy at birth, female", "years", 1, "Gender"),
    "eys_f": ("Expected years of schooling, female", "years", 1, "Gender"),
    "mys_f": ("Mean years of schooling, female", "years", 1, "Gender"),
    "gni_pc_f": ("Estimated GNI per capita, female", "2017 PPP $", 1, "Gender"),
    "hdi_m": ("HDI, male", "index 0-1", 1, "Gender"),
    "le_m": ("Life expectancy at birth, male", "years", 1, "Gender"),
    "eys_m": ("Expected years of schooling, male", "years", 1, "Gender"),
    "mys_m": ("Mean years of schooling, male", "years", 1, "Gender"),
    "gni_pc_m": ("Estimated GNI per capita, male", "2017 PPP $", 1, "Gender"),
    "ihdi": ("Inequality-adjusted HDI (IHDI)", "index 0-1", 1, "Inequality"),
    "coef_ineq": ("Coefficient of human inequality", "%", -1, "Inequality"),
    "loss": ("Overall loss in HDI due to inequality", "%", -1, "Inequality"),
    "ineq_le": ("Inequality in life expectancy", "%", -1, "Inequality"),
    "ineq_edu": ("Inequality in education", "%", -1, "Inequality"),
    "ineq_inc": ("Inequality in income", "%", -1, "Inequality"),
    "gii_rank": ("GII rank", "rank", -1, "Gender"),
    "gii": ("Gender Inequality Index (GII)", "index 0-1", -1, "Gender"),
    "mmr": ("Maternal mortality ratio", "deaths per 100,000 live births", -1, "Gender"),
    "abr": ("Adolescent birth rate", "births per 1,000 women ages 15-19", -1, "Gender"),
    "se_f": (
        "Population with at least some secondary education, female",
        "% ages 25 and older",
        1,
        "Gender",
    ),
    "se_m": (
        "Population with at least some secondary education, male",
        "% ages 25 and older",
        1,
        "Gender",
    ),
    "pr_f": ("Share of seats in parliament, female", "% held by women", 1, "Gender"),
    "pr_m": ("Share of seats in parliament, male", "% held by men", None, "Gender"),
    "lfpr_f": ("Labour force participation rate, female", "% ages 15 and older", 1, "Gender"),
    "lfpr_m": ("Labour force participation rate, male", "% ages 15 and older", 1, "Gender"),
    "rankdiff_hdi_phdi": ("Difference from HDI rank (PHDI)", "ranks", None, "Environment"),
    "phdi": ("Planetary pressures-adjusted HDI (PHDI)", "index 0-1", 1, "Environment"),
    "diff_hdi_phdi": ("Difference from HDI value (PHDI)", "%", -1, "Environment"),
    "co2_prod": ("Carbon dioxide emissions per capita (production)", "tonnes", -1, "Environment"),
    "mf": ("Material footprint per capita", "tonnes", -1, "Environment"),
    "pop_total": ("Population, total", "millions", None, "Demography"),
}

#: The file writes a few missing cells as the literal text ``NaN`` (e.g. diff_hdi_phdi_1994).
MISSING = ("NaN",)
ID_COLUMNS = ("iso3", "country", "hdicode", "region")
_COLUMN = re.compile(r"^(?P<stem>[a-z][a-z0-9_]*?)_(?P<year>(19|20)\d\d)$")


class UndpHdrSource:
    """Read ``HDR23-24_Composite_indices_complete_time_series.csv`` (folder or file path)."""

    source_id = SOURCE_ID

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        file = find_file(
            path,
            "HDR*_Composite_indices_complete_time_series.csv",
            source_id=SOURCE_ID,
            folder="undp-hdr-2023-24",
        )
        frame = read_csv(file, source_id=SOURCE_ID, encoding="cp1252")
        require_columns(frame, ("iso3", "country"), path=file, source_id=SOURCE_ID)
        value_columns = [c for c in frame.columns if c not in ID_COLUMNS]
        parsed = {c: _COLUMN.match(c) for c in value_columns}
        unparsed = [c for c, m in parsed.items() if m is None]
        if unparsed:
            from aibridge.errors import SourceFormatError

            raise SourceFormatError(
                f"columns {unparsed[:5]} are not <indicator>_<year>; is this the HDR "
                "composite-indices time series?",
                source_id=SOURCE_ID,
                path=str(file),
                line=1,
            )
        iso3 = frame["iso3"].fillna("")
        aggregates = {code: code for code in iso3 if code.startswith("ZZ")}
        mapper = EconomyMapper(where=str(file), aggregates=aggregates)
        economies = mapper.map(iso3.tolist())

        econ_parts, ind_parts, year_parts, value_parts = [], [], [], []
        for column, match in parsed.items():
            assert match is not None
            values = to_numbers(
                frame, column, path=file, source_id=SOURCE_ID, missing=MISSING
            ).to_numpy()
            keep = ~np.isnan(values)
            n = int(keep.sum())
            econ_parts.append(economies[keep])
            ind_parts.append(np.full(n, f"HDR.{match['stem']}", dtype=object))
            year_parts.append(np.full(n, int(match["year"]), dtype=np.int16))
            value_parts.append(values[keep])
        obs = observations(
            np.concatenate(econ_parts),
            np.concatenate(ind_parts),
            np.concatenate(year_parts),
            np.concatenate(value_parts),
        )
        stems = sorted({m["stem"] for m in parsed.values() if m is not None})
        rows = []
        for stem in stems:
            name, unit, direction, topic = HDR_INDICATORS.get(stem, (stem, None, None, None))
            rows.append(
                {
                    "code": f"HDR.{stem}",
                    "name": name,
                    "unit": unit,
                    "description": f"{name} (HDR column {stem}_<year>). {CITATION}",
                    "topic": topic,
                    "direction": direction,
                    "licence": LICENCE,
                    "source": f"UNDP Human Development Report Office, {VINTAGE}",
                }
            )
        names = {
            code: f"{name} (UNDP HDR aggregate)"
            for code, name in zip(iso3, frame["country"].fillna(""), strict=True)
            if code in aggregates
        }
        yield file_batch(
            file,
            RELEASE,
            title="HDR 2023/2024 composite indices, complete time series",
            observations=obs,
            indicators=rows,
            economies=mapper,
            economy_updates=aggregate_updates(names, as_of=VINTAGE),
        )
