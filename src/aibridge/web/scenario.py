"""The scenario tool: edit one economy's indicator values, see its new score, rank and band.

Works for any built-in framework whose data are in the store (the HDI, the AI Capacity Index
and its gender lens). The edited values replace the economy's raw values for the
chosen year in a copy of the panel, and the engine rebuilds the whole index from that copy
(normalisations that depend on other economies stay correct), then the same weight Monte
Carlo as the rankings page gives the new 5–95 % rank interval. With unchanged inputs the
scenario reproduces the baseline exactly. The page also solves for the minimal path to a
target rank or score (``analysis.scenario.minimal_path``: the fewest indicator improvements,
each bounded by the best value any economy has that year, then the least total normalised
change), cached per framework, economy, year, target and store version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from aibridge.errors import AibridgeError, NotFoundError
from aibridge.web.app import WebRoute
from aibridge.web.data import WebData
from aibridge.web.methodology import builtin_frameworks
from aibridge.web.rankings import _cache, compute_ranking, mc_rank_bands
from aibridge.web.views import _is_htmx, _not_found, _t, get_web_data, render

__all__ = ["Scenario", "minimal_path_for", "router", "run_scenario"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Data = Annotated[WebData, Depends(get_web_data)]


@dataclass(frozen=True)
class Input:
    code: str
    name: str
    unit: str | None
    baseline: float | None
    value: float | None
    changed: bool


@dataclass(frozen=True)
class Outcome:
    score: float | None
    rank: float | None
    p05: float | None
    p95: float | None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    economy: str
    year: int
    n_ranked: int
    inputs: tuple[Input, ...]
    baseline: Outcome
    scenario: Outcome


def _outcome(result: Any, e: int, lo: np.ndarray, hi: np.ndarray) -> Outcome:
    root = result.tree.root
    score = float(result.scores[0, e, root])
    if math.isnan(score):
        return Outcome(None, None, None, None)
    return Outcome(
        score,
        float(result.ranks[0, e, root]),
        None if math.isnan(lo[e]) else float(lo[e]),
        None if math.isnan(hi[e]) else float(hi[e]),
    )


def _scenario_state(data: WebData, name: str) -> tuple[Any, Any, Any]:
    """(framework, spec, panel) for scenarios of ``name``: the indicator values after the
    framework's denominate and impute stages (per-capita, latest value carried forward), and
    the spec without those stages, as ``analysis.aci.build_aci`` rebuilds the ACI. A one-year
    rebuild on this panel reproduces the full build of that year, and the values are in the
    units the framework names."""
    compute_ranking(data, name)  # loads and caches framework, panel and build
    version = data._version
    cache = _cache(data)
    fw = cache.get(("fw", name), lambda: None)
    panel = cache.get(("panel", name, version), lambda: None)
    full = cache.get(("build", name, version), lambda: None)
    if fw is None or panel is None or full is None:  # pragma: no cover - cached just above
        raise AibridgeError("scenario state was not cached; reload the page")

    def make() -> tuple[Any, Any]:
        from aibridge.engine import Panel

        # the ACI's build is already on its post-impute panel (rankings._aci_state)
        spec = cache.get(("spec", name, version), fw.to_spec)
        values = full.stages.get("imputed", full.stages.get("denominated", full.stages["raw"]))
        spec2 = replace(
            spec,
            stages=tuple(s for s in spec.stages if s not in ("denominate", "impute")),
            indicators=tuple(replace(i, denominator=None) for i in spec.indicators),
        )
        panel2 = Panel(
            np.asarray(values, dtype=np.float64),
            panel.years,
            panel.economies,
            tuple(spec.indicator_codes),
            groups=dict(panel.groups),
            economy_names=dict(panel.economy_names),
        )
        return spec2, panel2

    spec, state_panel = cache.get(("scenario-state", name, version), make)
    return fw, spec, state_panel


def run_scenario(
    data: WebData, name: str, economy: str, changes: dict[str, float], *, year: int | None = None
) -> Scenario:
    """Baseline and scenario score, rank and rank interval of ``economy`` for ``changes``
    (framework indicator code -> new raw value)."""
    from aibridge.engine.build import build_index

    base = compute_ranking(data, name, year=year)  # loads and caches framework and panel
    version = data._version
    cache = _cache(data)
    fw, spec, panel = _scenario_state(data, name)
    if economy not in panel.economies:
        raise NotFoundError(f"{economy} has no data for {fw.name}")
    e = panel.economies.index(economy)
    t = panel.years.index(base.year)
    codes = list(spec.indicator_codes)
    cols = [panel.indicators.index(c) for c in codes]
    values = np.array(panel.values[t, e, cols], dtype=np.float64)
    new = values.copy()
    for j, code in enumerate(codes):
        if code in changes and math.isfinite(changes[code]):
            new[j] = changes[code]
    names = {i.code: (i.name or i.code, i.unit) for i in fw.indicators}

    def build(vals: np.ndarray) -> Any:
        arr = np.array(panel.values[t : t + 1], dtype=np.float64)
        arr[0, e, cols] = vals
        one_year = replace(panel, values=arr, years=(base.year,))
        return build_index(spec, one_year, years=[base.year])

    def outcome_of(vals: np.ndarray) -> tuple[Outcome, int]:
        result = build(vals)
        weights = np.asarray(result.weights, dtype=np.float64).reshape(-1, len(result.tree.codes))
        lo, hi, _n = mc_rank_bands(result, 0, spec, weights[0])
        ranked = int(np.sum(~np.isnan(result.scores[0, :, result.tree.root])))
        return _outcome(result, e, lo, hi), ranked

    baseline, n_ranked = cache.get(
        ("scenario-base", name, version, base.year, economy), lambda: outcome_of(values)
    )
    changed = ~np.isclose(new, values, rtol=1e-12, atol=0.0, equal_nan=True)
    scenario = baseline if not changed.any() else outcome_of(new)[0]
    inputs = tuple(
        Input(
            code=code,
            name=names.get(code, (code, None))[0],
            unit=names.get(code, (code, None))[1],
            baseline=None if math.isnan(values[j]) else float(values[j]),
            value=None if math.isnan(new[j]) else float(new[j]),
            changed=bool(changed[j]),
        )
        for j, code in enumerate(codes)
    )
    return Scenario(
        name=name,
        title=fw.name,
        economy=economy,
        year=base.year,
        n_ranked=n_ranked,
        inputs=inputs,
        baseline=baseline,
        scenario=scenario,
    )


def minimal_path_for(
    data: WebData,
    name: str,
    economy: str,
    *,
    year: int | None = None,
    target_rank: int | None = None,
    target_score: float | None = None,
) -> Any:
    """``analysis.scenario.minimal_path`` of ``economy`` to a target rank or score of the
    index ``name`` in the ranked year (a :class:`~aibridge.analysis.scenario.MinimalPath`)."""
    from aibridge.analysis.scenario import minimal_path

    base = compute_ranking(data, name, year=year)
    version = data._version
    cache = _cache(data)
    fw, spec, panel = _scenario_state(data, name)
    if economy not in panel.economies:
        raise NotFoundError(f"{economy} has no data for {fw.name}")
    key = ("path", name, version, base.year, economy, target_rank, target_score)
    return cache.get(
        key,
        lambda: minimal_path(
            spec,
            panel,
            economy,
            target_rank=target_rank,
            target_score=target_score,
            year=base.year,
        ),
    )


@router.get("/{lang:lang}/scenario/{name}/{iso3}", response_class=HTMLResponse)
def scenario_page(
    request: Request,
    lang: str,
    name: str,
    iso3: str,
    data: Data,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    target_rank: Annotated[int | None, Query(ge=1, le=1000)] = None,
    target_score: Annotated[float | None, Query(ge=-1e9, le=1e9)] = None,
) -> Response:
    """Edit the indicator values of one economy; the score, rank and band follow. With
    ``target_rank`` or ``target_score``, also the minimal path to that target."""
    if name not in builtin_frameworks():
        return _not_found(request, lang, _t(lang, "No such framework."))
    changes: dict[str, float] = {}
    for key, raw in request.query_params.items():
        if key.startswith("v_") and raw.strip() and len(key) <= 60:
            try:
                changes[key[2:]] = float(raw.replace(",", "."))
            except ValueError:
                continue
    try:
        data.economy(iso3)
        result = run_scenario(data, name, iso3.upper(), changes, year=year)
    except (NotFoundError, AibridgeError) as exc:
        return _not_found(request, lang, str(exc))
    path = None
    path_error = None
    if _is_htmx(request):
        return render(request, "partials/scenario_results.html", lang=lang, data=data, sc=result)
    if target_rank is not None or target_score is not None:
        try:
            path = minimal_path_for(
                data,
                name,
                result.economy,
                year=result.year,
                target_rank=target_rank,
                target_score=None if target_rank is not None else target_score,
            )
        except AibridgeError as exc:
            path_error = str(exc)
    names = {i.code: i.name for i in result.inputs}
    return render(
        request,
        "scenario.html",
        lang=lang,
        data=data,
        sc=result,
        path=path,
        path_error=path_error,
        path_names=names,
        path_params={f"v_{k}": repr(float(v)) for k, v in (path.changes if path else {}).items()},
        target_rank=target_rank,
        target_score=target_score if target_rank is None else None,
    )
