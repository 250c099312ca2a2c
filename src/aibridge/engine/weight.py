"""Weights (stage 5): how much each child counts within its parent node.

Every weighting returns nominal weights for *all* tree columns, shape ``(n_nodes,)``
(indicators first, as :class:`~aibridge.engine.spec.Tree`); weights are relative within a
parent and are re-normalised per node over the children present for each economy at
aggregation time (see :mod:`aibridge.engine.aggregate`).

Registered ids (``WEIGHTINGS``):

============  ===============================================================================
``equal``     1 for every child (equal weighting within each node)
``explicit``  the weights written in the framework (COINr: the ``Weight`` column of iMeta)
``nested``    explicit weights given as *shares of the whole index* for indicators; converted
              to within-node weights (child share / sum of sibling shares); aggregates get the
              sum of their children's shares
``pca``       per node, from the children's correlation matrix: the squared loadings of the
              first principal component (normalised eigenvector ``v``; ``w_i = v_i^2``, which
              sums to 1) — OECD/JRC Handbook 2008 §6.1 (weights from factor loadings);
              children with negative loadings get their squared loading too and are reported
              by the audit
``budget``    budget allocation (Handbook 2008 §6.4): ``allocations`` maps each node to a list
              of expert allocations (one list of points per expert, one point per child);
              the weight is the mean allocation across experts
============  ===============================================================================

:func:`effective_weights` multiplies normalised weights down the tree: the share of the
index each indicator carries when no data are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray
from aibridge.engine.spec import Tree
from aibridge.errors import DataError, SpecError

__all__ = ["WEIGHTINGS", "effective_weights", "pca_weights", "weights_for"]


def _equal(tree: Tree, **_: Any) -> FloatArray:
    return np.ones(len(tree.codes))


def _explicit(tree: Tree, **_: Any) -> FloatArray:
    return tree.weights.copy()


def _nested(tree: Tree, **_: Any) -> FloatArray:
    share = np.zeros(len(tree.codes))
    share[: tree.n_indicators] = tree.weights[: tree.n_indicators]
    for k in sorted(range(tree.n_indicators, len(tree.codes)), key=lambda j: tree.levels[j]):
        share[k] = sum(share[c] for c in tree.children[k])
    w = np.ones(len(tree.codes))
    for k in range(len(tree.codes)):
        p = tree.parent[k]
        if p >= 0 and share[p] > 0:
            w[k] = share[k] / share[p]
    return w


def pca_weights(x: npt.ArrayLike) -> FloatArray:
    """Squared first-principal-component loadings of the columns of ``x`` (rows complete)."""
    X = np.asarray(x, dtype=np.float64)
    rows = ~np.isnan(X).any(axis=1)
    if rows.sum() < 3 or X.shape[1] < 2:
        return np.ones(X.shape[1]) / X.shape[1]
    C = np.corrcoef(X[rows], rowvar=False)
    if not np.all(np.isfinite(C)):
        raise DataError("PCA weights need indicators with non-zero variance")
    _, vecs = np.linalg.eigh(C)
    v = vecs[:, -1]
    return v * v / np.sum(v * v)


def _pca(tree: Tree, *, data: npt.ArrayLike | None = None, **_: Any) -> FloatArray:
    """PCA weights from ``data`` = scores of every tree column, shape (n_econ, n_nodes)."""
    if data is None:
        raise SpecError("pca weighting needs the normalised data (data=...)")
    D = np.asarray(data, dtype=np.float64)
    w = np.ones(len(tree.codes))
    for k in range(tree.n_indicators, len(tree.codes)):
        ch = list(tree.children[k])
        if len(ch) > 1:
            w[ch] = pca_weights(D[:, ch])
    return w


def _budget(
    tree: Tree, *, allocations: Mapping[str, Sequence[Sequence[float]]] | None = None, **_: Any
) -> FloatArray:
    if not allocations:
        raise SpecError("budget weighting needs allocations: {node: [[points per child], ...]}")
    w = tree.weights.copy()
    for node, expert_lists in allocations.items():
        k = tree.index(node)
        ch = list(tree.children[k])
        arr = np.asarray(expert_lists, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != len(ch):
            raise SpecError(
                f"budget allocations for {node!r} must be a list of lists of {len(ch)} points "
                f"(one per child, in framework order); got shape {arr.shape}"
            )
        if np.any(arr < 0) or np.any(arr.sum(axis=1) <= 0):
            raise SpecError(f"budget allocations for {node!r} must be non-negative, not all zero")
        w[ch] = (arr / arr.sum(axis=1, keepdims=True)).mean(axis=0)
    return w


WEIGHTINGS: Mapping[str, Callable[..., FloatArray]] = {
    "equal": _equal,
    "explicit": _explicit,
    "nested": _nested,
    "pca": _pca,
    "budget": _budget,
}


def weights_for(tree: Tree, method: str = "explicit", **params: Any) -> FloatArray:
    """Nominal weights of every tree column from the registered method ``method``."""
    try:
        fn = WEIGHTINGS[method]
    except KeyError:
        raise SpecError(
            f"unknown weighting {method!r}; choose one of {sorted(WEIGHTINGS)}"
        ) from None
    return fn(tree, **params)


def effective_weights(tree: Tree, weights: npt.ArrayLike | None = None) -> FloatArray:
    """Share of the root carried by every column (weights normalised per node, multiplied)."""
    w = tree.weights if weights is None else np.asarray(weights, dtype=np.float64)
    norm = np.ones(len(tree.codes))
    for k in range(tree.n_indicators, len(tree.codes)):
        ch = list(tree.children[k])
        tot = w[ch].sum()
        norm[ch] = w[ch] / tot if tot > 0 else 0.0
    eff = np.ones(len(tree.codes))
    for k in range(len(tree.codes)):
        p, share = tree.parent[k], norm[k]
        while p >= 0:
            share *= norm[p] if tree.parent[p] >= 0 else 1.0
            p = tree.parent[p]
        eff[k] = share if tree.parent[k] >= 0 else 1.0
    return eff
