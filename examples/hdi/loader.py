"""Loader for the UNDP HDR 2023/24 composite-indices time series (shared data folder).

Reads the CSV through :class:`aibridge.sources.undp_hdr.UndpHdrSource` (codes ``HDR.le``,
``HDR.eys``, ``HDR.mys``, ``HDR.gnipc``, ``HDR.hdi``) and returns an engine panel of the
countries (the HDR's regional/world aggregates are left out).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from aibridge.engine.spec import Panel
from aibridge.errors import SourceUnavailable
from aibridge.settings import find_shared_data
from aibridge.sources.undp_hdr import UndpHdrSource

CODES = ("HDR.le", "HDR.eys", "HDR.mys", "HDR.gnipc", "HDR.hdi")


def load_panel(data_dir: str | None = None, codes: tuple[str, ...] = CODES) -> Panel:
    base = Path(data_dir) if data_dir else find_shared_data()
    if base is None:
        raise SourceUnavailable(
            "shared data not found: set AIBRIDGE_SHARED_DATA (it holds undp-hdr-2023-24/)",
            source_id="undp-hdr-2023-24",
        )
    folder = base / "undp-hdr-2023-24" if (base / "undp-hdr-2023-24").is_dir() else base
    frames = []
    aggregates: set[str] = set()
    vintage = None
    for batch in UndpHdrSource().read(folder):
        aggregates |= set(batch.aggregates)
        vintage = batch.origin.vintage
        if batch.observations.num_rows:
            frames.append(batch.observations)
    obs = pa.concat_tables(frames).to_pandas()
    obs = obs[obs["indicator"].isin(codes) & ~obs["economy"].isin(aggregates)]
    obs = obs[~obs["economy"].str.startswith("ZZ")]
    panel = Panel.from_frame(obs, vintage=vintage)
    return panel
