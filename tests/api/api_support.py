"""Small fixtures of the API tests: a store with two sources and two vintages, a registry
with accounts of every role (built on the shared ``support`` helpers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, indicator_table
from support.data import ECONOMIES, INTERNET_USE, YEARS, origin, panel_rows
from support.registry import seed_registry

__all__ = ["ECONOMIES", "YEARS", "base_batch", "make_registry", "revision_batch"]


def base_batch() -> Batch:
    """WDI-like internet use for 10 economies x 8 years, the HDI components for 2021-2022."""
    indicators = indicator_table(
        [
            INTERNET_USE,
            *[
                {"code": c, "name": n, "unit": u, "topic": "Human development", "direction": 1}
                for c, n, u in (
                    ("HDR.le", "Life expectancy at birth", "years"),
                    ("HDR.eys", "Expected years of schooling", "years"),
                    ("HDR.mys", "Mean years of schooling", "years"),
                    ("HDR.gnipc", "GNI per capita (2017 PPP $)", "PPP $"),
                )
            ],
        ]
    )
    obs = pa.Table.from_pylist(panel_rows(), schema=OBSERVATION_SCHEMA)
    return Batch(origin=origin("wdi", "2024-01-01"), observations=obs, indicators=indicators)


def revision_batch() -> Batch:
    """A later vintage of the same source revising Kenya's 2022 internet use."""
    rows = [
        {"economy": "KEN", "indicator": "IT.NET.USER.ZS", "year": 2022, "value": 99.0, "flag": None}
    ]
    obs = pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA)
    return Batch(
        origin=origin("wdi", "2025-01-01"),
        observations=obs,
        indicators=indicator_table([{"code": "IT.NET.USER.ZS", "name": "Internet users"}]),
    )


def make_registry(path: Path) -> tuple[Any, dict[str, str]]:
    """A SQLite registry: two organisations, accounts of every role, one need, one offer,
    one project, one pledge and one proposed match; returns the registry and the API tokens
    by account name."""
    from aibridge.registry.auth import SYSTEM

    registry, tokens, orgs = seed_registry(
        path,
        (
            ("kenya", "contributor", "ministry"),
            ("lab", "contributor", "university"),
            ("reader", "viewer", None),
            ("mod", "moderator", None),
            ("root", "admin", None),
        ),
    )
    registry.create_project(
        SYSTEM,
        {
            "organisation_id": orgs["ministry"],
            "activity": {
                "iati_identifier": "XM-KE-1",
                "reporting_org": {"ref": "XM-KE", "type": "10", "narratives": [{"text": "ICT"}]},
                "title": [{"text": "National AI skills programme"}],
                "descriptions": [{"type": "1", "narratives": [{"text": "Civil servants"}]}],
                "participating_orgs": [
                    {"ref": "XM-KE", "role": "1", "type": "10", "narratives": [{"text": "ICT"}]}
                ],
                "activity_status": "2",
                "activity_dates": [{"type": "1", "iso_date": "2025-01-01"}],
            },
            "areas": [3],
        },
    )
    registry.create_pledge(
        SYSTEM, {"organisation_id": orgs["university"], "title": "200 scholarships", "areas": [3]}
    )
    registry.propose_match(SYSTEM, 1, 1, note="fixture")
    return registry, tokens
