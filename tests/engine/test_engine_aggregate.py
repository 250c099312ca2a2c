"""Aggregators and ranks: properties from the issue (hypothesis) and worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aibridge.engine.aggregate import (
    AGGREGATORS,
    aggregate,
    arith_mean,
    copeland,
    geom_mean,
    harm_mean,
    power_mean,
)
from aibridge.engine.rank import rank_desc
from aibridge.errors import DataError, SpecError

pos = st.floats(0.01, 1000, allow_nan=False)
weights = arrays(np.float64, 4, elements=st.floats(0.1, 10))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 1), elements=pos), st.integers(1, 4), weights)
def test_amean_of_identical_indicators_is_that_indicator(
    col: np.ndarray, k: int, w: np.ndarray
) -> None:
    x = np.repeat(col, k, axis=1)
    np.testing.assert_allclose(arith_mean(x, w[:k]), col[:, 0], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 4), elements=pos), weights)
def test_geometric_le_arithmetic_and_harmonic_le_geometric(x: np.ndarray, w: np.ndarray) -> None:
    a, g, h = arith_mean(x, w), geom_mean(x, w), harm_mean(x, w)
    assert np.all(g <= a * (1 + 1e-12))
    assert np.all(h <= g * (1 + 1e-12))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 4), elements=pos), weights, st.sampled_from(sorted(AGGREGATORS)))
def test_doubling_all_weights_changes_nothing(x: np.ndarray, w: np.ndarray, method: str) -> None:
    np.testing.assert_allclose(aggregate(x, 2 * w, method), aggregate(x, w, method), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (6, 4), elements=pos),
    weights,
    st.integers(0, 5),
    st.integers(0, 3),
    st.floats(0, 500),
    st.sampled_from(["arith_mean", "geom_mean", "harm_mean", "power_mean"]),
)
def test_monotone_improvement_never_lowers_compensatory_score(
    x: np.ndarray, w: np.ndarray, i: int, j: int, delta: float, method: str
) -> None:
    better = x.copy()
    better[i, j] += delta
    params = {"p": 2.0} if method == "power_mean" else {}
    before = aggregate(x, w, method, **params)
    after = aggregate(better, w, method, **params)
    assert after[i] >= before[i] * (1 - 1e-12)
    np.testing.assert_array_equal(np.delete(after, i), np.delete(before, i))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, 9, elements=st.one_of(st.floats(-5, 5), st.just(np.nan))))
def test_ranks_are_a_permutation_without_ties(x: np.ndarray) -> None:
    x = np.where(np.isnan(x), np.nan, x + np.arange(9) * 1e-3)  # break ties
    r = rank_desc(x)
    present = ~np.isnan(x)
    assert sorted(r[present].astype(int).tolist()) == list(range(1, present.sum() + 1))
    assert np.all(np.isnan(r[~present]))


def test_ranks_min_ties_like_coinr() -> None:
    assert rank_desc([3, 1, 3, np.nan, 2]).tolist()[:3] == [1, 4, 1]
    r = rank_desc(np.array([[[3.0], [1.0]], [[1.0], [3.0]]]))
    assert r[..., 0].tolist() == [[1, 2], [2, 1]]


def test_missing_children_renormalise_weights() -> None:
    x = np.array([[10.0, np.nan, 40.0], [np.nan, np.nan, np.nan]])
    out = arith_mean(x, [1, 5, 3])
    assert out[0] == pytest.approx((10 + 3 * 40) / 4)
    assert np.isnan(out[1])


def test_weights_with_batch_axis() -> None:
    x = np.array([[0.0, 10.0], [10.0, 0.0]])
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 3 replications
    out = arith_mean(np.broadcast_to(x, (3, 2, 2)), w)
    assert out.tolist() == [[0, 10], [10, 0], [5, 5]]


def test_geometric_zero_rule_and_negatives() -> None:
    assert geom_mean(np.array([[0.0, 50.0]]))[0] == 0
    assert harm_mean(np.array([[0.0, 50.0]]))[0] == 0
    with pytest.raises(DataError, match="non-negative"):
        geom_mean(np.array([[-1.0, 2.0]]))


def test_power_mean_limits() -> None:
    x = np.array([[1.0, 4.0, 16.0]])
    assert power_mean(x, p=1)[0] == pytest.approx(7)
    assert power_mean(x, p=0)[0] == pytest.approx(4)
    assert power_mean(x, p=-1)[0] == pytest.approx(harm_mean(x)[0])


def test_copeland_is_non_compensatory() -> None:
    # A wins on two of three indicators by a hair, loses one by a mile: Copeland ranks it first
    x = np.array([[1.01, 1.01, 0.0], [1.0, 1.0, 100.0]])
    assert copeland(x).tolist() == [1, -1]
    assert arith_mean(x)[0] < arith_mean(x)[1]


def test_bad_weights_and_methods() -> None:
    with pytest.raises(SpecError, match="non-negative"):
        arith_mean(np.ones((2, 2)), [1, -1])
    with pytest.raises(SpecError, match="unknown aggregation"):
        aggregate(np.ones((2, 2)), None, "mode")
