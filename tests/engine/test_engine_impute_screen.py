"""Imputation (flags, group means, time) and screening."""

from __future__ import annotations

import numpy as np
import pytest

from aibridge.engine.impute import (
    IMPUTERS,
    impute,
    impute_em,
    impute_group,
    impute_latest,
    impute_linear,
)
from aibridge.engine.screen import denominate, screen
from aibridge.errors import SpecError


def test_group_mean_like_coinr_i_mean_grp() -> None:
    x = np.array([[1.0, np.nan], [3, 2], [np.nan, 5], [2, 4], [7, np.nan]])
    out, flag = impute_group(x, groups=["a", "a", "b", "b", None])
    assert out[0, 1] == 2 and out[2, 0] == 2
    assert np.isnan(out[4, 1])  # no group -> left missing
    assert flag.tolist() == [[False, True], [False, False], [True, False], [False, False],
                             [False, False]]  # fmt: skip


def test_present_values_never_change() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 12, 4))
    x[rng.random(x.shape) < 0.2] = np.nan
    for name in ("mean", "median", "em", "latest", "linear"):
        params = {"years": [2000, 2001, 2002]} if name in ("latest", "linear") else {}
        out, flag = impute(x, name, **params)
        present = ~np.isnan(x)
        np.testing.assert_array_equal(out[present], x[present])
        assert np.array_equal(flag, np.isnan(x) & ~np.isnan(out))


def test_latest_window_and_linear() -> None:
    x = np.array([[[1.0]], [[np.nan]], [[np.nan]], [[np.nan]], [[5.0]]])
    yrs = [2000, 2001, 2002, 2003, 2004]
    lat, _ = impute_latest(x, window=2, years=yrs)
    assert lat[:, 0, 0].tolist()[:3] == [1, 1, 1] and np.isnan(lat[3, 0, 0])
    lin, flag = impute_linear(x, years=yrs)
    assert lin[:, 0, 0].tolist() == [1, 2, 3, 4, 5]
    assert flag[:, 0, 0].tolist() == [False, True, True, True, False]


def test_em_recovers_linear_relation() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=50)
    x = np.column_stack([a, 2 * a + 1, -a])
    x[[3, 7], 1] = np.nan
    out, _ = impute_em(x)
    np.testing.assert_allclose(out[[3, 7], 1], 2 * a[[3, 7]] + 1, atol=1e-4)


def test_unknown_imputer() -> None:
    assert "group_mean" in IMPUTERS
    with pytest.raises(SpecError, match="unknown imputation"):
        impute(np.ones((2, 2)), "knn")


def test_screen_by_na_reports_reason() -> None:
    x = np.array([[1.0, 2, 3], [np.nan, np.nan, 1], [1, np.nan, 2]])
    r = screen(x, dat_thresh=0.6)
    assert r.included.tolist() == [True, False, True]
    assert r.reason.tolist() == [0, 1, 0]
    assert np.all(np.isnan(r.x[1]))
    forced = screen(x, dat_thresh=0.6, force_include=[False, True, False])
    assert forced.included.all() and forced.reason[1] == 4
    with pytest.raises(SpecError, match="between 0 and 1"):
        screen(x, dat_thresh=2)


def test_denominate() -> None:
    x = np.array([[10.0, 5.0], [20.0, 6.0]])
    d = np.array([[2.0, 0.0], [4.0, 0.0]])
    out = denominate(x, d, use=[True, False], scale=[1000, 1])
    assert out.tolist() == [[5000, 5], [5000, 6]]
