"""``/v1/indicators``: indicator metadata with coverage, and search."""

from __future__ import annotations

import math
import threading
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request

from aibridge.api.deps import StoreDep
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED
from aibridge.api.params import IndicatorPath
from aibridge.api.schemas import Indicator, IndicatorList
from aibridge.errors import NotFoundError
from aibridge.store import Store

router = APIRouter(prefix="/v1/indicators", tags=["indicators"], responses=NOT_MODIFIED)

_lock = threading.Lock()


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[Indicator]:
    cols = list(Indicator.model_fields)
    out = []
    for values in frame.to_dict("records"):
        out.append(Indicator(**{c: _clean(values.get(c)) for c in cols}))
    return out


def catalogue(request: Request, store: Store) -> pd.DataFrame:
    """Every indicator with coverage, computed once per data version (coverage scans all
    current values, so it is cached rather than recomputed per request)."""
    version = request.app.state.data_version()
    cache = getattr(request.app.state, "indicator_catalogue", None)
    if cache is not None and cache[0] == version:
        return cache[1]
    with _lock:
        frame = store.indicators()
        request.app.state.indicator_catalogue = (version, frame)
    return frame


@router.get("", summary="List or search indicators")
def list_indicators(
    request: Request,
    store: StoreDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words matched against code, name, description and topic (all must "
            "match); exact and prefix code matches rank first.",
            examples=["internet users"],
        ),
    ] = None,
    source_id: Annotated[
        str | None, Query(max_length=64, description="Only indicators of this source.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="Items per response.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> IndicatorList:
    """Indicator metadata (name, unit, topic, direction, source, licence) and coverage
    (economies, first and last year)."""
    if q and q.strip():
        frame = store.indicators(q.strip(), source_id=source_id or None)
    else:
        frame = catalogue(request, store)
        if source_id:
            frame = frame[frame["source_id"] == source_id]
    page = frame.iloc[offset : offset + limit]
    data = _records(page)
    return IndicatorList(data=data, count=len(data), total=len(frame))


@router.get("/{code}", summary="One indicator", responses=NOT_FOUND)
def get_indicator(code: IndicatorPath, request: Request, store: StoreDep) -> Indicator:
    """An indicator's metadata and coverage."""
    frame = catalogue(request, store)
    hit = frame[frame["code"] == code]
    if hit.empty:
        raise NotFoundError(f"unknown indicator {code!r}; search with GET /v1/indicators?q=WORDS")
    return _records(hit)[0]
