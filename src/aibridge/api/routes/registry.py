"""``/v1/registry``: the cooperation registry (organisations, needs, offers, projects,
pledges, matches) and ``/v1/me``.

Reads are public; every write needs ``Authorization: Bearer <token>`` and the role the
registry's service layer demands (contributors write their own organisation's records,
moderators anyone's, admins everything). The service raises ``AuthenticationFailed`` /
``PermissionDenied`` / ``ConflictError`` / ``ValidationFailed``, which the error funnel turns
into 401 / 403 / 409 / 422. Every write is one transaction with an audit-log entry.
Optimistic concurrency: send the record's ``version`` with a PATCH; a stale one answers 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field

from aibridge.api.deps import ActorDep, RegistryDep
from aibridge.api.openapi import AUTH, CONFLICT, NOT_FOUND
from aibridge.registry import schemas as s

router = APIRouter(tags=["registry"])

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

Id = Annotated[int, Path(ge=1, le=2_147_483_647, description="Record id.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per response.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
EconomyFilter = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 code.", examples=["KEN"]),
]
Area = Annotated[
    int | None, Query(ge=1, le=5, description="Action Plan area (1..5).", examples=[3])
]
OrgFilter = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Organisation id.")]

WRITE = {**AUTH, **NOT_FOUND, **CONFLICT}


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="Items in this response.")


def out(model: M) -> M:
    """The registry's records with their naive UTC timestamps marked as UTC, so every
    date-time in the API is RFC 3339 (``...Z``)."""
    naive = {
        name: value.replace(tzinfo=dt.UTC)
        for name, value in model
        if isinstance(value, dt.datetime) and value.tzinfo is None
    }
    return model.model_copy(update=naive) if naive else model


def _page(rows: list[Any]) -> dict[str, Any]:
    return {"data": [out(r) for r in rows], "count": len(rows)}


# -- the record routes (GET one, POST, PATCH, DELETE), the same for every record type --------


@dataclass(frozen=True)
class Record:
    """A record type served by :func:`record_routes`.

    ``noun`` names the service methods (``get_<noun>``, ``create_<noun>(actor, data)``,
    ``update_<noun>(actor, id, data)``, ``delete_<noun>(actor, id)``) and, with the
    ``plural`` path segment, the routes and their operation ids.
    """

    noun: str
    plural: str
    public: type[BaseModel]
    create: type[BaseModel]
    update: type[BaseModel]
    create_summary: str
    article: str = "a"
    delete_summary: str = ""  # default: "Delete a <noun>"


def _endpoint(fn: F, name: str, *, returns: type[BaseModel] | None = None, **params: Any) -> F:
    """``fn`` as the route function ``name`` (FastAPI's operation id) with the models the
    factory was given as its annotations: FastAPI reads the body model from the parameter
    ``data`` and the response model from the return annotation."""
    fn.__name__ = fn.__qualname__ = name
    fn.__annotations__ = {**fn.__annotations__, **params}
    if returns is not None:
        fn.__annotations__["return"] = returns
    return fn


def record_routes(r: Record) -> None:
    """Add ``GET``, ``POST``, ``PATCH`` and ``DELETE`` of one record type to the router,
    in that order. Each write goes through the service, which authorises it (401/403),
    checks the ``version`` sent (409) and validates (422); POST answers 201 with the new
    record, DELETE 204."""
    one, many = f"/v1/registry/{r.plural}/{{id}}", f"/v1/registry/{r.plural}"
    what = f"{r.article} {r.noun}"

    def get(id: Id, registry: RegistryDep) -> Any:
        return out(getattr(registry, f"get_{r.noun}")(id))

    def create(data: Any, registry: RegistryDep, actor: ActorDep) -> Any:
        return out(getattr(registry, f"create_{r.noun}")(actor, data))

    def update(id: Id, data: Any, registry: RegistryDep, actor: ActorDep) -> Any:
        return out(getattr(registry, f"update_{r.noun}")(actor, id, data))

    def delete(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
        getattr(registry, f"delete_{r.noun}")(actor, id)
        return Response(status_code=204)

    router.get(one, summary=f"One {r.noun}", responses=NOT_FOUND)(
        _endpoint(get, f"get_{r.noun}", returns=r.public)
    )
    router.post(many, summary=r.create_summary, status_code=201, responses=WRITE)(
        _endpoint(create, f"create_{r.noun}", data=r.create, returns=r.public)
    )
    router.patch(one, summary=f"Edit {what}", responses=WRITE)(
        _endpoint(update, f"update_{r.noun}", data=r.update, returns=r.public)
    )
    router.delete(
        one, summary=r.delete_summary or f"Delete {what}", status_code=204, responses=WRITE
    )(_endpoint(delete, f"delete_{r.noun}"))


# -- me ---------------------------------------------------------------------------------------


class Me(BaseModel):
    account_id: int | None
    name: str
    role: str
    organisation_id: int | None


@router.get("/v1/me", summary="Who the token belongs to", responses=AUTH)
def me(actor: ActorDep) -> Me:
    """The account, role and organisation of the bearer token."""
    return Me(
        account_id=actor.account_id,
        name=actor.name,
        role=actor.role,
        organisation_id=actor.organisation_id,
    )


# -- organisations -----------------------------------------------------------------------------


@router.get("/v1/registry/organisations", summary="List organisations")
def list_organisations(
    registry: RegistryDep,
    kind: Annotated[
        Literal[s.ORGANISATION_KINDS] | None,  # type: ignore[valid-type]
        Query(description="Organisation kind."),
    ] = None,
    country: EconomyFilter = None,
    q: Annotated[str | None, Query(max_length=200, description="Name contains.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.OrganisationPublic]:
    rows = registry.list_organisations(kind=kind, country=country, search=q)
    return Page[s.OrganisationPublic].model_validate(_page(rows[offset : offset + limit]))


record_routes(
    Record(
        "organisation",
        "organisations",
        s.OrganisationPublic,
        s.OrganisationCreate,
        s.OrganisationUpdate,
        create_summary="Register an organisation (moderator)",
        article="an",
        delete_summary="Delete an organisation (admin)",
    )
)


# -- needs -------------------------------------------------------------------------------------


@router.get("/v1/registry/needs", summary="List needs")
def list_needs(
    registry: RegistryDep,
    economy: EconomyFilter = None,
    area: Area = None,
    status: Annotated[
        Literal[s.NEED_STATUSES] | None,  # type: ignore[valid-type]
        Query(description="Need status."),
    ] = None,
    organisation_id: OrgFilter = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.NeedPublic]:
    rows = registry.list_needs(
        economy=economy,
        area=area,
        status=status,
        organisation_id=organisation_id,
        limit=limit,
        offset=offset,
    )
    return Page[s.NeedPublic].model_validate(_page(rows))


record_routes(
    Record(
        "need",
        "needs",
        s.NeedPublic,
        s.NeedCreate,
        s.NeedUpdate,
        create_summary="Post a need (contributor of the organisation)",
    )
)


@router.get(
    "/v1/registry/needs/{id}/matches",
    summary="Offers ranked for a need",
    responses=NOT_FOUND,
)
def need_matches(
    id: Id,
    registry: RegistryDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Offers to return.")] = 10,
    include_ineligible: Annotated[
        bool, Query(description="Also offers the economy is not eligible for.")
    ] = False,
) -> Page[s.MatchPublic]:
    """Open offers ranked for the need, each with its additive score terms (area overlap,
    actions, language, eligibility, timing, capacity gap priority ...)."""
    rows = registry.match_offers(id, limit=limit, include_ineligible=include_ineligible)
    return Page[s.MatchPublic].model_validate(_page(rows))


# -- offers ------------------------------------------------------------------------------------


@router.get("/v1/registry/offers", summary="List offers")
def list_offers(
    registry: RegistryDep,
    kind: Annotated[
        Literal[s.OFFER_KINDS] | None,  # type: ignore[valid-type]
        Query(description="Offer kind."),
    ] = None,
    area: Area = None,
    status: Annotated[
        Literal[s.OFFER_STATUSES] | None,  # type: ignore[valid-type]
        Query(description="Offer status."),
    ] = None,
    organisation_id: OrgFilter = None,
    eligible_for: EconomyFilter = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.OfferPublic]:
    rows = registry.list_offers(
        kind=kind,
        area=area,
        status=status,
        organisation_id=organisation_id,
        eligible_for=eligible_for,
        limit=limit,
        offset=offset,
    )
    return Page[s.OfferPublic].model_validate(_page(rows))


record_routes(
    Record(
        "offer",
        "offers",
        s.OfferPublic,
        s.OfferCreate,
        s.OfferUpdate,
        create_summary="Post an offer (contributor of the organisation)",
        article="an",
    )
)


@router.get(
    "/v1/registry/offers/{id}/matches",
    summary="Needs ranked for an offer",
    responses=NOT_FOUND,
)
def offer_matches(
    id: Id,
    registry: RegistryDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Needs to return.")] = 10,
    include_ineligible: Annotated[
        bool, Query(description="Also needs of economies the offer excludes.")
    ] = False,
) -> Page[s.MatchPublic]:
    rows = registry.match_needs(id, limit=limit, include_ineligible=include_ineligible)
    return Page[s.MatchPublic].model_validate(_page(rows))


# -- projects ----------------------------------------------------------------------------------


@router.get("/v1/registry/projects", summary="List projects (IATI activities)")
def list_projects(
    registry: RegistryDep,
    economy: EconomyFilter = None,
    organisation_id: OrgFilter = None,
    status: Annotated[
        str | None, Query(max_length=20, description="IATI activity status code.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.ProjectPublic]:
    rows = registry.list_projects(
        economy=economy,
        organisation_id=organisation_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return Page[s.ProjectPublic].model_validate(_page(rows))


record_routes(
    Record(
        "project",
        "projects",
        s.ProjectPublic,
        s.ProjectCreate,
        s.ProjectUpdate,
        create_summary="Record a project (contributor of the organisation)",
    )
)


# -- pledges -----------------------------------------------------------------------------------


@router.get("/v1/registry/pledges", summary="List pledges")
def list_pledges(
    registry: RegistryDep,
    organisation_id: OrgFilter = None,
    economy: EconomyFilter = None,
    need_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Pledges towards this need.")
    ] = None,
    project_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Pledges towards this project.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.PledgePublic]:
    rows = registry.list_pledges(
        organisation_id=organisation_id, economy=economy, need_id=need_id, project_id=project_id
    )
    return Page[s.PledgePublic].model_validate(_page(rows[offset : offset + limit]))


record_routes(
    Record(
        "pledge",
        "pledges",
        s.PledgePublic,
        s.PledgeCreate,
        s.PledgeUpdate,
        create_summary="Record a pledge (contributor of the organisation)",
    )
)


@router.get(
    "/v1/registry/pledges/{id}/progress", summary="A pledge's progress", responses=NOT_FOUND
)
def list_progress(id: Id, registry: RegistryDep) -> Page[s.PledgeProgressPublic]:
    registry.get_pledge(id)  # 404 for an unknown pledge
    return Page[s.PledgeProgressPublic].model_validate(_page(registry.list_progress(id)))


@router.post(
    "/v1/registry/pledges/{id}/progress",
    summary="Record progress on a pledge",
    status_code=201,
    responses=WRITE,
)
def record_progress(
    id: Id, data: s.PledgeProgressCreate, registry: RegistryDep, actor: ActorDep
) -> s.PledgeProgressPublic:
    return out(registry.record_progress(actor, id, data))


# -- matches -----------------------------------------------------------------------------------


class MatchCreate(BaseModel):
    model_config = {"extra": "forbid"}

    need_id: int = Field(ge=1, le=2_147_483_647)
    offer_id: int = Field(ge=1, le=2_147_483_647)
    note: str = Field("", max_length=2000)


class MatchStatusUpdate(BaseModel):
    model_config = {"extra": "forbid"}

    status: Literal["accepted", "rejected", "withdrawn"]
    version: int | None = Field(None, ge=0, le=2_147_483_647)


@router.get("/v1/registry/matches", summary="List recorded matches")
def list_matches(
    registry: RegistryDep,
    need_id: OrgFilter = None,
    offer_id: OrgFilter = None,
    status: Annotated[
        Literal[s.MATCH_STATUSES] | None,  # type: ignore[valid-type]
        Query(description="Match status."),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.MatchPublic]:
    rows = registry.list_matches(need_id=need_id, offer_id=offer_id, status=status)
    return Page[s.MatchPublic].model_validate(_page(rows[offset : offset + limit]))


@router.get("/v1/registry/matches/{id}", summary="One match", responses=NOT_FOUND)
def get_match(id: Id, registry: RegistryDep) -> s.MatchPublic:
    return out(registry.get_match(id))


@router.post(
    "/v1/registry/matches",
    summary="Propose a match between a need and an offer",
    status_code=201,
    responses=WRITE,
)
def propose_match(
    data: Annotated[
        MatchCreate,
        Body(examples=[{"need_id": 1, "offer_id": 2, "note": "Same language, open now"}]),
    ],
    registry: RegistryDep,
    actor: ActorDep,
) -> s.MatchPublic:
    return out(registry.propose_match(actor, data.need_id, data.offer_id, note=data.note))


@router.patch(
    "/v1/registry/matches/{id}", summary="Accept, reject or withdraw a match", responses=WRITE
)
def set_match_status(
    id: Id,
    data: Annotated[MatchStatusUpdate, Body(examples=[{"status": "accepted", "version": 1}])],
    registry: RegistryDep,
    actor: ActorDep,
) -> s.MatchPublic:
    return out(registry.set_match_status(actor, id, data.status, version=data.version))


# -- audit log ---------------------------------------------------------------------------------


@router.get("/v1/registry/audit", summary="Audit log (moderators)", responses=AUTH)
def audit_log(
    registry: RegistryDep,
    actor: ActorDep,
    entity: Annotated[
        Literal[
            "organisation",
            "need",
            "offer",
            "project",
            "pledge",
            "match",
            "account",
            "token",
            "resolution",
        ]
        | None,
        Query(description="Only entries about this kind of record."),
    ] = None,
    entity_id: Annotated[str | None, Query(max_length=100, description="Record id.")] = None,
    since: Annotated[dt.datetime | None, Query(description="Only entries at or after.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries, newest first.")] = 100,
) -> Page[s.AuditPublic]:
    rows = registry.audit_log(actor, entity=entity, entity_id=entity_id, since=since, limit=limit)
    return Page[s.AuditPublic].model_validate(_page(rows))
