"""``/v1/economies``: the economies table and each economy's latest values."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query
from fastapi.responses import Response

from aibridge.api.deps import StoreDep
from aibridge.api.encode import json_rows
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED
from aibridge.api.params import EconomyPath
from aibridge.api.schemas import Economy, EconomyList, ObservationList
from aibridge.errors import NotFoundError
from aibridge.store import Store

router = APIRouter(prefix="/v1/economies", tags=["economies"], responses=NOT_MODIFIED)

_COLUMNS: Final = (
    "iso3, iso2, m49, name, name_ar, name_zh, name_fr, name_ru, name_es, un_region, "
    "un_subregion, wb_region, income_group, is_aggregate, is_un_member"
)
_OBS_COLUMNS: Final = "economy, indicator, year, value, flag, source_id, vintage, origin_id"


def _economy(row: tuple[Any, ...]) -> Economy:
    return Economy(
        iso3=row[0],
        iso2=row[1],
        m49=row[2],
        name=row[3],
        names={"ar": row[4], "zh": row[5], "fr": row[6], "ru": row[7], "es": row[8]},
        un_region=row[9],
        un_subregion=row[10],
        wb_region=row[11],
        income_group=row[12],
        is_aggregate=bool(row[13]),
        is_un_member=bool(row[14]),
    )


def resolve(store: Store, code: str) -> str:
    """ISO3 of ``code`` (ISO3, ISO2, M49 or legacy World Bank code); 404 when unknown."""
    code = code.upper()
    hit = store.con.execute("SELECT iso3 FROM economies WHERE iso3 = ?", [code]).fetchall()
    if hit:
        return str(hit[0][0])
    from aibridge.reference.economies import resolve_economy

    iso3 = resolve_economy(code)
    if iso3 and store.con.execute("SELECT 1 FROM economies WHERE iso3 = ?", [iso3]).fetchall():
        return iso3
    raise NotFoundError(
        f"unknown economy {code!r}; use an ISO 3166-1 alpha-3 code such as KEN "
        "(GET /v1/economies lists them)"
    )


@router.get("", summary="List economies")
def list_economies(
    store: StoreDep,
    include_aggregates: Annotated[
        bool, Query(description="Also list regions, income groups and World.")
    ] = False,
    un_member: Annotated[bool | None, Query(description="Only UN members (true) or not.")] = None,
    region: Annotated[
        str | None, Query(max_length=100, description="UN region (M49), e.g. Africa.")
    ] = None,
    income_group: Annotated[
        str | None,
        Query(max_length=100, description="World Bank income group, e.g. Low income."),
    ] = None,
) -> EconomyList:
    """Every economy in the store with its codes, names in the six UN languages, regions,
    income group and flags."""
    where = []
    params: list[Any] = []
    if not include_aggregates:
        where.append("NOT is_aggregate")
    if un_member is not None:
        where.append("is_un_member = ?")
        params.append(un_member)
    if region:
        where.append("lower(un_region) = lower(?)")
        params.append(region)
    if income_group:
        where.append("lower(income_group) = lower(?)")
        params.append(income_group)
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    rows = store.con.execute(
        f"SELECT {_COLUMNS} FROM economies {cond} ORDER BY iso3", params
    ).fetchall()
    data = [_economy(r) for r in rows]
    return EconomyList(data=data, count=len(data))


@router.get("/{code}", summary="One economy", responses=NOT_FOUND)
def get_economy(code: EconomyPath, store: StoreDep) -> Economy:
    """An economy by ISO3 (ISO2, M49 and legacy World Bank codes are resolved too)."""
    iso3 = resolve(store, code)
    row = store.con.execute(f"SELECT {_COLUMNS} FROM economies WHERE iso3 = ?", [iso3]).fetchall()
    return _economy(row[0])


@router.get(
    "/{code}/latest",
    summary="An economy's latest values",
    response_model=ObservationList,
    responses=NOT_FOUND,
)
def latest_values(
    code: EconomyPath,
    store: StoreDep,
    indicator: Annotated[
        list[str] | None,
        Query(max_length=300, description="Only these indicator codes (at most 300)."),
    ] = None,
) -> Response:
    """The most recent value of every indicator for one economy, each with its year, source,
    vintage and flag."""
    iso3 = resolve(store, code)
    params: list[Any] = [iso3]
    cond = ""
    if indicator:
        cond = " AND list_contains(?::VARCHAR[], indicator)"
        params.append([c[:200] for c in indicator])
    table = store.con.sql(
        f"SELECT {_OBS_COLUMNS} FROM latest WHERE economy = ?{cond} ORDER BY indicator",
        params=params,
    ).to_arrow_table()
    return Response(json_rows(table), media_type="application/json")
