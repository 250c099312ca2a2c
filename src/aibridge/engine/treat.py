"""Outlier treatment (stage 3), following COINr's ``Treat()`` (``R/treat.R``) exactly.

COINr's default, used by ``build_example_coin()``:

1. *Check* each indicator: it **passes** if ``|skewness| < skew_thresh`` **or**
   ``kurtosis < kurt_thresh`` (defaults 2 and 3.5; sample skewness and excess kurtosis of
   type 2, see :mod:`aibridge.engine.stats`). An indicator whose check cannot be computed
   (fewer than 4 values, constant) is returned untreated.
2. If it fails, *winsorise*: repeatedly, if the current skewness is ``>= 0`` every point
   equal to the current maximum is replaced by the largest remaining value ("winhi"),
   otherwise every point equal to the minimum is replaced by the smallest remaining value
   ("winlo"); after each step the count ``nwin`` is the number of points at the extreme of
   the last high step plus those of the last low step (tied points are winsorised
   together); stop as soon as the check passes or ``nwin >= winmax`` (default 5).
3. If the winsorised indicator still fails, the winsorisation is *discarded* and the
   fallback transformation is applied to the **original** values instead
   (``combine_treat = FALSE``): by default COINr's ``log_CT``,
   ``ln(x - min(x) + 0.01 (max(x) - min(x)))``. Alternatives: ``log_ct_orig``
   ``ln(x - min + 1)``, ``boxcox`` ``((x - min + 1)^lambda - 1) / lambda`` (``ln`` for
   lambda 0), or none (keep the winsorised values).

The loop is vectorised: all indicators and all batch slices are winsorised together, one
step per iteration (at most ``winmax`` iterations), each slice stopping on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data
from aibridge.engine.stats import skew_kurt
from aibridge.errors import SpecError

__all__ = [
    "TREATED_CODES",
    "TREATMENTS",
    "TreatResult",
    "boxcox",
    "check_skew_kurt",
    "log_ct",
    "log_ct_orig",
    "treat",
    "winsorise",
]

#: Codes in :attr:`TreatResult.points`.
TREATED_CODES: Mapping[int, str] = {0: "", 1: "winhi", 2: "winlo", 3: "transformed"}


@dataclass(frozen=True)
class TreatResult:
    """Treated data and a report of what changed.

    ``x``: treated data (same shape as the input). ``points``: int8 per cell, codes in
    ``TREATED_CODES``. Per indicator (shape ``(..., n_indicators)``): ``skew_before``,
    ``kurt_before``, ``skew_after``, ``kurt_after``, ``n_winsorised`` (COINr ``nwin``),
    ``transformed`` (the fallback transformation was used), ``passed`` (final check).
    """

    x: FloatArray
    points: npt.NDArray[np.int8]
    skew_before: FloatArray
    kurt_before: FloatArray
    skew_after: FloatArray
    kurt_after: FloatArray
    n_winsorised: npt.NDArray[np.int64]
    transformed: npt.NDArray[np.bool_]
    passed: npt.NDArray[np.bool_]


def check_skew_kurt(
    x: npt.ArrayLike, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], FloatArray, FloatArray]:
    """COINr ``check_SkewKurt``: ``(passes, valid, skew, kurt)`` per indicator."""
    X = as_data(x)
    sk, kt = skew_kurt(X)
    return _passes(sk, kt, skew_thresh, kurt_thresh)


def _passes(
    sk: FloatArray, kt: FloatArray, skew_thresh: float, kurt_thresh: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], FloatArray, FloatArray]:
    valid = ~np.isnan(sk) & ~np.isnan(kt)
    with np.errstate(invalid="ignore"):
        passes = (np.abs(sk) < skew_thresh) | (kt < kurt_thresh)
    return passes & valid, valid, sk, kt


def _batch_param(value: npt.ArrayLike, shape: tuple[int, ...], name: str) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    try:
        return np.broadcast_to(arr, shape)
    except ValueError as exc:
        raise SpecError(f"{name} with shape {arr.shape} does not fit indicators {shape}") from exc


def winsorise(
    x: npt.ArrayLike,
    *,
    winmax: npt.ArrayLike | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force: bool = False,
    skip: npt.ArrayLike | None = None,
) -> TreatResult:
    """Winsorise failing indicators as COINr ``winsorise()`` (no fallback transformation).

    ``winmax`` (``None`` = no limit) may be a scalar or an array broadcastable to
    ``(..., n_indicators)`` — e.g. a different limit per Monte Carlo replication.
    ``skip`` (bool per indicator) leaves those indicators untouched.
    """
    X0 = as_data(x)
    col_shape = X0.shape[:-2] + X0.shape[-1:]
    wm = _batch_param(np.inf if winmax is None else winmax, col_shape, "winmax")
    if np.any(wm < 0):
        raise SpecError(f"winmax must be a non-negative number of points; got {winmax!r}")
    skip_a = np.zeros(col_shape, bool) if skip is None else np.broadcast_to(skip, col_shape)
    # Work on a 2-D matrix (economies x every batch-column) and touch only the columns still
    # being winsorised: the loop then costs O(active columns), not O(all data).
    n_econ = X0.shape[-2]
    M = np.moveaxis(X0, -2, 0).reshape(n_econ, -1).copy()  # never modify the input
    P = np.zeros(M.shape, np.int8)
    sk0, kt0 = skew_kurt(M, axis=0)
    passes, valid, _sk, _kt = _passes(sk0, kt0, skew_thresh, kurt_thresh)
    wm_f, skip_f = wm.reshape(-1), skip_a.reshape(-1)
    active = (~passes | force) & valid & ~skip_f & (wm_f > 0)
    n_hi = np.zeros(M.shape[1], np.int64)
    n_lo = np.zeros(M.shape[1], np.int64)
    sk_cur, kt_cur = sk0.copy(), kt0.copy()
    with np.errstate(invalid="ignore"):
        while np.any(active):
            idx = np.flatnonzero(active)
            sub = M[:, idx]
            go_hi = sk_cur[idx] >= 0
            mx = np.fmax.reduce(sub, axis=0)
            mn = np.fmin.reduce(sub, axis=0)
            ext = np.where(go_hi, mx, mn)
            at = sub == ext
            rest = np.where(at, np.nan, sub)
            second = np.where(go_hi, np.fmax.reduce(rest, axis=0), np.fmin.reduce(rest, axis=0))
            sub = np.where(at, second, sub)
            M[:, idx] = sub
            P[:, idx] = np.where(at, np.where(go_hi, np.int8(1), np.int8(2)), P[:, idx])
            cnt = at.sum(axis=0)
            n_hi[idx] = np.where(go_hi, cnt, n_hi[idx])
            n_lo[idx] = np.where(go_hi, n_lo[idx], cnt)
            s_k, k_t = skew_kurt(sub, axis=0)
            sk_cur[idx], kt_cur[idx] = s_k, k_t
            p_now, v_now, _, _ = _passes(s_k, k_t, skew_thresh, kurt_thresh)
            still = (~p_now | force) & v_now & (n_hi[idx] + n_lo[idx] < wm_f[idx])
            active[idx] = still
    passes, _, _, _ = _passes(sk_cur, kt_cur, skew_thresh, kurt_thresh)

    def back(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.moveaxis(a.reshape((n_econ, *col_shape)), 0, -2)

    return TreatResult(
        x=back(M),
        points=back(P),
        skew_before=sk0.reshape(col_shape),
        kurt_before=kt0.reshape(col_shape),
        skew_after=sk_cur.reshape(col_shape),
        kurt_after=kt_cur.reshape(col_shape),
        n_winsorised=(n_hi + n_lo).reshape(col_shape),
        transformed=np.zeros(col_shape, bool),
        passed=passes.reshape(col_shape),
    )


def log_ct(x: npt.ArrayLike) -> FloatArray:
    """COINr ``log_CT``: ``ln(x - min(x) + 0.01 (max(x) - min(x)))`` per indicator."""
    X = as_data(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        mn = np.fmin.reduce(X, axis=-2, keepdims=True)
        mx = np.fmax.reduce(X, axis=-2, keepdims=True)
        return np.log(X - mn + 0.01 * (mx - mn))


def log_ct_orig(x: npt.ArrayLike) -> FloatArray:
    """COINr ``log_CT_orig``: ``ln(x - min(x) + 1)`` per indicator."""
    X = as_data(x)
    with np.errstate(invalid="ignore"):
        mn = np.fmin.reduce(X, axis=-2, keepdims=True)
        return np.log(X - mn + 1.0)


def boxcox(x: npt.ArrayLike, *, lmbda: float = 0.5, makepos: bool = True) -> FloatArray:
    """COINr ``boxcox`` (no optimisation of lambda): shift to ``x - min + 1`` then Box-Cox."""
    X = as_data(x)
    if makepos:
        with np.errstate(invalid="ignore"):
            X = X - np.fmin.reduce(X, axis=-2, keepdims=True) + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        if lmbda == 0:
            return np.log(X)
        return (np.power(X, lmbda) - 1.0) / lmbda


_FALLBACKS: Mapping[str, Callable[..., FloatArray]] = {
    "log_ct": log_ct,
    "log_ct_orig": log_ct_orig,
    "boxcox": boxcox,
}


def treat(
    x: npt.ArrayLike,
    *,
    winmax: npt.ArrayLike | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    fallback: str | None = "log_ct",
    fallback_params: Mapping[str, Any] | None = None,
    force: bool = False,
    skip: npt.ArrayLike | None = None,
) -> TreatResult:
    """COINr's default two-stage treatment: winsorise, else transform the original values."""
    if fallback is not None and fallback not in _FALLBACKS:
        raise SpecError(f"unknown fallback {fallback!r}; choose one of {sorted(_FALLBACKS)}")
    X0 = as_data(x)
    win = winsorise(
        X0, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, force=force, skip=skip
    )
    if fallback is None:
        return win
    passes0, valid0, _, _ = _passes(win.skew_before, win.kurt_before, skew_thresh, kurt_thresh)
    col_shape = X0.shape[:-2] + X0.shape[-1:]
    skip_a = np.zeros(col_shape, bool) if skip is None else np.broadcast_to(skip, col_shape)
    _, valid1, _, _ = _passes(win.skew_after, win.kurt_after, skew_thresh, kurt_thresh)
    # COINr: f2 runs only if the initial check failed and the winsorised data still fail;
    # a check that returns NA makes Treat return the original vector untreated.
    use_f2 = (~passes0 | force) & valid0 & ~skip_a & valid1 & ~win.passed
    untreated = ~valid1 & valid0 & ~passes0
    if not np.any(use_f2):
        if np.any(untreated):
            X = np.where(untreated[..., None, :], X0, win.x)
            pts = np.where(untreated[..., None, :], np.int8(0), win.points)
            return _finish(X, pts, win, np.zeros(col_shape, bool), skew_thresh, kurt_thresh)
        return win
    transformed = _FALLBACKS[fallback](X0, **dict(fallback_params or {}))
    X = np.where(use_f2[..., None, :], transformed, win.x)
    X = np.where(untreated[..., None, :], X0, X)
    pts = np.where(use_f2[..., None, :] & ~np.isnan(X0), np.int8(3), win.points)
    pts = np.where(untreated[..., None, :], np.int8(0), pts).astype(np.int8)
    return _finish(X, pts, win, use_f2, skew_thresh, kurt_thresh)


def _finish(
    X: FloatArray,
    pts: npt.NDArray[np.int8],
    win: TreatResult,
    transformed: npt.NDArray[np.bool_],
    skew_thresh: float,
    kurt_thresh: float,
) -> TreatResult:
    passes, _, sk, kt = check_skew_kurt(X, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    return TreatResult(
        x=X,
        points=pts.astype(np.int8),
        skew_before=win.skew_before,
        kurt_before=win.kurt_before,
        skew_after=sk,
        kurt_after=kt,
        n_winsorised=np.where(transformed, 0, win.n_winsorised),
        transformed=transformed,
        passed=passes,
    )


def _none(x: npt.ArrayLike, **_params: Any) -> TreatResult:
    X = as_data(x)
    passes, _valid, sk, kt = check_skew_kurt(X)
    col_shape = X.shape[:-2] + X.shape[-1:]
    return TreatResult(
        x=X.copy(),
        points=np.zeros(X.shape, np.int8),
        skew_before=sk,
        kurt_before=kt,
        skew_after=sk,
        kurt_after=kt,
        n_winsorised=np.zeros(col_shape, np.int64),
        transformed=np.zeros(col_shape, bool),
        passed=passes,
    )


def _winsorise_only(x: npt.ArrayLike, **params: Any) -> TreatResult:
    return treat(x, fallback=None, **params)


#: Registered treatments: ``coinr`` (winsorise, else log_CT — COINr's default), ``winsorise``
#: (no fallback), ``none``.
TREATMENTS: Mapping[str, Callable[..., TreatResult]] = {
    "coinr": treat,
    "winsorise": _winsorise_only,
    "none": _none,
}
