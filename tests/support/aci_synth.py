"""A synthetic batch with every series the AI Capacity Index and its gender lens read, for
fixture stores in the API and web tests.

Every source series (and denominator) of ``aci.yaml`` and ``aci_gender.yaml`` and the expert
inputs, for 12 economies, 2013-2022: positive values with a per-economy level and a gentle
trend, so the whole ACI pipeline (denominate, impute, treat, normalise, aggregate) runs.
``SPARSE`` has too few indicators ("insufficient data" under the coverage rule) and
``NO_LENS`` lacks the gender lens's own series (scored by the ACI, not by the lens).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from aibridge.analysis.aci import EXPERT_INPUTS
from aibridge.frameworks import load_framework
from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, indicator_table

ECONOMIES = ("KEN", "NGA", "EGY", "ZAF", "GHA", "FRA", "DEU", "USA", "CHN", "IND", "BRA", "SAU")
YEARS = range(2013, 2023)
SPARSE = "GHA"
NO_LENS = "ZAF"


def aci_batch(seed: int = 7) -> Batch:
    """The synthetic ACI inputs; ``seed`` draws the per-economy levels."""
    codes: dict[str, int] = {}
    used: dict[str, set[str]] = {}
    for name in ("aci", "aci_gender"):
        fw = load_framework(name)
        used[name] = set()
        for ind in fw.indicators:
            codes.setdefault(fw.source_codes()[ind.code], ind.direction)
            used[name].add(fw.source_codes()[ind.code])
            if ind.denominator:
                codes.setdefault(ind.denominator, 1)
                used[name].add(ind.denominator)
    lens_only = used["aci_gender"] - used["aci"]
    for e in EXPERT_INPUTS:  # the expert-input series too, so the build adds them
        codes.setdefault(str(e["source"]), int(e["direction"]))
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for j, code in enumerate(sorted(codes)):
        for i, eco in enumerate(ECONOMIES):
            if eco == SPARSE and j % 4:
                continue  # too few indicators: 'insufficient data' under the coverage rule
            if eco == NO_LENS and code in lens_only:
                continue  # scored by the ACI, not by the gender lens
            level = 5.0 + 3.0 * ((i * 5 + j) % len(ECONOMIES)) + rng.uniform(0, 2)
            for year in YEARS:
                value = level * (1 + 0.04 * (year - 2013)) * (1e6 if code == "HDR.pop_total" else 1)
                rows.append(
                    {"economy": eco, "indicator": code, "year": year, "value": value, "flag": None}
                )
    return Batch(
        origin=Origin(
            source_id="aci-synth",
            uri="/data/aci.csv",
            sha256="1" * 64,
            vintage="2026-11-23",
            publisher="Test publisher",
            licence="CC BY-4.0",
            title="Synthetic ACI inputs",
        ),
        observations=pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA),
        indicators=indicator_table(
            [
                {"code": c, "name": c, "unit": "", "direction": d, "source": "Synthetic"}
                for c, d in codes.items()
            ]
        ),
    )
