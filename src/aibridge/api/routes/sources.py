"""``/v1/sources`` and ``/v1/vintages``: where the numbers come from."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Query

from aibridge.api.deps import StoreDep
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED
from aibridge.api.schemas import Source, SourceList, Vintage, VintageList, utc
from aibridge.errors import NotFoundError

router = APIRouter(tags=["sources"], responses=NOT_MODIFIED)

SourcePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$", description="Source id.", examples=["wdi"])
]


def _none(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return utc(value.to_pydatetime())
    if isinstance(value, dt.datetime):
        return utc(value)
    return value.item() if hasattr(value, "item") else value


def _sources(store: Any) -> list[Source]:
    frame = store.status().sources
    out = []
    for row in frame.to_dict("records"):
        r = {k: _none(v) for k, v in row.items()}
        out.append(
            Source(
                source_id=r["source_id"],
                indicators=int(r["indicators"] or 0),
                economies=int(r["economies"] or 0),
                first_year=r["first_year"],
                last_year=r["last_year"],
                values=int(r["values"] or 0),
                history=int(r["history"] or 0),
                vintages=[v for v in (r["vintages"] or "").split(", ") if v],
                origins=int(r["origins"] or 0),
                last_import=r["last_import"],
                uris=[u for u in (r["uris"] or "").split(" | ") if u],
            )
        )
    return out


@router.get("/v1/sources", summary="List data sources")
def list_sources(store: StoreDep) -> SourceList:
    """Every source in the store with its coverage, vintages, files read and last import."""
    data = _sources(store)
    return SourceList(data=data, count=len(data))


@router.get("/v1/sources/{source_id}", summary="One data source", responses=NOT_FOUND)
def get_source(source_id: SourcePath, store: StoreDep) -> Source:
    for source in _sources(store):
        if source.source_id == source_id:
            return source
    raise NotFoundError(f"no source {source_id!r} in the store; GET /v1/sources lists them")


@router.get("/v1/vintages", summary="List vintages")
def list_vintages(
    store: StoreDep,
    source_id: Annotated[
        str | None, Query(max_length=64, description="Only this source's vintages.")
    ] = None,
) -> VintageList:
    """Every (source, vintage label) with the rows it brought; pass a label as ``as_of`` to
    ``/v1/observations`` to read the data as published then."""
    frame = store.vintages()
    if source_id:
        frame = frame[frame["source_id"] == source_id]
    data = [
        Vintage.model_validate({str(k): _none(v) for k, v in row.items()})
        for row in frame.to_dict("records")
    ]
    return VintageList(data=data, count=len(data))
