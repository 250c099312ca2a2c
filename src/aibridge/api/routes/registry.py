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
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field

from aibridge.api.deps import ActorDep, RegistryDep
from aibridge.api.openapi import AUTH, CONFLICT, NOT_FOUND
from aibridge.registry import schemas as s

router = APIRouter(tags=["registry"])

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

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


@router.get("/v1/registry/organisations/{id}", summary="One organisation", responses=NOT_FOUND)
def get_organisation(id: Id, registry: RegistryDep) -> s.OrganisationPublic:
    return out(registry.get_organisation(id))


@router.post(
    "/v1/registry/organisations",
    summary="Register an organisation (moderator)",
    status_code=201,
    responses=WRITE,
)
def create_organisation(
    data: s.OrganisationCreate, registry: RegistryDep, actor: ActorDep
) -> s.OrganisationPublic:
    return out(registry.create_organisation(actor, data))


@router.patch("/v1/registry/organisations/{id}", summary="Edit an organisation", responses=WRITE)
def update_organisation(
    id: Id, data: s.OrganisationUpdate, registry: RegistryDep, actor: ActorDep
) -> s.OrganisationPublic:
    return out(registry.update_organisation(actor, id, data))


@router.delete(
    "/v1/registry/organisations/{id}",
    summary="Delete an organisation (admin)",
    status_code=204,
    responses=WRITE,
)
def delete_organisation(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
    registry.delete_organisation(actor, id)
    return Response(status_code=204)


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


@router.get("/v1/registry/needs/{id}", summary="One need", responses=NOT_FOUND)
def get_need(id: Id, registry: RegistryDep) -> s.NeedPublic:
    return out(registry.get_need(id))


@router.post(
    "/v1/registry/needs",
    summary="Post a need (contributor of the organisation)",
    status_code=201,
    responses=WRITE,
)
def create_need(data: s.NeedCreate, registry: RegistryDep, actor: ActorDep) -> s.NeedPublic:
    return out(registry.create_need(actor, data))


@router.patch("/v1/registry/needs/{id}", summary="Edit a need", responses=WRITE)
def update_need(id: Id, data: s.NeedUpdate, registry: RegistryDep, actor: ActorDep) -> s.NeedPublic:
    return out(registry.update_need(actor, id, data))


@router.delete("/v1/registry/needs/{id}", summary="Delete a need", status_code=204, responses=WRITE)
def delete_need(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
    registry.delete_need(actor, id)
    return Response(status_code=204)


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


@router.get("/v1/registry/offers/{id}", summary="One offer", responses=NOT_FOUND)
def get_offer(id: Id, registry: RegistryDep) -> s.OfferPublic:
    return out(registry.get_offer(id))


@router.post(
    "/v1/registry/offers",
    summary="Post an offer (contributor of the organisation)",
    status_code=201,
    responses=WRITE,
)
def create_offer(data: s.OfferCreate, registry: RegistryDep, actor: ActorDep) -> s.OfferPublic:
    return out(registry.create_offer(actor, data))


@router.patch("/v1/registry/offers/{id}", summary="Edit an offer", responses=WRITE)
def update_offer(
    id: Id, data: s.OfferUpdate, registry: RegistryDep, actor: ActorDep
) -> s.OfferPublic:
    return out(registry.update_offer(actor, id, data))


@router.delete(
    "/v1/registry/offers/{id}", summary="Delete an offer", status_code=204, responses=WRITE
)
def delete_offer(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
    registry.delete_offer(actor, id)
    return Response(status_code=204)


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


@router.get("/v1/registry/projects/{id}", summary="One project", responses=NOT_FOUND)
def get_project(id: Id, registry: RegistryDep) -> s.ProjectPublic:
    return out(registry.get_project(id))


@router.post(
    "/v1/registry/projects",
    summary="Record a project (contributor of the organisation)",
    status_code=201,
    responses=WRITE,
)
def create_project(
    data: s.ProjectCreate, registry: RegistryDep, actor: ActorDep
) -> s.ProjectPublic:
    return out(registry.create_project(actor, data))


@router.patch("/v1/registry/projects/{id}", summary="Edit a project", responses=WRITE)
def update_project(
    id: Id, data: s.ProjectUpdate, registry: RegistryDep, actor: ActorDep
) -> s.ProjectPublic:
    return out(registry.update_project(actor, id, data))


@router.delete(
    "/v1/registry/projects/{id}", summary="Delete a project", status_code=204, responses=WRITE
)
def delete_project(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
    registry.delete_project(actor, id)
    return Response(status_code=204)


# -- pledges -----------------------------------------------------------------------------------


@router.get("/v1/registry/pledges", summary="List pledges")
def list_pledges(
    registry: RegistryDep,
    organisation_id: OrgFilter = None,
    economy: EconomyFilter = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[s.PledgePublic]:
    rows = registry.list_pledges(organisation_id=organisation_id, economy=economy)
    return Page[s.PledgePublic].model_validate(_page(rows[offset : offset + limit]))


@router.get("/v1/registry/pledges/{id}", summary="One pledge", responses=NOT_FOUND)
def get_pledge(id: Id, registry: RegistryDep) -> s.PledgePublic:
    return out(registry.get_pledge(id))


@router.post(
    "/v1/registry/pledges",
    summary="Record a pledge (contributor of the organisation)",
    status_code=201,
    responses=WRITE,
)
def create_pledge(data: s.PledgeCreate, registry: RegistryDep, actor: ActorDep) -> s.PledgePublic:
    return out(registry.create_pledge(actor, data))


@router.patch("/v1/registry/pledges/{id}", summary="Edit a pledge", responses=WRITE)
def update_pledge(
    id: Id, data: s.PledgeUpdate, registry: RegistryDep, actor: ActorDep
) -> s.PledgePublic:
    return out(registry.update_pledge(actor, id, data))


@router.delete(
    "/v1/registry/pledges/{id}", summary="Delete a pledge", status_code=204, responses=WRITE
)
def delete_pledge(id: Id, registry: RegistryDep, actor: ActorDep) -> Response:
    registry.delete_pledge(actor, id)
    return Response(status_code=204)


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
