"""Methodology pages, generated from the framework YAML files and the store's metadata.

One page per built-in framework (``aibridge/frameworks/builtin/*.yaml``; the AI Capacity
Index appears here as soon as its file ships): the citation, the pipeline with each stage's
method and parameters and its formula, the tree of nodes with the effective weight of every
indicator, and each indicator's direction, goalposts, unit, store code and coverage. Nothing
is written by hand per framework, so the page cannot drift from what the engine computes.
Method descriptions and formulas are in English (the framework files are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from aibridge.errors import SpecError
from aibridge.web.app import WebRoute
from aibridge.web.data import WebData
from aibridge.web.views import _not_found, _t, get_web_data, render

__all__ = ["FORMULAS", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Data = Annotated[WebData, Depends(get_web_data)]

#: What each registered method computes (x: one indicator over economies; w: weights).
FORMULAS: Final[dict[str, str]] = {
    "minmax": "(x − min x) / (max x − min x), rescaled to [low, high]",
    "zscore": "(x − mean x) / sd x, rescaled to mean m and standard deviation s",
    "rank": "rank of x among economies (ties averaged)",
    "borda": "Borda score: number of economies with a lower value",
    "percentile": "percentile rank of x among economies",
    "goalposts": "(x − lower goalpost) / (upper − lower), capped to [0, 1] when cap is set; "
    "ln x first for log indicators",
    "dist_to_frontier": "x / max x (distance to the best performer)",
    "dist_to_target": "x / target, capped at 1",
    "fraction_of_max": "x / max x",
    "bands": "categorical bands by thresholds",
    "none": "no change",
    "arith_mean": "Σ wᵢ xᵢ / Σ wᵢ over the non-missing children",
    "geom_mean": "Π xᵢ^(wᵢ / Σ w) (requires positive values)",
    "harm_mean": "Σ wᵢ / Σ (wᵢ / xᵢ)",
    "power_mean": "(Σ wᵢ xᵢ^p / Σ wᵢ)^(1/p)",
    "median": "weighted median of the children",
    "copeland": "Copeland outranking: pairwise wins minus losses",
    "mean": "missing values replaced by the indicator's mean",
    "group_mean": "missing values replaced by the mean of the economy's group",
    "group_median": "missing values replaced by the median of the economy's group",
    "latest": "missing values carried forward from the latest earlier year",
    "linear": "missing years interpolated linearly within the economy's series",
    "em": "expectation–maximisation under a multivariate normal model",
    "coinr": "outliers (|skew| > 2 and kurtosis > 3.5) winsorised, else log-transformed (COINr)",
    "winsorise": "values beyond the given quantiles set to those quantiles",
    "equal": "equal weights within each parent",
    "explicit": "the weights written in the framework",
    "nested": "weights normalised within each parent",
    "pca": "weights from the first principal component's loadings",
    "budget": "weights allocated by an expert budget",
}

BUILTIN: Final = Path(__file__).resolve().parents[1] / "frameworks" / "builtin"


@dataclass
class TreeNode:
    code: str
    name: str
    weight: float  # share within the parent
    effective: float  # share of the root
    aggregate: str | None = None
    children: list[TreeNode] = field(default_factory=list)
    indicator: Any = None  # IndicatorModel for leaves


def builtin_frameworks() -> dict[str, Path]:
    """Built-in framework files by name (file stem)."""
    return {p.stem: p for p in sorted(BUILTIN.glob("*.yaml"))}


def _tree(fw: Any) -> list[TreeNode]:
    """The framework as a tree with within-parent and effective (root) weight shares."""
    children: dict[str | None, list[tuple[str, str, float, Any, str | None]]] = {}
    for node in fw.nodes:
        agg = node.aggregate.method if node.aggregate is not None else None
        children.setdefault(node.parent, []).append(
            (node.code, node.name or node.code, node.weight, None, agg)
        )
    for ind in fw.indicators:
        children.setdefault(ind.parent, []).append(
            (ind.code, ind.name or ind.code, ind.weight, ind, None)
        )

    def build(parent: str | None, share: float) -> list[TreeNode]:
        kids = children.get(parent, [])
        total = sum(w for _, _, w, _, _ in kids) or 1.0
        out = []
        for code, name, weight, ind, agg in kids:
            within = weight / total
            node = TreeNode(code, name, within, share * within, agg, indicator=ind)
            if ind is None:
                node.children = build(code, share * within)
            out.append(node)
        return out

    return build(None, 1.0)


def _steps(fw: Any) -> list[tuple[str, str, dict[str, Any], str]]:
    """(stage, method, parameters, formula) of the pipeline, in order."""
    out = []
    for stage in fw.pipeline.stages:
        step = getattr(fw.pipeline, stage, None)
        if step is None:
            continue
        params = dict(step.model_extra or {})
        out.append((stage, step.method, params, FORMULAS.get(step.method, "")))
    return out


@router.get("/{lang:lang}/methodology", response_class=HTMLResponse)
def methodology_index(request: Request, lang: str, data: Data) -> Response:
    """The frameworks aibridge ships, each with its methodology page."""
    from aibridge.frameworks import load_framework

    frameworks = []
    for name, path in builtin_frameworks().items():
        try:
            frameworks.append((name, load_framework(path)))
        except SpecError:  # a broken file is reported on its own page, not here
            continue
    return render(request, "methodology_index.html", lang=lang, data=data, frameworks=frameworks)


@router.get("/{lang:lang}/methodology/{name}", response_class=HTMLResponse)
def methodology(request: Request, lang: str, name: str, data: Data) -> Response:
    """One framework's methodology, generated from its YAML and the store's metadata."""
    from aibridge.frameworks import load_framework

    path = builtin_frameworks().get(name)
    if path is None:
        return _not_found(request, lang, _t(lang, "No such framework."))
    fw = load_framework(path)
    coverage = data.coverage()
    metas = data.indicators()
    leaves = []

    def walk(nodes: list[TreeNode]) -> None:
        for node in nodes:
            if node.indicator is not None:
                leaves.append(node)
            walk(node.children)

    tree = _tree(fw)
    walk(tree)
    return render(
        request,
        "methodology.html",
        lang=lang,
        data=data,
        fw=fw,
        name=name,
        tree=tree,
        leaves=leaves,
        steps=_steps(fw),
        coverage=coverage,
        metas=metas,
        formulas=FORMULAS,
    )
