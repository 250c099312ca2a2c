"""What-if scenarios and minimal paths (brute force confirms minimality on a small fixture)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from divide_fixtures import linear_spec_panel, minmax_spec_panel
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from aibridge.analysis.scenario import (
    _with_values,
    feasible_bounds,
    minimal_path,
    run_scenario,
)
from aibridge.engine.build import build_index
from aibridge.errors import DataError


def test_unchanged_inputs_reproduce_baseline_bit_exactly() -> None:
    spec, panel = minmax_spec_panel()
    base = build_index(spec, panel, years=[2022])
    same = {"x0": float(panel.values[1, 5, 0]), "x3": float(panel.values[1, 5, 3])}
    sc = run_scenario(spec, panel, "M05", same, year=2022)
    assert sc.result.digest() == base.digest()
    # the rebuild path itself (a copied panel with the same values written back) is bit-identical
    rebuilt = build_index(
        spec, _with_values(panel, 1, 5, [0, 3], list(same.values())), years=[2022]
    )
    assert rebuilt.digest() == base.digest()
    # change, then change back: the round trip reproduces the baseline bit for bit
    moved = run_scenario(spec, panel, "M05", {"x0": same["x0"] * 3}, year=2022)
    assert moved.result.digest() != base.digest()
    p2 = _with_values(panel, 1, 5, [0], [same["x0"] * 3])
    back = run_scenario(spec, p2, "M05", {"x0": same["x0"]}, year=2022)
    assert back.result.digest() == base.digest()
    assert np.array_equal(sc.to_frame()["score"], sc.to_frame()["baseline_score"])


def test_scenario_changes_scores_and_ranks() -> None:
    spec, panel = minmax_spec_panel()
    top = float(np.nanmax(panel.values[1, :, 0]))
    sc = run_scenario(spec, panel, "M07", {"x0": top * 2, "x1": top * 3}, year=2022)
    f = sc.to_frame().set_index("node")
    assert f.loc["x0", "score"] == 100.0  # the new maximum of a min-max indicator
    assert f.loc["top", "score"] > f.loc["top", "baseline_score"]
    assert f.loc["top", "rank"] <= f.loc["top", "baseline_rank"]
    # the change moved the min-max bounds: other economies' x0 scores fell
    moved = sc.rank_changes("x0")
    assert "M07" in set(moved["economy"])
    others = np.delete(sc.result.scores[0, :, 0], 7)
    assert (others <= np.delete(sc.baseline.scores[0, :, 0], 7) + 1e-12).all()
    assert sc.changes["x0"] == (float(panel.values[1, 7, 0]), top * 2)


def test_scenario_errors() -> None:
    spec, panel = minmax_spec_panel()
    with pytest.raises(DataError, match="ISO3"):
        run_scenario(spec, panel, "XXX", {"x0": 1.0})
    with pytest.raises(DataError, match="not in the data"):
        run_scenario(spec, panel, "M01", {"nope": 1.0})
    with pytest.raises(DataError, match="year"):
        run_scenario(spec, panel, "M01", {"x0": 1.0}, year=1990)


def _brute_force(gain: np.ndarray, dn: np.ndarray, need: float) -> tuple[int, float]:
    """Smallest subset reaching ``need``, then the least normalised change (LP per subset)."""
    m = gain.size
    for size in range(1, m + 1):
        best = np.inf
        for sub in itertools.combinations(range(m), size):
            idx = list(sub)
            if gain[idx].sum() < need - 1e-9:
                continue
            lp = linprog(dn[idx], A_ub=-gain[idx][None, :], b_ub=[-need], bounds=[(0, 1)] * size)
            if lp.status == 0:
                best = min(best, float(lp.fun))
        if np.isfinite(best):
            return size, best
    raise AssertionError("infeasible")


@pytest.mark.parametrize("economy", ["E02", "E05", "E09"])
def test_minimal_path_is_minimal_by_brute_force(economy: str) -> None:
    spec, panel = linear_spec_panel()
    base = build_index(spec, panel, years=[2020])
    i = panel.economies.index(economy)
    s0 = float(base.score("idx")[i])
    target = s0 + 0.6 * (float(base.score("idx").max()) - s0) + 1.0
    path = minimal_path(spec, panel, economy, target_score=target, year=2020)
    assert path.reached and path.score >= target - 1e-9
    # reproduce by the exact build
    check = run_scenario(spec, panel, economy, path.changes, year=2020)
    assert check.to_frame().set_index("node").loc["idx", "score"] == pytest.approx(path.score)
    # brute force: gains and normalised changes of each indicator taken to its bound alone
    feas = feasible_bounds(spec, panel, economy, year=2020)
    gain, dn = [], []
    for c, b in feas.items():
        r = run_scenario(spec, panel, economy, {c: b}, year=2020)
        j = spec.indicator_codes.index(c)
        gain.append(float(r.result.score("idx")[i]) - s0)
        dn.append(
            float(r.result.stages["normalised"][0, i, j] - base.stages["normalised"][0, i, j])
        )
    size, change = _brute_force(np.array(gain), np.array(dn), target - s0)
    assert path.n_changed == size
    # the MILP optimum is exact only to the solver's tolerance (a relative 5e-9 was seen)
    assert path.total_normalised_change == pytest.approx(change, rel=1e-7, abs=1e-6)


def test_minimal_path_to_a_rank_and_out_of_reach() -> None:
    spec, panel = linear_spec_panel()
    base = build_index(spec, panel, years=[2020])
    worst = panel.economies[int(np.argmax(base.rank("idx")))]
    p = minimal_path(spec, panel, worst, target_rank=3, year=2020)
    assert p.reached and p.rank <= 3 and p.n_changed >= 1
    with_growth = minimal_path(spec, panel, worst, target_rank=1, year=2020, growth=1.0)
    assert not with_growth.reached and "out of reach" in with_growth.message
    assert with_growth.best_reachable < with_growth.target_score
    top = panel.economies[int(np.argmin(base.rank("idx")))]
    done = minimal_path(spec, panel, top, target_rank=1, year=2020)
    assert done.reached and done.n_changed == 0
    with pytest.raises(DataError, match="exactly one"):
        minimal_path(spec, panel, top)


def test_minimal_path_nonlinear_index_reaches_target_by_exact_build() -> None:
    spec, panel = minmax_spec_panel()
    base = build_index(spec, panel, years=[2022])
    r = base.rank("top")
    e = panel.economies[int(np.nanargmax(r))]
    p = minimal_path(spec, panel, e, target_rank=10, year=2022)
    assert p.reached and p.rank <= 10
    check = run_scenario(spec, panel, e, p.changes, year=2022)
    assert check.to_frame().set_index("node").loc["top", "rank"] <= 10
    for s in p.steps:  # within the feasible bounds, in the indicator's direction
        d = spec.indicators[spec.indicator_codes.index(s.indicator)].direction
        assert (s.new_value - s.value) * d > 0 and (s.bound - s.new_value) * d >= -1e-12


def test_feasible_bounds_growth_and_direction() -> None:
    spec, panel = minmax_spec_panel()
    b = feasible_bounds(spec, panel, "M03", year=2022, growth=10.0, horizon=2)
    for c, v in b.items():
        j = panel.indicators.index(c)
        x = panel.values[1, 3, j]
        if c == "x4":  # lower is better
            assert v == pytest.approx(max(np.nanmin(panel.values[1, :, j]), x * 0.81))
        else:
            assert v == pytest.approx(min(np.nanmax(panel.values[1, :, j]), x * 1.21))
    assert feasible_bounds(spec, panel, "M03", year=2022, bounds={"x0": 1e9})["x0"] == 1e9


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 11), st.floats(0.05, 0.95))
def test_minimal_path_matches_brute_force_on_random_fixtures(
    seed: int, e: int, frac: float
) -> None:
    spec, panel = linear_spec_panel(seed=seed, years=1)
    economy = panel.economies[e]
    base = build_index(spec, panel)
    s0 = float(base.score("idx")[e])
    feas = feasible_bounds(spec, panel, economy)
    gain, dn = [], []
    for c, b in feas.items():
        r = run_scenario(spec, panel, economy, {c: b})
        j = spec.indicator_codes.index(c)
        gain.append(float(r.result.score("idx")[e]) - s0)
        dn.append(
            float(r.result.stages["normalised"][0, e, j] - base.stages["normalised"][0, e, j])
        )
    reachable = s0 + float(np.sum(gain))
    target = s0 + frac * (reachable - s0)
    path = minimal_path(spec, panel, economy, target_score=target)
    if target <= s0:
        assert path.reached and path.n_changed == 0
        return
    assert path.reached and path.score >= target - 1e-9
    size, change = _brute_force(np.array(gain), np.array(dn), target - s0)
    assert path.n_changed == size
    # the MILP optimum is exact only to the solver's tolerance (a relative 5e-9 was seen)
    assert path.total_normalised_change == pytest.approx(change, rel=1e-7, abs=1e-6)
