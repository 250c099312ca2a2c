"""Loader for COINr's ASEM example data (``coinr-asem`` in the shared data folder).

``ASEM_iData.csv``: 51 units x (uName, uCode, 4 group columns, Time, 4 denominators,
49 indicators); ``ASEM_iMeta.csv``: the framework (already written out in ``asem.yaml``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aibridge.engine.spec import Panel
from aibridge.errors import SourceUnavailable
from aibridge.settings import find_shared_data

GROUPS = ("GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
DENOMINATORS = ("Area", "Energy", "GDP", "Population")
ID_COLUMNS = ("uName", "uCode", *GROUPS, "Time")


def find_asem_dir(data_dir: str | Path | None = None) -> Path:
    base = Path(data_dir) if data_dir else find_shared_data()
    folder = (
        None
        if base is None
        else (base if (base / "ASEM_iData.csv").exists() else base / "coinr-asem")
    )
    if folder is None or not (folder / "ASEM_iData.csv").exists():
        raise SourceUnavailable(
            "ASEM_iData.csv not found: set AIBRIDGE_SHARED_DATA to the shared data folder "
            "(it holds coinr-asem/) or pass data_dir",
            source_id="coinr-asem",
        )
    return folder


def load_panel(data_dir: str | None = None) -> Panel:
    """The ASEM data as a one-year panel: 49 indicators + 4 denominators, 4 groupings."""
    folder = find_asem_dir(data_dir)
    df = pd.read_csv(folder / "ASEM_iData.csv", keep_default_na=False, na_values=[""])
    value_cols = [c for c in df.columns if c not in ID_COLUMNS]
    years = tuple(int(y) for y in sorted(df["Time"].unique()))
    econs = tuple(df["uCode"].astype(str))
    values = np.full((len(years), len(econs), len(value_cols)), np.nan)
    for t, year in enumerate(years):
        rows = (df["Time"] == year).to_numpy()
        values[t, rows] = df.loc[rows, value_cols].to_numpy(dtype=np.float64)
    return Panel(
        values=values,
        years=years,
        economies=econs,
        indicators=tuple(value_cols),
        groups={g: tuple(df[g].astype(str)) for g in GROUPS},
        vintage="COINr 1.1.14 ASEM_iData (2022-05-02)",
        economy_names=dict(zip(df["uCode"], df["uName"], strict=True)),
    )
