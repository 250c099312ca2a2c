"""NaN-aware column statistics used by outlier treatment and the audit.

Skewness and kurtosis follow COINr (``R/treat.R``: ``skew()``, ``kurt()``), which copies
``e1071::skewness(type = 2)`` and ``e1071::kurtosis(type = 2)`` — the *sample*, bias-adjusted
definitions that Excel's ``SKEW`` and ``KURT`` use; kurtosis is *excess* kurtosis (0 for a
normal distribution):

    G1 = sqrt(n (n-1)) / (n-2) * g1,   g1 = sqrt(n) * sum(d^3) / sum(d^2)^(3/2)
    G2 = ((n+1) (r - 3) + 6) (n-1) / ((n-2)(n-3)),   r = n * sum(d^4) / sum(d^2)^2

with ``d = x - mean(x)`` over the non-missing values. Both are computed column-wise along
the economies axis (``-2``) and vectorised over any leading batch axes. Columns with fewer
than 3 (skewness) or 4 (kurtosis) values give ``NaN`` (COINr stops with an error instead).
"""

from __future__ import annotations

import numpy as np

from aibridge.engine._arrays import FloatArray

__all__ = ["kurtosis", "skewness"]


def _moments(x: FloatArray, axis: int) -> tuple[FloatArray, FloatArray]:
    present = ~np.isnan(x)
    n = present.sum(axis=axis).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=axis, keepdims=True) / np.expand_dims(n, axis)
    d = np.where(present, x - mean, 0.0)
    return n, d


def skewness(x: FloatArray, axis: int = -2) -> FloatArray:
    """Sample skewness (type 2, as COINr/e1071/Excel) of each column, ignoring NaN."""
    n, d = _moments(np.asarray(x, dtype=np.float64), axis)
    s2 = np.sum(d * d, axis=axis)
    s3 = np.sum(d * d * d, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5
        out = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    return np.where(n >= 3, out, np.nan)


def kurtosis(x: FloatArray, axis: int = -2) -> FloatArray:
    """Sample excess kurtosis (type 2, as COINr/e1071/Excel) of each column, ignoring NaN."""
    n, d = _moments(np.asarray(x, dtype=np.float64), axis)
    d2 = d * d
    s2 = np.sum(d2, axis=axis)
    s4 = np.sum(d2 * d2, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * s4 / (s2 * s2)
        out = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 4, out, np.nan)
