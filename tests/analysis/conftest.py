"""Small synthetic frameworks for the uncertainty tests (engine IndexSpec + Panel)."""

from __future__ import annotations

import numpy as np
import pytest

from aibridge.analysis.uncertainty import IndexPlan
from aibridge.engine.spec import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step


def make_spec_panel(
    n: int = 30, k: int = 9, seed: int = 0, *, treat: str = "coinr"
) -> tuple[IndexSpec, Panel]:
    """Index <- 2 sub-indexes <- 3 pillars <- k indicators; lognormal data, one gap."""
    rng = np.random.default_rng(seed)
    inds = tuple(
        IndicatorSpec(
            code=f"i{j}",
            parent=f"p{j % 3}",
            direction=1 if j % 4 else -1,
            weight=1.0 + j % 2,
        )
        for j in range(k)
    )
    nodes = (
        NodeSpec("p0", "s0"),
        NodeSpec("p1", "s0", weight=2.0),
        NodeSpec("p2", "s1"),
        NodeSpec("s0", "idx"),
        NodeSpec("s1", "idx"),
        NodeSpec("idx"),
    )
    spec = IndexSpec(
        name="toy",
        indicators=inds,
        nodes=nodes,
        treat=Step(treat),
        normalise=Step("minmax", {"low": 1.0, "high": 100.0}),
    )
    vals = rng.lognormal(size=(1, n, k))
    vals[0, 3, 2] = np.nan
    panel = Panel(vals, (2020,), tuple(f"E{i:02d}" for i in range(n)), inds_codes(k))
    return spec, panel


def inds_codes(k: int) -> tuple[str, ...]:
    return tuple(f"i{j}" for j in range(k))


@pytest.fixture(scope="module")
def toy_plan() -> IndexPlan:
    spec, panel = make_spec_panel()
    return IndexPlan(spec, panel)


@pytest.fixture(scope="session")
def toy_factory():  # type: ignore[no-untyped-def]
    """The :func:`make_spec_panel` factory, for tests that need variants."""
    return make_spec_panel
