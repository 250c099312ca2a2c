"""Normalisers: conformance suite over every registered method + properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aibridge.engine.normalise import NORMALISERS, goalposts, minmax, normalise, zscore
from aibridge.errors import SpecError

PARAMS = {
    "goalposts": {"lo": 0.0, "hi": 10.0},
    "dist_to_target": {"target": 8.0},
    "bands": {"edges": [2.0, 5.0]},
}

X = np.array([[1.0, 10.0], [2.0, np.nan], [4.0, 30.0], [8.0, 20.0]])


@pytest.mark.parametrize("method", sorted(NORMALISERS))
def test_conformance(method: str) -> None:
    """Every normaliser keeps shape, keeps NaN, handles batch axes and directions."""
    p = PARAMS.get(method, {})
    out = normalise(X, method, **p)
    assert out.shape == X.shape
    assert np.isnan(out[1, 1]) and not np.isnan(out[0, 0])
    batch = np.stack([X, X * 2 + 1, X])
    outb = normalise(batch, method, **p)
    assert outb.shape == batch.shape
    np.testing.assert_array_equal(outb[0], outb[2])
    np.testing.assert_allclose(outb[0], out)
    if method == "fraction_of_max":
        with pytest.raises(SpecError, match="direction"):
            normalise(X, method, directions=[-1, 1])
        return
    # direction -1 reverses the order of a column (weakly, for the bounded methods)
    up = normalise(X[:, :1], method, directions=[1], **p)[:, 0]
    p_down = {"target": 0.5} if method == "dist_to_target" else p  # a target for lower-is-better
    down = normalise(X[:, :1], method, directions=[-1], **p_down)[:, 0]
    order = np.argsort(X[:, 0])
    assert np.all(np.diff(up[order]) >= 0)
    assert np.all(np.diff(down[order]) <= 0)


def test_minmax_hits_bounds_and_constant_column() -> None:
    out = minmax(X, low=1, high=100)
    assert np.nanmin(out, axis=0).tolist() == [1, 1]
    assert np.nanmax(out, axis=0).tolist() == [100, 100]
    assert np.all(np.isnan(minmax(np.ones((4, 1)))))
    with pytest.raises(SpecError, match="low < high"):
        minmax(X, low=100, high=0)


def test_zscore_uses_sample_sd() -> None:
    out = zscore(X[:, :1], mean=10, sd=2)
    assert np.mean(out) == pytest.approx(10)
    assert np.std(out, ddof=1) == pytest.approx(2)


def test_goalposts_hdi_income() -> None:
    gni = np.array([[100.0], [75000.0], [150000.0], [1000.0]])
    out = goalposts(gni, lo=100, hi=75000, log=True)[:, 0]
    assert out[0] == 0 and out[1] == pytest.approx(1) and out[2] == 1
    assert out[3] == pytest.approx(np.log(10) / np.log(750))


def test_unknown_method() -> None:
    with pytest.raises(SpecError, match="unknown normalisation method 'nope'"):
        normalise(X, "nope")


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (7, 3), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    st.floats(-50, 50),
    st.floats(1, 100),
)
def test_minmax_output_in_range(x: np.ndarray, low: float, width: float) -> None:
    out = minmax(x, low=low, high=low + width)
    finite = out[~np.isnan(out)]
    tol = 1e-9 * (abs(low) + width)
    assert np.all(finite >= low - tol) and np.all(finite <= low + width + tol)
