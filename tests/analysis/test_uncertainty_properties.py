"""Property tests (hypothesis) of the Monte Carlo replications."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.analysis.uncertainty import IndexPlan, UncertaintySpec, bind, evaluate, sample


@settings(max_examples=15, deadline=None)
@given(
    noise=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**32 - 1),
    agg=st.sampled_from([["arith_mean"], ["arith_mean", "geom_mean"], ["geom_mean", "harm_mean"]]),
    exclude=st.booleans(),
)
def test_ranks_are_competition_rankings_and_quantiles_ordered(
    toy_plan: IndexPlan, noise: float, seed: int, agg: list[str], exclude: bool
) -> None:
    spec = UncertaintySpec.parse(
        {
            "weights": {"noise": noise},
            "aggregation": [{"method": m} for m in agg],
            "exclude": exclude,
            "targets": ["idx", "s1"],
        }
    )
    problem = bind(spec, toy_plan)
    design = sample(problem, 40, rng=seed)
    y = evaluate(problem, design, chunk_size=16)
    scores, ranks = y[:, 0], y[:, 1]
    n = len(toy_plan.economies)
    for i in range(40):
        for t in range(2):
            s, r = scores[i, :, t], ranks[i, :, t]
            ok = ~np.isnan(s)
            assert np.array_equal(ok, ~np.isnan(r))
            # rank = 1 + number of strictly better scores (ties share the lowest rank)
            better = (s[ok][None, :] > s[ok][:, None]).sum(axis=1)
            np.testing.assert_array_equal(r[ok], better + 1)
            assert r[ok].max() <= n
    w = design.u[:, problem.factor("weights").columns]  # type: ignore[union-attr]
    assert ((w >= 0) & (w < 1)).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 300))
def test_design_rows_depend_only_on_seed_and_index(toy_plan: IndexPlan, seed: int, n: int) -> None:
    problem = bind(UncertaintySpec.parse({"weights": {}, "exclude": True}), toy_plan)
    small = sample(problem, n, rng=seed).u
    big = sample(problem, n + 1500, rng=seed).u
    np.testing.assert_array_equal(small, big[:n])
