"""``/v1/frameworks``: composite-index frameworks and their results (every node's score,
rank, coverage and imputed share, with 5-95 % bands), profiles, divide statistics, scenarios
and minimal paths, built from the app's store.

The AI Capacity Index and its gender lens (``aci``, ``aci_gender``) are built exactly as
``aibridge aci build`` publishes them (:func:`aibridge.analysis.aci.prepare_aci` on the app's
connection: expert inputs with data, UN member and observer states, the coverage rule with
its 'insufficient data' reasons, the rebuild on the scored economy-years, and Monte Carlo
bands with the same design, replications and seed). Other frameworks are built by the engine
with their own pipeline; their bands are computed on request (``bands=true``) with the same
design (:func:`aibridge.analysis.aci.band_spec`).

A build is cached per (framework file hash, data version), and the bands of each (year, n)
with it, so the first request after an import pays for the build (tens of milliseconds for
the HDI, about two seconds for the ACI on the open data, plus about half a second per year of
ACI bands) and later ones only filter.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any, Final, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Path, Query, Request

from aibridge.api.deps import StoreDep
from aibridge.api.errors import ApiProblem
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED, problem
from aibridge.api.params import ECONOMY_CODE
from aibridge.api.schemas import (
    Bands,
    Divide,
    DivideYear,
    FrameworkDetail,
    FrameworkList,
    FrameworkSummary,
    IndexResults,
    IndexRow,
    MappedItem,
    PathRequest,
    PathResult,
    PathStepOut,
    Profile,
    ProfileAction,
    ProfileBottleneck,
    ProfileGap,
    ProfileNode,
    ProfilePeer,
    ProfileProjection,
    RankTarget,
    ScenarioMover,
    ScenarioNode,
    ScenarioRequest,
    ScenarioResult,
    ScoreTarget,
)
from aibridge.errors import AibridgeError, DataError, NotFoundError
from aibridge.store import Store

router = APIRouter(prefix="/v1/frameworks", tags=["frameworks"], responses=NOT_MODIFIED)

BUILTIN: Final = FsPath(__file__).resolve().parents[2] / "frameworks" / "builtin"
#: Built as ``aibridge aci build`` publishes them (coverage rule, bands on by default).
ACI_FRAMEWORKS: Final = ("aci", "aci_gender")
#: Monte Carlo replications and seed of the published bands (``aibridge aci build --n``).
BANDS_N: Final = 200
BANDS_SEED: Final = 0
#: Limits of on-demand bands: replications per year, and replications in one request.
BANDS_N_MIN: Final = 20
BANDS_N_MAX: Final = 1000
BANDS_BUDGET: Final = 5000
BANDS_DESIGN: Final = (
    "weights of every level between the indicators and the index x U(0.75, 1.25) (COINr "
    "get_noisy_weights) and leave-one-indicator-out; p05/p95 over the replications"
)

NamePath = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9_-]{1,64}$",
        description="Framework name (`GET /v1/frameworks` lists them).",
        examples=["aci", "aci_gender", "hdi"],
    ),
]
EconomyCode = Annotated[
    str, Path(pattern=ECONOMY_CODE, description="ISO3.", examples=["KEN", "IND", "DEU"])
]
BandsQuery = Annotated[
    bool | None,
    Query(
        description="Add the 5-95 % Monte Carlo intervals of score and rank (the index and its "
        "pillars). Default: on for the ACI frameworks (as `aibridge aci build` publishes "
        "them), off for the others.",
        examples=[True],
    ),
]
NQuery = Annotated[
    int,
    Query(
        ge=BANDS_N_MIN,
        le=BANDS_N_MAX,
        description=f"Monte Carlo replications per year of the bands (default {BANDS_N}, the "
        f"published ACI bands; years x n at most {BANDS_BUDGET} a request).",
        examples=[BANDS_N],
    ),
]
_MISSING_DATA: Final = problem(
    409, "Conflict", "the store lacks HDR.le for framework 'hdi'; import their source first"
)
_lock = threading.Lock()
_cache: dict[tuple[str, ...], Any] = {}  # loaded framework files, by hash


class _Builds:
    """The builds of one app (kept on ``app.state``: two apps never share a build, even when
    their stores have the same data version)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[tuple[str, ...], Built] = {}
        self.building: dict[tuple[str, ...], threading.Lock] = {}


def _builds(request: Request) -> _Builds:
    state = request.app.state
    with _lock:
        builds = getattr(state, "framework_builds", None)
        if builds is None:
            builds = _Builds()
            state.framework_builds = builds
    return builds


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


def _require(fw: Any, store: Store) -> list[str]:
    """The source codes (and denominators) ``fw`` reads; DataError naming those the store
    lacks."""
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
            f"the store lacks {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            + f" for framework {fw.name!r}; import their source first (aibridge import ...)"
        )
    return wanted


def _panel(fw: Any, store: Store) -> Any:
    """The framework's panel from the app's store (indicators renamed to framework codes,
    aggregates left out), as ``frameworks.load_panel`` builds it from a store file."""
    from aibridge.engine import Panel

    wanted = _require(fw, store)
    src = fw.source_codes()
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


@dataclass
class Built:
    """One framework built on the app's store for one data version (cached)."""

    name: str
    digest: str
    frame: pd.DataFrame  # tidy, every year (ACI: the published table, bands not filled)
    result: Any  # engine IndexResult (ACI: the published, scored build)
    panel: Any
    spec: Any
    default_year: int | None
    aci: Any = None  # analysis.aci.AciBuild for the ACI frameworks
    bands: dict[tuple[int, int], pd.DataFrame | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def gaps(self, store: Store, year: int, nodes: Sequence[str] | None = None) -> pd.DataFrame:
        """``analysis.divide.gaps`` of every economy for ``year`` (the same for every profile
        of that year, so computed once per build)."""
        from aibridge.analysis.divide import gaps

        key = ("gaps", int(year), None if nodes is None else tuple(nodes))
        hit = self.memo.get(key)
        if hit is None:
            hit = gaps(self.result, self.groups(store), year=year, nodes=nodes)
            self.memo[key] = hit
        return hit

    def action_map(self) -> dict[str, Any] | None:
        """``action_map.yaml`` (read once per build); None when it cannot be read (the
        profile then lists no links, never a 500)."""
        from aibridge.analysis.aci import load_action_map

        if ("action_map",) not in self.memo:
            try:
                self.memo[("action_map",)] = load_action_map()
            except AibridgeError:
                self.memo[("action_map",)] = None
        return self.memo[("action_map",)]

    def published(self, year: int) -> pd.DataFrame:
        """The ACI's published table of one year (``aibridge aci build --year``; the bands are
        filled from :meth:`year_bands`): the cached table, or built for an earlier year."""
        if year in set(self.frame["year"].unique()):
            return self.frame
        key = ("published", int(year))
        if key not in self.memo:
            self.memo[key] = self.aci.publish(year=year, n_uncertainty=0).frame
        return self.memo[key]

    def groups(self, store: Store) -> dict[str, tuple[Any, ...]]:
        hit = self.memo.get(("groups",))
        if hit is None:
            hit = _groups(store, self.result.economies)
            self.memo[("groups",)] = hit
        return hit

    @property
    def root(self) -> str:
        return str(self.result.tree.codes[self.result.tree.root])

    @property
    def band_nodes(self) -> list[str]:
        tree = self.result.tree
        top = max(tree.levels)
        return sorted(c for c, lv in zip(tree.codes, tree.levels, strict=True) if lv >= top - 1)

    def year_bands(self, year: int, n: int) -> pd.DataFrame | None:
        """Bands of ``year`` with ``n`` replications (computed once per build): for the ACI
        exactly those ``aibridge aci build`` publishes (``AciBuild.bands``), else
        :func:`aibridge.analysis.aci.index_bands` on the framework's own build."""
        from aibridge.analysis.aci import index_bands

        key = (int(year), int(n))
        with self.lock:  # one computation per key; other requests wait for it
            if key in self.bands:
                return self.bands[key]
            if year not in self.result.years:
                out = None
            elif self.aci is not None:
                out = self.aci.bands(year, n, BANDS_SEED)
            else:
                t = self.result.years.index(year)
                scored = np.count_nonzero(
                    ~np.isnan(self.result.scores[t, :, self.result.tree.root])
                )
                try:
                    out = (
                        index_bands(self.spec, self.panel, year, n=n, seed=BANDS_SEED)
                        if scored >= 3
                        else None
                    )
                except AibridgeError as exc:
                    raise ApiProblem(
                        409, f"no bands for {self.name} in {year}: {exc}", kind="no-bands"
                    ) from exc
            self.bands[key] = out
            return out

    def bands_info(self, years: Sequence[int], n: int) -> Bands:
        with_bands = [y for y in sorted(set(years)) if self.bands.get((int(y), int(n))) is not None]
        return Bands(
            replications=n, seed=BANDS_SEED, design=BANDS_DESIGN, nodes=self.band_nodes,
            years=with_bands,
        )  # fmt: skip


def _make(store: Store, name: str, fw: Any, digest: str) -> Built:
    from aibridge.engine import build_index

    if name in ACI_FRAMEWORKS:
        from aibridge.analysis.aci import prepare_aci

        _require(fw, store)  # a clear 409 before the build
        aci = prepare_aci(store, framework=fw)
        published = aci.publish(n_uncertainty=0)
        return Built(
            name=name,
            digest=digest,
            frame=published.frame,
            result=aci.result,
            panel=aci.panel,
            spec=aci.spec,
            default_year=aci.latest_year,
            aci=aci,
        )
    panel = _panel(fw, store)
    spec = fw.to_spec()
    result = build_index(spec, panel)
    frame = result.to_frame()
    scored = frame.loc[frame["score"].notna(), "year"]
    return Built(
        name=name,
        digest=digest,
        frame=frame,
        result=result,
        panel=panel,
        spec=spec,
        default_year=int(scored.max()) if len(scored) else None,
    )


def get_built(request: Request, store: Store, name: str) -> Built:
    """Framework ``name`` built on the app's store, cached per data version and framework
    file hash; 404 for an unknown framework, 409 when the store lacks its data."""
    fw, digest = _load(name)
    version = request.app.state.data_version()
    key = (name, digest, version)
    builds = _builds(request)
    with builds.lock:
        hit = builds.items.get(key)
        if hit is not None:
            return hit
        building = builds.building.setdefault(key, threading.Lock())
    with building:  # one build per key at a time; concurrent requests wait for it
        with builds.lock:
            hit = builds.items.get(key)
        if hit is not None:
            return hit
        try:
            built = _make(store, name, fw, digest)
        except DataError as exc:
            raise ApiProblem(409, str(exc), kind="missing-data") from exc
        else:
            with builds.lock:
                for k in [k for k in builds.items if k[0] == name]:
                    del builds.items[k]  # an older data version or framework file
                builds.items[key] = built
        finally:
            with builds.lock:
                builds.building.pop(key, None)
    return built


def _want_bands(built: Built, bands: bool | None) -> bool:
    return built.aci is not None if bands is None else bands


def _budget(years: Sequence[int], n: int) -> None:
    if len(years) * n > BANDS_BUDGET:
        raise ApiProblem(
            422,
            f"bands for {len(years)} years x {n} replications exceed {BANDS_BUDGET} "
            "replications a request; ask for one year (year=...), fewer replications (n=...), "
            "or bands=false",
            kind="too-many-replications",
        )


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    f = float(value)
    return None if not math.isfinite(f) else f


def _str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


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


def _fill_bands(built: Built, frame: pd.DataFrame, n: int) -> np.ndarray:
    """``(len(frame), 4)`` score/rank p05/p95 of the frame's rows (NaN where none)."""
    from aibridge.analysis.aci import band_values

    out = np.full((len(frame), 4), np.nan)
    years = frame["year"].to_numpy()
    for y in sorted({int(v) for v in years}):
        b = built.year_bands(y, n)
        if b is not None:
            m = years == y
            out[m] = band_values(frame.loc[m], b)
    return out


@router.get(
    "/{name}/results",
    summary="Index results: score, rank, coverage status and 5-95 % bands of every node",
    responses={**NOT_FOUND, 409: _MISSING_DATA},
)
def get_results(
    name: NamePath,
    request: Request,
    store: StoreDep,
    year: Annotated[
        int | None,
        Query(
            ge=1700,
            le=2200,
            description="One year (default: `latest_complete_year` of the answer).",
            examples=[2022],
        ),
    ] = None,
    all_years: Annotated[bool, Query(description="Every year instead of one.")] = False,
    node: Annotated[
        list[Annotated[str, Query(max_length=100)]] | None,
        Query(
            max_length=100,
            description="Only these nodes or indicators (codes).",
            examples=[["aci", "infra"]],
        ),
    ] = None,
    level: Annotated[
        int | None, Query(ge=0, le=10, description="Only nodes of this tree level.")
    ] = None,
    economy: Annotated[
        list[Annotated[str, Query(pattern=ECONOMY_CODE)]] | None,
        Query(max_length=300, description="Only these economies (ISO3).", examples=[["KEN"]]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200_000, description="Rows at most.")] = 50_000,
    bands: BandsQuery = None,
    n: NQuery = BANDS_N,
) -> IndexResults:
    """Scores, ranks, coverage and imputed share for every economy and node (indicators,
    sub-pillars, pillars, the index) of one year (or every year). 409 when the store lacks an
    indicator of the framework (the problem names it).

    **ACI frameworks** (``aci``, ``aci_gender``): exactly the table ``aibridge aci build``
    publishes — every UN member and observer state, ``status`` 'scored' or 'insufficient
    data' with the ``reason`` (coverage below 60 %, too few indicators for a pillar, more than
    half the values carried forward), scores and ranks among the scored economies only, and
    the 5-95 % bands of the index and the pillars (200 replications, seed 0) for every year
    with at least three scored economies; the default year is the latest complete year.

    **Other frameworks**: the engine's build with the framework's own pipeline; ``bands=true``
    adds the same kind of bands computed on demand (``n`` replications per year, years x n at
    most 5,000 a request; cached with the build)."""
    built = get_built(request, store, name)
    frame = built.frame
    if built.aci is not None and year is not None and year in built.aci.panel.years:
        frame = built.published(year)  # a year before the table's first (2015) too
    if not all_years:
        chosen = year if year is not None else built.default_year
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
    years = sorted({int(y) for y in frame["year"].unique()})
    info: Bands | None = None
    cols = np.full((len(frame), 4), np.nan)
    if _want_bands(built, bands) and len(frame):
        _budget(years, n)
        cols = _fill_bands(built, frame, n)
        info = built.bands_info(years, n)
    has_status = "status" in frame.columns
    rows = [
        IndexRow(
            economy=r["economy"],
            economy_name=_str(r.get("economy_name")),
            year=int(r["year"]),
            node=r["node"],
            node_name=str(r["node_name"]),
            level=int(r["level"]),
            score=_num(r["score"]),
            rank=_int(r["rank"]),
            coverage=_num(r["coverage"]),
            imputed_share=_num(r["imputed_share"]),
            status=r["status"] if has_status else None,
            reason=str(r["reason"]) if has_status else None,
            score_p05=_num(b[0]),
            score_p95=_num(b[1]),
            rank_p05=_num(b[2]),
            rank_p95=_num(b[3]),
        )
        for r, b in zip(frame.to_dict("records"), cols, strict=True)
    ]
    return IndexResults(
        framework=name,
        sha256=built.digest,
        years=years,
        latest_complete_year=built.default_year,
        coverage_rule=dict(built.aci.rule) if built.aci is not None else None,
        bands=info,
        data=rows,
        count=len(rows),
    )


# -- profiles --------------------------------------------------------------------------------


def _groups(store: Store, economies: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    rows = store.con.execute("SELECT iso3, un_region, income_group FROM economies").fetchall()
    region = {r[0]: r[1] for r in rows}
    income = {r[0]: r[2] for r in rows}
    return {
        "region": tuple(region.get(e) for e in economies),
        "income_group": tuple(income.get(e) for e in economies),
    }


def _not_covered(name: str, built: Built, economy: str) -> NotFoundError:
    extra = " (the ACI scores the UN member and observer states)" if built.aci is not None else ""
    return NotFoundError(f"{economy} is not covered by framework {name!r}{extra}")


def _no_score(name: str, built: Built, economy: str, year: int) -> ApiProblem:
    """409 for an economy-year without a score, with the coverage rule's reason."""
    why = ""
    if built.aci is not None:
        why = built.aci.reason(economy, year)
    scored = [
        int(y)
        for t, y in enumerate(built.result.years)
        if not math.isnan(
            built.result.scores[t, built.result.economies.index(economy), built.result.tree.root]
        )
    ]
    hint = f"; scored years: {scored[0]}-{scored[-1]}" if scored else ""
    return ApiProblem(
        409,
        f"{economy} has no {name} score in {year} (insufficient data"
        + (f": {why}" if why else "")
        + f"){hint}",
        kind="no-score",
    )


def _profile_gaps(
    built: Built, store: Store, economy: str, groups: dict[str, tuple[Any, ...]], year: int
) -> tuple[list[ProfileGap], str | None]:
    """Every pillar and sub-pillar behind a peer-group median with its mapped actions and SDG
    targets (as the web profile and ``aibridge aci profile`` list them)."""
    amap = built.action_map()
    if built.aci is None or amap is None:
        return [], None
    tree = built.result.tree
    agg = [c for c, lv in zip(tree.codes, tree.levels, strict=True) if lv > 1 and c != built.root]
    names = {c: (nm or c) for c, nm in zip(tree.codes, tree.names, strict=True)}
    by_node = {str(ln["node"]): ln for ln in amap["links"]}
    actions = {str(k): str(v) for k, v in (amap.get("actions") or {}).items()}
    targets = {str(k): str(v) for k, v in (amap.get("sdg_targets") or {}).items()}
    frame = built.gaps(store, year, agg)
    out = []
    for r in frame[frame["economy"] == economy].to_dict("records"):
        node = str(r["node"])
        found = [(g, _num(r.get(f"gap_{g}"))) for g in groups]
        behind = [(v, g) for g, v in found if v is not None and v < 0]
        if not behind or node not in by_node:
            continue
        gap, grouping = min(behind)
        ln = by_node[node]
        out.append(
            ProfileGap(
                node=node,
                node_name=names.get(node, node),
                gap=gap,
                grouping=grouping,
                actions=[MappedItem(id=a, text=actions.get(a, "")) for a in ln.get("actions", [])],
                sdg=[MappedItem(id=s, text=targets.get(s, "")) for s in ln.get("sdg", [])],
                reason=str(ln["reason"]),
            )
        )
    out.sort(key=lambda g: (g.gap, g.node))
    return out, str(amap.get("version")) if amap.get("version") is not None else None


@router.get(
    "/{name}/profiles/{code}",
    summary="Economy profile: pillars vs peers, bottleneck, gaps mapped to actions, projection",
    responses={
        **NOT_FOUND,
        409: problem(
            409,
            "Conflict",
            "TUV has no aci score in 2022 (insufficient data: coverage 12.0% of 49 indicators "
            "is below 60%)",
        ),
    },
)
def get_profile(
    name: NamePath,
    code: EconomyCode,
    request: Request,
    store: StoreDep,
    year: Annotated[
        int | None,
        Query(
            ge=1700,
            le=2200,
            description="Year (default: ACI frameworks, the latest complete year; others, the "
            "economy's latest year with a score).",
            examples=[2022],
        ),
    ] = None,
    peers: Annotated[int, Query(ge=1, le=20, description="Nearest peers to list.")] = 5,
    target_year: Annotated[
        int, Query(ge=2000, le=2100, description="Projection year.", examples=[2030])
    ] = 2030,
    bands: BandsQuery = None,
    n: NQuery = BANDS_N,
) -> Profile:
    """One economy on a framework: the index and each pillar with score, rank, 5-95 % bands,
    gap to the frontier and to the median of its UN region and income group; the bottleneck
    pillar (furthest below its region); nearest peers on the pillar scores; every pillar and
    sub-pillar behind its peers with the Action Plan actions and SDG targets it maps to
    (``action_map.yaml``, ACI frameworks); and a trend projection with its prediction interval
    and low-confidence flag (``aibridge.analysis.divide`` and ``projection``). An economy-year
    the ACI coverage rule leaves unscored answers 409 with the reason."""
    from aibridge.analysis.divide import bottleneck, nearest_peers
    from aibridge.analysis.projection import project

    built = get_built(request, store, name)
    result = built.result
    economy = code.upper()
    if economy not in result.economies:
        raise _not_covered(name, built, economy)
    root_i = result.tree.root
    e = result.economies.index(economy)
    scored_years = [
        y for t, y in enumerate(result.years) if not math.isnan(result.scores[t, e, root_i])
    ]
    if year is None:
        if built.aci is not None and built.default_year is not None:
            year = built.default_year
        elif not scored_years:
            raise ApiProblem(409, f"{economy} has no {name} score in any year", kind="no-score")
        else:
            year = scored_years[-1]
    if year not in result.years:
        raise NotFoundError(f"{name} was not built for {year}; years: {list(result.years)}")
    if year not in scored_years:
        raise _no_score(name, built, economy, year)
    groups = built.groups(store)
    g = built.gaps(store, year)
    mine = g[g["economy"] == economy]
    names = dict(zip(result.tree.codes, result.tree.names, strict=True))
    cols = np.full((len(mine), 4), np.nan)
    info: Bands | None = None
    if _want_bands(built, bands):
        b = built.year_bands(year, n)
        if b is not None:
            from aibridge.analysis.aci import band_values

            cols = band_values(mine.assign(economy=economy), b)
        info = built.bands_info([year], n)
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
            score_p05=_num(bb[0]),
            score_p95=_num(bb[1]),
            rank_p05=_num(bb[2]),
            rank_p95=_num(bb[3]),
        )
        for r, bb in zip(mine.to_dict("records"), cols, strict=True)
    ]
    try:
        bn = bottleneck(result, economy, groups, grouping="region", year=year, gaps_frame=g)
        neck: ProfileBottleneck | None = ProfileBottleneck(
            pillar=bn.pillar, grouping=bn.grouping, gap=_num(bn.gap), reason=bn.reason
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
    amap = built.action_map()
    if built.aci is not None and amap is not None:
        wanted = set(mine["node"])
        actions = [
            ProfileAction(
                node=ln["node"],
                actions=list(ln.get("actions", [])),
                sdg=list(ln.get("sdg", [])),
                reason=str(ln["reason"]),
            )
            for ln in amap["links"]
            if ln["node"] in wanted
        ]
    gap_links, map_version = _profile_gaps(built, store, economy, groups, year)
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
    status = coverage = imputed = None
    if built.aci is not None:
        t = built.aci.panel.years.index(year)
        status = "scored"
        coverage = _num(built.aci.coverage[t, e])
        imputed = _num(built.aci.imputed_share[t, e])
    return Profile(
        framework=name,
        economy=economy,
        name=result.economy_names.get(economy) or None,
        year=int(year),
        status=status,
        coverage=coverage,
        imputed_share=imputed,
        nodes=nodes,
        bottleneck=neck,
        peers=peer_list,
        gaps=gap_links,
        map_version=map_version,
        actions=actions,
        projections=projections,
        bands=info,
    )


# -- divide statistics -----------------------------------------------------------------------


@router.get(
    "/{name}/divide",
    summary="Divide statistics: Gini and Theil with between/within decomposition by year",
    responses={**NOT_FOUND, 409: _MISSING_DATA},
)
def get_divide(
    name: NamePath,
    request: Request,
    store: StoreDep,
    node: Annotated[
        str | None,
        Query(max_length=100, description="Node (default: the index).", examples=["infra"]),
    ] = None,
    by: Annotated[
        Literal["region", "income_group"], Query(description="Grouping of the decomposition.")
    ] = "region",
    balanced: Annotated[
        bool, Query(description="Only economies scored in every year (comparable series).")
    ] = True,
    year_from: Annotated[
        int | None, Query(ge=1700, le=2200, description="First year.", examples=[2016])
    ] = None,
    year_to: Annotated[
        int | None, Query(ge=1700, le=2200, description="Last year.", examples=[2022])
    ] = None,
) -> Divide:
    """Inequality of a node's scores across economies for every built year: Gini, Theil T
    (split exactly into between- and within-group parts, Shorrocks 1980), Gini split into
    within, between and overlap (Lambert & Aronson 1993), by UN region or income group
    (``aibridge.analysis.divide.inequality_over_time``), over the years from ``year_from`` to
    ``year_to`` in which at least three economies have an index score (as ``aibridge aci
    divide``). For the ACI frameworks, on the published scores (scored economies only)."""
    import dataclasses

    from aibridge.analysis.divide import inequality_over_time

    built = get_built(request, store, name)
    result = built.result
    code = node or built.root
    if code not in result.tree.codes:
        raise NotFoundError(f"no node {code!r} in framework {name!r}")
    root = result.tree.root
    keep = [
        t
        for t, y in enumerate(result.years)
        if (year_from is None or y >= year_from)
        and (year_to is None or y <= year_to)
        and int(np.count_nonzero(~np.isnan(result.scores[t, :, root]))) >= 3
    ]
    if not keep:
        raise NotFoundError(
            f"no year of {name} between {year_from or 'the first'} and {year_to or 'the last'} "
            f"has at least three scored economies; years built: {list(result.years)}"
        )
    sub = dataclasses.replace(
        result,
        years=tuple(result.years[t] for t in keep),
        scores=result.scores[keep],
        ranks=result.ranks[keep],
    )
    groups = built.groups(store)
    frame = inequality_over_time(sub, node=code, groups={by: groups[by]}, balanced=balanced)
    note = None
    most = max(int(np.count_nonzero(~np.isnan(sub.scores[t, :, root]))) for t in range(len(keep)))
    if balanced and len(frame) and int(frame["n"].iloc[0]) < 0.8 * most:
        note = (
            f"the balanced panel keeps {int(frame['n'].iloc[0])} economies scored in every year "
            f"{sub.years[0]}-{sub.years[-1]} (up to {most} are scored in one year); pass "
            "year_from/year_to for more economies, or balanced=false for every scored economy "
            "each year"
        )
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
    return Divide(
        framework=name,
        node=code,
        by=by,
        balanced=balanced,
        years=[int(y) for y in sub.years],
        note=note,
        data=rows,
        count=len(rows),
    )


# -- scenarios -------------------------------------------------------------------------------


def _economy_build(
    request: Request, store: Store, name: str, economy: str, year: int | None
) -> tuple[Built, str, int]:
    """The framework's cached build, ``economy`` and the year checked against it (what-if
    routes): 409 when the store lacks the framework's data or the economy has no score that
    year (with the coverage rule's reason), 404 for an uncovered economy or a year without
    data. Default year: the ACI's latest complete year, else the build's last year."""
    built = get_built(request, store, name)
    code = economy.upper()
    if code not in built.panel.economies:
        raise _not_covered(name, built, code)
    result = built.result
    if year is None:
        year = built.default_year if built.aci is not None else None
    chosen = int(year if year is not None else result.years[-1])
    if chosen not in built.panel.years or chosen not in result.years:
        raise NotFoundError(f"{name} has no data for {chosen}; years: {list(built.panel.years)}")
    t = result.years.index(chosen)
    if math.isnan(float(result.scores[t, result.economies.index(code), result.tree.root])):
        raise _no_score(name, built, code, chosen)
    return built, code, chosen


_NO_SCORE: Final = problem(
    409,
    "Conflict",
    "TUV has no aci score in 2022 (insufficient data: coverage 12.0% of 49 indicators is "
    "below 60%)",
)


@router.post(
    "/{name}/scenarios",
    summary="What-if: change indicator values of one economy, get new scores, ranks and bands",
    responses={**NOT_FOUND, 409: _NO_SCORE},
)
def post_scenario(
    name: NamePath, body: ScenarioRequest, request: Request, store: StoreDep
) -> ScenarioResult:
    """Sets the given indicator values for one economy and re-runs the whole build of that
    year (normalisation bounds, imputation, treatment and every economy's rank follow), with
    ``aibridge.analysis.scenario.run_scenario``; unchanged values reproduce the baseline
    exactly. For the ACI frameworks the build is the published one (scored economy-years, as
    ``aibridge aci scenario``). ``bands`` (default 200, 0 = none) adds the economy's 5-95 %
    score and rank bands of the index and the pillars, baseline and scenario with the same
    draws (``scenario_bands``), so their difference is the scenario's alone. Computed on
    demand, never stored."""
    from aibridge.analysis.aci import band_spec
    from aibridge.analysis.scenario import run_scenario, scenario_bands

    built, economy, year = _economy_build(request, store, name, body.economy, body.year)
    panel = built.panel
    unknown = [c for c in body.changes if c not in panel.indicators]
    if unknown:
        raise NotFoundError(
            f"unknown indicator code(s) {', '.join(unknown[:10])} for framework {name!r}; "
            f"its indicators: {', '.join(panel.indicators[:30])}"
        )
    sc = run_scenario(built.spec, panel, economy, dict(body.changes), year=year)
    band: dict[tuple[str, str], Any] = {}
    info: Bands | None = None
    if body.bands > 0:
        try:
            b = scenario_bands(
                built.spec, panel, sc, band_spec(built.spec), n=body.bands, seed=BANDS_SEED
            )
        except AibridgeError as exc:
            raise ApiProblem(409, f"no bands for {name}: {exc}", kind="no-bands") from exc
        band = {(str(r["run"]), str(r["node"])): r for r in b.to_dict("records")}
        info = Bands(
            replications=body.bands,
            seed=BANDS_SEED,
            design=BANDS_DESIGN,
            nodes=built.band_nodes,
            years=[year],
        )

    def q(run: str, node: str, col: str) -> float | None:
        row = band.get((run, node))
        return None if row is None else _num(row[col])

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
            baseline_score_p05=q("baseline", r["node"], "p05_score"),
            baseline_score_p95=q("baseline", r["node"], "p95_score"),
            baseline_rank_p05=q("baseline", r["node"], "p05_rank"),
            baseline_rank_p95=q("baseline", r["node"], "p95_rank"),
            score_p05=q("scenario", r["node"], "p05_score"),
            score_p95=q("scenario", r["node"], "p95_score"),
            rank_p05=q("scenario", r["node"], "p05_rank"),
            rank_p95=q("scenario", r["node"], "p95_rank"),
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
        changes={c: [_num(o), _num(nv)] for c, (o, nv) in sc.changes.items()},
        nodes=nodes,
        rank_changes=movers,
        bands=info,
    )


# -- minimal paths ---------------------------------------------------------------------------


@router.post(
    "/{name}/paths",
    summary="Minimal path: fewest indicator improvements (within bounds) reaching a target",
    responses={**NOT_FOUND, 409: _NO_SCORE},
)
def post_path(name: NamePath, body: PathRequest, request: Request, store: StoreDep) -> PathResult:
    """Solves ``aibridge.analysis.scenario.minimal_path`` for one economy: the fewest
    indicator changes, then the least total normalised change, that reach ``target_rank`` or
    ``target_score`` on ``node`` (default the index); each indicator may move at most to the
    frontier, or by ``growth`` % a year over ``horizon`` years. The answer is checked by an
    exact rebuild (``reached``). For the ACI frameworks on the published build (as
    ``aibridge aci path``). Computed on demand, never stored."""
    from aibridge.analysis.scenario import minimal_path

    built, economy, year = _economy_build(request, store, name, body.economy, body.year)
    if body.node is not None and body.node not in built.result.tree.codes:
        raise NotFoundError(f"no node {body.node!r} in framework {name!r}")
    path = minimal_path(
        built.spec,
        built.panel,
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
