"""Rankings of a composite index built from the store, with uncertainty bands, filters, CSV,
and an index builder (move the pillar weights, the ranks follow).

Any built-in framework whose data live in the store is ranked (the HDI, the AI Capacity Index
and its gender lens; the ACI as ``aibridge aci build`` publishes it, see :func:`_aci_state`).
The nominal build is the engine's ``build_index``; the
5–95 % rank interval of every economy comes from a Monte Carlo run over the weights (every
weight times U(0.75, 1.25), 200 replications, fixed seed) aggregated in one vectorised call
of the engine's ``aggregate_tree`` over a replication axis, cached per framework, year and
store version. (``analysis.uncertainty.run_uncertainty`` does the same and more — weights,
normalisation, imputation, leave-one-out — and the API uses it for its bands; the rankings
page keeps this lighter weights-only run.) Changing the pillar weights rebuilds the index on the
cached panel (pure numpy, a few milliseconds) and shows each economy's rank change.
"""

from __future__ import annotations

import csv
import io
import math
import threading
import warnings
from dataclasses import dataclass, replace
from typing import Annotated, Any, Final

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from aibridge.errors import AibridgeError
from aibridge.web.app import WebRoute
from aibridge.web.data import WebData
from aibridge.web.methodology import builtin_frameworks
from aibridge.web.views import Page, _is_htmx, _not_found, _t, get_web_data, render

__all__ = ["Ranking", "compute_ranking", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Data = Annotated[WebData, Depends(get_web_data)]

MC_REPLICATIONS: Final = 200
WEIGHT_NOISE: Final = 0.25
MAX_WEIGHT: Final = 5.0


@dataclass(frozen=True)
class Row:
    economy: str
    score: float
    rank: float
    p05: float | None
    p95: float | None
    default_rank: float
    coverage: float


@dataclass(frozen=True)
class Ranking:
    name: str
    title: str
    year: int
    years: tuple[int, ...]
    root: str
    pillars: tuple[tuple[str, str, float], ...]  # code, name, nominal weight
    weights: dict[str, float]  # pillar weights used
    rows: tuple[Row, ...]
    n_replications: int


class _Cache:
    """Panels, nominal builds and Monte Carlo bands, keyed by framework and store version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...], make: Any) -> Any:
        with self.lock:
            if key in self.items:
                return self.items[key]
        value = make()
        with self.lock:
            if len(self.items) > 32:
                self.items.clear()
            self.items[key] = value
        return value


def _cache(data: WebData) -> _Cache:
    cache = getattr(data, "_rankings_cache", None)
    if cache is None:
        cache = _Cache()
        data._rankings_cache = cache  # type: ignore[attr-defined]
    return cache


def _panel(fw: Any, data: WebData) -> Any:
    """The framework's panel from this app's store (as ``frameworks.load_panel`` builds it)."""
    from aibridge.engine import Panel

    src = fw.source_codes()
    denoms = sorted({i.denominator for i in fw.indicators if i.denominator})
    wanted = list(dict.fromkeys([*src.values(), *denoms]))
    have = data.coverage()
    missing = [c for c in wanted if c not in have]
    if missing:
        raise AibridgeError(
            f"the store lacks {', '.join(missing)} for {fw.name}; import their source first"
        )
    sd = fw.data.store if fw.data is not None else None
    years: Any = None
    if sd is not None and sd.years is not None:
        years = tuple(sd.years) if isinstance(sd.years, tuple) else sd.years
    vals, yrs, econs, inds = data.store.panel(
        wanted, sd.economies if sd is not None else None, years
    )
    economies = data.economies()
    keep = [i for i, e in enumerate(econs) if e in economies and not economies[e].is_aggregate]
    kept = tuple(econs[i] for i in keep)
    # grouping columns for group imputation / peers, as frameworks.load_panel provides them
    groups: dict[str, tuple[Any, ...]] = {}
    for g in sd.groups if sd is not None else []:
        if not hasattr(next(iter(economies.values())), g):
            raise AibridgeError(f"store economies have no column {g!r} to group by")
        groups[g] = tuple(getattr(economies[e], g) for e in kept)
    rename = {v: k for k, v in src.items()}
    return Panel(
        np.asarray(vals, dtype=np.float64)[:, keep, :],
        tuple(int(y) for y in yrs),
        kept,
        tuple(rename.get(c, c) for c in inds),
        groups=groups,
        economy_names={e: economies[e].name for e in kept},
    )


#: Frameworks built as ``analysis.aci.build_aci`` publishes them (see :func:`_aci_state`).
ACI_FRAMEWORKS: Final = ("aci", "aci_gender")


def _aci_state(fw: Any, data: WebData) -> tuple[Any, Any, Any]:
    """(spec, panel, build) of the ACI or its gender lens exactly as ``aibridge aci build``
    builds them (``analysis.aci.prepare_aci`` on this app's store: the expert-input indicators
    that have data, UN member and observer states only, the coverage rule, and the scored
    values after the denominate and impute stages rebuilt without those stages), so the ranks,
    bands, scenarios and analytics of the web app match ``aibridge aci build``."""
    from aibridge.analysis.aci import prepare_aci

    built = prepare_aci(data.store, framework=fw)
    return built.spec, built.panel, built.result


def compute_ranking(
    data: WebData, name: str, *, year: int | None = None, weights: dict[str, float] | None = None
) -> Ranking:
    """Scores, ranks and 5–95 % rank bands of framework ``name`` for one year."""
    from aibridge.engine.build import build_index
    from aibridge.frameworks import load_framework

    path = builtin_frameworks().get(name)
    if path is None:
        raise KeyError(name)
    data.coverage()  # refresh the version check before using the cache key
    version = data._version
    cache = _cache(data)
    fw = cache.get(("fw", name), lambda: load_framework(path))
    if name in ACI_FRAMEWORKS:
        spec, panel, full = cache.get(("aci", name, version), lambda: _aci_state(fw, data))
        cache.get(("panel", name, version), lambda: panel)
        cache.get(("build", name, version), lambda: full)
        cache.get(("spec", name, version), lambda: spec)
    else:
        spec = fw.to_spec()
        panel = cache.get(("panel", name, version), lambda: _panel(fw, data))
        full = cache.get(("build", name, version), lambda: build_index(spec, panel))
    root_i = full.tree.root
    root = full.tree.codes[root_i]
    # years where at least half the economies have a root score
    counts = np.sum(~np.isnan(full.scores[:, :, root_i]), axis=1)
    usable = tuple(int(y) for y, c in zip(full.years, counts, strict=True) if c >= counts.max() / 2)
    if not usable:
        raise AibridgeError(f"{fw.name}: no year has enough data to rank")
    chosen = year if year in usable else usable[-1]
    t = full.years.index(chosen)
    nominal_w = np.asarray(full.weights, dtype=np.float64).reshape(-1, len(full.tree.codes))[t]
    names = {n.code: n.name or n.code for n in fw.nodes}
    pillar_idx = [k for k in range(len(full.tree.codes)) if int(full.tree.parent[k]) == root_i]
    pillars = tuple((full.tree.codes[k], names.get(full.tree.codes[k], full.tree.codes[k]),
                     float(nominal_w[k])) for k in pillar_idx)  # fmt: skip
    used = {code: float(w) for code, _, w in pillars}
    custom = False
    if weights:
        for code, value in weights.items():
            if code in used and math.isfinite(value) and 0 <= value <= MAX_WEIGHT:
                custom |= not math.isclose(value, used[code])
                used[code] = value
    default_scores = full.scores[t, :, root_i]
    default_ranks = full.ranks[t, :, root_i]
    if custom:
        w = nominal_w.copy()
        for k in pillar_idx:
            w[k] = used[full.tree.codes[k]]
        built = build_index(spec, panel, years=[chosen], weights=w)
        scores, ranks = built.scores[0, :, root_i], built.ranks[0, :, root_i]
    else:
        scores, ranks = default_scores, default_ranks

    def bands() -> tuple[np.ndarray, np.ndarray, int]:
        return mc_rank_bands(full, t, spec, nominal_w)

    p05, p95, n_rep = cache.get(("bands", name, version, chosen), bands)
    coverage = full.coverage()[t, :, root_i]
    rows = []
    for e, econ in enumerate(panel.economies):
        if math.isnan(scores[e]):
            continue
        rows.append(
            Row(
                economy=econ,
                score=float(scores[e]),
                rank=float(ranks[e]),
                p05=None if custom or math.isnan(p05[e]) else float(p05[e]),
                p95=None if custom or math.isnan(p95[e]) else float(p95[e]),
                default_rank=float(default_ranks[e]),
                coverage=float(coverage[e]),
            )
        )
    rows.sort(key=lambda r: (r.rank, r.economy))
    return Ranking(
        name=name,
        title=fw.name,
        year=chosen,
        years=usable,
        root=root,
        pillars=pillars,
        weights=used,
        rows=tuple(rows),
        n_replications=0 if custom else n_rep,
    )


def mc_rank_bands(
    result: Any, t: int, spec: Any, nominal_w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """5th and 95th percentile of every economy's root rank over weight replications.

    Monte Carlo over the weights, vectorised through the engine's replication axis: every
    weight times U(1 - noise, 1 + noise) (COINr ``get_noisy_weights``), the normalised
    indicators of year index ``t`` aggregated once for all replications, ranks per
    replication. Fixed seed, so the same inputs give the same bands.
    """
    from aibridge.engine.build import aggregate_tree
    from aibridge.engine.rank import rank_desc

    root_i = result.tree.root
    rng = np.random.default_rng(0)
    xn = np.asarray(result.stages["normalised"])[t]
    noise = rng.uniform(-WEIGHT_NOISE, WEIGHT_NOISE, size=(MC_REPLICATIONS, len(nominal_w)))
    w = nominal_w[None, :] * (1.0 + noise)
    xs = np.broadcast_to(xn, (MC_REPLICATIONS, *xn.shape))
    rep = aggregate_tree(xs, result.tree, weights=w, default=spec.aggregate)
    ranks_mc = rank_desc(rep[..., root_i], axis=-1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(ranks_mc, [0.05, 0.95], axis=0)
    return lo, hi, MC_REPLICATIONS


def _filtered(ranking: Ranking, data: WebData, region: str, income: str) -> Ranking:
    economies = data.economies()

    def keep(row: Row) -> bool:
        eco = economies.get(row.economy)
        if eco is None:
            return False
        return (not region or eco.un_region == region) and (
            not income or eco.income_group == income
        )

    return replace(ranking, rows=tuple(r for r in ranking.rows if keep(r)))


def _weights_from_query(request: Request) -> dict[str, float]:
    out = {}
    for key, value in request.query_params.items():
        if key.startswith("w_") and len(key) <= 60:
            try:
                out[key[2:]] = float(value)
            except ValueError:
                continue
    return out


@router.get("/{lang:lang}/rankings", response_class=HTMLResponse)
def rankings_index(request: Request, lang: str, data: Data) -> Response:
    """Redirect-free entry: the first built-in framework whose data are in the store."""
    for name in builtin_frameworks():
        try:
            return rankings(request, lang, name, data)
        except AibridgeError:
            continue
    return _not_found(request, lang, _t(lang, "No index can be built from the data in the store."))


@router.get("/{lang:lang}/rankings/{name}", response_class=HTMLResponse)
def rankings(
    request: Request,
    lang: str,
    name: str,
    data: Data,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    region: Annotated[str, Query(max_length=60)] = "",
    income: Annotated[str, Query(max_length=60)] = "",
    sort: Annotated[str, Query(pattern="^(rank|name|score|band)$")] = "rank",
    fmt: Annotated[str, Query(alias="format", pattern="^(html|csv)$")] = "html",
) -> Response:
    """Ranks with 5–95 % bands, filters, sorting, CSV, and pillar-weight sliders."""
    try:
        ranking = compute_ranking(data, name, year=year, weights=_weights_from_query(request))
    except AibridgeError as exc:  # before KeyError: NotFoundError is both (missing data)
        if request.url.path.endswith("/rankings"):
            raise  # the index page tries the next framework
        return _not_found(request, lang, str(exc))
    except KeyError:
        return _not_found(request, lang, _t(lang, "No such framework."))
    page = Page(request, lang, data)
    shown = _filtered(ranking, data, region, income)
    rows = list(shown.rows)
    if sort == "name":
        rows.sort(key=lambda r: page.country(r.economy))
    elif sort == "score":
        rows.sort(key=lambda r: -r.score)
    elif sort == "band":
        rows.sort(key=lambda r: (r.p95 - r.p05) if r.p05 is not None and r.p95 else 0.0)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["economy", "name", "year", "score", "rank", "rank_p05", "rank_p95",
                         "default_rank", "coverage"])  # fmt: skip
        for r in rows:
            writer.writerow([r.economy, page.country(r.economy), ranking.year, f"{r.score:.6g}",
                             f"{r.rank:g}", "" if r.p05 is None else f"{r.p05:g}",
                             "" if r.p95 is None else f"{r.p95:g}", f"{r.default_rank:g}",
                             f"{r.coverage:.3f}"])  # fmt: skip
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}-{ranking.year}-ranks.csv"'
            },
        )
    economies = data.countries()
    regions = sorted({e.un_region for e in economies if e.un_region})
    incomes = [
        g
        for g in ("Low income", "Lower middle income", "Upper middle income", "High income")
        if any(e.income_group == g for e in economies)
    ]
    n_total = len(ranking.rows)
    query = {k: v for k, v in request.query_params.items() if k != "format"}
    context: dict[str, Any] = {
        "ranking": ranking,
        "rows": rows,
        "region": region,
        "income": income,
        "regions": regions,
        "incomes": incomes,
        "sort": sort,
        "n_total": n_total,
        "query": query,
        "max_weight": MAX_WEIGHT,
        "noise_pct": int(WEIGHT_NOISE * 100),
        "frameworks": list(builtin_frameworks()),
    }
    template = "partials/rankings_results.html" if _is_htmx(request) else "rankings.html"
    return render(request, template, lang=lang, data=data, **context)


@dataclass(frozen=True)
class PillarRow:
    code: str
    name: str
    score: float | None
    region_median: float | None
    income_median: float | None

    @property
    def gap(self) -> float | None:
        """Score minus the regional median (negative = behind the region)."""
        if self.score is None or self.region_median is None:
            return None
        return self.score - self.region_median


def pillar_profile(data: WebData, name: str, iso3: str, year: int) -> list[PillarRow]:
    """One economy's pillar scores (children of the index root) for ``year`` beside the
    medians of its UN region and income group (peers with a score, at least three)."""
    compute_ranking(data, name, year=year)  # fills the cache for this store version
    version = data._version
    cache = _cache(data)
    fw = cache.get(("fw", name), lambda: None)
    panel = cache.get(("panel", name, version), lambda: None)
    full = cache.get(("build", name, version), lambda: None)
    if fw is None or panel is None or full is None or iso3 not in panel.economies:
        return []
    t = full.years.index(year)
    e = panel.economies.index(iso3)
    economies = data.economies()
    me = economies[iso3]
    region = [i for i, c in enumerate(panel.economies)
              if me.un_region and economies[c].un_region == me.un_region]  # fmt: skip
    income = [i for i, c in enumerate(panel.economies)
              if me.income_group and economies[c].income_group == me.income_group]  # fmt: skip
    names = {n.code: n.name or n.code for n in fw.nodes}
    root_i = full.tree.root

    def median(values: np.ndarray) -> float | None:
        finite = values[~np.isnan(values)]
        return float(np.median(finite)) if finite.size >= 3 else None

    rows = []
    for k in range(len(full.tree.codes)):
        if int(full.tree.parent[k]) != root_i:
            continue
        col = full.scores[t, :, k]
        score = float(col[e])
        rows.append(
            PillarRow(
                code=full.tree.codes[k],
                name=names.get(full.tree.codes[k], full.tree.codes[k]),
                score=None if math.isnan(score) else score,
                region_median=median(col[region]) if region else None,
                income_median=median(col[income]) if income else None,
            )
        )
    return rows
