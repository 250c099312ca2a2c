"""Aggregation: combine the children of a node into one score (stage 6).

Every aggregator has the signature ``f(X, w, **params) -> ndarray``: ``X`` has shape
``(..., n_economies, n_children)``, ``w`` (weights) is broadcastable to
``(..., n_children)`` (so weights may vary by Monte Carlo replication) and the result has
shape ``(..., n_economies)``.

Missing children: as COINr's ``a_amean`` (``R/aggregate.R``), a child that is NaN for an
economy is dropped *and its weight removed*, the remaining weights being re-normalised to
sum to 1 (weights are relative: doubling all of them changes nothing). An economy with no
child present gets NaN. Weights must be non-negative with a positive sum over the present
children.

Registered ids (``AGGREGATORS``), with ``w_i`` the re-normalised weights:

===================  ========================================================================
``arith_mean``       ``sum w_i x_i`` (COINr ``a_amean``; Handbook 2008 §1.6 linear)
``geom_mean``        ``prod x_i ^ w_i = exp(sum w_i ln x_i)`` (COINr ``a_gmean``; HDI).
                     *Zero rule*: if any present child is 0 the result is 0 (the limit of the
                     formula); a negative child raises :class:`~aibridge.errors.DataError`.
``harm_mean``        ``1 / sum(w_i / x_i)``; 0 if any present child is 0; negatives raise
``power_mean``       generalised mean ``(sum w_i x_i^p)^(1/p)``; ``p=1`` arithmetic, ``p=0``
                     geometric, ``p=-1`` harmonic; for ``p <= 0`` the zero rule above applies
``median``           unweighted median of the present children (COINr ``a_median``)
``copeland``         non-compensatory Copeland outranking (Munda & Nardo 2009; COINr
                     ``a_copeland``): for economies j, k the concordance
                     ``e_jk = sum_i w_i (1[x_ij > x_ik] + 0.5 * 1[x_ij = x_ik])`` over children
                     present for both; score ``c_j = #{k: e_jk > e_kj} - #{k: e_jk < e_kj}``
===================  ========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data
from aibridge.errors import DataError, ShapeError, SpecError

__all__ = [
    "AGGREGATORS",
    "aggregate",
    "arith_mean",
    "copeland",
    "geom_mean",
    "harm_mean",
    "median",
    "power_mean",
]

Aggregator = Callable[..., FloatArray]


def _weights(x: FloatArray, w: npt.ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    """Return (present mask as float, weights re-normalised over present children)."""
    wa = np.ones(x.shape[-1], dtype=np.float64) if w is None else np.asarray(w, dtype=np.float64)
    if wa.ndim == 0:
        wa = np.broadcast_to(wa, (x.shape[-1],))
    if wa.shape[-1] != x.shape[-1]:
        raise ShapeError(f"weights have {wa.shape[-1]} entries for {x.shape[-1]} children")
    if np.any(wa < 0) or np.any(np.isnan(wa)):
        raise SpecError("weights must be non-negative numbers")
    wa = np.expand_dims(wa, -2)  # (..., 1, C)
    present = ~np.isnan(x)
    wp = np.where(present, wa, 0.0)
    tot = wp.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = wp / tot
    return present.astype(np.float64), np.where(tot > 0, wn, np.nan)


def arith_mean(x: npt.ArrayLike, w: npt.ArrayLike | None = None) -> FloatArray:
    """Weighted arithmetic mean over present children (COINr ``a_amean``)."""
    X = as_data(x)
    _, wn = _weights(X, w)
    return np.sum(np.where(np.isnan(X), 0.0, X) * wn, axis=-1)


def _check_nonneg(X: FloatArray, name: str) -> None:
    if np.any(X < 0):
        raise DataError(
            f"{name} needs non-negative values; normalise onto a positive range first "
            "(e.g. minmax with low=1)"
        )


def geom_mean(x: npt.ArrayLike, w: npt.ArrayLike | None = None) -> FloatArray:
    """Weighted geometric mean; any present zero gives 0 (stated zero rule)."""
    X = as_data(x)
    _check_nonneg(X, "geom_mean")
    _, wn = _weights(X, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(np.isnan(X) | (wn == 0), 0.0, np.log(np.where(X > 0, X, 1.0)))
        out = np.exp(np.sum(wn * logs, axis=-1))
    has_zero = np.any((X == 0) & (wn > 0), axis=-1)
    out = np.where(has_zero, 0.0, out)
    return np.where(np.all(np.isnan(wn), axis=-1), np.nan, out)


def harm_mean(x: npt.ArrayLike, w: npt.ArrayLike | None = None) -> FloatArray:
    """Weighted harmonic mean; any present zero gives 0."""
    X = as_data(x)
    _check_nonneg(X, "harm_mean")
    _, wn = _weights(X, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.isnan(X) | (X == 0), 0.0, wn / np.where(X == 0, 1.0, X))
        out = 1.0 / np.sum(inv, axis=-1)
    has_zero = np.any((X == 0) & (wn > 0), axis=-1)
    out = np.where(has_zero, 0.0, out)
    return np.where(np.all(np.isnan(wn), axis=-1), np.nan, out)


def power_mean(x: npt.ArrayLike, w: npt.ArrayLike | None = None, *, p: float = 1.0) -> FloatArray:
    """Generalised (power) mean with exponent ``p``."""
    if p == 0:
        return geom_mean(x, w)
    if p == 1:
        return arith_mean(x, w)
    X = as_data(x)
    _check_nonneg(X, "power_mean")
    _, wn = _weights(X, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(np.isnan(X) | (wn == 0), 0.0, wn * np.power(np.where(X > 0, X, 1.0), p))
        out = np.power(np.sum(terms, axis=-1), 1.0 / p)
    if p < 0:
        out = np.where(np.any((X == 0) & (wn > 0), axis=-1), 0.0, out)
    elif np.any(X == 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(np.isnan(X) | (wn == 0), 0.0, wn * np.power(np.nan_to_num(X), p))
            out = np.power(np.sum(terms, axis=-1), 1.0 / p)
    return np.where(np.all(np.isnan(wn), axis=-1), np.nan, out)


def median(x: npt.ArrayLike, w: npt.ArrayLike | None = None) -> FloatArray:
    """Unweighted median of the present children (weights ignored, as COINr ``a_median``)."""
    X = as_data(x)
    out = np.full(X.shape[:-1], np.nan)
    any_present = ~np.all(np.isnan(X), axis=-1)
    if np.any(any_present):
        with np.errstate(invalid="ignore"):
            med = np.nanmedian(np.where(any_present[..., None], X, 0.0), axis=-1)
        out = np.where(any_present, med, np.nan)
    return out


def copeland(x: npt.ArrayLike, w: npt.ArrayLike | None = None) -> FloatArray:
    """Copeland outranking score (wins minus losses in weighted pairwise concordance)."""
    X = as_data(x)
    if w is None:
        wa = np.ones(X.shape[-1])
    else:
        wa = np.asarray(w, dtype=np.float64)
        if wa.ndim == 0:
            wa = np.broadcast_to(wa, (X.shape[-1],))
    if np.any(wa < 0):
        raise SpecError("weights must be non-negative numbers")
    wb = wa[..., None, None, :]  # (..., 1, 1, C)
    xj = X[..., :, None, :]
    xk = X[..., None, :, :]
    both = ~np.isnan(xj) & ~np.isnan(xk)
    with np.errstate(invalid="ignore"):
        conc = np.where(both, wb * ((xj > xk) + 0.5 * (xj == xk)), 0.0).sum(axis=-1)
    diff = conc - np.swapaxes(conc, -1, -2)
    score = np.sign(diff).sum(axis=-1)
    return np.where(np.all(np.isnan(X), axis=-1), np.nan, score)


AGGREGATORS: Mapping[str, Aggregator] = {
    "arith_mean": arith_mean,
    "geom_mean": geom_mean,
    "harm_mean": harm_mean,
    "power_mean": power_mean,
    "median": median,
    "copeland": copeland,
}


def aggregate(
    x: npt.ArrayLike, w: npt.ArrayLike | None = None, method: str = "arith_mean", **params: Any
) -> FloatArray:
    """Aggregate with the registered method ``method`` (see ``AGGREGATORS``)."""
    try:
        fn = AGGREGATORS[method]
    except KeyError:
        raise SpecError(
            f"unknown aggregation method {method!r}; choose one of {sorted(AGGREGATORS)}"
        ) from None
    try:
        return fn(x, w, **params)
    except TypeError as exc:
        raise SpecError(f"bad parameters for aggregator {method!r}: {exc}") from exc
