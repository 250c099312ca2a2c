"""Normalisation: bring indicators onto a common scale (stage 4 of the OECD/JRC pipeline).

Every normaliser has the signature ``f(X, *, directions=None, **params) -> ndarray`` with
``X`` of shape ``(..., n_economies, n_indicators)`` (leading axes = batch). Statistics
(min, max, mean, sd, ranks) are taken per indicator *along the economies axis* within each
batch slice, ignoring NaN; NaN stays NaN. Per-indicator parameters may be scalars or arrays
broadcastable to ``(..., n_indicators)``.

Directions follow COINr (``R/normalise.R``, ``Normalise.numeric``): the indicator is first
multiplied by its direction (+1 or -1), then normalised, so a "lower is better" indicator
comes out with its best value highest. Goalposts and targets are given in the indicator's
own units and are flipped together with it.

Registered ids (``NORMALISERS``):

=================  =========================================================================
``minmax``         ``(x - min) / (max - min) * (high - low) + low``; default ``[0, 100]``
                   (COINr ``n_minmax``; Handbook 2008 §1.5 "min-max")
``zscore``         ``(x - mean) / sd * sd_target + mean_target``; sd with n-1 (COINr
                   ``n_zscore``, R ``stats::sd``); default mean 0, sd 1
``rank``           ascending rank, ties -> minimum (COINr ``n_rank``)
``borda``          rank - 1 (COINr ``n_borda``)
``percentile``     ``(rank - 1) / (n - 1)`` times ``scale`` (COINr ``n_prank``; default 0-1)
``goalposts``      ``(x - lo) / (hi - lo)`` clipped to [0, 1] (``cap``) times ``scale``;
                   ``log=True`` uses ``ln`` of x and of both goalposts (UNDP HDI income
                   index; ITU IDI) — COINr ``n_goalposts`` with ``trunc2posts``
``dist_to_frontier``  ``1 - (max - x) / (max - min)`` (COINr ``n_dist2max``)
``dist_to_target``  ``1 - (target - x) / (target - min)``, capped at 1 if ``cap``
                   (COINr ``n_dist2targ``)
``fraction_of_max``  ``x / max`` (COINr ``n_fracmax``)
``bands``          ordinal bands: ``edges`` (ascending cut points) give band 1..k for
                   ``x < e1``, ``e1 <= x < e2``, ...; ``scale`` maps bands to
                   ``(band - 1) / (k - 1) * scale`` when given
``none``           ``x * direction`` unchanged
=================  =========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data, col_param
from aibridge.engine.rank import rank_asc
from aibridge.errors import DataError, SpecError

__all__ = [
    "NORMALISERS",
    "apply_directions",
    "bands",
    "borda",
    "dist_to_frontier",
    "dist_to_target",
    "fraction_of_max",
    "goalposts",
    "minmax",
    "none",
    "normalise",
    "percentile",
    "rank",
    "zscore",
]

Normaliser = Callable[..., FloatArray]


def apply_directions(x: FloatArray, directions: npt.ArrayLike | None) -> FloatArray:
    """Multiply each indicator by its direction (+1 higher-is-better, -1 lower-is-better)."""
    if directions is None:
        return x
    d = col_param(directions, x, name="directions")
    if not np.all(np.isin(d, (-1.0, 1.0))):
        raise SpecError("directions must be +1 (higher is better) or -1 (lower is better)")
    return x * d


def _colmin(x: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        return np.fmin.reduce(x, axis=-2, keepdims=True)


def _colmax(x: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        return np.fmax.reduce(x, axis=-2, keepdims=True)


def minmax(
    x: npt.ArrayLike,
    *,
    directions: npt.ArrayLike | None = None,
    low: npt.ArrayLike = 0.0,
    high: npt.ArrayLike = 100.0,
) -> FloatArray:
    """Min-max scaling onto ``[low, high]`` per indicator (COINr ``n_minmax``).

    A constant indicator (max == min) gives NaN, as in COINr (which warns).
    """
    X = apply_directions(as_data(x), directions)
    lo = col_param(low, X, name="low")
    hi = col_param(high, X, name="high")
    if np.any(lo >= hi):
        raise SpecError(
            f"minmax range must be (low, high) with low < high; got ({low!r}, {high!r})"
        )
    mn, mx = _colmin(X), _colmax(X)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (X - mn) / (mx - mn) * (hi - lo) + lo
    return np.where(mx > mn, out, np.nan)


def zscore(
    x: npt.ArrayLike,
    *,
    directions: npt.ArrayLike | None = None,
    mean: npt.ArrayLike = 0.0,
    sd: npt.ArrayLike = 1.0,
) -> FloatArray:
    """Standardise to the target mean and sd (sample sd, n-1; COINr ``n_zscore``)."""
    X = apply_directions(as_data(x), directions)
    m_t = col_param(mean, X, name="mean")
    sd_t = col_param(sd, X, name="sd")
    if np.any(sd_t <= 0):
        raise SpecError(f"zscore sd must be positive; got {sd!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.nanmean(X, axis=-2, keepdims=True) if X.shape[-2] else X
        s = np.nanstd(X, axis=-2, ddof=1, keepdims=True)
        out = (X - mu) / s * sd_t + m_t
    return np.where(s > 0, out, np.nan)


def rank(x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None) -> FloatArray:
    """Ascending ranks (best = highest number), ties -> minimum (COINr ``n_rank``)."""
    X = apply_directions(as_data(x), directions)
    return rank_asc(X, axis=-2)


def borda(x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None) -> FloatArray:
    """Borda scores ``rank - 1`` (COINr ``n_borda``)."""
    return rank(x, directions=directions) - 1.0


def percentile(
    x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None, scale: float = 1.0
) -> FloatArray:
    """Percentile ranks ``(rank - 1) / (n - 1)`` in ``[0, scale]`` (COINr ``n_prank``)."""
    X = apply_directions(as_data(x), directions)
    r = rank_asc(X, axis=-2)
    n = np.sum(~np.isnan(X), axis=-2, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (r - 1.0) / (n - 1.0) * scale


def goalposts(
    x: npt.ArrayLike,
    *,
    directions: npt.ArrayLike | None = None,
    lo: npt.ArrayLike,
    hi: npt.ArrayLike,
    log: npt.ArrayLike = False,
    cap: bool = True,
    scale: float = 1.0,
) -> FloatArray:
    """Fixed goalposts ``(x - lo) / (hi - lo)``, optionally in logs, clipped to ``[0, 1]``.

    This is the UNDP HDI dimension index (HDR 2023/24 Technical note 1: life expectancy
    20-85, expected schooling 0-18, mean schooling 0-15, GNI per capita 100-75,000 PPP $ in
    natural logs) and the ITU IDI method. With ``direction = -1`` the formula becomes
    ``(hi - x) / (hi - lo)`` (COINr ``n_goalposts`` flips the posts). ``cap=True`` truncates
    to the goalposts (the HDR caps expected schooling at 18 and income at 75,000).
    """
    X = as_data(x)
    lo_a = col_param(lo, X, name="lo")
    hi_a = col_param(hi, X, name="hi")
    use_log = col_param(np.asarray(log, dtype=np.float64), X, name="log") > 0
    if np.any(lo_a >= hi_a):
        raise SpecError("goalposts need lo < hi for every indicator")
    if np.any(use_log & (lo_a <= 0)):
        raise SpecError("log goalposts need a positive lower goalpost")
    with np.errstate(invalid="ignore", divide="ignore"):
        xv = np.where(use_log, np.log(np.where(use_log & (X <= 0), np.nan, X)), X)
        lo_v = np.where(use_log, np.log(np.where(use_log, lo_a, 1.0)), lo_a)
        hi_v = np.where(use_log, np.log(np.where(use_log, hi_a, 1.0)), hi_a)
        y = (xv - lo_v) / (hi_v - lo_v)
    if directions is not None:
        d = col_param(directions, X, name="directions")
        y = np.where(d < 0, 1.0 - y, y)
    if cap:
        y = np.clip(y, 0.0, 1.0)
    return y * scale


def dist_to_frontier(x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None) -> FloatArray:
    """Distance to the best performer ``1 - (max - x) / (max - min)`` (COINr ``n_dist2max``)."""
    X = apply_directions(as_data(x), directions)
    mn, mx = _colmin(X), _colmax(X)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 - (mx - X) / (mx - mn)
    return np.where(mx > mn, out, np.nan)


def dist_to_target(
    x: npt.ArrayLike,
    *,
    directions: npt.ArrayLike | None = None,
    target: npt.ArrayLike,
    cap: bool = True,
) -> FloatArray:
    """Distance to a target ``1 - (t - x) / (t - min)``; capped at 1 (COINr ``n_dist2targ``).

    ``target`` is in the indicator's own units; for ``direction = -1`` it is negated with
    the indicator.
    """
    X = apply_directions(as_data(x), directions)
    t = col_param(target, X, name="target")
    if directions is not None:
        t = t * col_param(directions, X, name="directions")
    mn = _colmin(X)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 1.0 - (t - X) / (t - mn)
    if cap:
        y = np.minimum(y, 1.0)
    return y


def fraction_of_max(x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None) -> FloatArray:
    """``x / max(x)`` (COINr ``n_fracmax``); a ratio scale, so only for direction +1."""
    if directions is not None and np.any(np.asarray(directions) < 0):
        raise SpecError(
            "fraction_of_max is a ratio to the best value and needs direction +1; use minmax "
            "or dist_to_frontier for lower-is-better indicators"
        )
    X = as_data(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return X / _colmax(X)


def bands(
    x: npt.ArrayLike,
    *,
    directions: npt.ArrayLike | None = None,
    edges: npt.ArrayLike,
    scale: float | None = None,
) -> FloatArray:
    """Ordinal bands from ascending cut points (same edges for every indicator).

    Band 1 is ``x < edges[0]``, band k+1 is ``x >= edges[-1]``; with ``scale`` the band
    number ``b`` of ``k`` bands maps to ``(b - 1) / (k - 1) * scale``. Edges are in the
    indicator's units *after* the direction is applied.
    """
    X = apply_directions(as_data(x), directions)
    e = np.asarray(edges, dtype=np.float64)
    if e.ndim != 1 or e.size == 0 or np.any(np.diff(e) <= 0):
        raise SpecError("bands edges must be a non-empty strictly ascending list of numbers")
    b = np.searchsorted(e, X, side="right").astype(np.float64) + 1.0
    b[np.isnan(X)] = np.nan
    if scale is not None:
        b = (b - 1.0) / e.size * scale
    return b


def none(x: npt.ArrayLike, *, directions: npt.ArrayLike | None = None) -> FloatArray:
    """No normalisation (directions still applied)."""
    return apply_directions(as_data(x), directions)


NORMALISERS: Mapping[str, Normaliser] = {
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "borda": borda,
    "percentile": percentile,
    "goalposts": goalposts,
    "dist_to_frontier": dist_to_frontier,
    "dist_to_target": dist_to_target,
    "fraction_of_max": fraction_of_max,
    "bands": bands,
    "none": none,
}


def normalise(
    x: npt.ArrayLike,
    method: str = "minmax",
    *,
    directions: npt.ArrayLike | None = None,
    **params: Any,
) -> FloatArray:
    """Normalise with the registered method ``method`` (see ``NORMALISERS``)."""
    try:
        fn = NORMALISERS[method]
    except KeyError:
        raise SpecError(
            f"unknown normalisation method {method!r}; choose one of {sorted(NORMALISERS)}"
        ) from None
    try:
        return fn(x, directions=directions, **params)
    except TypeError as exc:
        raise SpecError(f"bad parameters for normaliser {method!r}: {exc}") from exc
    except FloatingPointError as exc:  # pragma: no cover - errstate guards these
        raise DataError(str(exc)) from exc
