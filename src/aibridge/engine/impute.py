"""Imputation of missing values (stage 2). Every imputed cell is flagged.

Every imputer has the signature ``f(X, **params) -> (X_imputed, imputed_mask)``; ``X`` has
shape ``(..., n_economies, n_indicators)``; the mask is True where a missing value was
filled. Values present in the input are never changed.

Registered ids (``IMPUTERS``):

==================  ========================================================================
``none``            leave missing values missing
``mean``            column mean of the present values (COINr ``i_mean``)
``median``          column median (COINr ``i_median``)
``group_mean``      mean of the present values of the economy's group (``groups``: one label
                    per economy, e.g. region or income group; COINr ``i_mean_grp`` — economies
                    without a group are left missing, as ``skip_f_na = TRUE``)
``group_median``    median within the group (COINr ``i_median_grp``)
``latest``          panel only: the latest earlier observation no more than ``window`` years
                    back (COINr ``impute_panel(imp_type = "latest", max_time = window)``);
                    needs the year axis at ``-3`` and ``years``
``linear``          panel only: linear interpolation in time between the nearest earlier and
                    later observations (no extrapolation beyond the observed span; COINr
                    ``impute_panel(imp_type = "linear")`` without its end-point rule)
``em``              iterative regression ("EM-style", Handbook 2008 §1.3): start from column
                    means, then repeatedly regress each incomplete indicator on all the others
                    (ordinary least squares with a small ridge) over the economies where it is
                    present and replace its missing cells by the predictions, until the
                    largest change is below ``tol`` or ``max_iter`` sweeps
==================  ========================================================================
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data
from aibridge.errors import ShapeError, SpecError

__all__ = [
    "IMPUTERS",
    "group_codes",
    "impute",
    "impute_em",
    "impute_group",
    "impute_latest",
    "impute_linear",
    "impute_mean",
]

BoolArray = npt.NDArray[np.bool_]
ImputeResult = tuple[FloatArray, BoolArray]


def group_codes(labels: Sequence[object]) -> npt.NDArray[np.int64]:
    """Integer codes for group labels (sorted order, as R factors); None/NaN/'' -> -1."""

    def missing(v: object) -> bool:
        return v is None or v == "" or (isinstance(v, float) and np.isnan(v))

    uniq = sorted({str(v) for v in labels if not missing(v)})
    index = {u: i for i, u in enumerate(uniq)}
    return np.array([-1 if missing(v) else index[str(v)] for v in labels], dtype=np.int64)


def _none(x: npt.ArrayLike, **_: Any) -> ImputeResult:
    X = as_data(x)
    return X.copy(), np.zeros(X.shape, bool)


def impute_mean(x: npt.ArrayLike, *, stat: str = "mean") -> ImputeResult:
    """Replace missing values by the column mean (or median) of the present values."""
    X = as_data(x)
    miss = np.isnan(X)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fill = (
            np.nanmean(X, axis=-2, keepdims=True)
            if stat == "mean"
            else np.nanmedian(X, axis=-2, keepdims=True)
        )
    out = np.where(miss, fill, X)
    return out, miss & ~np.isnan(out)


def impute_group(
    x: npt.ArrayLike, *, groups: npt.ArrayLike | Sequence[object], stat: str = "mean"
) -> ImputeResult:
    """Replace missing values by the mean (or median) of the economy's group."""
    X = as_data(x)
    g = np.asarray(groups)
    if g.dtype.kind not in "iu":
        g = group_codes(list(g))
    if g.shape != (X.shape[-2],):
        raise ShapeError(f"groups must give one label per economy ({X.shape[-2]}); got {g.shape}")
    out = X.copy()
    miss = np.isnan(X)
    for code in np.unique(g[g >= 0]):
        rows = g == code
        sub = X[..., rows, :]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fill = (
                np.nanmean(sub, axis=-2, keepdims=True)
                if stat == "mean"
                else np.nanmedian(sub, axis=-2, keepdims=True)
            )
        out[..., rows, :] = np.where(np.isnan(sub), fill, sub)
    return out, miss & ~np.isnan(out)


def _year_axis(X: FloatArray, years: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
    if X.ndim < 3:
        raise ShapeError("panel imputation needs data shaped (..., n_years, n_economies, n_ind)")
    n = X.shape[-3]
    yrs = np.arange(n, dtype=np.float64) if years is None else np.asarray(years, np.float64)
    if yrs.shape != (n,) or np.any(np.diff(yrs) <= 0):
        raise ShapeError(f"years must be {n} strictly increasing values for axis -3")
    return yrs


def impute_latest(
    x: npt.ArrayLike, *, window: int = 3, years: npt.ArrayLike | None = None
) -> ImputeResult:
    """Carry the latest earlier observation forward, at most ``window`` years back."""
    if window < 0:
        raise SpecError(f"window must be a non-negative number of years; got {window}")
    X = as_data(x)
    yrs = _year_axis(X, years)
    out = X.copy()
    n = X.shape[-3]
    for t in range(n):
        for k in range(1, t + 1):
            if yrs[t] - yrs[t - k] > window:
                break
            cur = out[..., t, :, :]
            src = X[..., t - k, :, :]
            out[..., t, :, :] = np.where(np.isnan(cur), src, cur)
    return out, np.isnan(X) & ~np.isnan(out)


def impute_linear(x: npt.ArrayLike, *, years: npt.ArrayLike | None = None) -> ImputeResult:
    """Linear interpolation in time between the nearest observations (no extrapolation)."""
    X = as_data(x)
    yrs = _year_axis(X, years)
    n = X.shape[-3]
    present = ~np.isnan(X)
    idx = np.arange(n).reshape((n, 1, 1))
    prev_i = np.where(present, idx, -1)
    prev_i = np.maximum.accumulate(prev_i, axis=-3)
    next_i = np.where(present, idx, n)
    next_i = np.flip(np.minimum.accumulate(np.flip(next_i, axis=-3), axis=-3), axis=-3)
    ok = (prev_i >= 0) & (next_i < n) & ~present
    pi = np.clip(prev_i, 0, n - 1)
    ni = np.clip(next_i, 0, n - 1)
    y0 = np.take_along_axis(X, pi, axis=-3)
    y1 = np.take_along_axis(X, ni, axis=-3)
    t0, t1 = yrs[pi], yrs[ni]
    t = yrs[np.broadcast_to(idx, X.shape)]
    with np.errstate(invalid="ignore", divide="ignore"):
        interp = y0 + (y1 - y0) * (t - t0) / (t1 - t0)
    out = np.where(ok, interp, X)
    return out, ok


def impute_em(
    x: npt.ArrayLike, *, max_iter: int = 50, tol: float = 1e-8, ridge: float = 1e-6
) -> ImputeResult:
    """Iterative regression imputation (each batch slice separately; deterministic)."""
    X = as_data(x)
    out = X.copy()
    miss_all = np.isnan(X)
    for idx in np.ndindex(X.shape[:-2]):
        A = X[idx]
        miss = np.isnan(A)
        if not miss.any():
            continue
        cols_ok = (~miss).sum(axis=0) >= 2
        mu = np.where(cols_ok, np.nanmean(np.where(cols_ok, A, 0.0), axis=0), np.nan)
        Z = np.where(miss, mu, A)
        incomplete = [j for j in range(A.shape[1]) if miss[:, j].any() and cols_ok[j]]
        usable = np.where(cols_ok)[0]
        for _ in range(max_iter):
            delta = 0.0
            for j in incomplete:
                others = usable[usable != j]
                rows = ~miss[:, j]
                D = np.column_stack([np.ones(A.shape[0]), Z[:, others]])
                Dr = D[rows]
                beta = np.linalg.solve(Dr.T @ Dr + ridge * np.eye(Dr.shape[1]), Dr.T @ Z[rows, j])
                pred = D[miss[:, j]] @ beta
                delta = max(delta, float(np.max(np.abs(pred - Z[miss[:, j], j]), initial=0.0)))
                Z[miss[:, j], j] = pred
            if delta < tol:
                break
        out[idx] = Z
    return out, miss_all & ~np.isnan(out)


IMPUTERS: Mapping[str, Callable[..., ImputeResult]] = {
    "none": _none,
    "mean": lambda x, **p: impute_mean(x, stat="mean"),
    "median": lambda x, **p: impute_mean(x, stat="median"),
    "group_mean": lambda x, **p: impute_group(x, stat="mean", **p),
    "group_median": lambda x, **p: impute_group(x, stat="median", **p),
    "latest": impute_latest,
    "linear": impute_linear,
    "em": impute_em,
}


def impute(x: npt.ArrayLike, method: str = "none", **params: Any) -> ImputeResult:
    """Impute with the registered method ``method`` (see ``IMPUTERS``)."""
    try:
        fn = IMPUTERS[method]
    except KeyError:
        raise SpecError(
            f"unknown imputation method {method!r}; choose one of {sorted(IMPUTERS)}"
        ) from None
    try:
        return fn(x, **params)
    except TypeError as exc:
        raise SpecError(f"bad parameters for imputer {method!r}: {exc}") from exc
