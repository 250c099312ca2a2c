"""Sobol' estimators: agreement with SALib on the same samples, and Ishigami theory."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol as salib_sobol

from aibridge.analysis.sensitivity import (
    convergence,
    ishigami,
    ishigami_indices,
    saltelli_design,
    sobol_indices,
)
from aibridge.errors import SpecError

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def _ishigami_design(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    u = saltelli_design(n, 3, seed=seed)
    x = -np.pi + 2 * np.pi * u
    return x, ishigami(x)


def test_design_matches_salib_layout() -> None:
    u = saltelli_design(64, 3, seed=1)
    assert u.shape == (64 * 5, 3)
    assert (u >= 0).all() and (u <= 1).all()
    blocks = u.reshape(64, 5, 3)
    a, b = blocks[:, 0], blocks[:, 4]
    for j in range(3):  # AB_j is A with column j taken from B
        expect = a.copy()
        expect[:, j] = b[:, j]
        np.testing.assert_array_equal(blocks[:, 1 + j], expect)


@pytest.mark.parametrize("seed", [3, 11])
def test_agrees_with_salib_to_1e10(seed: int) -> None:
    _, y = _ishigami_design(512, seed)
    ours = sobol_indices(y, PROBLEM["names"], n_boot=50, rng=seed)
    ref = salib_sobol.analyze(PROBLEM, y, calc_second_order=False, num_resamples=50, seed=seed)
    np.testing.assert_allclose(ours.S1[0], ref["S1"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(ours.ST[0], ref["ST"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(ours.S1_conf[0], ref["S1_conf"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(ours.ST_conf[0], ref["ST_conf"], atol=1e-10, rtol=0)


def test_many_outputs_equal_one_at_a_time() -> None:
    _, y = _ishigami_design(256, 5)
    y2 = np.column_stack([y, 2 * y + 1, y**2])
    res = sobol_indices(y2, PROBLEM["names"], n_boot=20, rng=0)
    for k in range(3):
        ref = salib_sobol.analyze(
            PROBLEM, np.ascontiguousarray(y2[:, k]), calc_second_order=False, num_resamples=20
        )
        np.testing.assert_allclose(res.S1[k], ref["S1"], atol=1e-10)
        np.testing.assert_allclose(res.ST[k], ref["ST"], atol=1e-10)


def test_ishigami_within_tolerance_of_theory() -> None:
    # n = 2^13 base points (40,960 runs): the estimators' error is well under 0.02 here.
    _, y = _ishigami_design(2**13, 42)
    res = sobol_indices(y, PROBLEM["names"], n_boot=100, rng=42)
    s1, st = ishigami_indices()
    np.testing.assert_allclose(res.S1[0], s1, atol=0.02)
    np.testing.assert_allclose(res.ST[0], st, atol=0.02)
    # the theoretical value lies inside (or within a hair of) the 95 % bootstrap interval
    assert np.all(np.abs(res.ST[0] - st) <= res.ST_conf[0] + 0.01)


def test_convergence_prefixes_shrink_the_error() -> None:
    _, y = _ishigami_design(2**12, 7)
    frame = convergence(y, PROBLEM["names"], n_boot=30, rng=0)
    sizes = sorted(frame["n"].unique())
    assert sizes[0] == 8 and sizes[-1] == 2**12
    _, st = ishigami_indices()
    last = frame[frame["n"] == sizes[-1]]["ST"].to_numpy()
    assert np.abs(last - st).max() < 0.05
    conf = frame.groupby("n")["ST_conf"].mean()
    assert conf.loc[sizes[-1]] < conf.loc[sizes[0]]


def test_constant_output_gives_zero_indices() -> None:
    y = np.ones(64 * 5)
    res = sobol_indices(y, PROBLEM["names"], n_boot=10, rng=0)
    assert (res.S1 == 0).all() and (res.ST == 0).all() and (res.ST_conf == 0).all()


def test_bad_arguments_rejected() -> None:
    with pytest.raises(SpecError, match="at least 2"):
        saltelli_design(1, 3)
    with pytest.raises(SpecError, match="multiple of 5"):
        sobol_indices(np.ones(11), PROBLEM["names"])
    with pytest.raises(SpecError, match="n_boot"):
        sobol_indices(np.ones(10), PROBLEM["names"], n_boot=1)


def test_to_frame_is_tidy() -> None:
    _, y = _ishigami_design(64, 1)
    frame = sobol_indices(np.column_stack([y, y]), PROBLEM["names"], outputs=["a", "b"]).to_frame()
    assert list(frame.columns[:3]) == ["output", "factor", "S1"]
    assert len(frame) == 6
