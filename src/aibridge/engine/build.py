"""Run an :class:`~aibridge.engine.spec.IndexSpec` over a :class:`~aibridge.engine.spec.Panel`.

``build_index(spec, panel)`` runs the stages in ``spec.stages`` order over every selected
year at once (the year axis is a batch axis: each year is screened, treated, normalised and
aggregated on its own, as COINr does for each coin), keeps every intermediate table in
``IndexResult.stages`` and returns scores and ranks for every node.

``aggregate_tree`` and ``normalise_indicators`` are the two vectorised building blocks the
uncertainty analysis calls directly with a leading replication axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data
from aibridge.engine.aggregate import AGGREGATORS
from aibridge.engine.impute import IMPUTERS
from aibridge.engine.normalise import NORMALISERS
from aibridge.engine.rank import rank_desc
from aibridge.engine.result import IndexResult
from aibridge.engine.screen import ScreenResult, denominate, screen
from aibridge.engine.spec import IndexSpec, Panel, Step, Tree, compile_tree
from aibridge.engine.treat import TREATMENTS, TreatResult
from aibridge.engine.weight import weights_for
from aibridge.errors import DataError, ShapeError, SpecError

__all__ = ["aggregate_tree", "build_index", "normalise_indicators"]


def aggregate_tree(
    xn: npt.ArrayLike,
    tree: Tree,
    *,
    weights: npt.ArrayLike | None = None,
    method: str | Step | None = None,
    default: Step | None = None,
) -> FloatArray:
    """Aggregate normalised indicators up the tree.

    ``xn``: ``(..., n_economies, n_indicators)``. ``weights``: ``(..., n_nodes)`` for every
    tree column (default the tree's nominal weights); batch axes allowed. ``method``
    overrides every node's aggregation. Returns ``(..., n_economies, n_nodes)`` whose first
    ``n_indicators`` columns are ``xn`` itself. ``default`` is the step of nodes that name
    none (default weighted arithmetic mean). A step's ``dat_thresh`` parameter (COINr
    ``Aggregate(dat_thresh)``) makes a node missing for an economy whose share of children
    present is below it (``1`` = all children required).
    """
    X = as_data(xn)
    if X.shape[-1] != tree.n_indicators:
        raise ShapeError(f"expected {tree.n_indicators} indicator columns; got {X.shape[-1]}")
    w = tree.weights if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape[-1] != len(tree.codes):
        raise ShapeError(f"weights need {len(tree.codes)} entries (one per tree column)")
    override = Step(method) if isinstance(method, str) else method
    out = np.empty((*X.shape[:-1], len(tree.codes)))
    out[..., : tree.n_indicators] = X
    for k in range(tree.n_indicators, len(tree.codes)):
        step = override or tree.methods[k] or default or Step("arith_mean")
        try:
            fn = AGGREGATORS[step.method]
        except KeyError:
            raise SpecError(
                f"unknown aggregation method {step.method!r} at node {tree.codes[k]!r}; "
                f"choose one of {sorted(AGGREGATORS)}"
            ) from None
        ch = list(tree.children[k])
        params = dict(step.params)
        thresh = params.pop("dat_thresh", None)
        try:
            val = fn(out[..., ch], w[..., ch], **params)
        except TypeError as exc:
            raise SpecError(f"bad parameters for aggregator {step.method!r}: {exc}") from exc
        if thresh is not None:
            share = np.mean(~np.isnan(out[..., ch]), axis=-1)
            val = np.where(share < float(thresh), np.nan, val)
        out[..., k] = val
    return out


def _indicator_params(spec: IndexSpec, method: str, cols: Sequence[int]) -> dict[str, Any]:
    inds = [spec.indicators[j] for j in cols]
    if method == "goalposts":
        missing = [i.code for i in inds if i.goalposts is None]
        if missing:
            raise SpecError(f"goalposts normalisation needs goalposts for {missing}")
        return {
            "lo": np.array([i.goalposts[0] for i in inds if i.goalposts]),
            "hi": np.array([i.goalposts[1] for i in inds if i.goalposts]),
            "log": np.array([i.log for i in inds]),
        }
    if method == "dist_to_target":
        missing = [i.code for i in inds if i.target is None]
        if missing:
            raise SpecError(f"dist_to_target normalisation needs a target for {missing}")
        return {"target": np.array([i.target for i in inds], dtype=np.float64)}
    return {}


def normalise_indicators(
    x: npt.ArrayLike, spec: IndexSpec, *, default: Step | None = None
) -> FloatArray:
    """Normalise every indicator with the spec's default step or its own override."""
    X = as_data(x)
    default = default or spec.normalise
    out = np.empty_like(X)
    groups: dict[str, list[int]] = {}
    steps: dict[str, Step] = {}
    for j, ind in enumerate(spec.indicators):
        step = ind.normalise or default
        key = repr((step.method, sorted(step.params.items())))
        groups.setdefault(key, []).append(j)
        steps[key] = step
    directions = np.array([i.direction for i in spec.indicators], dtype=np.float64)
    for key, cols in groups.items():
        step = steps[key]
        if step.method not in NORMALISERS:
            raise SpecError(
                f"unknown normalisation method {step.method!r}; choose one of {sorted(NORMALISERS)}"
            )
        params = dict(step.params) | _indicator_params(spec, step.method, cols)
        try:
            out[..., cols] = NORMALISERS[step.method](
                X[..., cols], directions=directions[cols], **params
            )
        except TypeError as exc:
            raise SpecError(f"bad parameters for normaliser {step.method!r}: {exc}") from exc
    return out


def _select(panel: Panel, codes: Sequence[str], what: str) -> list[int]:
    pos = {c: i for i, c in enumerate(panel.indicators)}
    missing = [c for c in codes if c not in pos]
    if missing:
        raise DataError(
            f"the data lack {what} {missing}; load them or remove them from the framework"
        )
    return [pos[c] for c in codes]


def build_index(
    spec: IndexSpec,
    panel: Panel,
    *,
    years: Sequence[int] | None = None,
    weights: npt.ArrayLike | None = None,
) -> IndexResult:
    """Build the index for the selected years (default: every year of the panel)."""
    tree = compile_tree(spec)
    if years is None:
        year_idx = list(range(len(panel.years)))
    else:
        unknown = [y for y in years if y not in panel.years]
        if unknown:
            raise DataError(f"years {unknown} are not in the data (it has {list(panel.years)})")
        year_idx = [panel.years.index(y) for y in years]
    sel_years = tuple(panel.years[i] for i in year_idx)
    cols = _select(panel, spec.indicator_codes, "indicators")
    raw = panel.values[np.ix_(year_idx, range(len(panel.economies)), cols)]
    X = raw.copy()
    stages: dict[str, FloatArray] = {"raw": raw}
    imputed = np.zeros(X.shape, bool)
    if panel.imputed is not None:
        imputed |= np.asarray(panel.imputed)[np.ix_(year_idx, range(len(panel.economies)), cols)]
    included = np.ones(X.shape[:-1], bool)
    screen_res: ScreenResult | None = None
    treat_res: TreatResult | None = None
    for stage in spec.stages:
        if stage == "denominate":
            use = np.array([i.denominator is not None for i in spec.indicators])
            if use.any():
                dcols = _select(panel, spec.denominator_codes, "denominators")
                dpos = dict(zip(spec.denominator_codes, dcols, strict=True))
                src = [dpos[i.denominator] if i.denominator else cols[j]
                       for j, i in enumerate(spec.indicators)]  # fmt: skip
                D = panel.values[np.ix_(year_idx, range(len(panel.economies)), src)]
                scale = np.array([i.denominator_scale for i in spec.indicators])
                X = denominate(X, D, use=use, scale=scale)
            stages["denominated"] = X
        elif stage == "impute":
            step = spec.impute
            if step.method not in IMPUTERS:
                raise SpecError(
                    f"unknown imputation method {step.method!r}; choose one of {sorted(IMPUTERS)}"
                )
            params = dict(step.params)
            if step.method in ("group_mean", "group_median"):
                gname = params.pop("group", None)
                if gname is None or gname not in panel.groups:
                    raise SpecError(
                        f"{step.method} needs group: one of {sorted(panel.groups)}; got {gname!r}"
                    )
                params["groups"] = list(panel.groups[gname])
            if step.method in ("latest", "linear"):
                params["years"] = np.asarray(sel_years, dtype=np.float64)
            X, mask = IMPUTERS[step.method](X, **params)
            imputed |= mask
            stages["imputed"] = X
        elif stage == "screen":
            if spec.screen.method == "none":
                stages["screened"] = X
                continue
            screen_res = screen(X, unit_screen=spec.screen.method, **dict(spec.screen.params))
            X = screen_res.x
            included &= screen_res.included
            stages["screened"] = X
        elif stage == "treat":
            step = spec.treat
            if step.method not in TREATMENTS:
                raise SpecError(
                    f"unknown treatment {step.method!r}; choose one of {sorted(TREATMENTS)}"
                )
            skip = np.array([not i.treat for i in spec.indicators])
            params = dict(step.params)
            if step.method != "none":
                params["skip"] = skip
            treat_res = TREATMENTS[step.method](X, **params)
            X = treat_res.x
            stages["treated"] = X
        elif stage == "normalise":
            X = normalise_indicators(X, spec)
            stages["normalised"] = X
        elif stage == "aggregate":
            pass
    if "normalise" not in spec.stages:
        stages["normalised"] = X
    X = np.where(included[..., None], X, np.nan)
    if weights is None:
        wparams = dict(spec.weights.params)
        if spec.weights.method == "pca":
            scores0 = aggregate_tree(X, tree, default=spec.aggregate)
            w = np.stack([weights_for(tree, "pca", data=scores0[t]) for t in range(len(sel_years))])
        else:
            w = weights_for(tree, spec.weights.method, **wparams)
    else:
        w = np.asarray(weights, dtype=np.float64)
    scores = aggregate_tree(X, tree, weights=w, default=spec.aggregate)
    scores = np.where(included[..., None], scores, np.nan)
    ranks = rank_desc(scores, axis=-2)
    return IndexResult(
        spec=spec,
        tree=tree,
        years=sel_years,
        economies=panel.economies,
        economy_names=dict(panel.economy_names),
        scores=scores,
        ranks=ranks,
        stages=stages,
        imputed=imputed,
        included=included,
        weights=np.broadcast_to(w, (len(sel_years), len(tree.codes))).copy(),
        screen_report=screen_res,
        treat_report=treat_res,
        vintage=panel.vintage,
    )
