"""UN E-Government Development Index (EGDI) and its components, per survey edition.

Two shared-data folders, one indicator family (year = survey edition):

* ``EGDI.egdi`` E-Government Development Index (0-1): ``e-gov-index`` / ``E-Government Index``
  / ``E_Index``;
* ``EGDI.osi`` Online Service Index, ``EGDI.hci`` Human Capital Index, ``EGDI.tii``
  Telecommunication Infrastructure Index, ``EGDI.epi`` E-Participation Index (all 0-1);
* ``EGDI.rank`` E-Government rank (1 = best).

* ``un-egdi-2010-2018`` (:class:`UnEgdiIso3Source`): ``egdi-<year>.csv``, ISO3-keyed.
* ``un-egdi-2003-2024`` (:class:`UnEgdiNamedSource`): ``EGOV_DATA_<year>.csv``, keyed by
  country *name* (with trailing spaces); names are resolved to ISO3 by the economy reference.
  ``EGOV_WITH_REGIONS_DATA_2022.csv`` repeats the 2022 values with a region column and is
  not read (it would duplicate every 2022 observation).

Both publish the same codes; the 2003-2024 set's vintage label sorts later, so where both
have a value the store's current view shows the later compilation (the older one stays
queryable with ``as_of``). Zeros are kept as published (early surveys coded "not assessed"
as 0; see docs/sources.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from aibridge.errors import SourceFormatError
from aibridge.sources._base import Batch
from aibridge.sources._tabular import (
    EconomyMapper,
    Release,
    file_batch,
    find_files,
    observations,
    read_csv,
    require_columns,
    to_numbers,
)

__all__ = ["EGDI_INDICATORS", "UnEgdiIso3Source", "UnEgdiNamedSource"]

PUBLISHER = "United Nations Department of Economic and Social Affairs (UN DESA)"
LICENCE = "UN terms of use: public use with attribution (no explicit open licence)"

EGDI_INDICATORS: dict[str, tuple[str, str, int]] = {
    "egdi": ("E-Government Development Index (EGDI)", "index 0-1", 1),
    "osi": ("Online Service Index (OSI)", "index 0-1", 1),
    "hci": ("Human Capital Index (HCI, EGDI component)", "index 0-1", 1),
    "tii": ("Telecommunication Infrastructure Index (TII)", "index 0-1", 1),
    "epi": ("E-Participation Index (EPI)", "index 0-1", 1),
    "rank": ("E-Government Development Index rank", "rank (1 = best)", -1),
}

_ISO3_COLUMNS: Mapping[str, str] = {
    "e-gov-index": "egdi",
    "osi": "osi",
    "hci": "hci",
    "tii": "tii",
    "e-pat-index": "epi",
    "e-gov-rank": "rank",
}
_NAMED_COLUMNS: Mapping[str, str] = {
    "E-Government Index": "egdi",
    "Online Service Index": "osi",
    "Human Capital Index": "hci",
    "Telecommunication Infrastructure Index": "tii",
    "E-Participation Index": "epi",
    "E-Government Rank": "rank",
    # 2024 file: columns renamed by its source repository
    "E_Index": "egdi",
    "Online_Service": "osi",
    "Human_Capital": "hci",
    "Tele_Infra": "tii",
    "E_Participation": "epi",
    "Rank": "rank",
}


def _indicators(source: str) -> list[dict[str, object]]:
    return [
        {
            "code": f"EGDI.{key}",
            "name": name,
            "unit": unit,
            "description": (
                f"{name}, United Nations E-Government Survey (year = survey edition). "
                "EGDI = (OSI + HCI + TII) / 3 from 2014; earlier editions used other weights."
            ),
            "topic": "Digital government",
            "direction": direction,
            "licence": LICENCE,
            "source": source,
        }
        for key, (name, unit, direction) in EGDI_INDICATORS.items()
    ]


def _year_of(path: Path, source_id: str) -> int:
    match = re.search(r"(19|20)\d\d", path.stem)
    if match is None:
        raise SourceFormatError(
            "no survey year in the file name (expected e.g. egdi-2018.csv / EGOV_DATA_2018.csv)",
            source_id=source_id,
            path=str(path),
        )
    return int(match.group(0))


def _read(
    path: Path | None,
    *,
    source_id: str,
    folder: str,
    pattern: str,
    key_column: str,
    columns: Mapping[str, str],
    vintage: str,
    source: str,
) -> Iterator[Batch]:
    release = Release(source_id, vintage, PUBLISHER, LICENCE)
    files = [
        f
        for f in find_files(path, pattern, source_id=source_id, folder=folder)
        if "WITH_REGIONS" not in f.name
    ]
    for file in files:
        year = _year_of(file, source_id)
        frame = read_csv(file, source_id=source_id)
        key = key_column if key_column in frame.columns else "Country"
        require_columns(frame, (key,), path=file, source_id=source_id)
        if "Survey Year" in frame.columns:
            years = set(frame["Survey Year"].dropna().astype(int))
            if years != {year}:
                raise SourceFormatError(
                    f"Survey Year {sorted(years)} does not match the file name's {year}",
                    source_id=source_id,
                    path=str(file),
                    column="Survey Year",
                )
        mapper = EconomyMapper(where=str(file))
        economies = mapper.map(frame[key].fillna("").str.strip().tolist())
        present = {c: k for c, k in columns.items() if c in frame.columns}
        if not present:
            raise SourceFormatError(
                f"none of the EGDI value columns {sorted(columns)[:6]} found",
                source_id=source_id,
                path=str(file),
                line=1,
            )
        econ, ind, val = [], [], []
        for column, code in present.items():
            values = to_numbers(frame, column, path=file, source_id=source_id).to_numpy()
            keep = ~np.isnan(values)
            econ.append(economies[keep])
            ind.append(np.full(int(keep.sum()), f"EGDI.{code}", dtype=object))
            val.append(values[keep])
        econ_all = np.concatenate(econ)
        yield file_batch(
            file,
            release,
            title=f"United Nations E-Government Survey {year}",
            observations=observations(
                econ_all, np.concatenate(ind), np.full(len(econ_all), year), np.concatenate(val)
            ),
            indicators=_indicators(source),
            economies=mapper,
        )


class UnEgdiIso3Source:
    """``un-egdi-2010-2018``: ``egdi-<year>.csv`` (ISO3-keyed, UNU-EGOV copy)."""

    source_id = "un-egdi-2010-2018"

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        return _read(
            path,
            source_id=self.source_id,
            folder="un-egdi-2010-2018",
            pattern="egdi-*.csv",
            key_column="country-code",
            columns=_ISO3_COLUMNS,
            vintage="EGOV 2010-2018 (UNU-EGOV 2019-03-13)",
            source="UN DESA E-Government Survey 2010-2018, via UNU-EGOV/datasets",
        )


class UnEgdiNamedSource:
    """``un-egdi-2003-2024``: ``EGOV_DATA_<year>.csv`` (name-keyed, UN DESA Data Center)."""

    source_id = "un-egdi-2003-2024"

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        return _read(
            path,
            source_id=self.source_id,
            folder="un-egdi-2003-2024",
            pattern="EGOV_*DATA_*.csv",
            key_column="Country Name",
            columns=_NAMED_COLUMNS,
            vintage="EGOV 2024 (all editions 2003-2024)",
            source="UN DESA E-Government Survey 2003-2024, Data Center CSVs",
        )
