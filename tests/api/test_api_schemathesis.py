"""Property-based conformance of the live OpenAPI (schemathesis, every stateless check): the
app, served in-process over ASGI with a small store and registry, must never answer 5xx and
every response must match the documented status codes, media types, headers and schemas.

Bounded for CI: a few dozen examples per operation (``API_FUZZ_EXAMPLES`` raises it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from api_support import base_batch, make_registry, revision_batch
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def _app() -> FastAPI:
    # built at import time: schemathesis parametrises the test from the schema at collection
    store = Store(":memory:")
    store.ingest(base_batch())
    store.ingest(revision_batch())
    registry, _tokens = make_registry(Path(tempfile.mkdtemp(prefix="aibridge-fuzz-")) / "r.db")
    return create_app(
        Settings(env="test"),
        store=store,
        registry=registry,
        limits=Limits(rate_limit_per_minute=0, access_log=False),
        web=False,
    )


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(case: Any) -> None:
    case.call_and_validate()
