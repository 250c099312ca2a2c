"""Small synthetic frameworks for the divide, scenario and projection tests."""

from __future__ import annotations

import numpy as np

from aibridge.engine.spec import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step


def linear_spec_panel(
    n: int = 12, k: int = 6, years: int = 6, seed: int = 1
) -> tuple[IndexSpec, Panel]:
    """Index <- 3 pillars <- k indicators; goalposts 0..100 (fixed), arithmetic means.

    The index is exactly linear in every indicator, so the minimal path is exact.
    """
    rng = np.random.default_rng(seed)
    inds = tuple(
        IndicatorSpec(
            code=f"i{j}",
            parent=f"p{j % 3}",
            direction=1,
            weight=1.0 + (j % 2),
            goalposts=(0.0, 100.0),
            name=f"indicator {j}",
        )
        for j in range(k)
    )
    nodes = (NodeSpec("p0", "idx"), NodeSpec("p1", "idx", weight=2.0), NodeSpec("p2", "idx"),
             NodeSpec("idx"))  # fmt: skip
    spec = IndexSpec(
        name="lin",
        indicators=inds,
        nodes=nodes,
        stages=("normalise", "aggregate"),
        normalise=Step("goalposts", {"cap": True, "scale": 100.0}),
    )
    base = rng.uniform(5, 90, size=(n, k))
    trend = rng.normal(1.0, 0.8, size=(n, k))
    vals = np.stack([np.clip(base + trend * t, 0, 100) for t in range(years)])
    panel = Panel(
        vals,
        tuple(range(2015, 2015 + years)),
        tuple(f"E{i:02d}" for i in range(n)),
        tuple(f"i{j}" for j in range(k)),
        groups={"region": tuple("ABC"[i % 3] for i in range(n)),
                "income_group": tuple("HL"[i % 2] for i in range(n))},
    )  # fmt: skip
    return spec, panel


def minmax_spec_panel(n: int = 40, k: int = 9, seed: int = 0) -> tuple[IndexSpec, Panel]:
    """A relative (min-max) index with a geometric-mean root: a non-linear case."""
    rng = np.random.default_rng(seed)
    inds = tuple(
        IndicatorSpec(code=f"x{j}", parent=f"q{j % 3}", direction=-1 if j == 4 else 1)
        for j in range(k)
    )
    nodes = (NodeSpec("q0", "top"), NodeSpec("q1", "top"), NodeSpec("q2", "top"),
             NodeSpec("top", aggregate=Step("geom_mean")))  # fmt: skip
    spec = IndexSpec(
        name="mm",
        indicators=inds,
        nodes=nodes,
        stages=("normalise", "aggregate"),
        normalise=Step("minmax", {"low": 1.0, "high": 100.0}),
    )
    vals = rng.lognormal(size=(2, n, k))
    panel = Panel(vals, (2021, 2022), tuple(f"M{i:02d}" for i in range(n)),
                  tuple(f"x{j}" for j in range(k)))  # fmt: skip
    return spec, panel
