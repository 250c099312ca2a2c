"""Array helpers shared by every stage (private).

Conventions (the engine's contract, also stated in :mod:`aibridge.engine`):

* Data arrays have shape ``(..., n_economies, n_indicators)``: economies on axis ``-2``,
  indicators (or children of a node) on axis ``-1``. Any leading axes are *batch* axes
  (years, Monte Carlo replications, ...) and every stage treats them independently.
* ``float64`` throughout; ``NaN`` means missing. Economies screened out of a build are
  rows of ``NaN`` (they are masked, never dropped, so shapes stay fixed across a batch).
* Per-indicator parameters are scalars or arrays broadcastable to ``(..., n_indicators)``;
  a parameter that varies by replication simply carries the batch axes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aibridge.errors import ShapeError

__all__ = ["as_data", "col_param", "nan_count"]

FloatArray = npt.NDArray[np.float64]


def as_data(x: npt.ArrayLike, *, name: str = "X") -> FloatArray:
    """Return ``x`` as a float64 array with at least 2 dimensions (economies × indicators)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2:
        raise ShapeError(
            f"{name} must have shape (..., n_economies, n_indicators); got shape {arr.shape}"
        )
    return arr


def col_param(value: npt.ArrayLike, x: FloatArray, *, name: str) -> FloatArray:
    """Broadcast a per-indicator parameter to ``x.shape[:-2] + (1, n_indicators)``.

    Accepts a scalar, an array of shape ``(n_indicators,)`` or one carrying batch axes
    ``(..., n_indicators)``; the economies axis is inserted so it broadcasts against ``x``.
    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr.reshape((1,) * x.ndim)
    if arr.shape[-1] not in (1, x.shape[-1]):
        raise ShapeError(
            f"{name} must be a scalar or have n_indicators={x.shape[-1]} entries on its last "
            f"axis; got shape {arr.shape}"
        )
    arr = np.expand_dims(arr, -2)
    try:
        np.broadcast_shapes(arr.shape, x.shape)
    except ValueError as exc:
        raise ShapeError(
            f"{name} with shape {arr.shape[:-2] + arr.shape[-1:]} does not broadcast against "
            f"data of shape {x.shape}"
        ) from exc
    return arr


def nan_count(x: FloatArray, axis: int = -2) -> npt.NDArray[np.int64]:
    """Number of non-missing values along ``axis``."""
    return np.sum(~np.isnan(x), axis=axis)
