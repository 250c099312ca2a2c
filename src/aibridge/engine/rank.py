"""Ranks of scores, vectorised over batch axes.

COINr ranks results with ``rank(-x, ties.method = "min", na.last = "keep")``
(``R/results.R``, ``get_results``): the highest score gets rank 1, tied scores share the
lowest rank of their block ("sport" or competition ranking 1, 2, 2, 4) and missing scores
have no rank. :func:`rank_desc` does exactly that along the economies axis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data

__all__ = ["rank_asc", "rank_desc"]


def _min_rank(keys: FloatArray, axis: int) -> FloatArray:
    """Competition ranks (1 = smallest key, ties -> minimum), NaN kept as NaN."""
    x = np.ascontiguousarray(np.moveaxis(keys, axis, -1))
    order = np.argsort(x, axis=-1, kind="stable")  # NaN sort last
    s = np.take_along_axis(x, order, axis=-1)
    n = x.shape[-1]
    new_block = np.ones(s.shape, dtype=bool)
    if n > 1:
        new_block[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.broadcast_to(np.arange(n, dtype=np.int64), s.shape)
    start = np.maximum.accumulate(np.where(new_block, pos, 0), axis=-1)
    ranks_sorted = (start + 1).astype(np.float64)
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=-1)
    ranks[np.isnan(x)] = np.nan
    return np.moveaxis(ranks, -1, axis)


def rank_desc(scores: npt.ArrayLike, axis: int = -2) -> FloatArray:
    """Rank 1 = highest score; ties share the minimum rank; NaN stays NaN (COINr)."""
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim == 1:
        return _min_rank(-x, 0)
    return _min_rank(-as_data(x), axis)


def rank_asc(values: npt.ArrayLike, axis: int = -2) -> FloatArray:
    """Rank 1 = lowest value; ties share the minimum rank; NaN stays NaN (R ``rank``)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        return _min_rank(x, 0)
    return _min_rank(x, axis)
