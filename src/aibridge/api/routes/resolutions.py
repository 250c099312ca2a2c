"""``/v1/resolutions``: the UN resolutions the product tracks (A/RES/78/311, 78/265 ...),
and how each economy relates to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from aibridge.api.deps import ActorDep, RegistryDep, StoreDep
from aibridge.api.openapi import AUTH, CONFLICT, NOT_FOUND
from aibridge.api.params import EconomyPath
from aibridge.api.routes.economies import resolve
from aibridge.registry import schemas as s

router = APIRouter(tags=["resolutions"])

Symbol = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9/.\-]{3,40}$",
        description="UN document symbol (slashes allowed).",
        examples=["A/RES/78/311"],
    ),
]


class ResolutionList(BaseModel):
    data: list[s.ResolutionPublic]
    count: int


@router.get("/v1/resolutions", summary="List tracked resolutions")
def list_resolutions(registry: RegistryDep) -> ResolutionList:
    rows = registry.list_resolutions()
    return ResolutionList(data=rows, count=len(rows))


@router.get("/v1/resolutions/{symbol:path}", summary="One resolution", responses=NOT_FOUND)
def get_resolution(symbol: Symbol, registry: RegistryDep) -> s.ResolutionPublic:
    return registry.get_resolution(symbol)


@router.get(
    "/v1/economies/{code}/resolutions",
    summary="How an economy relates to each resolution",
    tags=["economies"],
    responses=NOT_FOUND,
)
def economy_resolutions(
    code: EconomyPath, registry: RegistryDep, store: StoreDep
) -> ResolutionList:
    """Every tracked resolution with ``role``: proposer, co-sponsor, on whose behalf it was
    introduced, or null."""
    rows = registry.resolutions_for(resolve(store, code))
    return ResolutionList(data=rows, count=len(rows))


@router.post(
    "/v1/resolutions",
    summary="Track another resolution (admin)",
    status_code=201,
    responses={**AUTH, **CONFLICT},
)
def add_resolution(
    data: s.ResolutionCreate, registry: RegistryDep, actor: ActorDep
) -> s.ResolutionPublic:
    return registry.add_resolution(actor, data)
