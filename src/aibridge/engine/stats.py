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

__all__ = ["kurtosis", "skew_kurt", "skewness"]


def skew_kurt(x: FloatArray, axis: int = -2) -> tuple[FloatArray, FloatArray]:
    """Sample skewness and excess kurtosis (type 2) in one pass over the data."""
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    present = ~np.isnan(x)
    n = present.sum(axis=-1).astype(np.float64)
    d = np.where(present, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = d.sum(axis=-1, keepdims=True) / n[..., None]
        d -= mean
        d *= present
        d2 = d * d
        # einsum contracts without the large temporaries of (d2 * d).sum(...)
        s2 = d2.sum(axis=-1)
        s3 = np.einsum("...i,...i->...", d2, d)
        s4 = np.einsum("...i,...i->...", d2, d2)
        g1 = np.sqrt(n) * s3 / s2**1.5
        sk = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        r = n * s4 / (s2 * s2)
        kt = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 3, sk, np.nan), np.where(n >= 4, kt, np.nan)


def skewness(x: FloatArray, axis: int = -2) -> FloatArray:
    """Sample skewness (type 2, as COINr/e1071/Excel) of each column, ignoring NaN."""
    return skew_kurt(x, axis)[0]


def kurtosis(x: FloatArray, axis: int = -2) -> FloatArray:
    """Sample excess kurtosis (type 2, as COINr/e1071/Excel) of each column, ignoring NaN."""
    return skew_kurt(x, axis)[1]
