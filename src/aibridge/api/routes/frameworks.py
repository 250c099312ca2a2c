"""``/v1/frameworks``: composite-index frameworks and their results (every node's score,
rank, coverage and imputed share), built by the engine from the app's store.

A build is cached per (framework file hash, data version), so the first request after an
import pays for the build (tens of milliseconds for the HDI) and later ones only filter.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Annotated, Any, Final, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from aibridge.api.deps import StoreDep
from aibridge.api.errors import ApiProblem
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED, problem
from aibridge.api.params import ECONOMY_CODE
from aibridge.errors import DataError, NotFoundError
from aibridge.store import Store

router = APIRouter(prefix="/v1/frameworks", tags=["frameworks"], responses=NOT_MODIFIED)

BUILTIN: Final = FsPath(__file__).resolve().parents[2] / "frameworks" / "builtin"
NamePath = Annotated[
    str,
    Path(pattern=r"^[a-z0-9_-]{1,64}$", description="Framework name.", examples=["hdi"]),
]
_lock = threading.Lock()
_cache: dict[tuple[str, ...], Any] = {}


class FrameworkSummary(BaseModel):
    name: str = Field(description="Id used in URLs (the file stem).")
    title: str
    version: str | None
    description: str | None
    source: str | None = Field(description="Citation of the method.")
    indicators: int
    nodes: int
    sha256: str = Field(description="Hash of the framework file (part of every ETag).")


class FrameworkList(BaseModel):
    data: list[FrameworkSummary]
    count: int


class FrameworkDetail(FrameworkSummary):
    definition: dict[str, Any] = Field(
        description="The whole framework: pipeline, indicators and nodes with weights."
    )


class IndexRow(BaseModel):
    economy: str
    year: int
    node: str
    node_name: str
    level: int
    score: float | None
    rank: int | None
    coverage: float | None = Field(description="Share of the node's indicators with data.")
    imputed_share: float | None = Field(description="Share of its indicator values imputed.")


class IndexResults(BaseModel):
    framework: str
    sha256: str
    years: list[int] = Field(description="Years the index was built for.")
    data: list[IndexRow]
    count: int


def _files() -> dict[str, FsPath]:
    return {p.stem: p for p in sorted(BUILTIN.glob("*.yaml"))}


def _load(name: str) -> tuple[Any, str]:
    path = _files().get(name)
    if path is None:
        raise NotFoundError(f"no framework {name!r}; available: {', '.join(_files()) or 'none'}")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    key = ("fw", name, digest)
    with _lock:
        if key not in _cache:
            from aibridge.frameworks import load_framework

            _cache[key] = load_framework(path)
    return _cache[key], digest


def _summary(name: str) -> FrameworkSummary:
    fw, digest = _load(name)
    return FrameworkSummary(
        name=name,
        title=fw.name,
        version=fw.version,
        description=fw.description,
        source=fw.source,
        indicators=len(fw.indicators),
        nodes=len(fw.nodes),
        sha256=digest,
    )


def _panel(fw: Any, store: Store) -> Any:
    """The framework's panel from the app's store (indicators renamed to framework codes,
    aggregates left out), as ``frameworks.load_panel`` builds it from a store file."""
    from aibridge.engine import Panel

    src = fw.source_codes()
    denoms = sorted({i.denominator for i in fw.indicators if i.denominator})
    wanted = list(dict.fromkeys([*src.values(), *denoms]))
    have = {
        r[0]
        for r in store.con.execute(
            "SELECT code FROM indicators WHERE list_contains(?::VARCHAR[], code)", [wanted]
        ).fetchall()
    }
    missing = [c for c in wanted if c not in have]
    if missing:
        raise DataError(
            f"the store lacks {', '.join(missing[:10])} for framework {fw.name!r}; import their "
            "source first (aibridge import ...)"
        )
    sd = fw.data.store if fw.data is not None else None
    years: Any = None
    as_of = None
    economies = None
    if sd is not None:
        years = tuple(sd.years) if isinstance(sd.years, tuple | list) else sd.years
        as_of = sd.as_of
        economies = sd.economies
    vals, yrs, econs, inds = store.panel(wanted, economies, years, as_of=as_of)
    rows = store.con.execute("SELECT iso3, name, is_aggregate FROM economies").fetchall()
    aggregate = {r[0] for r in rows if r[2]}
    names = {r[0]: r[1] for r in rows if r[1]}
    keep = [i for i, e in enumerate(econs) if e not in aggregate]
    rename = {v: k for k, v in src.items()}
    return Panel(
        np.asarray(vals, dtype=np.float64)[:, keep, :],
        tuple(int(y) for y in yrs),
        tuple(econs[i] for i in keep),
        tuple(rename.get(c, c) for c in inds),
        economy_names={econs[i]: names.get(econs[i], econs[i]) for i in keep},
    )


def build_result(request: Request, store: Store, name: str) -> tuple[pd.DataFrame, Any, str]:
    """Tidy frame and engine result of framework ``name`` on the app's store (cached per
    data version and framework file hash)."""
    fw, digest = _load(name)
    version = request.app.state.data_version()
    key = ("build", name, digest, version)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit[0], hit[1], digest
    from aibridge.engine import build_index

    panel = _panel(fw, store)
    result = build_index(fw.to_spec(), panel)
    frame = result.to_frame()
    with _lock:
        for k in [k for k in _cache if k[0] == "build" and k[1] == name]:
            del _cache[k]
        _cache[key] = (frame, result, panel)
    return frame, result, digest


def cached_panel(request: Request, store: Store, name: str) -> Any:
    """The panel behind ``build_result`` (same cache entry)."""
    _fw, digest = _load(name)
    build_result(request, store, name)
    with _lock:
        return _cache[("build", name, digest, request.app.state.data_version())][2]


def build(request: Request, store: Store, name: str) -> tuple[pd.DataFrame, str]:
    """Tidy results of framework ``name`` on the app's store (cached per data version)."""
    frame, _result, digest = build_result(request, store, name)
    return frame, digest


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


@router.get("", summary="List frameworks")
def list_frameworks() -> FrameworkList:
    """The built-in composite-index frameworks."""
    data = [_summary(name) for name in _files()]
    return FrameworkList(data=data, count=len(data))


@router.get("/{name}", summary="One framework", responses=NOT_FOUND)
def get_framework(name: NamePath) -> FrameworkDetail:
    """A framework's full definition: pipeline (normalisation, aggregation, imputation ...),
    indicators (source series, direction, weight, goalposts) and nodes."""
    fw, _ = _load(name)
    return FrameworkDetail(
        **_summary(name).model_dump(), definition=fw.model_dump(mode="json", exclude_none=True)
    )


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    f = float(value)
    return None if not math.isfinite(f) else f


@router.get(
    "/{name}/results",
    summary="Index results: score and rank of every node",
    responses={
        **NOT_FOUND,
        409: problem(409, "Conflict", "the store lacks HDR.le for framework 'hdi'; import ..."),
    },
)
def get_results(
    name: NamePath,
    request: Request,
    store: StoreDep,
    year: Annotated[
        int | None,
        Query(ge=1700, le=2200, description="One year (default: the latest with scores)."),
    ] = None,
    all_years: Annotated[bool, Query(description="Every year instead of one.")] = False,
    node: Annotated[
        list[Annotated[str, Query(max_length=100)]] | None,
        Query(max_length=100, description="Only these nodes or indicators (codes)."),
    ] = None,
    level: Annotated[
        int | None, Query(ge=0, le=10, description="Only nodes of this tree level.")
    ] = None,
    economy: Annotated[
        list[Annotated[str, Query(pattern=ECONOMY_CODE)]] | None,
        Query(max_length=300, description="Only these economies (ISO3)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200_000, description="Rows at most.")] = 50_000,
) -> IndexResults:
    """Scores, ranks, coverage and imputed share for every economy and node (indicators,
    sub-pillars, pillars, the index) of one year (or every year), built by the engine from
    the store with the framework's own pipeline. 409 when the store lacks an indicator of
    the framework (the problem names it).

    The AI Capacity Index frameworks (``aci``, ``aci_gender``) declare expert-input
    indicators that are empty until a user imports them, so this engine-only route answers
    409 for them; their scores, with the ACI coverage rule and bands, come from
    ``aibridge aci build``."""
    try:
        frame, digest = build(request, store, name)
    except DataError as exc:
        raise ApiProblem(409, str(exc), kind="missing-data") from exc
    scored = frame[frame["score"].notna()]
    if not all_years:
        chosen = year
        if chosen is None:
            chosen = int(scored["year"].max()) if len(scored) else None
        frame = frame[frame["year"] == chosen]
    elif year is not None:
        frame = frame[frame["year"] == year]
    if node:
        frame = frame[frame["node"].isin(node)]
    if level is not None:
        frame = frame[frame["level"] == level]
    if economy:
        frame = frame[frame["economy"].isin([e.upper() for e in economy])]
    frame = frame.iloc[:limit]
    rows = [
        IndexRow(
            economy=r["economy"],
            year=int(r["year"]),
            node=r["node"],
            node_name=str(r["node_name"]),
            level=int(r["level"]),
            score=_num(r["score"]),
            rank=_int(r["rank"]),
            coverage=_num(r["coverage"]),
            imputed_share=_num(r["imputed_share"]),
        )
        for r in frame.to_dict("records")
    ]
    years = sorted({int(y) for y in frame["year"].unique()})
    return IndexResults(framework=name, sha256=digest, years=years, data=rows, count=len(rows))


# -- profiles --------------------------------------------------------------------------------


class ProfileNode(BaseModel):
    node: str
    node_name: str
    score: float | None
    rank: int | None
    frontier: float | None = Field(description="Best score that year.")
    frontier_economy: str | None
    gap_frontier: float | None = Field(description="score - frontier (negative = behind).")
    region: str | None = Field(description="UN region (M49).")
    region_median: float | None = Field(description="Median of the region's other economies.")
    gap_region: float | None
    income_group: str | None
    income_group_median: float | None
    gap_income_group: float | None


class ProfileBottleneck(BaseModel):
    pillar: str | None
    grouping: str
    gap: float | None
    reason: str


class ProfilePeer(BaseModel):
    economy: str
    distance: float = Field(description="Euclidean distance on the pillar scores.")


class ProfileAction(BaseModel):
    node: str
    actions: list[str] = Field(description="Action Plan actions (AP1..AP10).")
    sdg: list[str] = Field(description="SDG targets.")
    reason: str


class ProfileProjection(BaseModel):
    node: str
    last_year: int | None
    last_score: float | None
    target_year: int
    projection: float | None
    lower: float | None
    upper: float | None
    level: float
    low_confidence: bool
    reasons: str


class Profile(BaseModel):
    framework: str
    economy: str
    name: str | None
    year: int
    nodes: list[ProfileNode] = Field(description="The index and its pillars.")
    bottleneck: ProfileBottleneck | None
    peers: list[ProfilePeer]
    actions: list[ProfileAction] = Field(
        description="Action Plan actions and SDG targets mapped to the nodes (ACI only)."
    )
    projections: list[ProfileProjection]


def _groups(store: Store, economies: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    rows = store.con.execute("SELECT iso3, un_region, income_group FROM economies").fetchall()
    region = {r[0]: r[1] for r in rows}
    income = {r[0]: r[2] for r in rows}
    return {
        "region": tuple(region.get(e) for e in economies),
        "income_group": tuple(income.get(e) for e in economies),
    }


@router.get(
    "/{name}/profiles/{code}",
    summary="Economy profile: pillars vs peers, bottleneck, nearest peers, projection",
    responses={
        **NOT_FOUND,
        409: problem(409, "Conflict", "KEN has no score in 2022 (insufficient data)"),
    },
)
def get_profile(
    name: NamePath,
    code: Annotated[str, Path(pattern=ECONOMY_CODE, description="ISO3.", examples=["KEN"])],
    request: Request,
    store: StoreDep,
    year: Annotated[
        int | None,
        Query(ge=1700, le=2200, description="Year (default: the latest with a score)."),
    ] = None,
    peers: Annotated[int, Query(ge=1, le=20, description="Nearest peers to list.")] = 5,
    target_year: Annotated[int, Query(ge=2000, le=2100, description="Projection year.")] = 2030,
) -> Profile:
    """One economy on a framework: the index and each pillar with score, rank, gap to the
    frontier and to the median of its UN region and income group; the bottleneck pillar
    (furthest below its region); nearest peers on the pillar scores; mapped Action Plan actions
    and SDG targets; and a trend projection with its prediction interval and low-confidence
    flag (``aibridge.analysis.divide`` and ``projection``)."""
    from aibridge.analysis.divide import bottleneck, gaps, nearest_peers
    from aibridge.analysis.projection import project

    try:
        _frame, result, _digest = build_result(request, store, name)
    except DataError as exc:
        raise ApiProblem(409, str(exc), kind="missing-data") from exc
    economy = code.upper()
    if economy not in result.economies:
        raise NotFoundError(f"{economy} is not covered by framework {name!r}")
    root_i = result.tree.root
    e = result.economies.index(economy)
    scored_years = [
        y for t, y in enumerate(result.years) if not math.isnan(result.scores[t, e, root_i])
    ]
    if year is None:
        if not scored_years:
            raise ApiProblem(409, f"{economy} has no {name} score in any year", kind="no-score")
        year = scored_years[-1]
    if year not in result.years:
        raise NotFoundError(f"{name} was not built for {year}; years: {list(result.years)}")
    if year not in scored_years:
        raise ApiProblem(
            409, f"{economy} has no {name} score in {year} (insufficient data)", kind="no-score"
        )
    groups = _groups(store, result.economies)
    g = gaps(result, groups, year=year)
    mine = g[g["economy"] == economy]
    names = dict(zip(result.tree.codes, result.tree.names, strict=True))
    nodes = [
        ProfileNode(
            node=r["node"],
            node_name=str(names.get(r["node"]) or r["node"]),
            score=_num(r["score"]),
            rank=_int(r["rank"]),
            frontier=_num(r["frontier"]),
            frontier_economy=r["frontier_economy"] or None,
            gap_frontier=_num(r["gap_frontier"]),
            region=r["region"],
            region_median=_num(r["region_median"]),
            gap_region=_num(r["gap_region"]),
            income_group=r["income_group"],
            income_group_median=_num(r["income_group_median"]),
            gap_income_group=_num(r["gap_income_group"]),
        )
        for r in mine.to_dict("records")
    ]
    try:
        b = bottleneck(result, economy, groups, grouping="region", year=year)
        neck: ProfileBottleneck | None = ProfileBottleneck(
            pillar=b.pillar, grouping=b.grouping, gap=_num(b.gap), reason=b.reason
        )
    except DataError:
        neck = None
    try:
        near = nearest_peers(result, economy, k=peers, year=year)
        peer_list = [
            ProfilePeer(economy=p["economy"], distance=float(p["distance"]))
            for p in near.to_dict("records")
        ]
    except DataError:
        peer_list = []
    actions: list[ProfileAction] = []
    if name.startswith("aci"):
        from aibridge.analysis.aci import load_action_map

        wanted = set(mine["node"])
        actions = [
            ProfileAction(
                node=ln["node"],
                actions=list(ln.get("actions", [])),
                sdg=list(ln.get("sdg", [])),
                reason=str(ln["reason"]),
            )
            for ln in load_action_map()["links"]
            if ln["node"] in wanted
        ]
    proj = project(result, target_year=target_year, economies=[economy])
    projections = [
        ProfileProjection(
            node=r["node"],
            last_year=_int(r["last_year"]),
            last_score=_num(r["last_score"]),
            target_year=int(r["target_year"]),
            projection=_num(r["projection"]),
            lower=_num(r["lower"]),
            upper=_num(r["upper"]),
            level=float(r["level"]),
            low_confidence=bool(r["low_confidence"]),
            reasons=str(r["reasons"] or ""),
        )
        for r in proj.to_dict("records")
    ]
    return Profile(
        framework=name,
        economy=economy,
        name=result.economy_names.get(economy) or None,
        year=int(year),
        nodes=nodes,
        bottleneck=neck,
        peers=peer_list,
        actions=actions,
        projections=projections,
    )


# -- divide statistics -----------------------------------------------------------------------


class DivideYear(BaseModel):
    year: int
    n: int = Field(description="Economies with a score (the same set every year if balanced).")
    mean: float | None
    sd: float | None
    cv: float | None
    gini: float | None
    theil: float | None = Field(description="Theil T.")
    theil_between: float | None = Field(description="Between-group part of Theil T.")
    theil_within: float | None = Field(description="Within-group part (between + within = T).")
    theil_between_share: float | None
    gini_within: float | None
    gini_between: float | None
    gini_overlap: float | None = Field(description="Lambert & Aronson overlap term.")
    n_grouped: int | None = Field(description="Economies with a group label.")


class Divide(BaseModel):
    framework: str
    node: str
    by: str
    balanced: bool
    data: list[DivideYear]
    count: int


@router.get(
    "/{name}/divide",
    summary="Divide statistics: Gini and Theil with between/within decomposition by year",
    responses={**NOT_FOUND, 409: problem(409, "Conflict", "the store lacks HDR.le ...")},
)
def get_divide(
    name: NamePath,
    request: Request,
    store: StoreDep,
    node: Annotated[
        str | None, Query(max_length=100, description="Node (default: the index).")
    ] = None,
    by: Annotated[
        Literal["region", "income_group"], Query(description="Grouping of the decomposition.")
    ] = "region",
    balanced: Annotated[
        bool, Query(description="Only economies scored in every year (comparable series).")
    ] = True,
) -> Divide:
    """Inequality of a node's scores across economies for every built year: Gini, Theil T
    (split exactly into between- and within-group parts, Shorrocks 1980), Gini split into
    within, between and overlap (Lambert & Aronson 1993), by UN region or income group
    (``aibridge.analysis.divide.inequality_over_time``)."""
    from aibridge.analysis.divide import inequality_over_time

    try:
        _frame, result, _digest = build_result(request, store, name)
    except DataError as exc:
        raise ApiProblem(409, str(exc), kind="missing-data") from exc
    code = node or result.tree.codes[result.tree.root]
    if code not in result.tree.codes:
        raise NotFoundError(f"no node {code!r} in framework {name!r}")
    groups = _groups(store, result.economies)
    frame = inequality_over_time(result, node=code, groups={by: groups[by]}, balanced=balanced)
    rows = [
        DivideYear(
            year=int(r["year"]),
            n=int(r["n"]),
            mean=_num(r.get("mean")),
            sd=_num(r.get("sd")),
            cv=_num(r.get("cv")),
            gini=_num(r.get("gini")),
            theil=_num(r.get("theil")),
            theil_between=_num(r.get(f"theil_between_{by}")),
            theil_within=_num(r.get(f"theil_within_{by}")),
            theil_between_share=_num(r.get(f"theil_between_share_{by}")),
            gini_within=_num(r.get(f"gini_within_{by}")),
            gini_between=_num(r.get(f"gini_between_{by}")),
            gini_overlap=_num(r.get(f"gini_overlap_{by}")),
            n_grouped=_int(r.get(f"n_{by}")),
        )
        for r in frame.to_dict("records")
    ]
    return Divide(framework=name, node=code, by=by, balanced=balanced, data=rows, count=len(rows))


# -- scenarios -------------------------------------------------------------------------------


def _economy_build(request: Request, store: Store, name: str, economy: str) -> tuple[Any, Any, str]:
    """The framework's cached build and panel, and ``economy`` checked against it (what-if
    routes): 409 when the store lacks the framework's data, 404 for an uncovered economy."""
    try:
        _frame, result, _digest = build_result(request, store, name)
        panel = cached_panel(request, store, name)
    except DataError as exc:
        raise ApiProblem(409, str(exc), kind="missing-data") from exc
    code = economy.upper()
    if code not in panel.economies:
        raise NotFoundError(f"{code} is not covered by framework {name!r}")
    return result, panel, code


def _build_year(name: str, result: Any, panel: Any, year: int | None) -> int:
    """``year``, or the build's last year; 404 when the panel has no data for it."""
    chosen = year if year is not None else int(result.years[-1])
    if chosen not in panel.years:
        raise NotFoundError(f"{name} has no data for {chosen}; years: {list(panel.years)}")
    return chosen


class ScenarioRequest(BaseModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"economy": "KEN", "changes": {"gnipc": 6000.0}, "year": 2022}]
        },
    }

    economy: Annotated[str, Field(pattern=ECONOMY_CODE, description="ISO3.")]
    changes: Annotated[
        dict[
            Annotated[str, Field(max_length=200)],
            Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)],
        ],
        Field(min_length=1, max_length=100, description="Framework indicator code -> new value."),
    ]
    year: Annotated[int | None, Field(ge=1700, le=2200)] = None


class ScenarioNode(BaseModel):
    node: str
    node_name: str
    level: int
    baseline_score: float | None
    score: float | None
    score_change: float | None
    baseline_rank: int | None
    rank: int | None
    rank_change: int | None = Field(description="Positive: moved up.")


class ScenarioMover(BaseModel):
    economy: str
    baseline_rank: int | None
    rank: int | None


class ScenarioResult(BaseModel):
    framework: str
    economy: str
    year: int
    changes: dict[str, list[float | None]] = Field(description="code -> [old, new].")
    nodes: list[ScenarioNode]
    rank_changes: list[ScenarioMover] = Field(description="Every economy whose index rank moved.")


@router.post(
    "/{name}/scenarios",
    summary="What-if: change indicator values of one economy, get new scores and ranks",
    responses={**NOT_FOUND, 409: problem(409, "Conflict", "the store lacks HDR.le ...")},
)
def post_scenario(
    name: NamePath, body: ScenarioRequest, request: Request, store: StoreDep
) -> ScenarioResult:
    """Sets the given indicator values for one economy and re-runs the whole build of that
    year (normalisation bounds, imputation, treatment and every economy's rank follow), with
    ``aibridge.analysis.scenario.run_scenario``; unchanged values reproduce the baseline
    exactly. Computed on demand, never stored."""
    from aibridge.analysis.scenario import run_scenario

    result, panel, economy = _economy_build(request, store, name, body.economy)
    unknown = [c for c in body.changes if c not in panel.indicators]
    if unknown:
        raise NotFoundError(
            f"unknown indicator code(s) {', '.join(unknown[:10])} for framework {name!r}; "
            f"its indicators: {', '.join(panel.indicators[:30])}"
        )
    year = _build_year(name, result, panel, body.year)
    fw, _ = _load(name)
    sc = run_scenario(fw.to_spec(), panel, economy, dict(body.changes), year=year)
    nodes = [
        ScenarioNode(
            node=r["node"],
            node_name=str(r["node_name"] or r["node"]),
            level=int(r["level"]),
            baseline_score=_num(r["baseline_score"]),
            score=_num(r["score"]),
            score_change=_num(r["score_change"]),
            baseline_rank=_int(r["baseline_rank"]),
            rank=_int(r["rank"]),
            rank_change=_int(r["rank_change"]),
        )
        for r in sc.to_frame().to_dict("records")
    ]
    movers = [
        ScenarioMover(
            economy=r["economy"], baseline_rank=_int(r["baseline_rank"]), rank=_int(r["rank"])
        )
        for r in sc.rank_changes().to_dict("records")
    ]
    return ScenarioResult(
        framework=name,
        economy=economy,
        year=sc.year,
        changes={c: [_num(o), _num(n)] for c, (o, n) in sc.changes.items()},
        nodes=nodes,
        rank_changes=movers,
    )


# -- minimal paths ---------------------------------------------------------------------------


class RankTarget(BaseModel):
    model_config = {"extra": "forbid"}

    rank: Annotated[int, Field(ge=1, le=1000, description="Reach this rank or better.")]


class ScoreTarget(BaseModel):
    model_config = {"extra": "forbid"}

    score: Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


class PathRequest(BaseModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"economy": "KEN", "target": {"rank": 120}}]},
    }

    economy: Annotated[str, Field(pattern=ECONOMY_CODE, description="ISO3.")]
    target: RankTarget | ScoreTarget = Field(description="A target rank or a target score.")
    node: Annotated[
        str | None, Field(min_length=1, max_length=200, description="Default: the index.")
    ] = None
    year: Annotated[int | None, Field(ge=1700, le=2200)] = None
    growth: Annotated[
        float | None,
        Field(ge=0, le=1000, description="Cap each indicator at +growth % a year (optional)."),
    ] = None
    horizon: Annotated[float, Field(gt=0, le=50, description="Years the growth cap covers.")] = 1.0


class PathStepOut(BaseModel):
    indicator: str
    name: str | None
    value: float | None
    new_value: float | None
    bound: float | None
    share_of_bound: float | None
    normalised_change: float | None


class PathResult(BaseModel):
    framework: str
    economy: str
    year: int
    node: str
    target_score: float | None
    target_rank: int | None
    reached: bool
    baseline_score: float | None
    score: float | None
    baseline_rank: int | None
    rank: int | None
    n_changed: int
    total_normalised_change: float | None
    best_reachable: float | None
    message: str
    steps: list[PathStepOut]


@router.post(
    "/{name}/paths",
    summary="Minimal path: fewest indicator improvements (within bounds) reaching a target",
    responses={**NOT_FOUND, 409: problem(409, "Conflict", "the store lacks HDR.le ...")},
)
def post_path(name: NamePath, body: PathRequest, request: Request, store: StoreDep) -> PathResult:
    """Solves ``aibridge.analysis.scenario.minimal_path`` for one economy: the fewest
    indicator changes, then the least total normalised change, that reach ``target_rank`` or
    ``target_score`` on ``node`` (default the index); each indicator may move at most to the
    frontier, or by ``growth`` % a year over ``horizon`` years. The answer is checked by an
    exact rebuild (``reached``). Computed on demand, never stored."""
    from aibridge.analysis.scenario import minimal_path

    result, panel, economy = _economy_build(request, store, name, body.economy)
    if body.node is not None and body.node not in result.tree.codes:
        raise NotFoundError(f"no node {body.node!r} in framework {name!r}")
    year = _build_year(name, result, panel, body.year)
    fw, _ = _load(name)
    path = minimal_path(
        fw.to_spec(),
        panel,
        economy,
        target_score=body.target.score if isinstance(body.target, ScoreTarget) else None,
        target_rank=body.target.rank if isinstance(body.target, RankTarget) else None,
        node=body.node,
        year=year,
        growth=body.growth,
        horizon=body.horizon,
    )
    return PathResult(
        framework=name,
        economy=economy,
        year=int(path.year),
        node=path.node,
        target_score=_num(path.target_score),
        target_rank=path.target_rank,
        reached=bool(path.reached),
        baseline_score=_num(path.baseline_score),
        score=_num(path.score),
        baseline_rank=_int(path.baseline_rank),
        rank=_int(path.rank),
        n_changed=path.n_changed,
        total_normalised_change=_num(path.total_normalised_change),
        best_reachable=_num(path.best_reachable),
        message=path.message,
        steps=[
            PathStepOut(
                indicator=s.indicator,
                name=s.name,
                value=_num(s.value),
                new_value=_num(s.new_value),
                bound=_num(s.bound),
                share_of_bound=_num(s.share_of_bound),
                normalised_change=_num(s.normalised_change),
            )
            for s in path.steps
        ],
    )
