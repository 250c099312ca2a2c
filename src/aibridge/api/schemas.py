"""Response and request models of the API (Pydantic), with examples for the OpenAPI docs.

Naming follows the FastAPI template: ``<Thing>`` is what a read returns, ``<Thing>Page`` a
paginated list. Registry models are the registry's own ``*Create``/``*Update``/``*Public``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from aibridge.api.params import ECONOMY_CODE

__all__ = [
    "Bands",
    "Divide",
    "DivideYear",
    "Economy",
    "EconomyList",
    "FrameworkDetail",
    "FrameworkList",
    "FrameworkSummary",
    "Health",
    "IndexResults",
    "IndexRow",
    "Indicator",
    "IndicatorList",
    "MappedItem",
    "Observation",
    "ObservationList",
    "ObservationPage",
    "PathRequest",
    "PathResult",
    "PathStepOut",
    "Problem",
    "Profile",
    "ProfileAction",
    "ProfileBottleneck",
    "ProfileGap",
    "ProfileNode",
    "ProfilePeer",
    "ProfileProjection",
    "RankTarget",
    "Ready",
    "ScenarioMover",
    "ScenarioNode",
    "ScenarioRequest",
    "ScenarioResult",
    "ScoreTarget",
    "Source",
    "SourceList",
    "Vintage",
    "VintageList",
]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "urn:aibridge:problem:not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "unknown economy code(s) XKX in the store; XKX: did you mean XKV?",
                "instance": "/v1/economies/XKX",
                "request_id": "5f0c8e0a9d6b4c1e8f7a2b3c4d5e6f70",
            }
        },
    )

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What was wrong and how to fix it.")
    instance: str | None = None
    request_id: str | None = Field(None, description="Quote it when reporting a problem.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Per-field validation errors (422)."
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    store: str
    observations: int
    indicators: int
    economies: int
    data_version: str


_ECONOMY_EXAMPLE: dict[str, Any] = {
    "iso3": "KEN",
    "iso2": "KE",
    "m49": 404,
    "name": "Kenya",
    "names": {"ar": "كينيا", "zh": "肯尼亚", "fr": "Kenya", "ru": "Кения", "es": "Kenia"},
    "un_region": "Africa",
    "un_subregion": "Sub-Saharan Africa",
    "wb_region": "Sub-Saharan Africa",
    "income_group": "Lower middle income",
    "is_aggregate": False,
    "is_un_member": True,
}


class Economy(BaseModel):
    """A country, territory or aggregate (region, income group, World), keyed by ISO3."""

    model_config = ConfigDict(json_schema_extra={"example": dict(_ECONOMY_EXAMPLE)})

    iso3: str
    iso2: str | None
    m49: int | None
    name: str | None
    names: dict[str, str | None] = Field(description="Names in the other UN languages.")
    un_region: str | None
    un_subregion: str | None
    wb_region: str | None
    income_group: str | None
    is_aggregate: bool
    is_un_member: bool


class EconomyList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"data": [_ECONOMY_EXAMPLE], "count": 1}}
    )

    data: list[Economy]
    count: int


_INDICATOR_EXAMPLE: dict[str, Any] = {
    "code": "IT.NET.USER.ZS",
    "name": "Individuals using the Internet (% of population)",
    "unit": "%",
    "topic": "Infrastructure",
    "direction": 1,
    "source": "World Bank WDI",
    "licence": "CC BY 4.0",
    "description": "Internet users are individuals who have used the Internet ...",
    "source_id": "wdi",
    "economies": 217,
    "first_year": 1990,
    "last_year": 2023,
}


class Indicator(BaseModel):
    """An indicator's metadata and its coverage among current values."""

    model_config = ConfigDict(json_schema_extra={"example": _INDICATOR_EXAMPLE})

    code: str
    name: str | None
    unit: str | None
    topic: str | None
    direction: int | None = Field(None, description="+1 higher is better, -1 lower is better.")
    source: str | None
    licence: str | None
    description: str | None
    source_id: str | None
    economies: int | None = Field(None, description="Economies with at least one value.")
    first_year: int | None
    last_year: int | None


class IndicatorList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"data": [_INDICATOR_EXAMPLE], "count": 1, "total": 1}}
    )

    data: list[Indicator]
    count: int = Field(description="Items in this response.")
    total: int = Field(description="Items matching the query.")


_OBS_EXAMPLE: dict[str, Any] = {
    "economy": "KEN",
    "indicator": "IT.NET.USER.ZS",
    "year": 2022,
    "value": 40.8,
    "flag": None,
    "source_id": "wdi",
    "vintage": "2024-06-28",
    "origin_id": 1,
}


class Observation(BaseModel):
    """One value with its provenance: source, vintage and flag (``E`` estimate, ``I``
    imputed, ``P`` projection ...; null = reported)."""

    model_config = ConfigDict(json_schema_extra={"example": _OBS_EXAMPLE})

    economy: str
    indicator: str
    year: int
    value: float
    flag: str | None
    source_id: str
    vintage: str
    origin_id: int = Field(description="The imported file / response it came from.")


class ObservationList(BaseModel):
    """Observations (not paginated)."""

    data: list[Observation]
    count: int


class ObservationPage(BaseModel):
    """A page of observations ordered by (economy, indicator, year)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "data": [_OBS_EXAMPLE],
                "count": 1,
                "next_cursor": "KEN~IT.NET.USER.ZS~2022",
            }
        }
    )

    data: list[Observation]
    count: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Source(BaseModel):
    """A data source and what it holds now."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "source_id": "wdi",
                "indicators": 1496,
                "economies": 266,
                "first_year": 1960,
                "last_year": 2023,
                "values": 8_100_000,
                "history": 8_100_000,
                "vintages": ["2024-06-28"],
                "origins": 1,
                "last_import": "2026-11-23T09:12:00",
                "uris": ["file:///data/wdi/WDICSV.csv"],
            }
        }
    )

    source_id: str
    indicators: int
    economies: int
    first_year: int | None
    last_year: int | None
    values: int = Field(description="Current values.")
    history: int = Field(description="Values across every vintage.")
    vintages: list[str]
    origins: int = Field(description="Files / API responses imported.")
    last_import: AwareDatetime | None = Field(description="UTC.")
    uris: list[str]


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """The store keeps naive UTC timestamps; the API always says so (RFC 3339 with Z)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class SourceList(BaseModel):
    data: list[Source]
    count: int


class Vintage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "vintage_id": 1,
                "source_id": "wdi",
                "label": "2024-06-28",
                "created_at": "2026-11-23T09:12:00",
                "rows": 8_100_000,
            }
        }
    )

    vintage_id: int
    source_id: str
    label: str
    created_at: AwareDatetime = Field(description="UTC.")
    rows: int


class VintageList(BaseModel):
    data: list[Vintage]
    count: int


# -- frameworks, index results, profiles, divide, scenarios, paths -----------------------------
# (routes in aibridge.api.routes.frameworks)

_BANDS_EXAMPLE: dict[str, Any] = {
    "replications": 200,
    "seed": 0,
    "design": "weights of the sub-pillars and pillars x U(0.75, 1.25) (COINr "
    "get_noisy_weights) and leave-one-indicator-out; p05/p95 over the replications",
    "nodes": ["aci", "data", "governance", "industry", "infra", "skills"],
    "years": [2022],
}


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


class Bands(BaseModel):
    """How the 5-95 % intervals of a response were made."""

    model_config = ConfigDict(json_schema_extra={"example": _BANDS_EXAMPLE})

    replications: int = Field(description="Monte Carlo replications (`n`).")
    seed: int
    design: str = Field(description="What is perturbed in each replication.")
    nodes: list[str] = Field(description="Nodes with bands: the index and its pillars.")
    years: list[int] = Field(
        description="Years with bands (a year needs at least three scored economies)."
    )


_ROW_EXAMPLE: dict[str, Any] = {
    "economy": "KEN",
    "economy_name": "Kenya",
    "year": 2022,
    "node": "aci",
    "node_name": "AI Capacity Index",
    "level": 4,
    "score": 36.04,
    "rank": 105,
    "coverage": 0.939,
    "imputed_share": 0.261,
    "status": "scored",
    "reason": "",
    "score_p05": 33.55,
    "score_p95": 38.52,
    "rank_p05": 100.0,
    "rank_p95": 110.0,
}


class IndexRow(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": _ROW_EXAMPLE})

    economy: str
    economy_name: str | None = None
    year: int
    node: str
    node_name: str
    level: int
    score: float | None
    rank: int | None
    coverage: float | None = Field(description="Share of the node's indicators with data.")
    imputed_share: float | None = Field(description="Share of its indicator values imputed.")
    status: Literal["scored", "insufficient data"] | None = Field(
        None,
        description="ACI frameworks: the coverage rule's verdict for the economy-year "
        "(null for frameworks without one).",
    )
    reason: str | None = Field(
        None, description="Why an economy-year is 'insufficient data' ('' when scored)."
    )
    score_p05: float | None = Field(None, description="5th percentile of the score (bands).")
    score_p95: float | None = Field(None, description="95th percentile of the score (bands).")
    rank_p05: float | None = Field(None, description="5th percentile of the rank (bands).")
    rank_p95: float | None = Field(None, description="95th percentile of the rank (bands).")


class IndexResults(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "framework": "aci",
                "sha256": "9f2c…",
                "years": [2022],
                "latest_complete_year": 2022,
                "coverage_rule": {
                    "min_coverage": 0.6,
                    "max_imputed": 0.5,
                    "min_pillar_coverage": 0.3333333333333333,
                },
                "bands": _BANDS_EXAMPLE,
                "data": [_ROW_EXAMPLE],
                "count": 1,
            }
        }
    )

    framework: str
    sha256: str
    years: list[int] = Field(description="Years in `data`.")
    latest_complete_year: int | None = Field(
        None,
        description="The default year: ACI frameworks, the latest year in which at least 80 % "
        "of the economies with data are scored; others, the latest year with scores.",
    )
    coverage_rule: dict[str, float] | None = Field(
        None, description="ACI frameworks: the coverage rule's thresholds."
    )
    bands: Bands | None = Field(None, description="How the bands were made (null: none).")
    data: list[IndexRow]
    count: int


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
    score_p05: float | None = None
    score_p95: float | None = None
    rank_p05: float | None = None
    rank_p95: float | None = None


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


class MappedItem(BaseModel):
    id: str = Field(description="Action Plan action (AP1..AP10) or SDG target (e.g. 9.c).")
    text: str = Field(description="Its wording in action_map.yaml.")


class ProfileGap(BaseModel):
    node: str
    node_name: str
    gap: float = Field(description="Largest gap below a peer-group median (negative).")
    grouping: str = Field(description="The peer group of that gap: region or income_group.")
    actions: list[MappedItem]
    sdg: list[MappedItem]
    reason: str = Field(description="Why the node maps to these actions and targets.")


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
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "framework": "aci",
                "economy": "KEN",
                "name": "Kenya",
                "year": 2022,
                "status": "scored",
                "coverage": 0.939,
                "imputed_share": 0.261,
                "nodes": [
                    {
                        "node": "aci",
                        "node_name": "AI Capacity Index",
                        "score": 36.04,
                        "rank": 105,
                        "frontier": 81.73,
                        "frontier_economy": "KOR",
                        "gap_frontier": -45.68,
                        "region": "Africa",
                        "region_median": 22.82,
                        "gap_region": 13.22,
                        "income_group": "Lower middle income",
                        "income_group_median": 27.41,
                        "gap_income_group": 8.63,
                        "score_p05": 33.55,
                        "score_p95": 38.52,
                        "rank_p05": 100.0,
                        "rank_p95": 110.0,
                    }
                ],
                "bottleneck": {
                    "pillar": "infra",
                    "grouping": "region",
                    "gap": 2.21,
                    "reason": "at or above the region median on every pillar; smallest lead",
                },
                "peers": [
                    {"economy": "BEN", "distance": 9.6},
                    {"economy": "BGD", "distance": 13.3},
                ],
                "gaps": [
                    {
                        "node": "infra_access",
                        "node_name": "Connectivity and mobile access",
                        "gap": -8.53,
                        "grouping": "income_group",
                        "actions": [
                            {
                                "id": "AP1",
                                "text": "AI and digital infrastructure connectivity, computing "
                                "capacity, interoperability",
                            }
                        ],
                        "sdg": [{"id": "9.c", "text": "significantly increase access to ICT …"}],
                        "reason": "SDG 9.c: access to ICT (9.c.1 is mobile network coverage, "
                        "our cov_4g); 17.8.1 is Internet use (internet_users) …",
                    }
                ],
                "map_version": "1.0 (2026-11-23)",
                "actions": [],
                "projections": [
                    {
                        "node": "aci",
                        "last_year": 2022,
                        "last_score": 36.04,
                        "target_year": 2030,
                        "projection": 42.41,
                        "lower": -2.02,
                        "upper": 86.85,
                        "level": 0.9,
                        "low_confidence": True,
                        "reasons": "few points (3 < 5); wide interval (±44.4); horizon beyond "
                        "the observed span",
                    }
                ],
                "bands": _BANDS_EXAMPLE,
            }
        }
    )

    framework: str
    economy: str
    name: str | None
    year: int
    status: Literal["scored", "insufficient data"] | None = Field(
        None, description="ACI frameworks: the coverage rule's verdict (always scored here)."
    )
    coverage: float | None = Field(None, description="Share of the index's indicators.")
    imputed_share: float | None = None
    nodes: list[ProfileNode] = Field(description="The index and its pillars.")
    bottleneck: ProfileBottleneck | None
    peers: list[ProfilePeer]
    gaps: list[ProfileGap] = Field(
        default_factory=list,
        description="Every pillar and sub-pillar behind its UN-region or income-group median, "
        "largest gap first, with the Action Plan actions and SDG targets it maps to "
        "(action_map.yaml; ACI frameworks).",
    )
    map_version: str | None = Field(None, description="Version of action_map.yaml.")
    actions: list[ProfileAction] = Field(
        description="Action Plan actions and SDG targets mapped to the nodes (ACI only)."
    )
    projections: list[ProfileProjection]
    bands: Bands | None = None


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
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "framework": "aci",
                "node": "aci",
                "by": "region",
                "balanced": True,
                "years": [2016, 2017, 2018, 2019, 2020, 2021, 2022],
                "note": "the balanced panel keeps 66 economies scored in every year 2016-2022 "
                "(up to 187 are scored in one year); pass year_from/year_to for more economies, "
                "or balanced=false for every scored economy each year",
                "data": [
                    {
                        "year": 2022,
                        "n": 66,
                        "mean": 59.44,
                        "sd": 12.31,
                        "cv": 0.207,
                        "gini": 0.117,
                        "theil": 0.022,
                        "theil_between": 0.0066,
                        "theil_within": 0.0154,
                        "theil_between_share": 0.301,
                        "gini_within": 0.032,
                        "gini_between": 0.059,
                        "gini_overlap": 0.026,
                        "n_grouped": 66,
                    }
                ],
                "count": 1,
            }
        }
    )

    framework: str
    node: str
    by: str
    balanced: bool
    years: list[int] = Field(
        default_factory=list, description="Years used (at least three scored economies each)."
    )
    note: str | None = Field(None, description="When the balanced panel is small, why.")
    data: list[DivideYear]
    count: int


def _json_integer(value: Any) -> Any:
    """A JSON integer as JSON Schema reads one: ``200`` or ``200.0``, never ``true`` or
    ``"200"`` (Pydantic's lax mode would take both)."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


class ScenarioRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"economy": "KEN", "changes": {"gnipc": 6000.0}, "year": 2022},
                {"economy": "KEN", "changes": {"internet_users": 60.0}, "bands": 200},
                {"economy": "KEN", "changes": {"fixed_bb": 5.0}, "bands": 0},
            ]
        },
    )

    economy: Annotated[str, Field(pattern=ECONOMY_CODE, description="ISO3.")]
    changes: Annotated[
        dict[
            Annotated[str, Field(max_length=200)],
            Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)],
        ],
        Field(min_length=1, max_length=100, description="Framework indicator code -> new value."),
    ]
    year: Annotated[
        int | None,
        Field(
            ge=1700,
            le=2200,
            description="Default: the ACI's latest complete year, else the last year built.",
        ),
    ] = None
    bands: Annotated[
        int,
        Field(
            ge=0,
            le=1000,
            description="Monte Carlo replications of the economy's 5-95 % bands, baseline and "
            "scenario with the same draws (0: no bands). With the default 200 the baseline "
            "bands equal those of the results route.",
        ),
        BeforeValidator(_json_integer),  # after Field: the limits stay in the JSON schema
    ] = 200


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
    baseline_score_p05: float | None = None
    baseline_score_p95: float | None = None
    baseline_rank_p05: float | None = None
    baseline_rank_p95: float | None = None
    score_p05: float | None = None
    score_p95: float | None = None
    rank_p05: float | None = None
    rank_p95: float | None = None


class ScenarioMover(BaseModel):
    economy: str
    baseline_rank: int | None
    rank: int | None


class ScenarioResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "framework": "aci",
                "economy": "KEN",
                "year": 2022,
                "changes": {"internet_users": [22.67, 60.0]},
                "nodes": [
                    {
                        "node": "aci",
                        "node_name": "AI Capacity Index",
                        "level": 4,
                        "baseline_score": 36.04,
                        "score": 37.05,
                        "score_change": 1.01,
                        "baseline_rank": 105,
                        "rank": 102,
                        "rank_change": 3,
                        "baseline_score_p05": 33.55,
                        "baseline_score_p95": 38.52,
                        "baseline_rank_p05": 100.0,
                        "baseline_rank_p95": 110.0,
                        "score_p05": 34.61,
                        "score_p95": 39.39,
                        "rank_p05": 98.0,
                        "rank_p95": 107.0,
                    }
                ],
                "rank_changes": [
                    {"economy": "KEN", "baseline_rank": 105, "rank": 102},
                    {"economy": "CPV", "baseline_rank": 102, "rank": 103},
                ],
                "bands": _BANDS_EXAMPLE,
            }
        }
    )

    framework: str
    economy: str
    year: int
    changes: dict[str, list[float | None]] = Field(description="code -> [old, new].")
    nodes: list[ScenarioNode]
    rank_changes: list[ScenarioMover] = Field(description="Every economy whose index rank moved.")
    bands: Bands | None = None


class RankTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rank: Annotated[int, Field(ge=1, le=1000, description="Reach this rank or better.")]


class ScoreTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


class PathRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"economy": "KEN", "target": {"rank": 120}},
                {"economy": "KEN", "target": {"rank": 90}, "growth": 10, "horizon": 5},
                {"economy": "KEN", "target": {"score": 40.0}, "node": "infra"},
            ]
        },
    )

    economy: Annotated[str, Field(pattern=ECONOMY_CODE, description="ISO3.")]
    target: RankTarget | ScoreTarget = Field(description="A target rank or a target score.")
    node: Annotated[
        str | None, Field(min_length=1, max_length=200, description="Default: the index.")
    ] = None
    year: Annotated[
        int | None,
        Field(
            ge=1700,
            le=2200,
            description="Default: the ACI's latest complete year, else the last year built.",
        ),
    ] = None
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
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "framework": "aci",
                "economy": "KEN",
                "year": 2022,
                "node": "aci",
                "target_score": 41.77,
                "target_rank": 90,
                "reached": True,
                "baseline_score": 36.04,
                "score": 41.77,
                "baseline_rank": 105,
                "rank": 90,
                "n_changed": 2,
                "total_normalised_change": 114.53,
                "best_reachable": 100.0,
                "message": "",
                "steps": [
                    {
                        "indicator": "fixed_bb",
                        "name": "Fixed broadband subscriptions",
                        "value": 1.48,
                        "new_value": 10.0,
                        "bound": 55.23,
                        "share_of_bound": 0.159,
                        "normalised_change": 15.44,
                    },
                    {
                        "indicator": "electricity",
                        "name": "Electric power consumption",
                        "value": 189.36,
                        "new_value": 51258.76,
                        "bound": 51258.76,
                        "share_of_bound": 1.0,
                        "normalised_change": 99.1,
                    },
                ],
            }
        }
    )

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
