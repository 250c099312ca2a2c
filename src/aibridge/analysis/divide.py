"""Divide analytics over any composite index: gaps, bottlenecks, peers, inequality, convergence.

Pure functions over arrays and :class:`~aibridge.engine.result.IndexResult` (numpy/scipy, no
I/O), generic over the framework: the *pillars* are the children of the tree's root.

* :func:`gaps` — each economy's gap, per node, to the frontier (best score that year) and to
  the median of its peers in each grouping (region, income group; the economy itself excluded).
* :func:`bottleneck` — the pillar where the economy lies furthest below its peers' median.
* :func:`nearest_peers` — the ``k`` economies closest on the pillar scores (Euclidean).
* :func:`gini`, :func:`theil_t`, :func:`theil_decomposition`, :func:`gini_decomposition` —
  inequality across economies; Theil T splits exactly into between + within groups
  (Shorrocks 1980), Gini into within + between + overlap (Lambert & Aronson 1993).
* :func:`inequality_over_time`, :func:`sigma_convergence`, :func:`beta_convergence` —
  the divide over the years (Barro & Sala-i-Martin 1992).

Formulas and sources: ``docs/methodology.md`` § Divide analytics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from aibridge.engine.result import IndexResult
from aibridge.errors import DataError

__all__ = [
    "BetaConvergence",
    "Bottleneck",
    "GiniDecomposition",
    "TheilDecomposition",
    "beta_convergence",
    "beta_convergence_arrays",
    "bottleneck",
    "divide_batch",
    "gaps",
    "gini",
    "gini_decomposition",
    "inequality_over_time",
    "nearest_peers",
    "pillar_codes",
    "sigma_convergence",
    "theil_decomposition",
    "theil_t",
]

FloatArray = npt.NDArray[np.float64]


# -- helpers ------------------------------------------------------------------------------
def pillar_codes(result: IndexResult) -> tuple[str, ...]:
    """The pillars of a framework: the children of the tree's root, in tree order."""
    tree = result.tree
    return tuple(tree.codes[c] for c in tree.children[tree.root])


def _economy(result: IndexResult, economy: str) -> int:
    try:
        return result.economies.index(economy)
    except ValueError:
        raise DataError(
            f"economy {economy!r} is not in the index (it has {len(result.economies)} economies; "
            "use an ISO3 code such as KEN)"
        ) from None


def _labels(result: IndexResult, labels: Sequence[Any], name: str) -> np.ndarray:
    if len(labels) != len(result.economies):
        raise DataError(
            f"grouping {name!r} has {len(labels)} labels for {len(result.economies)} economies"
        )
    return np.array([None if (v is None or v != v) else v for v in labels], dtype=object)


# -- gaps, bottleneck, peers -------------------------------------------------------------
def gaps(
    result: IndexResult,
    groups: Mapping[str, Sequence[Any]] | None = None,
    *,
    year: int | None = None,
    nodes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Gap of every economy to the frontier and to its peers' median, per node.

    ``groups`` maps a grouping name (``"region"``, ``"income_group"``) to one label per
    economy of ``result`` (None: no group). Gaps are ``score - reference``: negative means
    behind. ``nodes`` default: the root and the pillars. Peers are the other economies with
    the same label and a score (the economy itself is excluded from its peers' median).

    Columns: economy, node, score, rank, frontier, frontier_economy, gap_frontier, and per
    grouping ``g``: ``g`` (label), ``g_median``, ``g_n`` (peers), ``gap_g``.
    """
    groups = dict(groups or {})
    t = result._year(year)
    tree = result.tree
    codes = list(nodes) if nodes is not None else [tree.codes[tree.root], *pillar_codes(result)]
    cols = [tree.index(c) for c in codes]
    S = np.asarray(result.scores)[t][:, cols]  # (n_econ, n_nodes)
    R = np.asarray(result.ranks)[t][:, cols]
    n, m = S.shape
    econ = np.array(result.economies, dtype=object)
    frame: dict[str, Any] = {
        "economy": np.repeat(econ, m),
        "node": np.tile(np.array(codes, dtype=object), n),
        "score": S.ravel(),
        "rank": R.ravel(),
    }
    with np.errstate(invalid="ignore"):
        has = ~np.isnan(S)
        best = np.where(has.any(axis=0), np.nanmax(np.where(has, S, -np.inf), axis=0), np.nan)
        arg = np.argmax(np.where(has, S, -np.inf), axis=0)
    frame["frontier"] = np.tile(best, n)
    frame["frontier_economy"] = np.tile(
        np.array([econ[a] if has[:, j].any() else None for j, a in enumerate(arg)], dtype=object),
        n,
    )
    frame["gap_frontier"] = (S - best[None, :]).ravel()
    for gname, raw in groups.items():
        lab = _labels(result, raw, gname)
        med = np.full((n, m), np.nan)
        cnt = np.zeros((n, m), dtype=np.int64)
        for g in {v for v in lab if v is not None}:
            members = np.flatnonzero(lab == g)
            block = S[members]  # (n_members, m)
            for pos, i in enumerate(members):
                others = np.delete(block, pos, axis=0)
                ok = ~np.isnan(others)
                cnt[i] = ok.sum(axis=0)
                for j in range(m):
                    if cnt[i, j]:
                        med[i, j] = float(np.median(others[ok[:, j], j]))
        frame[gname] = np.repeat(lab, m)
        frame[f"{gname}_median"] = med.ravel()
        frame[f"{gname}_n"] = cnt.ravel()
        frame[f"gap_{gname}"] = (S - med).ravel()
    out = pd.DataFrame(frame)
    out.attrs["year"] = result.years[t]
    return out


@dataclass(frozen=True)
class Bottleneck:
    """The pillar where an economy lies furthest below its peers (``gap`` < 0 is behind)."""

    economy: str
    pillar: str | None
    grouping: str
    gap: float
    gaps: Mapping[str, float]
    reason: str


def bottleneck(
    result: IndexResult,
    economy: str,
    groups: Mapping[str, Sequence[Any]],
    *,
    grouping: str | None = None,
    year: int | None = None,
    gaps_frame: pd.DataFrame | None = None,
) -> Bottleneck:
    """The pillar with the largest gap below the peers' median (``grouping``: default first).

    Gaps are in score units; pillars of one framework share the normalised scale, so the gaps
    compare directly. If the economy is at or above its peers on every pillar, ``pillar`` is
    the one with the smallest lead and ``reason`` says so; pillars without a score or without
    peers are skipped. ``gaps_frame``: :func:`gaps` of this ``year`` computed beforehand with
    these ``groups`` (e.g. once for every profile of a build) instead of again here.
    """
    if not groups:
        raise DataError("bottleneck needs at least one grouping (e.g. region or income_group)")
    gname = grouping or next(iter(groups))
    if gname not in groups:
        raise DataError(f"unknown grouping {gname!r}; choose one of {sorted(groups)}")
    _economy(result, economy)
    pillars = pillar_codes(result)
    if gaps_frame is not None:
        frame = gaps_frame[gaps_frame["node"].isin(pillars)]
    else:
        frame = gaps(result, {gname: groups[gname]}, year=year, nodes=pillars)
    rows = frame[(frame["economy"] == economy) & frame[f"gap_{gname}"].notna()]
    g = dict(zip(rows["node"], rows[f"gap_{gname}"].astype(float), strict=True))
    if not g:
        return Bottleneck(economy, None, gname, float("nan"), {}, "no pillar score with peers")
    worst = min(g, key=lambda k: (g[k], pillars.index(k)))
    reason = (
        f"furthest below the {gname} median"
        if g[worst] < 0
        else f"at or above the {gname} median on every pillar; smallest lead"
    )
    return Bottleneck(economy, worst, gname, g[worst], g, reason)


def nearest_peers(
    result: IndexResult,
    economy: str,
    *,
    k: int = 5,
    year: int | None = None,
    nodes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ``k`` economies nearest on the pillar scores (Euclidean; complete profiles only).

    Columns: economy, distance, and one column per pillar. Economies missing any pillar score
    are not candidates; the economy itself needs every pillar score.
    """
    t = result._year(year)
    codes = list(nodes) if nodes is not None else list(pillar_codes(result))
    cols = [result.tree.index(c) for c in codes]
    S = np.asarray(result.scores)[t][:, cols]
    i = _economy(result, economy)
    if np.isnan(S[i]).any():
        raise DataError(f"{economy} lacks a score on {codes} in {result.years[t]}; no peers")
    ok = ~np.isnan(S).any(axis=1)
    ok[i] = False
    d = np.sqrt(((S - S[i]) ** 2).sum(axis=1))
    cand = np.flatnonzero(ok)
    order = cand[np.lexsort((np.array(result.economies, dtype=object)[cand], d[cand]))][:k]
    out = pd.DataFrame({"economy": [result.economies[j] for j in order], "distance": d[order]})
    for c, col in zip(codes, S[order].T, strict=True):
        out[c] = col
    return out


# -- inequality ---------------------------------------------------------------------------
def _clean(x: npt.ArrayLike, what: str) -> FloatArray:
    v = np.asarray(x, dtype=np.float64).ravel()
    if v.size == 0 or np.isnan(v).any():
        raise DataError(f"{what} needs a non-empty array without NaN; drop missing scores first")
    if (v < 0).any():
        raise DataError(f"{what} is defined for non-negative values; got minimum {v.min()}")
    if v.sum() <= 0:
        raise DataError(f"{what} is undefined when every value is zero")
    return v


def gini(x: npt.ArrayLike) -> float:
    """Gini coefficient (mean absolute difference / twice the mean), no small-sample factor.

    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mu)``, computed from the sorted values as
    ``G = (2 sum_i i x_(i)) / (n sum x) - (n + 1) / n`` (i = 1..n).
    """
    v = np.sort(_clean(x, "gini"))
    n = v.size
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * v) / (n * v.sum()) - (n + 1.0) / n)


def theil_t(x: npt.ArrayLike) -> float:
    """Theil T (GE(1)): ``T = (1/n) sum_i (x_i/mu) ln(x_i/mu)`` with ``0 ln 0 = 0``."""
    v = _clean(x, "theil_t")
    r = v / v.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(terms.mean())


@dataclass(frozen=True)
class TheilDecomposition:
    """``total == between + within`` (exact). ``groups``: per group n, mean, share, Theil."""

    total: float
    between: float
    within: float
    groups: pd.DataFrame

    @property
    def between_share(self) -> float:
        return self.between / self.total if self.total > 0 else float("nan")


def _group_index(labels: Sequence[Any], n: int) -> tuple[list[Any], np.ndarray]:
    if len(labels) != n:
        raise DataError(f"{len(labels)} group labels for {n} values")
    lab = [None if (v is None or v != v) else v for v in labels]
    if any(v is None for v in lab):
        raise DataError("every value needs a group label; drop the economies without one first")
    keys = sorted(set(lab), key=str)
    pos = {k: i for i, k in enumerate(keys)}
    return keys, np.array([pos[v] for v in lab], dtype=np.int64)


def theil_decomposition(x: npt.ArrayLike, labels: Sequence[Any]) -> TheilDecomposition:
    """Exact between/within split of Theil T (Shorrocks 1980; Conceição & Ferreira 2000).

    With group g's value share ``s_g = n_g mu_g / (n mu)``:
    ``T = sum_g s_g T_g + sum_g s_g ln(mu_g / mu)`` (within + between).
    """
    v = _clean(x, "theil_decomposition")
    keys, gi = _group_index(labels, v.size)
    mu = v.mean()
    rows = []
    within = 0.0
    between = 0.0
    for g, key in enumerate(keys):
        xg = v[gi == g]
        ng, mug = xg.size, xg.mean()
        share = xg.sum() / v.sum()
        tg = theil_t(xg) if mug > 0 else 0.0
        within += share * tg
        if mug > 0:
            between += share * np.log(mug / mu)
        rows.append(
            {"group": key, "n": ng, "mean": mug, "value_share": share, "theil": tg,
             "within_contribution": share * tg}
        )  # fmt: skip
    total = theil_t(v)
    return TheilDecomposition(total, float(between), float(within), pd.DataFrame(rows))


@dataclass(frozen=True)
class GiniDecomposition:
    """``total == within + between + overlap`` (Lambert & Aronson 1993).

    ``within = sum_g p_g s_g G_g`` (population share p, value share s), ``between`` = Gini
    of the values each replaced by its group mean; ``overlap`` = the remainder, positive
    when groups' ranges overlap (zero when groups are stratified).
    """

    total: float
    within: float
    between: float
    overlap: float


def gini_decomposition(x: npt.ArrayLike, labels: Sequence[Any]) -> GiniDecomposition:
    """Gini split into within, between and overlap (see :class:`GiniDecomposition`)."""
    v = _clean(x, "gini_decomposition")
    keys, gi = _group_index(labels, v.size)
    total = gini(v)
    within = 0.0
    means = np.empty_like(v)
    for g in range(len(keys)):
        m = gi == g
        xg = v[m]
        means[m] = xg.mean()
        if xg.sum() > 0:
            within += (xg.size / v.size) * (xg.sum() / v.sum()) * gini(xg)
    between = gini(means)
    return GiniDecomposition(total, float(within), float(between), total - within - between)


def _series(
    result: IndexResult, node: str, *, balanced: bool
) -> tuple[FloatArray, np.ndarray, tuple[int, ...]]:
    k = result.tree.index(node)
    S = np.asarray(result.scores)[:, :, k]  # (year, econ)
    keep = ~np.isnan(S).any(axis=0) if balanced else ~np.isnan(S).all(axis=0)
    if not keep.any():
        raise DataError(
            f"no economy has a {node!r} score in every year {list(result.years)}; "
            "pass balanced=False or choose fewer years"
        )
    return S[:, keep], np.flatnonzero(keep), result.years


def inequality_over_time(
    result: IndexResult,
    *,
    node: str | None = None,
    groups: Mapping[str, Sequence[Any]] | None = None,
    balanced: bool = True,
) -> pd.DataFrame:
    """Gini, Theil T and their decompositions for every built year.

    ``balanced``: keep only economies scored in every year (the same set each year, so the
    series compare). Economies without a label in a grouping are left out of that grouping's
    decomposition (``n_<grouping>`` says how many were used).
    Columns: year, n, mean, sd, cv, gini, theil, and per grouping ``g``: ``theil_between_g``,
    ``theil_within_g``, ``theil_between_share_g``, ``gini_within_g``, ``gini_between_g``,
    ``gini_overlap_g``, ``n_g``.
    """
    node = node or result.tree.codes[result.tree.root]
    S, kept, years = _series(result, node, balanced=balanced)
    rows = []
    for t, y in enumerate(years):
        ok = ~np.isnan(S[t])
        v = S[t][ok]
        if v.size < 2:
            continue
        row: dict[str, Any] = {
            "year": y,
            "n": int(v.size),
            "mean": float(v.mean()),
            "sd": float(v.std(ddof=1)),
            "cv": float(v.std(ddof=1) / v.mean()) if v.mean() else float("nan"),
            "gini": gini(v),
            "theil": theil_t(v),
        }
        for gname, raw in (groups or {}).items():
            lab = _labels(result, raw, gname)[kept][ok]
            has = np.array([x is not None for x in lab])
            vv, ll = v[has], list(lab[has])
            row[f"n_{gname}"] = int(has.sum())
            if vv.size >= 2 and vv.sum() > 0:
                td = theil_decomposition(vv, ll)
                gd = gini_decomposition(vv, ll)
                row |= {
                    f"theil_between_{gname}": td.between,
                    f"theil_within_{gname}": td.within,
                    f"theil_between_share_{gname}": td.between_share,
                    f"gini_within_{gname}": gd.within,
                    f"gini_between_{gname}": gd.between,
                    f"gini_overlap_{gname}": gd.overlap,
                }
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["node"] = node
    return out


# -- convergence --------------------------------------------------------------------------
def sigma_convergence(
    result: IndexResult, *, node: str | None = None, balanced: bool = True
) -> pd.DataFrame:
    """Dispersion by year (sd, cv, sd of logs where all positive) and its trend.

    Sigma-convergence holds when the dispersion falls over time. The frame's ``attrs`` carry
    the OLS trend of the cv on the year: ``cv_slope``, ``cv_slope_se``, ``cv_slope_p``.
    """
    node = node or result.tree.codes[result.tree.root]
    S, _kept, years = _series(result, node, balanced=balanced)
    rows = []
    for t, y in enumerate(years):
        v = S[t][~np.isnan(S[t])]
        if v.size < 2:
            continue
        pos = bool((v > 0).all())
        rows.append(
            {"year": y, "n": int(v.size), "sd": float(v.std(ddof=1)),
             "cv": float(v.std(ddof=1) / v.mean()) if v.mean() else float("nan"),
             "sd_log": float(np.log(v).std(ddof=1)) if pos else float("nan")}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out.attrs["node"] = node
    if len(out) >= 3 and out["cv"].notna().all():
        lr = stats.linregress(out["year"].astype(float), out["cv"].astype(float))
        out.attrs |= {
            "cv_slope": float(lr.slope),
            "cv_slope_se": float(lr.stderr),
            "cv_slope_p": float(lr.pvalue),
            "converging": bool(lr.slope < 0 and lr.pvalue < 0.05),
        }
    return out


@dataclass(frozen=True)
class BetaConvergence:
    """OLS of growth on the initial level (Barro & Sala-i-Martin 1992).

    ``form="log"``: ``(ln y_T - ln y_0)/T = a + beta ln y_0``; ``speed`` is the implied
    convergence rate ``-ln(1 + beta T)/T``. ``form="level"``: ``(y_T - y_0)/T = a + beta y_0``.
    ``beta < 0`` with a small ``p_value``: laggards catch up.
    """

    node: str
    form: str
    start: int
    end: int
    n: int
    beta: float
    se: float
    t_stat: float
    p_value: float
    intercept: float
    r2: float
    speed: float | None

    @property
    def converging(self) -> bool:
        return self.beta < 0 and self.p_value < 0.05


def beta_convergence_arrays(
    y0: npt.ArrayLike,
    y1: npt.ArrayLike,
    span: float,
    *,
    form: Literal["log", "level"] = "log",
) -> tuple[float, float, float, float, float, float, int]:
    """``(beta, se, t, p, intercept, r2, n)`` of the beta regression on two arrays."""
    a = np.asarray(y0, dtype=np.float64)
    b = np.asarray(y1, dtype=np.float64)
    ok = ~(np.isnan(a) | np.isnan(b))
    if form == "log":
        ok &= (a > 0) & (b > 0)
    a, b = a[ok], b[ok]
    if a.size < 3:
        raise DataError(f"beta convergence needs at least 3 economies with data; got {a.size}")
    if span <= 0:
        raise DataError("beta convergence needs two different years (end after start)")
    x = np.log(a) if form == "log" else a
    g = (np.log(b) - np.log(a)) / span if form == "log" else (b - a) / span
    if np.ptp(x) == 0:
        raise DataError("every economy starts at the same level; beta is undefined")
    lr = stats.linregress(x, g)
    slope, se = float(lr.slope), float(lr.stderr)
    t = slope / se if se > 0 else float("inf") * np.sign(slope)
    return slope, se, float(t), float(lr.pvalue), float(lr.intercept), float(lr.rvalue**2), a.size


def beta_convergence(
    result: IndexResult,
    *,
    node: str | None = None,
    start: int | None = None,
    end: int | None = None,
    form: Literal["log", "level", "auto"] = "auto",
) -> BetaConvergence:
    """Unconditional beta-convergence of a node's scores between two built years.

    ``form="auto"``: the log form when every score is positive, else the level form.
    """
    node = node or result.tree.codes[result.tree.root]
    k = result.tree.index(node)
    y0, y1 = start or result.years[0], end or result.years[-1]
    s0 = np.asarray(result.scores)[result._year(y0), :, k]
    s1 = np.asarray(result.scores)[result._year(y1), :, k]
    both = ~(np.isnan(s0) | np.isnan(s1))
    if form == "auto":
        form = "log" if ((s0[both] > 0) & (s1[both] > 0)).all() else "level"
    span = float(y1 - y0)
    beta, se, t, p, a, r2, n = beta_convergence_arrays(s0, s1, span, form=form)
    speed = None
    if form == "log" and 1 + beta * span > 0:
        speed = float(-np.log1p(beta * span) / span)
    return BetaConvergence(node, form, int(y0), int(y1), n, beta, se, t, p, a, r2, speed)


# -- stored results -----------------------------------------------------------------------
def divide_batch(
    result: IndexResult,
    groups: Mapping[str, Sequence[Any]],
    *,
    prefix: str = "DIV",
    world: str = "WLD",
) -> Any:
    """Gaps and inequality series as a store :class:`~aibridge.sources._base.Batch`.

    Per economy, year and node (root and pillars): ``<prefix>.<framework>.<node>.gap_frontier``
    and ``...gap_<grouping>`` for each grouping. For the whole field (economy ``world``):
    ``...gini``, ``...theil`` and, per grouping, ``...theil_between_<g>`` and
    ``...theil_within_<g>`` (every scored economy of each year: unbalanced). The origin's
    vintage is ``<framework hash[:12]>@<result digest[:12]>``, so a new build is a new vintage.
    """
    import re

    import pyarrow as pa

    from aibridge.sources._base import Batch, Origin, indicator_table

    slug = re.sub(r"[^A-Za-z0-9_]+", "_", result.spec.name).strip("_") or "index"
    base = f"{prefix}.{slug}"
    econ, ind, yr, val = [], [], [], []
    meta: dict[str, dict[str, Any]] = {}
    nodes = [result.tree.codes[result.tree.root], *pillar_codes(result)]
    for y in result.years:
        frame = gaps(result, groups, year=y, nodes=nodes)
        cols = ["gap_frontier", *(f"gap_{g}" for g in groups)]
        for col in cols:
            sub = frame[frame[col].notna()]
            for e, node, v in zip(sub["economy"], sub["node"], sub[col], strict=True):
                code = f"{base}.{node}.{col}"
                econ.append(str(e))
                ind.append(code)
                yr.append(int(y))
                val.append(float(v))
                meta.setdefault(code, {"what": col, "node": node})
    for node in nodes:
        try:
            ineq = inequality_over_time(result, node=node, groups=groups, balanced=False)
        except DataError:
            continue
        measures = ["gini", "theil"]
        for g in groups:
            measures += [f"theil_between_{g}", f"theil_within_{g}"]
        for m in measures:
            if m not in ineq.columns:
                continue
            for y, v in zip(ineq["year"], ineq[m], strict=True):
                if v == v:
                    code = f"{base}.{node}.{m}"
                    econ.append(world)
                    ind.append(code)
                    yr.append(int(y))
                    val.append(float(v))
                    meta.setdefault(code, {"what": m, "node": node})
    obs = pa.table(
        {
            "economy": pa.array(econ, pa.string()),
            "indicator": pa.array(ind, pa.string()),
            "year": pa.array(yr, pa.int16()),
            "value": pa.array(val, pa.float64()),
            "flag": pa.array([None] * len(val), pa.string()),
        }
    )
    fhash = result.spec.digest()
    vintage = f"{fhash[:12]}@{result.digest()[:12]}"
    names = dict(zip(result.tree.codes, result.tree.names, strict=True))
    indicators = indicator_table(
        [
            {
                "code": code,
                "name": f"{result.spec.name}: {names.get(m['node']) or m['node']} — "
                + (
                    m["what"].replace("_", " ")
                    if not m["what"].startswith("gap_")
                    else "gap to the " + ("frontier" if m["what"] == "gap_frontier"
                                          else m["what"][4:] + " peers' median")
                ),
                "unit": "score points" if m["what"].startswith("gap_") else "index",
                "description": f"divide analytics of {result.spec.name} (framework sha256 "
                f"{fhash}); formulas in docs/methodology.md, Divide analytics",
                "topic": "divide analytics",
                "direction": 1 if m["what"].startswith("gap_") else -1,
                "licence": None,
                "source": "aibridge divide analytics",
            }
            for code, m in meta.items()
        ]
    )  # fmt: skip
    origin = Origin(
        source_id="aibridge-divide",
        uri=f"aibridge:divide/{slug}",
        sha256=fhash,
        vintage=vintage,
        title=f"{result.spec.name} divide analytics (derived)",
        publisher="aibridge",
    )
    return Batch(origin=origin, observations=obs, indicators=indicators)
