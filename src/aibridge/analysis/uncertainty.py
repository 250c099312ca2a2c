"""Uncertainty analysis (Monte Carlo) of a composite index, vectorised across replications.

Every composite index is a bundle of choices (weights, normalisation, aggregation, imputation,
outlier treatment, which indicators to include). This module samples those choices, rebuilds the
index for every replication, and summarises how far each economy's rank can move.

Work flow (SALib's separation of *sample* and *analyse*)::

    problem = bind(spec, plan)                      # spec: UncertaintySpec; plan: IndexPlan
    design = sample(problem, n, rng=seed)           # all randomness, drawn from the seed
    y = evaluate(problem, design, backend="numpy")  # (n_runs, 2, n_economies, n_targets)
    result = analyze(problem, design, y)            # UncertaintyResult (+ Sobol' indices)

or :func:`run_uncertainty` for the four steps at once.

Speed: replications are *not* a Python loop over index builds. The data are imputed, treated
and normalised once per distinct discrete choice (cached); per aggregation alternative the tree
is aggregated once with nominal weights for all those choices at once; then only the nodes above
a varying weight or a dropped indicator are recomputed, one call per node over a leading
replication axis that carries each replication's weights and its dropped indicator (a NaN
column, which the engine's aggregators drop with its weight, as COINr does for missing
children). Chunks of replications bound the memory; :mod:`aibridge.analysis.backends` runs the
chunks in-process or on dask.

Leave-one-indicator-out only changes the aggregation: imputation, treatment and normalisation in
the engine are per indicator, so dropping one indicator leaves the others' values unchanged.
(An imputer that borrows strength across indicators would break this; then list the excluded
indicators explicitly or do not combine the two inputs.)
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aibridge.analysis import backends
from aibridge.analysis.sensitivity import SobolResult, saltelli_design, sobol_indices
from aibridge.errors import DataError, SpecError

__all__ = [
    "Alternative",
    "Design",
    "Factor",
    "IndexPlan",
    "Problem",
    "TreatmentPerturbation",
    "UncertaintyResult",
    "UncertaintySpec",
    "WeightPerturbation",
    "analyze",
    "bind",
    "evaluate",
    "load_spec",
    "rebuild",
    "run_uncertainty",
    "sample",
]


def _registry(stage: str) -> Mapping[str, Any]:
    """The engine's registry of methods for a stage (imported lazily; engine is pure numpy)."""
    if stage == "normalisation":
        from aibridge.engine.normalise import NORMALISERS

        return NORMALISERS
    if stage == "aggregation":
        from aibridge.engine.aggregate import AGGREGATORS

        return AGGREGATORS
    if stage == "imputation":
        from aibridge.engine.impute import IMPUTERS

        return IMPUTERS
    raise KeyError(stage)  # pragma: no cover


class Alternative(BaseModel):
    """One alternative of a discrete input: a registered method id and its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        if not self.params:
            return self.method
        inner = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method}({inner})"


class WeightPerturbation(BaseModel):
    """Random weights around the nominal ones (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Literal["uniform", "dirichlet"] = "uniform"
    noise: float = Field(0.25, description="uniform: relative half-width, 0 <= noise < 1")
    concentration: float = Field(100.0, description="dirichlet: concentration > 0")
    levels: list[int] | None = Field(
        None,
        description="levels whose weights are perturbed (1 = indicators, 2 = first aggregate "
        "level, ...); default every level below the root",
    )
    nodes: list[str] | None = Field(None, description="or: perturb the weights of these nodes")

    @field_validator("noise")
    @classmethod
    def _noise(cls, v: float) -> float:
        if not 0 <= v < 1:
            raise ValueError(
                f"weights.noise is a relative half-width in [0, 1) (0.25 = ±25 %); got {v}"
            )
        return v

    @field_validator("concentration")
    @classmethod
    def _conc(cls, v: float) -> float:
        if not v > 0:
            raise ValueError(f"weights.concentration must be positive; got {v}")
        return v

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (not v or any(level < 1 for level in v)):
            raise ValueError(f"weights.levels must be a non-empty list of levels >= 1; got {v}")
        return v


class TreatmentPerturbation(BaseModel):
    """Outlier treatment on/off and/or the winsorisation limit as an uncertain input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_off: bool = Field(False, description="also try the build with no outlier treatment")
    winmax: tuple[int, int] | None = Field(
        None, description="winsorisation limit, uniform over the integers lo..hi"
    )

    @field_validator("winmax")
    @classmethod
    def _winmax(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not 0 <= v[0] <= v[1]:
            raise ValueError(f"treatment.winmax must be [lo, hi] with 0 <= lo <= hi; got {list(v)}")
        return v

    @model_validator(mode="after")
    def _something(self) -> TreatmentPerturbation:
        if not self.on_off and self.winmax is None:
            raise ValueError("treatment needs on_off: true and/or winmax: [lo, hi]")
        return self


class UncertaintySpec(BaseModel):
    """The uncertain inputs of an index build (any mix; at least one).

    ===================  ======================================================================
    ``weights``          each perturbed weight ``w`` becomes ``w * (1 + U(-noise, +noise))``
                         (COINr ``get_noisy_weights``), or the children's shares of each node
                         are drawn from a Dirichlet with the nominal shares as mean
    ``normalisation``    one of several ``{method, params}`` (engine ``NORMALISERS``)
    ``aggregation``      one of several (engine ``AGGREGATORS``), applied at every level
    ``imputation``       one of several (engine ``IMPUTERS``)
    ``treatment``        outlier treatment on/off and/or the winsorisation limit, uniform over
                         the integers ``winmax = [lo, hi]`` (COINr vignette: 1..5)
    ``exclude``          leave-one-indicator-out: keep all, or drop one listed indicator
    ``targets``          nodes to report (default: the root)
    ===================  ======================================================================

    Discrete inputs take each alternative with equal probability. Method ids are checked here;
    their parameters when the spec is bound to a framework (:func:`bind`), before any
    replication runs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: WeightPerturbation | None = None
    normalisation: list[Alternative] | None = None
    aggregation: list[Alternative] | None = None
    imputation: list[Alternative] | None = None
    treatment: TreatmentPerturbation | None = None
    exclude: bool | list[str] = Field(
        False, description="leave-one-indicator-out: true (every indicator) or a list of codes"
    )
    targets: list[str] | None = Field(None, description="nodes reported; default the root")

    @field_validator("normalisation", "aggregation", "imputation")
    @classmethod
    def _methods(cls, v: list[Alternative] | None, info: Any) -> list[Alternative] | None:
        if v is None:
            return v
        stage = info.field_name
        if not v:
            raise ValueError(f"{stage} needs at least one alternative {{method, params}}")
        try:
            known = _registry(stage)
        except (ImportError, AttributeError):  # pragma: no cover - engine stage not present
            raise ValueError(f"this build of aibridge has no {stage} methods") from None
        for alt in v:
            if alt.method not in known:
                raise ValueError(
                    f"unknown {stage} method {alt.method!r}; allowed: {', '.join(sorted(known))}"
                )
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> UncertaintySpec:
        if not any(
            (
                self.weights,
                self.normalisation,
                self.aggregation,
                self.imputation,
                self.treatment,
                self.exclude,
            )
        ):
            raise ValueError(
                "the spec perturbs nothing; give at least one of weights, normalisation, "
                "aggregation, imputation, treatment, exclude"
            )
        return self

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> UncertaintySpec:
        """Validate a mapping (from YAML/JSON); errors become one readable :class:`SpecError`."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise SpecError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "spec"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            msg = (
                "unknown key; allowed: weights, normalisation, aggregation, imputation, "
                "treatment, exclude, targets"
            )
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (see docs/uncertainty.md for the fields of each input)"
        parts.append(f"{loc}: {msg}")
    return "invalid uncertainty spec: " + "; ".join(parts)


def load_spec(path: str | Path) -> UncertaintySpec:
    """Read an :class:`UncertaintySpec` from YAML (the whole file, or its ``uncertainty:`` key)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read uncertainty spec {p}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{p} is not valid YAML: {exc}") from exc
    if isinstance(data, dict) and "uncertainty" in data:
        data = data["uncertainty"]
    if not isinstance(data, dict):
        raise SpecError(f"{p} must hold a mapping of uncertain inputs (see docs/uncertainty.md)")
    return UncertaintySpec.parse(data)


# --------------------------------------------------------------------------------------------
# Factors and designs


@dataclass(frozen=True)
class Factor:
    """One uncertain input bound to the design columns ``columns`` (a slice).

    ``kind="discrete"`` maps its single column to ``alternatives[floor(u * k)]``;
    ``kind="weights"`` holds one column per perturbed weight (a Sobol' group).
    """

    name: str
    kind: Literal["discrete", "weights"]
    columns: slice
    alternatives: tuple[Any, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return int(self.columns.stop - self.columns.start)

    def choose(self, u: np.ndarray) -> np.ndarray:
        """Index of the alternative chosen by each uniform draw in ``u``."""
        k = len(self.alternatives)
        return np.minimum((np.asarray(u) * k).astype(np.int64), k - 1)


@dataclass(frozen=True)
class Design:
    """A sampled design: ``u`` (n_runs × n_columns) on the unit cube, and how it was drawn.

    ``method="montecarlo"``: ``n`` independent rows. ``method="saltelli"``: ``n`` base points,
    ``n * (d + 2)`` rows in SALib's layout, for Sobol' indices.
    """

    u: np.ndarray
    method: Literal["montecarlo", "saltelli"]
    n: int
    seed: int

    @property
    def n_runs(self) -> int:
        return int(self.u.shape[0])


#: Rows of a Monte Carlo design drawn per seed block (a fixed constant: row ``i`` comes from the
#: generator keyed ``(seed, i // MC_BLOCK)``, so a design does not depend on chunking, and the
#: design of ``n`` rows is the prefix of the design of any larger ``n``).
MC_BLOCK = 1024


# --------------------------------------------------------------------------------------------
# The index as arrays: what a replication re-evaluates


def _step(alt: Alternative | None) -> Any:
    from aibridge.engine.spec import Step

    return None if alt is None else Step(alt.method, dict(alt.params))


def _block(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Children ``(B, n)`` each as one ``(B, n, c)`` block laid out in memory exactly as
    numpy lays out ``out[..., children]`` (children outermost). The layout decides the order
    of the aggregators' sums, so this is what keeps replications bit-identical to
    :func:`aibridge.engine.build.aggregate_tree` for nodes with many children."""
    return np.moveaxis(np.stack([np.asarray(c) for c in columns], axis=0), 0, -1)


def _with_dat_thresh(fn: Callable[..., np.ndarray], thresh: float) -> Callable[..., np.ndarray]:
    """``fn`` with a step's ``dat_thresh`` applied the way :func:`aggregate_tree` applies it (a
    node is missing where the share of its children present is below ``thresh``)."""

    def aggregate(block: np.ndarray, w: np.ndarray, **params: Any) -> np.ndarray:
        val = fn(block, w, **params)
        share = np.mean(~np.isnan(block), axis=-1)
        return np.where(share < thresh, np.nan, val)

    return aggregate


class IndexPlan:
    """An engine recipe (``IndexSpec``) and its ``Panel`` for one year, ready to be replayed.

    The nominal build is :func:`aibridge.engine.build.build_index` for ``year`` (default: the
    panel's latest year). A replication replays the stages up to normalisation with its discrete
    choices (once per distinct choice, cached) and aggregates with
    :func:`aibridge.engine.build.aggregate_tree` over a leading replication axis; a replication
    whose choices are all nominal is therefore bit-identical to the nominal build.

    Nominal weights are those of the nominal build (data-driven weights such as PCA are not
    re-derived per replication; perturb them with ``weights`` instead).
    """

    def __init__(self, spec: Any, panel: Any, *, year: int | None = None):
        from aibridge.engine.build import build_index

        if year is None:
            year = int(panel.years[-1])
        if year not in panel.years:
            raise DataError(f"year {year} is not in the data (it has {list(panel.years)})")
        self.spec = spec
        self.panel = panel
        self.year = int(year)
        nominal = build_index(spec, panel, years=[self.year])
        self.tree = nominal.tree
        self.weights = np.asarray(nominal.weights, dtype=np.float64).reshape(
            -1, len(self.tree.codes)
        )[0]
        self.nominal_scores = np.asarray(nominal.scores)[0]
        self.nominal_ranks = np.asarray(nominal.ranks)[0]
        self.economies: tuple[str, ...] = tuple(panel.economies)
        self.indicators: tuple[str, ...] = tuple(spec.indicator_codes)
        self.codes: tuple[str, ...] = tuple(self.tree.codes)
        self._cache: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}

    @property
    def root(self) -> str:
        return self.codes[self.tree.root]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_economies, n_tree_columns)``."""
        return len(self.economies), len(self.codes)

    def column_level(self, col: int) -> int:
        return int(self.tree.levels[col])

    def has_stage(self, stage: str) -> bool:
        return stage in self.spec.stages

    def preprocess(
        self,
        *,
        impute: Alternative | None = None,
        treat: Alternative | Literal["off"] | None = None,
        normalise: Alternative | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Normalised data ``(n, k)`` (NaN rows for screened-out economies) and the mask of
        included economies, built with the given alternatives (None = nominal, "off" = no
        outlier treatment)."""
        from dataclasses import replace

        from aibridge.engine.build import build_index
        from aibridge.engine.spec import DEFAULT_STAGES, Step

        changes: dict[str, Any] = {}
        stages = set(self.spec.stages)
        if impute is not None:
            changes["impute"] = _step(impute)
            stages.add("impute")
        if treat == "off":
            changes["treat"] = Step("none")
        elif treat is not None:
            changes["treat"] = _step(treat)
            stages.add("treat")
        if normalise is not None:
            changes["normalise"] = _step(normalise)
            stages.add("normalise")
        if stages != set(self.spec.stages):
            # a perturbed stage the framework skips: insert it at its Handbook position
            changes["stages"] = tuple(s for s in DEFAULT_STAGES if s in stages)
        spec = replace(self.spec, **changes) if changes else self.spec
        pre = [st for st in spec.stages if st != "aggregate"]
        if pre and pre[-1] == "normalise":
            # Normalisation is the last stage before aggregation: build once per (imputation,
            # treatment) choice without it, then normalise per alternative (cheap). Identical
            # to a full build: build_index normalises that same array at that same point.
            from aibridge.engine.build import normalise_indicators

            key = (repr(spec.impute), repr(spec.treat), repr(spec.stages))
            if key not in self._cache:
                bare = replace(spec, stages=tuple(st for st in spec.stages if st != "normalise"))
                res = build_index(bare, self.panel, years=[self.year], weights=self.weights)
                self._cache[key] = (
                    np.asarray(res.stages["normalised"]),
                    np.asarray(res.included)[0],
                )
            x, included = self._cache[key]
            xn = np.asarray(normalise_indicators(x, spec))[0]
        else:
            res = build_index(spec, self.panel, years=[self.year], weights=self.weights)
            included = np.asarray(res.included)[0]
            xn = np.asarray(res.stages["normalised"])[0]
        return np.where(included[:, None], xn, np.nan), included

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": {}}

    def _node_fn(
        self, k: int, method: Alternative | None
    ) -> tuple[Callable[..., np.ndarray], dict[str, Any], bool]:
        """Aggregator of node ``k``, its parameters, and whether it refuses negative values."""
        from aibridge.engine.aggregate import AGGREGATORS
        from aibridge.engine.spec import Step

        step = _step(method) or self.tree.methods[k] or Step("arith_mean")
        try:
            fn = AGGREGATORS[step.method]
        except KeyError:
            raise SpecError(
                f"unknown aggregation method {step.method!r}; choose one of {sorted(AGGREGATORS)}"
            ) from None
        params = dict(step.params)
        # the engine's rule (aggregate.py): these raise DataError on any negative child value
        nonneg = step.method in ("geom_mean", "harm_mean") or (
            step.method == "power_mean" and params.get("p", 1.0) != 1
        )
        thresh = params.pop("dat_thresh", None)
        if thresh is not None:  # as engine.build.aggregate_tree: too few children -> missing
            fn = _with_dat_thresh(fn, float(thresh))
        return fn, params, nonneg

    @staticmethod
    def _apply(
        fn: Callable[..., np.ndarray],
        block: np.ndarray,
        w: np.ndarray,
        params: dict[str, Any],
        nonneg: bool,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``fn(block, w)``; for aggregators that refuse negative values, the batch rows that
        hold one are blanked (NaN) instead and reported as failed, so one failing replication
        does not stop the others. The other rows keep their values *and memory layout*."""
        if nonneg:
            with np.errstate(invalid="ignore"):
                bad = np.any(block < 0, axis=(-2, -1))
            if bad.any():
                block = block.copy(order="K")
                block[bad] = np.nan
                return fn(block, w, **params), bad
        return fn(block, w, **params), None

    def walk(
        self, x: np.ndarray, weights: np.ndarray, *, method: Alternative | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every tree column for a stack of normalised data ``x`` ``(P, n, k)`` with one set
        of weights ``(K,)``: values ``(P, n, K)`` (not masked) and ``failed`` ``(P, K)``, the
        nodes whose aggregation (or a descendant's) refused the data. This is
        :func:`aibridge.engine.build.aggregate_tree` (same calls on the same blocks, so the
        same bits)."""
        n_ind = self.tree.n_indicators
        n_cols = len(self.codes)
        out = np.empty((*x.shape[:-1], n_cols))
        out[..., :n_ind] = x
        failed = np.zeros((x.shape[0], n_cols), bool)
        for k in range(n_ind, n_cols):
            fn, params, nonneg = self._node_fn(k, method)
            ch = list(self.tree.children[k])
            out[..., k], bad = self._apply(fn, out[..., ch], weights[..., ch], params, nonneg)
            failed[:, k] = failed[:, ch].any(axis=1)
            if bad is not None:
                failed[:, k] |= bad
        return out, failed

    def walk_rows(
        self,
        static: np.ndarray,
        static_failed: np.ndarray,
        rows_static: np.ndarray,
        weights: np.ndarray,
        varying_weights: np.ndarray,
        *,
        xb: np.ndarray | None = None,
        method: Alternative | None = None,
        targets: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Replications as one batch: ``(B, n, len(targets))``, not masked; NaN for a failed
        replication (one whose aggregation anywhere in the tree refused its data).

        ``static[rows_static[i]]`` holds replication ``i``'s node values under nominal weights
        (:meth:`walk` of its preprocessing choice; ``static_failed`` its failures); only the
        nodes above a varying weight (``varying_weights``) or above varying data (``xb``,
        ``(B, n, k)``, e.g. a dropped indicator) are recomputed, on the replication axis, from
        child blocks laid out as :func:`aibridge.engine.build.aggregate_tree` lays them out,
        so a replication whose inputs are nominal is bit-identical to the nominal build.
        """
        n_ind = self.tree.n_indicators
        n_cols = len(self.codes)
        w_var = np.asarray(varying_weights, bool)
        varies = np.zeros(n_cols, bool)
        varies[:n_ind] = xb is not None
        var: dict[int, np.ndarray] = {}
        failed = np.zeros(rows_static.size, bool)

        def column(c: int) -> np.ndarray:
            if not varies[c]:
                return static[rows_static, :, c]
            if c < n_ind:
                assert xb is not None
                return xb[..., c]
            return var[c]

        for k in range(n_ind, n_cols):
            ch = list(self.tree.children[k])
            varies[k] = bool(varies[ch].any() or w_var[ch].any())
            if not varies[k]:
                continue
            fn, params, nonneg = self._node_fn(k, method)
            if xb is not None and all(c < n_ind for c in ch):
                block = xb[..., ch]
            else:
                block = _block([column(c) for c in ch])
            var[k], bad = self._apply(fn, block, weights[..., ch], params, nonneg)
            if bad is not None:
                failed |= bad
        # a node computed once (not varying) that failed fails every replication using it
        failed |= static_failed[rows_static][:, ~varies].any(axis=1)
        cols = list(range(n_cols)) if targets is None else list(targets)
        out = np.stack([column(c) for c in cols], axis=-1)
        if failed.any():
            out[failed] = np.nan
        return out

    def aggregate(
        self,
        xn: np.ndarray,
        weights: np.ndarray,
        included: np.ndarray,
        *,
        method: Alternative | None = None,
        targets: Sequence[int] | None = None,
        varying_weights: np.ndarray | None = None,
    ) -> np.ndarray:
        """Aggregate ``xn`` (``(B or 1, n, k)``) with weights ``(B, K)`` or ``(K,)``.

        Returns ``(B, n, len(targets))`` (all tree columns by default).
        ``varying_weights`` (``(K,)`` bool) marks the weights that may differ between
        replications (default: those that differ in ``weights``).

        This walks the tree exactly as :func:`aibridge.engine.build.aggregate_tree` does (same
        aggregator calls on the same contiguous child blocks, so the same bits), with one
        saving: a node whose subtree has neither a varying weight nor varying data is computed
        once (batch 1) and broadcast, instead of once per replication. With the COINr vignette's
        spec (weights of pillars and sub-indexes perturbed) the pillar scores — most of the
        work — are computed once per group of replications.
        """

        tree = self.tree
        n_ind = tree.n_indicators
        x3 = xn if xn.ndim == 3 else xn[None]
        w2 = weights if weights.ndim == 2 else weights[None]
        b = max(x3.shape[0], w2.shape[0])
        n = x3.shape[-2]
        n_cols = len(tree.codes)
        if varying_weights is not None:
            w_var = np.asarray(varying_weights, bool)
        elif w2.shape[0] > 1:
            w_var = ~np.all(w2 == w2[:1], axis=0)
        else:
            w_var = np.zeros(n_cols, bool)
        varies = np.zeros(n_cols, bool)
        varies[:n_ind] = x3.shape[0] > 1
        stat = np.empty((1, n, n_cols))  # columns that do not vary: computed once
        stat[..., :n_ind] = x3[:1]
        var: dict[int, np.ndarray] = {}  # columns that vary: (b, n) each

        def column(c: int) -> np.ndarray:
            if not varies[c]:
                return np.broadcast_to(stat[0, :, c], (b, n))
            return x3[..., c] if c < n_ind else var[c]

        for k in range(n_ind, n_cols):
            fn, params, _ = self._node_fn(k, method)
            ch = list(tree.children[k])
            varies[k] = bool(varies[ch].any() or w_var[ch].any())
            if not varies[k]:
                stat[..., k] = fn(stat[..., ch], w2[0][ch], **params)
            else:
                if all(c < n_ind for c in ch):
                    block = x3[..., ch]
                else:
                    block = _block([column(c) for c in ch])
                var[k] = fn(block, w2[..., ch], **params)
        cols = list(range(n_cols)) if targets is None else list(targets)
        out = np.stack([column(c) for c in cols], axis=-1)
        return np.where(included[:, None], out, np.nan)


# --------------------------------------------------------------------------------------------
# Binding a spec to a plan


@dataclass(frozen=True)
class Problem:
    """A spec bound to a plan: the factors, their design columns and the reported targets.

    ``weight_map`` lists the tree column whose weight each weight column perturbs.
    """

    spec: UncertaintySpec
    plan: IndexPlan
    factors: tuple[Factor, ...]
    targets: tuple[str, ...]
    target_columns: tuple[int, ...]
    weight_map: tuple[int, ...]
    excluded: tuple[int, ...]

    @property
    def n_columns(self) -> int:
        return sum(f.width for f in self.factors)

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def groups(self) -> tuple[str, ...]:
        """The factor of every design column (SALib ``groups``)."""
        out: list[str] = []
        for f in self.factors:
            out.extend([f.name] * f.width)
        return tuple(out)

    def factor(self, name: str) -> Factor | None:
        return next((f for f in self.factors if f.name == name), None)

    def alternatives(self, name: str) -> tuple[Any, ...]:
        """The alternatives of factor ``name`` (empty if the spec does not perturb it)."""
        f = self.factor(name)
        return () if f is None else f.alternatives


def bind(spec: UncertaintySpec, plan: IndexPlan) -> Problem:
    """Resolve ``spec`` against ``plan``; raises :class:`SpecError` before any work."""
    codes = plan.codes
    tree = plan.tree
    k = len(plan.indicators)
    targets = tuple(spec.targets or [plan.root])
    for t in targets:
        if t not in codes:
            raise SpecError(
                f"unknown target {t!r}; choose nodes or indicators of the framework, "
                f"e.g. {', '.join(codes[k:][-5:])}"
            )
    factors: list[Factor] = []
    col = 0

    def add(
        name: str,
        kind: Literal["discrete", "weights"],
        width: int,
        alts: Sequence[Any],
        labels: Sequence[str],
    ) -> None:
        nonlocal col
        factors.append(Factor(name, kind, slice(col, col + width), tuple(alts), tuple(labels)))
        col += width

    weight_map: list[int] = []
    if spec.weights is not None:
        wp = spec.weights
        max_level = tree.max_level
        levels = set(wp.levels) if wp.levels is not None else set(range(1, max_level))
        if wp.nodes is not None:
            unknown = [c for c in wp.nodes if c not in codes]
            if unknown:
                raise SpecError(f"weights.nodes: unknown codes {unknown}; use framework codes")
        for c in range(len(codes)):
            if tree.parent[c] < 0:
                continue
            chosen = codes[c] in wp.nodes if wp.nodes is not None else tree.levels[c] in levels
            if chosen:
                weight_map.append(c)
        if not weight_map:
            raise SpecError(
                f"weights: nothing to perturb at levels {sorted(levels)}; the framework has "
                f"levels 1..{max_level} (1 = indicators; the root has no weight)"
            )
        add("weights", "weights", len(weight_map), (), [codes[c] for c in weight_map])
    for stage in ("normalisation", "aggregation", "imputation"):
        alts = getattr(spec, stage)
        if alts:
            add(stage, "discrete", 1, alts, [a.label for a in alts])
    if spec.treatment is not None:
        nominal_on = plan.has_stage("treat") and plan.spec.treat.method != "none"
        if spec.treatment.on_off:
            on_label = plan.spec.treat.method if nominal_on else "coinr"
            add("treatment", "discrete", 1, ("on", "off"), (on_label, "none"))
        if spec.treatment.winmax is not None:
            lo, hi = spec.treatment.winmax
            vals = list(range(lo, hi + 1))
            add("winmax", "discrete", 1, vals, [str(v) for v in vals])
    excluded: tuple[int, ...] = ()
    if spec.exclude:
        names = list(plan.indicators) if spec.exclude is True else list(spec.exclude)
        unknown = [c for c in names if c not in plan.indicators]
        if unknown:
            raise SpecError(f"exclude: unknown indicators {unknown}; use indicator codes")
        excluded = tuple(plan.indicators.index(c) for c in names)
        add("exclude", "discrete", 1, (None, *excluded), ("none", *names))
    problem = Problem(
        spec=spec,
        plan=plan,
        factors=tuple(factors),
        targets=targets,
        target_columns=tuple(codes.index(t) for t in targets),
        weight_map=tuple(weight_map),
        excluded=excluded,
    )
    _dry_run(problem)
    return problem


def _dry_run(problem: Problem) -> None:
    """Try every alternative once on the nominal data, so that bad parameters are reported
    (as :class:`SpecError`, naming the input) before any replication runs. Cheap: one build per
    imputation/treatment alternative, one normalisation or aggregation per alternative; the
    results are cached for the run."""
    plan = problem.plan
    w = plan.weights

    def attempt(name: str, label: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except (TypeError, ValueError, KeyError) as exc:
            if isinstance(exc, DataError):
                return  # data-dependent failures are per replication (NaN), not spec errors
            raise SpecError(f"{name} alternative {label}: {exc}") from None

    for f in problem.factors:
        if f.name == "normalisation":
            for alt in f.alternatives:
                attempt(f.name, alt.label, partial(plan.preprocess, normalise=alt))
        elif f.name == "imputation":
            for alt in f.alternatives:
                attempt(f.name, alt.label, partial(plan.preprocess, impute=alt))
        elif f.name == "aggregation":
            x0, inc0 = plan.preprocess()
            for alt in f.alternatives:
                attempt(f.name, alt.label, partial(plan.aggregate, x0, w, inc0, method=alt))
        elif f.name == "winmax":
            base = plan.spec.treat if plan.spec.treat.method != "none" else None
            method = base.method if base is not None else "coinr"
            params = dict(base.params) if base is not None else {}
            for v in f.alternatives:
                alt = Alternative(method=method, params={**params, "winmax": v})
                attempt("treatment.winmax", str(v), partial(plan.preprocess, treat=alt))


def _seed_of(rng: int | np.random.Generator | None) -> int:
    if rng is None:
        return int(np.random.SeedSequence().entropy % 2**63)  # type: ignore[operator]
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if isinstance(rng, (int, np.integer)) and rng >= 0:
        return int(rng)
    raise SpecError(f"seed must be a non-negative integer or a numpy Generator; got {rng!r}")


def sample(
    problem: Problem,
    n: int,
    *,
    rng: int | np.random.Generator | None = None,
    method: Literal["montecarlo", "saltelli"] = "montecarlo",
) -> Design:
    """Draw the design: every random number of the analysis, from one seed.

    ``montecarlo``: ``n`` rows, row ``i`` drawn from the generator keyed by
    ``(seed, i // MC_BLOCK)`` (numpy ``SeedSequence`` spawn keys). ``saltelli``: SALib's
    Sobol'-sequence design of ``n`` base points (``n * (d + 2)`` rows; ``n`` ideally a power of 2).
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise SpecError(f"the number of replications must be an integer >= 2; got {n!r}")
    seed = _seed_of(rng)
    d = problem.n_columns
    if method == "montecarlo":
        u = np.empty((int(n), d))
        for b, lo in enumerate(range(0, int(n), MC_BLOCK)):
            hi = min(int(n), lo + MC_BLOCK)
            gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
            u[lo:hi] = gen.random((MC_BLOCK, d))[: hi - lo]
        return Design(u=u, method="montecarlo", n=int(n), seed=seed)
    if method == "saltelli":
        if len(problem.factors) < 2:
            raise SpecError(
                "Sobol' indices need at least two uncertain inputs; add one to the spec or run "
                "a plain uncertainty analysis (method='montecarlo')"
            )
        u = saltelli_design(int(n), d, groups=problem.groups, seed=seed)
        return Design(u=u, method="saltelli", n=int(n), seed=seed)
    raise SpecError(f"method must be 'montecarlo' or 'saltelli'; got {method!r}")


# --------------------------------------------------------------------------------------------
# Evaluation of a block of replications


_PRE_FACTORS = ("imputation", "treatment", "winmax", "normalisation")
#: Per-process caches of deserialised evaluators, by analysis token (see ``__setstate__``).
_WORKER_CACHES: dict[str, tuple[dict[Any, Any], dict[Any, Any]]] = {}


class _Evaluator:
    """Picklable function ``rows -> (B, 2, n_economies, n_targets)`` (scores, ranks).

    The result of a row depends on that row only, never on the other rows of the block, so
    chunking and backends cannot change it.
    """

    def __init__(self, problem: Problem):
        import uuid

        self.problem = problem
        self.token = uuid.uuid4().hex
        self._cache: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._static: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.varying_weights = np.zeros(len(problem.plan.codes), bool)
        self.varying_weights[list(problem.weight_map)] = True

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": {}, "_static": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A dask worker may deserialise the evaluator for every task; the caches of one
        # analysis are shared by all its copies in a process (a few analyses kept at most).
        self.__dict__.update(state)
        caches = _WORKER_CACHES.pop(self.token, None) or ({}, {})
        _WORKER_CACHES[self.token] = caches
        while len(_WORKER_CACHES) > 4:
            _WORKER_CACHES.pop(next(iter(_WORKER_CACHES)))
        self._cache, self._static = caches

    def _preprocessed(self, key: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        if key not in self._cache:
            p = self.problem
            plan = p.plan
            imp_i, treat_i, win_i, norm_i = key
            impute = p.alternatives("imputation")[imp_i] if imp_i >= 0 else None
            normalise = p.alternatives("normalisation")[norm_i] if norm_i >= 0 else None
            off = treat_i >= 0 and p.alternatives("treatment")[treat_i] == "off"
            treat: Alternative | Literal["off"] | None = None
            nominal_on = plan.has_stage("treat") and plan.spec.treat.method != "none"
            if off:
                treat = "off"
            elif win_i >= 0:
                winmax = p.alternatives("winmax")[win_i]
                base = plan.spec.treat if nominal_on else None
                method = base.method if base is not None else "coinr"
                params = dict(base.params) if base is not None else {}
                treat = Alternative(method=method, params={**params, "winmax": winmax})
            elif treat_i >= 0 and not nominal_on:
                treat = Alternative(method="coinr")
            self._cache[key] = plan.preprocess(impute=impute, treat=treat, normalise=normalise)
        return self._cache[key]

    def weights(self, rows: np.ndarray) -> np.ndarray:
        """Weights of every tree column for every row: ``(B, K)`` (or ``(K,)`` if fixed)."""
        p = self.problem
        nominal = p.plan.weights
        f = p.factor("weights")
        if f is None:
            return nominal
        wp = p.spec.weights
        assert wp is not None
        u = rows[:, f.columns]
        cols = np.asarray(p.weight_map)
        out = np.repeat(nominal[None, :], rows.shape[0], axis=0)
        if wp.distribution == "uniform":
            out[:, cols] = nominal[cols] * (1.0 + wp.noise * (2.0 * u - 1.0))
            return out
        from scipy.stats import gamma

        parents = p.plan.tree.parent[cols]
        for par in np.unique(parents):
            sel = np.flatnonzero(parents == par)
            w0 = nominal[cols[sel]]
            total = w0.sum()
            live = w0 > 0
            if total <= 0 or live.sum() < 2:
                continue
            alpha = wp.concentration * w0[live] / total
            g = gamma.ppf(u[:, sel[live]], alpha)
            gsum = g.sum(axis=1, keepdims=True)
            ok = gsum > 0
            draw = np.where(ok, g / np.where(ok, gsum, 1.0) * total, w0[live])
            out[:, cols[sel[live]]] = draw
        return out

    def _static_values(
        self, pre_keys: np.ndarray, agg: int, xs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every tree column with nominal weights, before masking — values ``(P, n, K)`` and
        failures ``(P, K)`` — one slice per preprocessing choice in ``pre_keys``, cached per
        choice and aggregation method."""
        plan = self.problem.plan
        method = self.problem.alternatives("aggregation")[agg] if agg >= 0 else None
        keys = [(*(int(v) for v in key), agg) for key in pre_keys]
        todo = [i for i, key in enumerate(keys) if key not in self._static]
        if todo:
            vals, failed = plan.walk(xs[todo], plan.weights, method=method)
            for j, i in enumerate(todo):
                self._static[keys[i]] = (vals[j], failed[j])
        return (
            np.stack([self._static[key][0] for key in keys]),
            np.stack([self._static[key][1] for key in keys]),
        )

    def _walk_safe(
        self,
        static: tuple[np.ndarray, np.ndarray],
        rp: np.ndarray,
        wb: np.ndarray,
        xb: np.ndarray | None,
        method: Alternative | None,
    ) -> np.ndarray:
        """:meth:`IndexPlan.walk_rows`; replications whose aggregation fails (e.g. a geometric
        mean meeting a negative z-score) become NaN, as COINr's failed regenerations, while the
        others still count. On failure the batch is split by preprocessing choice (the usual
        cause), and only a failing choice's replications are retried one by one."""
        p = self.problem
        args: dict[str, Any] = {"method": method, "targets": p.target_columns}
        try:
            return p.plan.walk_rows(*static, rp, wb, self.varying_weights, xb=xb, **args)
        except DataError:  # a rule the pre-check does not know: fall back, split the batch
            pass
        n, t = static[0].shape[1], len(p.target_columns)
        out = np.full((rp.size, n, t), np.nan)
        keys = np.unique(rp)
        if keys.size > 1:
            for key in keys:
                sub = np.flatnonzero(rp == key)
                out[sub] = self._walk_safe(
                    static,
                    rp[sub],
                    wb[sub] if wb.ndim == 2 else wb,
                    None if xb is None else xb[sub],
                    method,
                )
            return out
        for i in range(rp.size):
            with contextlib.suppress(DataError):
                out[i] = p.plan.walk_rows(
                    *static,
                    rp[i : i + 1],
                    wb[i : i + 1] if wb.ndim == 2 else wb,
                    self.varying_weights,
                    xb=None if xb is None else xb[i : i + 1],
                    **args,
                )[0]
        return out

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        from aibridge.engine.rank import rank_desc

        p = self.problem
        plan = p.plan
        b = rows.shape[0]
        n = len(plan.economies)
        t = len(p.target_columns)
        choice = {}
        for f in p.factors:
            if f.kind == "discrete":
                choice[f.name] = f.choose(rows[:, f.columns.start])
        none = np.full(b, -1, dtype=np.int64)
        pre = np.column_stack([choice.get(name, none) for name in _PRE_FACTORS])
        uniq, pre_of_row = np.unique(pre, axis=0, return_inverse=True)
        pre_of_row = pre_of_row.reshape(-1)
        prepared = [self._preprocessed(tuple(int(v) for v in key)) for key in uniq]
        xs = np.stack([x for x, _ in prepared])  # (P, n, k)
        inc = np.stack([i for _, i in prepared])  # (P, n)
        weights = self.weights(rows)
        agg_of_row = choice.get("aggregation", none)
        out = np.empty((b, 2, n, t))
        for agg in np.unique(agg_of_row):
            sel = np.flatnonzero(agg_of_row == agg)
            method = p.alternatives("aggregation")[agg] if agg >= 0 else None
            static = self._static_values(uniq, int(agg), xs)  # (P, n, K)
            rp = pre_of_row[sel]
            xb = None
            if "exclude" in choice:
                xb = xs[rp]  # (B, n, k) copy
                ex = choice["exclude"][sel]
                drop = np.flatnonzero(ex > 0)
                if drop.size:
                    xb[drop, :, np.asarray(p.excluded)[ex[drop] - 1]] = np.nan
            wb = weights[sel] if weights.ndim == 2 else weights
            scores = self._walk_safe(static, rp, wb, xb, method)
            out[sel, 0] = np.where(inc[rp][:, :, None], scores, np.nan)
        out[:, 1] = rank_desc(out[:, 0], axis=-2)
        return out


def rebuild(problem: Problem, row: np.ndarray) -> np.ndarray:
    """One replication the slow way: edit the engine recipe and run a full ``build_index``.

    This is what COINr's ``get_sensitivity`` does for every replication (edit the coin, then
    ``Regen``). It is the reference the batched evaluation is tested against and the baseline of
    the benchmarks; an excluded indicator is removed from the recipe. Returns
    ``(n_economies, n_targets)`` scores.
    """
    from dataclasses import replace

    from aibridge.engine.build import build_index
    from aibridge.engine.spec import DEFAULT_STAGES, Step

    plan = problem.plan
    spec = plan.spec
    ev = _Evaluator(problem)
    u = np.asarray(row, dtype=np.float64)[None, :]
    weights = ev.weights(u)
    w = weights[0] if weights.ndim == 2 else weights
    choice = {
        f.name: int(f.choose(u[0, f.columns.start]))
        for f in problem.factors
        if f.kind == "discrete"
    }
    changes: dict[str, Any] = {}
    stages = set(spec.stages)
    if "normalisation" in choice:
        alt = problem.alternatives("normalisation")[choice["normalisation"]]
        changes["normalise"] = Step(alt.method, dict(alt.params))
        stages.add("normalise")
    if "imputation" in choice:
        alt = problem.alternatives("imputation")[choice["imputation"]]
        changes["impute"] = Step(alt.method, dict(alt.params))
        stages.add("impute")
    nominal_on = plan.has_stage("treat") and spec.treat.method != "none"
    off = "treatment" in choice and problem.alternatives("treatment")[choice["treatment"]] == "off"
    if off:
        changes["treat"] = Step("none")
    elif "winmax" in choice:
        winmax = problem.alternatives("winmax")[choice["winmax"]]
        base = spec.treat if nominal_on else Step("coinr")
        changes["treat"] = Step(base.method, {**dict(base.params), "winmax": winmax})
        stages.add("treat")
    elif "treatment" in choice and not nominal_on:
        changes["treat"] = Step("coinr")
        stages.add("treat")
    if stages != set(spec.stages):
        changes["stages"] = tuple(s for s in DEFAULT_STAGES if s in stages)
    if "aggregation" in choice:
        alt = problem.alternatives("aggregation")[choice["aggregation"]]
        step = Step(alt.method, dict(alt.params))
        changes["nodes"] = tuple(replace(nd, aggregate=step) for nd in spec.nodes)
    codes = list(plan.codes)
    drop = None
    if choice.get("exclude", 0) > 0:
        drop = problem.excluded[choice["exclude"] - 1]
        changes["indicators"] = tuple(ind for j, ind in enumerate(spec.indicators) if j != drop)
    spec_i = replace(spec, **changes) if changes else spec
    from aibridge.engine.spec import compile_tree

    tree_i = compile_tree(spec_i)
    w_i = np.array([w[codes.index(c)] for c in tree_i.codes])
    res = build_index(spec_i, plan.panel, years=[plan.year], weights=w_i)
    cols = [list(tree_i.codes).index(t) if t in tree_i.codes else -1 for t in problem.targets]
    scores = np.asarray(res.scores)[0]
    return np.column_stack(
        [scores[:, c] if c >= 0 else np.full(scores.shape[0], np.nan) for c in cols]
    )


def bytes_per_replication(problem: Problem) -> int:
    """Working set of one replication (bytes), used to size chunks.

    The varying node values and their child blocks (bounded by twice the tree array
    ``(n, K)``), plus, when indicator-level values vary (exclusion or indicator weights), the
    aggregator temporaries over ``(n, k)``.
    """
    n, width = problem.plan.shape
    k = len(problem.plan.indicators)
    per = n * width * 8 * 2
    if problem.excluded or any(c < k for c in problem.weight_map):
        per += n * k * 8 * 5
    return int(per)


def evaluate(
    problem: Problem,
    design: Design,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    scheduler: str | Any | None = None,
    n_workers: int = 2,
    memory_budget: int = 64 * 2**20,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Scores and ranks of every replication: ``(n_runs, 2, n_economies, n_targets)``.

    ``[:, 0]`` scores, ``[:, 1]`` ranks (1 = best; ties share the lowest rank; NaN = no score).
    Chunks hold at most ``chunk_size`` replications (default: what fits ``memory_budget``).
    """
    if design.u.shape[1] != problem.n_columns:
        raise SpecError(
            f"the design has {design.u.shape[1]} columns but the problem needs "
            f"{problem.n_columns}; sample it from the same problem"
        )
    size = chunk_size or backends.chunk_size_for(
        bytes_per_replication(problem), budget_bytes=memory_budget
    )
    return backends.map_chunks(
        _Evaluator(problem),
        design.u,
        backend=backend,
        chunk_size=size,
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class UncertaintyResult:
    """Scores and ranks of every replication, with summaries.

    ``scores`` and ``ranks`` are ``(n_runs, n_economies, n_targets)``; ``nominal_*`` are
    ``(n_economies, n_targets)``. For a Saltelli design the summaries use the ``2n`` independent
    rows (``A`` and ``B``), as COINr does; ``sobol`` holds Sobol' indices of the mean absolute
    rank shift of the first target (output ``"mean_abs_rank_shift"``) and of every economy's rank.
    """

    economies: tuple[str, ...]
    targets: tuple[str, ...]
    factors: tuple[Factor, ...]
    design: Design
    scores: np.ndarray
    ranks: np.ndarray
    nominal_scores: np.ndarray
    nominal_ranks: np.ndarray
    sobol: SobolResult | None = None
    failed: int = 0
    seconds: float = 0.0
    backend: str = "numpy"
    notes: tuple[str, ...] = ()
    framework: str = ""
    framework_sha256: str = ""
    year: int | None = None
    data_vintage: str | None = None
    spec_json: str = "{}"

    @property
    def n_runs(self) -> int:
        return int(self.scores.shape[0])

    def _ua_rows(self) -> np.ndarray | slice:
        if self.design.method != "saltelli":
            return slice(None)  # every row; a view, no copy of 100k replications
        step = len(self.factors) + 2
        i = np.arange(self.n_runs)
        return i[(i % step == 0) | (i % step == step - 1)]

    def rank_shift(self, target: str | None = None) -> np.ndarray:
        """Mean absolute rank shift from the nominal ranks, per replication ``(n_runs,)``."""
        t = 0 if target is None else self.targets.index(target)
        diff = np.abs(self.ranks[:, :, t] - self.nominal_ranks[None, :, t])
        with np.errstate(invalid="ignore"), _quiet():
            return np.nanmean(diff, axis=1)

    def summary(self) -> pd.DataFrame:
        """One row per economy and target node (tidy; also :meth:`to_frame`).

        Columns: economy, node, nominal_score, nominal_rank, mean_rank, median_rank, p05_rank,
        p95_rank, rank_volatility (sd of the rank), mean_abs_rank_shift, p05_score, median_score,
        p95_score, n_replications.
        """
        rows = self._ua_rows()
        r = self.ranks[rows]
        s = self.scores[rows]
        with np.errstate(invalid="ignore"), _quiet():
            qr = np.nanquantile(r, [0.05, 0.5, 0.95], axis=0)
            qs = np.nanquantile(s, [0.05, 0.5, 0.95], axis=0)
            mean_r = np.nanmean(r, axis=0)
            sd_r = np.nanstd(r, axis=0, ddof=1)
            shift = np.nanmean(np.abs(r - self.nominal_ranks[None]), axis=0)
            count = np.sum(~np.isnan(r), axis=0)
        n, t = self.nominal_ranks.shape
        frame = pd.DataFrame(
            {
                "economy": np.tile(np.array(self.economies, dtype=object), t),
                "node": np.repeat(np.array(self.targets, dtype=object), n),
                "nominal_score": self.nominal_scores.T.ravel(),
                "nominal_rank": self.nominal_ranks.T.ravel(),
                "mean_rank": mean_r.T.ravel(),
                "median_rank": qr[1].T.ravel(),
                "p05_rank": qr[0].T.ravel(),
                "p95_rank": qr[2].T.ravel(),
                "rank_volatility": sd_r.T.ravel(),
                "mean_abs_rank_shift": shift.T.ravel(),
                "p05_score": qs[0].T.ravel(),
                "median_score": qs[1].T.ravel(),
                "p95_score": qs[2].T.ravel(),
                "n_replications": count.T.ravel(),
            }
        )
        return frame.sort_values(["node", "nominal_rank", "economy"], kind="stable").reset_index(
            drop=True
        )

    def to_frame(self) -> pd.DataFrame:
        """Alias of :meth:`summary` (the tidy table the CLI writes)."""
        return self.summary()

    def replications_frame(self, target: str | None = None) -> pd.DataFrame:
        """Long table of every replication: replication, economy, node, score, rank."""
        t = 0 if target is None else self.targets.index(target)
        n_runs, n = self.scores.shape[:2]
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(n_runs), n),
                "economy": np.tile(np.array(self.economies, dtype=object), n_runs),
                "node": self.targets[t],
                "score": self.scores[:, :, t].ravel(),
                "rank": self.ranks[:, :, t].ravel(),
            }
        )

    def input_effects(self, target: str | None = None) -> pd.DataFrame:
        """How much each input moves ranks: mean absolute rank shift by the input's value.

        Discrete inputs: one row per alternative. Weights: rows for the quartiles of the
        replication's mean relative weight change (``q1`` = smallest change). ``effect`` is the
        spread (max - min) of the conditional means — a first-order, main-effect reading; for
        a variance-based measure use the Sobol' indices.
        """
        rows = self._ua_rows()
        shift = self.rank_shift(target)[rows]
        u = self.design.u[rows]
        out = []
        for f in self.factors:
            if f.kind == "discrete":
                level = f.choose(u[:, f.columns.start])
                labels = list(f.labels)
            else:
                size = np.mean(np.abs(2 * u[:, f.columns] - 1), axis=1)
                edges = np.quantile(size, [0.25, 0.5, 0.75])
                level = np.asarray(np.searchsorted(edges, size, side="right"))
                labels = ["q1 (smallest change)", "q2", "q3", "q4 (largest change)"]
            means = []
            for i, label in enumerate(labels):
                sel = level == i
                with np.errstate(invalid="ignore"), _quiet():
                    m = float(np.nanmean(shift[sel])) if sel.any() else float("nan")
                means.append(m)
                out.append(
                    {
                        "factor": f.name,
                        "value": label,
                        "n_replications": int(sel.sum()),
                        "mean_abs_rank_shift": m,
                    }
                )
            spread = (
                float(np.nanmax(means) - np.nanmin(means)) if np.any(np.isfinite(means)) else 0.0
            )
            for row in out[-len(labels) :]:
                row["effect"] = spread
        return pd.DataFrame(out)

    def sobol_frame(self) -> pd.DataFrame:
        """Sobol' indices as tidy rows (empty if the design was not a Saltelli design)."""
        if self.sobol is None:
            return pd.DataFrame(columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf"])
        return self.sobol.to_frame()

    def convergence(self, *, n_boot: int = 100, rng: int | None = 0) -> pd.DataFrame:
        """Sobol' indices of the mean absolute rank shift on growing prefixes of the design."""
        from aibridge.analysis.sensitivity import convergence

        if self.design.method != "saltelli":
            raise SpecError("convergence diagnostics need a Saltelli design (method='saltelli')")
        y = self.rank_shift()
        return convergence(y, [f.name for f in self.factors], n_boot=n_boot, rng=rng)

    def provenance(self) -> dict[str, Any]:
        """What produced these numbers: framework hash, data vintage, spec, seed, design."""
        import hashlib
        import json

        blob = json.dumps(
            {
                "framework_sha256": self.framework_sha256,
                "data_vintage": self.data_vintage,
                "year": self.year,
                "spec": json.loads(self.spec_json),
                "seed": self.design.seed,
                "method": self.design.method,
                "n": self.design.n,
            },
            sort_keys=True,
        )
        return {
            "framework": self.framework,
            "framework_sha256": self.framework_sha256,
            "data_vintage": self.data_vintage,
            "year": self.year,
            "uncertainty_spec": json.loads(self.spec_json),
            "seed": self.design.seed,
            "method": self.design.method,
            "n": self.design.n,
            "replications": self.n_runs,
            "analysis_sha256": hashlib.sha256(blob.encode()).hexdigest(),
        }

    def to_batch(self, *, prefix: str = "UA") -> Any:
        """The rank statistics as a store ``Batch``, to keep beside the index in the store.

        Indicator codes are ``UA.<framework>.<node>.<statistic>`` for ``median_rank``,
        ``p05_rank``, ``p95_rank``, ``rank_volatility`` and ``mean_abs_rank_shift``; the
        origin records the framework hash, data vintage, spec and seed (:meth:`provenance`).
        """
        import re

        import pyarrow as pa

        from aibridge.sources._base import Batch, Origin, indicator_table

        if self.year is None:
            raise SpecError("this result has no year; build it through IndexPlan to store it")
        prov = self.provenance()
        slug = re.sub(r"[^A-Za-z0-9_]+", "_", self.framework).strip("_") or "index"
        stats = ("median_rank", "p05_rank", "p95_rank", "rank_volatility", "mean_abs_rank_shift")
        frame = self.summary()
        rows: dict[str, list[Any]] = {"economy": [], "indicator": [], "value": []}
        for stat in stats:
            ok = frame[stat].notna()
            rows["economy"].extend(frame.loc[ok, "economy"].astype(str))
            rows["indicator"].extend(
                f"{prefix}.{slug}.{node}.{stat}" for node in frame.loc[ok, "node"]
            )
            rows["value"].extend(frame.loc[ok, stat].astype(float))
        obs = pa.table(
            {
                "economy": pa.array(rows["economy"], pa.string()),
                "indicator": pa.array(rows["indicator"], pa.string()),
                "year": pa.array([self.year] * len(rows["value"]), pa.int16()),
                "value": pa.array(rows["value"], pa.float64()),
                "flag": pa.array([None] * len(rows["value"]), pa.string()),
            }
        )
        meta = indicator_table(
            [
                {
                    "code": f"{prefix}.{slug}.{node}.{stat}",
                    "name": f"{self.framework}: {node}, {stat.replace('_', ' ')} "
                    f"({self.n_runs:,} replications)",
                    "unit": "rank" if stat != "mean_abs_rank_shift" else "ranks",
                    "description": f"uncertainty analysis of {node}; analysis sha256 "
                    f"{prov['analysis_sha256']}; framework sha256 {self.framework_sha256}; "
                    f"data vintage {self.data_vintage}; seed {self.design.seed}",
                    "topic": "composite index uncertainty",
                    "direction": -1 if stat.endswith("_rank") else None,
                    "licence": None,
                    "source": "aibridge uncertainty analysis",
                }
                for node in self.targets
                for stat in stats
            ]
        )
        origin = Origin(
            source_id="aibridge-uncertainty",
            uri=f"aibridge:uncertainty/{slug}",
            sha256=prov["analysis_sha256"],
            vintage=f"{self.framework_sha256[:12]}@{self.data_vintage or 'unknown'}"
            f"#ua-{prov['analysis_sha256'][:8]}",
            title=f"{self.framework}: uncertainty analysis (derived)",
            publisher="aibridge",
        )
        return Batch(origin=origin, observations=obs, indicators=meta)

    def write(self, path: str | Path) -> Path:
        """Write :meth:`summary` as CSV or Parquet (by suffix)."""
        p = Path(path)
        frame = self.summary()
        if p.suffix.lower() == ".parquet":
            frame.to_parquet(p, index=False)
        elif p.suffix.lower() in (".csv", ""):
            frame.to_csv(p, index=False)
        else:
            raise SpecError(f"unknown output format {p.suffix!r}; use .csv or .parquet")
        return p


class _quiet:
    """Silence numpy's 'mean of empty slice' warnings (all-NaN economies are expected)."""

    def __enter__(self) -> None:
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


def analyze(
    problem: Problem,
    design: Design,
    y: np.ndarray,
    *,
    nominal: tuple[np.ndarray, np.ndarray] | None = None,
    n_boot: int = 100,
    conf_level: float = 0.95,
    rng: int | np.random.Generator | None = None,
    seconds: float = 0.0,
    backend: str = "numpy",
) -> UncertaintyResult:
    """Summaries (and, for a Saltelli design, Sobol' indices) of evaluated replications.

    ``nominal`` = ``(scores, ranks)`` of the nominal build, ``(n_economies, n_targets)`` each;
    default: the plan's own nominal build.
    """

    if nominal is None:
        cols = list(problem.target_columns)
        nominal = (problem.plan.nominal_scores[:, cols], problem.plan.nominal_ranks[:, cols])
    scores = y[:, 0]
    ranks = y[:, 1]
    failed = int(np.sum(np.all(np.isnan(scores), axis=(1, 2))))
    result = UncertaintyResult(
        economies=problem.plan.economies,
        targets=problem.targets,
        factors=problem.factors,
        design=design,
        scores=scores,
        ranks=ranks,
        nominal_scores=np.asarray(nominal[0], dtype=np.float64),
        nominal_ranks=np.asarray(nominal[1], dtype=np.float64),
        failed=failed,
        seconds=seconds,
        backend=backend,
        framework=str(problem.plan.spec.name),
        framework_sha256=str(problem.plan.spec.digest()),
        year=problem.plan.year,
        data_vintage=getattr(problem.plan.panel, "vintage", None),
        spec_json=problem.spec.model_dump_json(),
    )
    if design.method != "saltelli":
        return result
    shift = result.rank_shift()
    if np.isnan(shift).any():
        note = (
            f"{int(np.isnan(shift).sum())} replications failed (NaN); Sobol' indices need every "
            "run of the design, so none were computed"
        )
        return _replace(result, notes=(note,))
    keep = ~np.all(np.isnan(ranks[:, :, 0]), axis=0)
    per_economy = np.nan_to_num(ranks[:, keep, 0], nan=float(ranks.shape[1] + 1))
    outputs = ("mean_abs_rank_shift", *np.asarray(problem.plan.economies, dtype=object)[keep])
    sob = sobol_indices(
        np.column_stack([shift, per_economy]),
        [f.name for f in problem.factors],
        outputs=[str(o) for o in outputs],
        n_boot=n_boot,
        conf_level=conf_level,
        rng=design.seed if rng is None else rng,
    )
    return _replace(result, sobol=sob)


def _replace(result: UncertaintyResult, **changes: Any) -> UncertaintyResult:
    from dataclasses import replace

    return replace(result, **changes)


def run_uncertainty(
    plan: IndexPlan,
    spec: UncertaintySpec,
    n: int,
    *,
    seed: int | np.random.Generator | None = 0,
    method: Literal["montecarlo", "saltelli"] = "montecarlo",
    backend: str = "numpy",
    chunk_size: int | None = None,
    scheduler: str | Any | None = None,
    n_workers: int = 2,
    n_boot: int = 100,
    nominal: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """Bind, sample, evaluate and analyse in one call (see the module docstring).

    ``n`` is the number of replications (``montecarlo``) or of base points (``saltelli``:
    ``n * (d + 2)`` replications). Everything is validated before the first replication runs.
    """
    if backend not in backends.BACKENDS:
        raise SpecError(f"backend must be one of {', '.join(backends.BACKENDS)}; got {backend!r}")
    problem = bind(spec, plan)
    design = sample(problem, n, rng=seed, method=method)
    t0 = time.perf_counter()
    y = evaluate(
        problem,
        design,
        backend=backend,
        chunk_size=chunk_size,
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )
    seconds = time.perf_counter() - t0
    return analyze(
        problem, design, y, nominal=nominal, n_boot=n_boot, seconds=seconds, backend=backend
    )
