"""Outlier treatment: COINr's winsorise / log_CT semantics, report, batch axis."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from aibridge.engine.stats import kurtosis, skewness
from aibridge.engine.treat import TREATMENTS, check_skew_kurt, log_ct, treat, winsorise


def test_skew_kurt_are_type2_sample_statistics() -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(40, 3))
    x[5, 1] = np.nan
    for j in range(3):
        col = x[~np.isnan(x[:, j]), j]
        assert skewness(x)[j] == pytest.approx(stats.skew(col, bias=False))
        assert kurtosis(x)[j] == pytest.approx(stats.kurtosis(col, bias=False))


def test_coinr_example_two_outliers() -> None:
    # COINr ?Treat example: x <- c(1:10, 30, 100); Treat(x, f1 = "winsorise", winmax = 2)
    x = np.array([*range(1, 11), 30, 100], dtype=float)[:, None]
    r = winsorise(x, winmax=2)
    assert r.x[:, 0].tolist() == [*range(1, 11), 30, 30]
    assert r.n_winsorised[0] == 1 and r.points[-1, 0] == 1  # "winhi"
    assert r.passed[0]


def test_ties_are_winsorised_together_and_counted() -> None:
    x = np.array([*([1.0] * 20), 2, 3, 50, 50], dtype=float)[:, None]
    r = winsorise(x, winmax=5)
    assert r.x[-1, 0] == 3 and r.x[-2, 0] == 3
    assert r.n_winsorised[0] >= 2


def test_log_fallback_applies_to_original_values() -> None:
    # strongly skewed data that 1 winsorised point cannot fix -> log_CT of the ORIGINAL x
    x = np.array([1.0] * 30 + [10, 100, 1000, 10000, 100000])[:, None]
    r = treat(x, winmax=1)
    assert r.transformed[0]
    np.testing.assert_allclose(r.x, log_ct(x))
    assert np.all(r.points[:, 0] == 3)


def test_passing_columns_untouched_and_nan_kept() -> None:
    x = np.column_stack([np.arange(20.0), np.r_[np.arange(19.0), 1e6]])
    x[3, 0] = np.nan
    r = treat(x)
    np.testing.assert_array_equal(r.x[:, 0], x[:, 0])
    assert not np.array_equal(r.x[:, 1], x[:, 1])
    passes, _, _, _ = check_skew_kurt(r.x)
    assert passes[1]


def test_winmax_per_replication_batch() -> None:
    base = np.r_[np.arange(30.0), 200, 300, 400, 500, 600][:, None]
    batch = np.broadcast_to(base, (3, *base.shape))
    r = winsorise(batch, winmax=np.array([[1], [3], [5]]))
    assert r.n_winsorised[:, 0].tolist() == [
        winsorise(base, winmax=k).n_winsorised[0] for k in (1, 3, 5)
    ]
    for i, k in enumerate((1, 3, 5)):
        np.testing.assert_array_equal(r.x[i], winsorise(base, winmax=k).x)


def test_registry_and_skip() -> None:
    x = np.r_[np.arange(19.0), 1e6][:, None]
    assert set(TREATMENTS) >= {"coinr", "winsorise", "none"}
    np.testing.assert_array_equal(TREATMENTS["none"](x).x, x)
    np.testing.assert_array_equal(treat(x, skip=[True]).x, x)
