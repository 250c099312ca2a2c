"""Schemathesis over the framework routes with a store that holds the ACI's data (the main
schemathesis run's store has only the HDI's, so there the ACI routes answer 409): every
stateless check, zero server errors, zero schema violations, on the ACI, its gender lens and
the HDI with bands."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from api_support import base_batch
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from test_api_aci import aci_batch

from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def _app() -> FastAPI:
    store = Store(":memory:")
    store.ingest(base_batch())
    store.ingest(aci_batch())
    return create_app(
        Settings(env="test"),
        store=store,
        limits=Limits(rate_limit_per_minute=0, access_log=False),
        web=False,
    )


schema = schemathesis.openapi.from_asgi("/openapi.json", _app()).include(
    path_regex=r"^/v1/frameworks/\{name\}"
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_framework_routes_conform_with_aci_data(case: Any) -> None:
    if "name" in (case.path_parameters or {}) and case.path_parameters["name"] not in (
        "aci",
        "aci_gender",
        "hdi",
    ):
        # random names are unknown (404, covered by the main run): test the real frameworks
        case.path_parameters["name"] = ("aci", "aci_gender", "hdi")[
            len(case.path_parameters["name"]) % 3
        ]
    case.call_and_validate()
