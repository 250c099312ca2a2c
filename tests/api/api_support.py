"""Small fixtures of the API tests: a store with two sources and two vintages, a registry
with accounts of every role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, indicator_table

ECONOMIES = ("KEN", "NGA", "FRA", "CHN", "SAU", "BRA", "IND", "USA", "DEU", "EGY")
YEARS = range(2015, 2023)


def _origin(source: str, vintage: str) -> Origin:
    return Origin(
        source_id=source,
        uri=f"/data/{source}-{vintage}.csv",
        sha256=(vintage.replace("-", "") * 8)[:64],
        vintage=vintage,
        publisher="Test publisher",
        licence="CC BY-4.0",
        title=f"Test {source}",
    )


def base_batch() -> Batch:
    """WDI-like internet use for 10 economies x 8 years, the HDI components for 2021-2022."""
    rows: list[dict[str, object]] = []
    for i, eco in enumerate(ECONOMIES):
        for year in YEARS:
            rows.append(
                {
                    "economy": eco,
                    "indicator": "IT.NET.USER.ZS",
                    "year": year,
                    "value": 10.0 + 7 * i + 2.5 * (year - 2015),
                    "flag": "E" if (eco == "KEN" and year == 2022) else None,
                }
            )
        for year in (2021, 2022):
            for code, value in (
                ("HDR.le", 55.0 + 3 * ((i * 7) % 10) + 0.2 * (year - 2021)),
                ("HDR.eys", 9.0 + 0.8 * i),
                ("HDR.mys", 4.0 + (0.9 * i if i % 2 else 0.6 * i)),
                ("HDR.gnipc", 1500.0 * (1 + (i * 3) % 10) ** 1.6),
            ):
                rows.append(
                    {"economy": eco, "indicator": code, "year": year, "value": value, "flag": None}
                )
    indicators = indicator_table(
        [
            {
                "code": "IT.NET.USER.ZS",
                "name": "Individuals using the Internet (% of population)",
                "unit": "%",
                "description": "Internet users are individuals who have used the Internet.",
                "topic": "Infrastructure",
                "direction": 1,
                "licence": "CC BY-4.0",
                "source": "World Development Indicators",
            },
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
    obs = pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA)
    return Batch(origin=_origin("wdi", "2024-01-01"), observations=obs, indicators=indicators)


def revision_batch() -> Batch:
    """A later vintage of the same source revising Kenya's 2022 internet use."""
    rows = [
        {"economy": "KEN", "indicator": "IT.NET.USER.ZS", "year": 2022, "value": 99.0, "flag": None}
    ]
    obs = pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA)
    return Batch(
        origin=_origin("wdi", "2025-01-01"),
        observations=obs,
        indicators=indicator_table([{"code": "IT.NET.USER.ZS", "name": "Internet users"}]),
    )


def make_registry(path: Path) -> tuple[Any, dict[str, str]]:
    """A SQLite registry: two organisations, accounts of every role, one need, one offer;
    returns the registry and the API tokens by account name."""
    from aibridge.registry.auth import SYSTEM
    from aibridge.registry.service import Registry

    registry = Registry(f"sqlite:///{path}")
    ministry = registry.create_organisation(
        SYSTEM, {"name": "Ministry of ICT, Kenya", "kind": "government", "country": "KEN"}
    )
    university = registry.create_organisation(
        SYSTEM, {"name": "Open AI Lab University", "kind": "university", "country": "FRA"}
    )
    tokens: dict[str, str] = {}
    for name, role, org in (
        ("kenya", "contributor", ministry.id),
        ("lab", "contributor", university.id),
        ("reader", "viewer", None),
        ("mod", "moderator", None),
        ("root", "admin", None),
    ):
        account = registry.create_account(
            SYSTEM, {"name": name, "role": role, "organisation_id": org}
        )
        tokens[name] = registry.create_token(SYSTEM, account.id, label="tests").token
    registry.create_need(
        SYSTEM,
        {
            "organisation_id": ministry.id,
            "economy": "KEN",
            "title": "Training for data scientists in public statistics",
            "areas": [3, 4],
            "actions": ["AP5"],
        },
    )
    registry.create_offer(
        SYSTEM,
        {
            "organisation_id": university.id,
            "kind": "training",
            "title": "Machine learning summer school",
            "areas": [3],
            "actions": ["AP5"],
        },
    )
    registry.create_project(
        SYSTEM,
        {
            "organisation_id": ministry.id,
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
        SYSTEM, {"organisation_id": university.id, "title": "200 scholarships", "areas": [3]}
    )
    registry.propose_match(SYSTEM, 1, 1, note="fixture")
    return registry, tokens
