"""Liveness, readiness and Prometheus metrics (outside ``/v1``: operations, not data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aibridge import __version__
from aibridge.api.openapi import problem
from aibridge.api.schemas import Health, Ready

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> Health:
    """Always ``ok`` while the process runs (no dependency is touched)."""
    return Health(version=__version__)


@router.get(
    "/readyz",
    summary="Readiness: the indicator store answers",
    responses={503: problem(503, "Service Unavailable", "the store cannot be read: ...")},
)
def readyz(request: Request) -> Ready:
    """``ready`` when the store answers a query; 503 problem+json otherwise."""
    from aibridge.api.deps import get_store
    from aibridge.api.errors import ApiProblem

    try:
        store = get_store(request)
        row = store.con.execute(
            "SELECT (SELECT count(*) FROM current), (SELECT count(*) FROM indicators), "
            "(SELECT count(*) FROM economies)"
        ).fetchall()[0]
    except Exception as exc:  # any store failure means not ready
        raise ApiProblem(503, f"the store cannot be read: {exc}", kind="not-ready") from exc
    return Ready(
        store=store.path,
        observations=int(row[0]),
        indicators=int(row[1]),
        economies=int(row[2]),
        data_version=request.app.state.data_version(),
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def metrics(request: Request) -> Response:
    """Request counts and latency histograms by route template, in the Prometheus text
    format."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
