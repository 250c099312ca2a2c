"""Divide analytics of one economy for the country profile (composed as ``aci profile`` does).

For every built-in index the profile shows: the bottleneck pillar (furthest below the UN-region
median; ``analysis.divide.bottleneck``), the nearest peers on the pillar scores
(``nearest_peers``), every pillar and sub-pillar behind its region or income-group peers with
the AI Capacity-Building Action Plan actions and SDG targets it maps to (``action_map.yaml``
via ``analysis.aci.load_action_map``), and the projection to 2030 with its 90 % prediction
interval and low-confidence flag (``analysis.projection.project``). Everything is computed on
the index build the rankings page caches, and cached per framework, economy and store version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from aibridge.errors import AibridgeError
from aibridge.web.data import WebData
from aibridge.web.rankings import _cache, compute_ranking

__all__ = ["Analytics", "economy_analytics"]

TARGET_YEAR: Final = 2030
N_PEERS: Final = 5


@dataclass(frozen=True)
class GapLink:
    node: str
    name: str
    gap: float  # largest gap below a peer group (negative)
    actions: tuple[tuple[str, str], ...]  # (id, wording)
    sdg: tuple[tuple[str, str], ...]  # (target, wording)
    reason: str


@dataclass(frozen=True)
class Peer:
    economy: str
    distance: float


@dataclass(frozen=True)
class Projection:
    node: str
    name: str
    last_year: int | None
    last_score: float | None
    projection: float | None
    lower: float | None
    upper: float | None
    slope: float | None
    low_confidence: bool
    reasons: str


@dataclass(frozen=True)
class Analytics:
    year: int
    target_year: int
    bottleneck: str | None  # pillar code
    bottleneck_name: str | None
    bottleneck_gap: float | None
    bottleneck_behind: bool  # False: at or above the region median everywhere
    peers: tuple[Peer, ...]
    gaps: tuple[GapLink, ...]
    map_version: str | None
    projections: tuple[Projection, ...]


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _groups(data: WebData, economies: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    known = data.economies()
    out: dict[str, tuple[Any, ...]] = {}
    region = tuple(known[e].un_region if e in known else None for e in economies)
    income = tuple(known[e].income_group if e in known else None for e in economies)
    if any(region):
        out["region"] = region
    if any(income):
        out["income"] = income
    return out


def _action_map() -> dict[str, Any] | None:
    try:
        from aibridge.analysis.aci import load_action_map

        return load_action_map()
    except AibridgeError:  # a broken map leaves the profile without links, never a 500
        return None


def economy_analytics(data: WebData, name: str, iso3: str) -> Analytics | None:
    """The divide analytics of ``iso3`` in index ``name`` (None when it is not scored)."""
    ranking = compute_ranking(data, name)
    version = data._version
    cache = _cache(data)
    result: Analytics | None = cache.get(
        ("analytics", name, version, ranking.year, iso3),
        lambda: _compute(data, name, iso3, ranking.year),
    )
    return result


def _compute(data: WebData, name: str, iso3: str, year: int) -> Analytics | None:
    from aibridge.analysis.divide import bottleneck, gaps, nearest_peers
    from aibridge.analysis.projection import project
    from aibridge.errors import DataError

    version = data._version
    full = _cache(data).get(("build", name, version), lambda: None)
    if full is None or iso3 not in full.economies:
        return None
    tree = full.tree
    root = tree.codes[tree.root]
    t = full.years.index(year)
    i = full.economies.index(iso3)
    if math.isnan(float(full.scores[t, i, tree.root])):
        return None
    names = {c: (n or c) for c, n in zip(tree.codes, tree.names, strict=True)}
    groups = _groups(data, tuple(full.economies))
    b_code = b_gap = None
    behind_all = True
    if groups:
        gname = "region" if "region" in groups else next(iter(groups))
        b = bottleneck(full, iso3, groups, grouping=gname, year=year)
        b_code, b_gap = b.pillar, _f(b.gap)
        behind_all = b_gap is not None and b_gap < 0
    try:
        near = nearest_peers(full, iso3, year=year, k=N_PEERS)
        peers = tuple(
            Peer(str(e), float(d))
            for e, d in zip(near["economy"], near["distance"].to_numpy(dtype=float), strict=True)
        )
    except DataError:
        peers = ()
    # every pillar and sub-pillar behind a peer group, largest gap first, with its links
    links: list[GapLink] = []
    amap = _action_map()
    agg = [c for c, lv in zip(tree.codes, tree.levels, strict=True) if lv > 1 and c != root]
    if groups and agg and amap is not None:
        frame = gaps(full, groups, year=year, nodes=agg)
        frame = frame[frame["economy"] == iso3]
        by_node = {str(ln["node"]): ln for ln in amap["links"]}
        actions = {str(k): str(v) for k, v in (amap.get("actions") or {}).items()}
        targets = {str(k): str(v) for k, v in (amap.get("sdg_targets") or {}).items()}
        for r in frame.to_dict("records"):
            worst = min(
                (float(r[f"gap_{g}"]) for g in groups if _f(r[f"gap_{g}"]) is not None),
                default=math.nan,
            )
            node = str(r["node"])
            if worst < 0 and node in by_node:
                ln = by_node[node]
                links.append(
                    GapLink(
                        node=node,
                        name=names.get(node, node),
                        gap=worst,
                        actions=tuple((a, actions.get(a, "")) for a in ln.get("actions", [])),
                        sdg=tuple((s, targets.get(s, "")) for s in ln.get("sdg", [])),
                        reason=str(ln["reason"]),
                    )
                )
        links.sort(key=lambda g: (g.gap, g.node))
    projections: list[Projection] = []
    try:
        proj = project(full, target_year=TARGET_YEAR, economies=[iso3])
    except DataError:
        proj = None
    if proj is not None:
        for pr in proj.to_dict("records"):
            node = str(pr["node"])
            last_year = _f(pr.get("last_year"))
            projections.append(
                Projection(
                    node=node,
                    name=names.get(node, node),
                    last_year=None if last_year is None else int(last_year),
                    last_score=_f(pr.get("last_score")),
                    projection=_f(pr.get("projection")),
                    lower=_f(pr.get("lower")),
                    upper=_f(pr.get("upper")),
                    slope=_f(pr.get("slope")),
                    low_confidence=bool(pr.get("low_confidence")),
                    reasons=str(pr.get("reasons") or ""),
                )
            )
    return Analytics(
        year=year,
        target_year=TARGET_YEAR,
        bottleneck=b_code,
        bottleneck_name=names.get(b_code) if b_code else None,
        bottleneck_gap=b_gap,
        bottleneck_behind=behind_all,
        peers=peers,
        gaps=tuple(links),
        map_version=str(amap.get("version")) if amap else None,
        projections=tuple(projections),
    )
