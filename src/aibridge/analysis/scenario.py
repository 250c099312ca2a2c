"""What-if scenarios and minimal improvement paths over any composite index.

* :func:`run_scenario` — change any indicator values of one economy and re-run the whole build
  for that year (every stage: normalisation bounds, treatment, imputation and ranks of all
  economies follow the change). Unchanged inputs reproduce the baseline bit for bit.
* :func:`scenario_bands` — uncertainty bands of the baseline and the scenario from the same
  Monte Carlo design (common random numbers), via :mod:`aibridge.analysis.uncertainty`.
* :func:`minimal_path` — the smallest set of indicator improvements, each within its feasible
  bound, that lifts the economy to a target score or rank.

Minimal path, the optimisation problem. Indicator ``j`` can move a fraction ``f_j`` in
``[0, 1]`` of the way from its value to its feasible bound ``b_j`` (the frontier — best value of
any economy that year — optionally capped at ``growth`` % a year over ``horizon`` years, or a
bound the user gives). Moving it all the way adds ``g_j`` to the score (measured by re-running
the build) and changes its normalised value by ``d_j``. With the index linearised in the
``f_j`` — exact when normalisation is linear in the value (min-max, goalposts, z-score; on the
log scale for ``log`` indicators) and every aggregation is arithmetic — the path solves two
mixed-integer programmes (``scipy.optimize.milp``, HiGHS), lexicographically:

1. ``k* = min sum_j z_j``  s.t. ``sum_j g_j f_j >= G``, ``0 <= f_j <= z_j``, ``z_j`` binary;
2. ``min sum_j d_j f_j``  s.t. the same and ``sum_j z_j <= k*``

(``G`` = the score gain needed). That is: fewest indicators changed, then the least total
normalised change. The solution is then checked by re-running the exact build; for a
non-linear index (geometric mean, treatment, a move of the normalisation bounds) the shortfall
is added to ``G`` and the problems are solved again (at most ``max_iter`` times), so the
reported path always reaches its target by the exact build or says it did not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from aibridge.engine.build import build_index
from aibridge.engine.result import IndexResult
from aibridge.engine.spec import IndexSpec, Panel
from aibridge.errors import DataError

__all__ = [
    "MinimalPath",
    "PathStep",
    "Scenario",
    "feasible_bounds",
    "minimal_path",
    "run_scenario",
    "scenario_bands",
]


def _year_index(panel: Panel, year: int | None) -> int:
    if year is None:
        return len(panel.years) - 1
    if year not in panel.years:
        raise DataError(f"year {year} is not in the data (it has {list(panel.years)})")
    return panel.years.index(year)


def _economy_index(panel: Panel, economy: str) -> int:
    try:
        return panel.economies.index(economy)
    except ValueError:
        raise DataError(
            f"economy {economy!r} is not in the data; use an ISO3 code such as KEN"
        ) from None


def _indicator_index(panel: Panel, code: str) -> int:
    try:
        return panel.indicators.index(code)
    except ValueError:
        raise DataError(
            f"indicator {code!r} is not in the data; known: {', '.join(panel.indicators[:12])}"
            + (" …" if len(panel.indicators) > 12 else "")
        ) from None


def _with_values(panel: Panel, t: int, i: int, cols: Sequence[int], vals: Sequence[float]) -> Panel:
    """A copy of the panel with ``values[t, i, cols] = vals`` (one year is enough to copy)."""
    v = panel.values.copy()
    v[t, i, list(cols)] = np.asarray(vals, dtype=np.float64)
    return replace(panel, values=v)


@dataclass(frozen=True)
class Scenario:
    """A what-if: baseline and scenario builds of one year, and what changed."""

    economy: str
    year: int
    changes: Mapping[str, tuple[float, float]]  # code -> (old, new)
    baseline: IndexResult
    result: IndexResult

    def to_frame(self, *, economy: str | None = None) -> pd.DataFrame:
        """Per node, for the economy (default the scenario's): scores and ranks before/after."""
        e = self.baseline.economies.index(economy or self.economy)
        b_s, b_r = self.baseline.scores[0, e], self.baseline.ranks[0, e]
        s, r = self.result.scores[0, e], self.result.ranks[0, e]
        tree = self.baseline.tree
        return pd.DataFrame(
            {
                "node": tree.codes,
                "node_name": tree.names,
                "level": tree.levels,
                "baseline_score": b_s,
                "score": s,
                "score_change": s - b_s,
                "baseline_rank": b_r,
                "rank": r,
                "rank_change": b_r - r,  # positive: moved up
            }
        )

    def rank_changes(self, node: str | None = None) -> pd.DataFrame:
        """Every economy whose rank on ``node`` (default the root) moved."""
        tree = self.baseline.tree
        k = tree.index(node) if node else tree.root
        b, r = self.baseline.ranks[0, :, k], self.result.ranks[0, :, k]
        moved = ~((b == r) | (np.isnan(b) & np.isnan(r)))
        idx = np.flatnonzero(moved)
        return pd.DataFrame(
            {
                "economy": [self.baseline.economies[j] for j in idx],
                "baseline_rank": b[idx],
                "rank": r[idx],
                "baseline_score": self.baseline.scores[0, idx, k],
                "score": self.result.scores[0, idx, k],
            }
        )


def run_scenario(
    spec: IndexSpec,
    panel: Panel,
    economy: str,
    changes: Mapping[str, float],
    *,
    year: int | None = None,
    baseline: IndexResult | None = None,
) -> Scenario:
    """Set ``changes`` (panel indicator code -> new value) for one economy and rebuild the year.

    ``baseline``: a one-year build of the same spec, panel and year (built when omitted; pass
    it to avoid rebuilding it for every scenario). NaN as a new value marks the value missing.
    """
    t = _year_index(panel, year)
    y = panel.years[t]
    i = _economy_index(panel, economy)
    cols = [_indicator_index(panel, c) for c in changes]
    vals = [float(v) for v in changes.values()]
    if baseline is None:
        baseline = build_index(spec, panel, years=[y])
    elif baseline.years != (y,):
        raise DataError(f"the baseline must be a build of year {y} only; got {baseline.years}")
    old = {c: float(panel.values[t, i, j]) for c, j in zip(changes, cols, strict=True)}
    if all(
        (o == n) or (math.isnan(o) and math.isnan(n))
        for o, n in zip(old.values(), vals, strict=True)
    ):
        result = baseline  # nothing changed: the baseline itself, bit for bit
    else:
        result = build_index(spec, _with_values(panel, t, i, cols, vals), years=[y])
    return Scenario(
        economy,
        y,
        {c: (old[c], v) for c, v in zip(changes, vals, strict=True)},
        baseline,
        result,
    )


def scenario_bands(
    spec: IndexSpec,
    panel: Panel,
    scenario: Scenario,
    uncertainty: Any,
    *,
    n: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """5-95 % rank and score bands of the economy, baseline vs scenario, for every node.

    ``uncertainty``: an :class:`~aibridge.analysis.uncertainty.UncertaintySpec`. Both runs use
    the same seed, hence the same sampled choices (common random numbers), so the difference
    between the bands is due to the scenario alone.
    """
    from aibridge.analysis.uncertainty import IndexPlan, run_uncertainty

    t = _year_index(panel, scenario.year)
    i = _economy_index(panel, scenario.economy)
    cols = [_indicator_index(panel, c) for c in scenario.changes]
    new = _with_values(panel, t, i, cols, [v[1] for v in scenario.changes.values()])
    out = []
    for label, p in (("baseline", panel), ("scenario", new)):
        ua = run_uncertainty(IndexPlan(spec, p, year=scenario.year), uncertainty, n, seed=seed)
        s = ua.summary()
        s = s[s["economy"] == scenario.economy].assign(run=label)
        out.append(s[["run", "node", "nominal_score", "nominal_rank", "p05_rank", "p95_rank",
                      "p05_score", "p95_score"]])  # fmt: skip
    return pd.concat(out, ignore_index=True)


# -- minimal path ----------------------------------------------------------------------------
def feasible_bounds(
    spec: IndexSpec,
    panel: Panel,
    economy: str,
    *,
    year: int | None = None,
    growth: float | None = None,
    horizon: float = 1.0,
    bounds: Mapping[str, float] | None = None,
    indicators: Sequence[str] | None = None,
) -> dict[str, float]:
    """The best feasible value of each improvable indicator of the economy.

    Default: the frontier (the best value of any economy that year, in the indicator's
    direction). ``growth`` (% a year) over ``horizon`` years caps it at
    ``x (1 + growth/100)^horizon`` (``x (1 - growth/100)^horizon`` where lower is better).
    ``bounds`` (code -> value) overrides both. Indicators the economy lacks, or that are already
    at their bound, are left out; ``indicators`` restricts the choice.
    """
    t = _year_index(panel, year)
    i = _economy_index(panel, economy)
    allowed = set(indicators) if indicators is not None else None
    out: dict[str, float] = {}
    for ind in spec.indicators:
        if allowed is not None and ind.code not in allowed:
            continue
        j = _indicator_index(panel, ind.code)
        x = float(panel.values[t, i, j])
        if math.isnan(x):
            continue
        col = panel.values[t, :, j]
        if bounds and ind.code in bounds:
            b = float(bounds[ind.code])
        else:
            if np.isnan(col).all():
                continue
            b = float(np.nanmax(col) if ind.direction > 0 else np.nanmin(col))
            if growth is not None and x > 0:
                f = (
                    (1 + growth / 100.0) ** horizon
                    if ind.direction > 0
                    else (1 - growth / 100.0) ** horizon
                )
                b = min(b, x * f) if ind.direction > 0 else max(b, x * f)
        if (b - x) * ind.direction > 0:
            out[ind.code] = b
    if allowed is not None:
        unknown = allowed - {i.code for i in spec.indicators}
        if unknown:
            raise DataError(f"unknown indicator(s) {sorted(unknown)} in the framework")
    return out


@dataclass(frozen=True)
class PathStep:
    indicator: str
    name: str | None
    value: float
    new_value: float
    bound: float
    share_of_bound: float  # fraction f of the way to the bound
    normalised_change: float


@dataclass(frozen=True)
class MinimalPath:
    """The fewest indicator improvements (then the least total normalised change) to a target."""

    economy: str
    year: int
    node: str
    target_score: float
    target_rank: int | None
    reached: bool
    baseline_score: float
    score: float
    baseline_rank: float
    rank: float
    steps: tuple[PathStep, ...]
    iterations: int
    best_reachable: float
    message: str = ""
    bounds: Mapping[str, float] = field(default_factory=dict)

    @property
    def n_changed(self) -> int:
        return len(self.steps)

    @property
    def total_normalised_change(self) -> float:
        return float(sum(s.normalised_change for s in self.steps))

    @property
    def changes(self) -> dict[str, float]:
        return {s.indicator: s.new_value for s in self.steps}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([s.__dict__ for s in self.steps])


def _interp(x: float, b: float, f: float, log: bool) -> float:
    if f >= 1.0:
        return b
    if f <= 0.0:
        return x
    if log and x > 0 and b > 0:
        return float(math.exp(math.log(x) + f * (math.log(b) - math.log(x))))
    return x + f * (b - x)


def _solve(gain: np.ndarray, dn: np.ndarray, need: float) -> np.ndarray | None:
    """The two lexicographic MILPs; returns f (fractions) or None when infeasible."""
    m = gain.size
    # variables: f_0..f_{m-1}, z_0..z_{m-1}
    a_gain = np.concatenate([gain, np.zeros(m)])[None, :]
    a_link = np.hstack([np.eye(m), -np.eye(m)])  # f - z <= 0
    cons = [LinearConstraint(a_gain, need, np.inf), LinearConstraint(a_link, -np.inf, 0.0)]
    bounds = Bounds(np.zeros(2 * m), np.ones(2 * m))
    integ = np.concatenate([np.zeros(m), np.ones(m)])
    r1 = milp(np.concatenate([np.zeros(m), np.ones(m)]), constraints=cons, integrality=integ,
              bounds=bounds)  # fmt: skip
    if r1.x is None:
        return None
    k = round(float(np.sum(np.round(r1.x[m:]))))
    cnt = LinearConstraint(np.concatenate([np.zeros(m), np.ones(m)])[None, :], 0, k)
    r2 = milp(np.concatenate([np.abs(dn), np.zeros(m)]), constraints=[*cons, cnt],
              integrality=integ, bounds=bounds)  # fmt: skip
    x = r2.x if r2.x is not None else r1.x
    f = np.clip(x[:m], 0.0, 1.0)
    f[np.round(x[m:]) == 0] = 0.0
    return f


def minimal_path(
    spec: IndexSpec,
    panel: Panel,
    economy: str,
    *,
    target_score: float | None = None,
    target_rank: int | None = None,
    node: str | None = None,
    year: int | None = None,
    growth: float | None = None,
    horizon: float = 1.0,
    bounds: Mapping[str, float] | None = None,
    indicators: Sequence[str] | None = None,
    max_iter: int = 8,
    baseline: IndexResult | None = None,
) -> MinimalPath:
    """Solve for the minimal improvement path (module docstring: the optimisation problem).

    Exactly one of ``target_score`` / ``target_rank`` (on ``node``, default the root). Bounds:
    see :func:`feasible_bounds`. The result's ``reached`` is decided by the exact build.
    """
    if (target_score is None) == (target_rank is None):
        raise DataError("give exactly one target: target_score or target_rank")
    if target_rank is not None and target_rank < 1:
        raise DataError(f"target rank must be 1 or more; got {target_rank}")
    t = _year_index(panel, year)
    y = panel.years[t]
    i = _economy_index(panel, economy)
    base = baseline if baseline is not None else build_index(spec, panel, years=[y])
    k = base.tree.index(node) if node else base.tree.root
    node_code = base.tree.codes[k]
    s0, r0 = float(base.scores[0, i, k]), float(base.ranks[0, i, k])
    if math.isnan(s0):
        raise DataError(f"{economy} has no {node_code} score in {y}; nothing to improve from")
    feas = feasible_bounds(spec, panel, economy, year=y, growth=growth, horizon=horizon,
                           bounds=bounds, indicators=indicators)  # fmt: skip
    codes = list(feas)
    cols = [_indicator_index(panel, c) for c in codes]
    x0 = np.array([panel.values[t, i, j] for j in cols], dtype=np.float64)
    specs = {s.code: s for s in spec.indicators}
    ind_col = {s.code: n for n, s in enumerate(spec.indicators)}

    def target_of(res: IndexResult) -> float:
        if target_score is not None:
            return float(target_score)
        others = np.delete(res.scores[0, :, k], i)
        others = np.sort(others[~np.isnan(others)])[::-1]
        assert target_rank is not None
        if target_rank > others.size:
            return -math.inf
        return float(others[target_rank - 1])

    def build(fr: np.ndarray) -> IndexResult:
        vals = [_interp(x0[n], feas[c], float(fr[n]), specs[c].log) for n, c in enumerate(codes)]
        if not codes or not np.any(fr > 0):
            return base
        return build_index(spec, _with_values(panel, t, i, cols, vals), years=[y])

    def norm_of(res: IndexResult, c: str) -> float:
        return float(res.stages["normalised"][0, i, ind_col[c]])

    def reached(res: IndexResult) -> bool:
        s = float(res.scores[0, i, k])
        if target_rank is not None:
            return bool(res.ranks[0, i, k] <= target_rank)
        return s >= target_of(res) - 1e-12 * max(1.0, abs(target_of(res)))

    common = dict(economy=economy, year=y, node=node_code, target_rank=target_rank,
                  baseline_score=s0, baseline_rank=r0, bounds=feas)  # fmt: skip
    tgt0 = target_of(base)
    if reached(base):
        return MinimalPath(**common, target_score=tgt0, reached=True, score=s0, rank=r0,  # type: ignore[arg-type]
                           steps=(), iterations=0, best_reachable=math.nan,
                           message="already at the target")  # fmt: skip
    full = build(np.ones(len(codes)))
    best = float(full.scores[0, i, k])
    if not codes or not reached(full):
        return MinimalPath(**common, target_score=tgt0, reached=False, score=s0, rank=r0,  # type: ignore[arg-type]
                           steps=(), iterations=0, best_reachable=best,
                           message=f"the target is out of reach within the bounds: every "
                           f"improvable indicator at its bound gives {best:.4g}")  # fmt: skip
    # secant gains of each indicator alone, and its normalised change
    gain = np.empty(len(codes))
    dn = np.empty(len(codes))
    for n, c in enumerate(codes):
        e = np.zeros(len(codes))
        e[n] = 1.0
        r = build(e)
        gain[n] = float(r.scores[0, i, k]) - s0
        dn[n] = norm_of(r, c) - norm_of(base, c)
    gain = np.where(np.isnan(gain), 0.0, gain)
    dn = np.where(np.isnan(dn), 0.0, dn)
    need = tgt0 - s0
    tol = 1e-9 * max(1.0, abs(tgt0))
    f: np.ndarray | None = None
    res = base
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        f = _solve(gain, dn, need + tol)
        if f is None:
            f = np.ones(len(codes))
        res = build(f)
        if reached(res):
            break
        short = target_of(res) - float(res.scores[0, i, k])
        need += max(short, tol) + tol
    else:
        f, res = np.ones(len(codes)), full
    assert f is not None
    steps = tuple(
        PathStep(
            indicator=c,
            name=specs[c].name,
            value=float(x0[n]),
            new_value=_interp(x0[n], feas[c], float(f[n]), specs[c].log),
            bound=feas[c],
            share_of_bound=float(f[n]),
            normalised_change=norm_of(res, c) - norm_of(base, c),
        )
        for n, c in enumerate(codes)
        if f[n] > 0
    )
    ok = reached(res)
    return MinimalPath(
        **common,  # type: ignore[arg-type]
        target_score=target_of(res),
        reached=ok,
        score=float(res.scores[0, i, k]),
        rank=float(res.ranks[0, i, k]),
        steps=steps,
        iterations=it,
        best_reachable=best,
        message="" if ok else "not reached after the iteration limit",
    )
