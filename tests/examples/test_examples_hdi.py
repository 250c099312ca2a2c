"""HDI reference test: recomputing UNDP's HDI from its components (HDR 2023/24 data).

Every economy-year with all four components present and a published HDI must match to
within 0.001 (the published HDI has 3 decimals, so the deviation is at most 0.0005 when the
method is right). Measured on the shared data: 5,808 economy-years, max deviation 0.0005
(rounding only; rounding our value to 3 decimals reproduces every published value). Five
economy-years have components but no published HDI: Rwanda 1990-1994 (UNDP does not publish
them; in 1994 life expectancy was below the 20-year goalpost, so the health index and the
geometric mean are 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aibridge.engine.build import build_index
from aibridge.frameworks import load_framework, load_panel

pytestmark = pytest.mark.shared_data
HDI = Path(__file__).resolve().parents[2] / "examples" / "hdi" / "hdi.yaml"


def test_hdi_matches_published(shared_data: Path) -> None:
    fw = load_framework(HDI)
    panel = load_panel(fw)
    r = build_index(fw.to_spec(), panel)
    published = panel.values[..., panel.indicators.index("HDR.hdi")]
    mine = r.scores[..., r.tree.index("hdi")]
    complete = ~np.isnan(r.stages["raw"]).any(axis=-1)
    both = complete & ~np.isnan(published)
    dev = np.abs(mine - published)[both]
    assert both.sum() >= 5800
    assert dev.max() <= 0.001
    assert np.all(np.abs(np.round(mine[both], 3) - published[both]) < 1e-9)
    unpublished = [
        (r.years[y], r.economies[e]) for y, e in np.argwhere(complete & np.isnan(published))
    ]
    assert all(econ == "RWA" and year <= 1994 for year, econ in unpublished)
    # UNDP computes no HDI with a component missing: neither do we (dat_thresh: 1)
    assert np.all(np.isnan(mine[~complete]))
