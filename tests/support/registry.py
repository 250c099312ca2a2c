"""A small SQLite registry for the API and web tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def seed_registry(
    path: Path,
    accounts: Iterable[tuple[str, str, str | None]],
    *,
    need_description: str = "",
) -> tuple[Any, dict[str, str], dict[str, int]]:
    """A SQLite registry at ``path`` with two organisations (``ministry``: Ministry of ICT,
    Kenya; ``university``: Open AI Lab University, France), an account and API token for
    each ``(name, role, organisation key or None)`` of ``accounts``, one need of the ministry
    and one offer of the university (both about training, action AP5).

    Returns the registry, the tokens by account name and the organisation ids by key.
    """
    from aibridge.registry.auth import SYSTEM
    from aibridge.registry.service import Registry

    registry = Registry(f"sqlite:///{path}")
    orgs = {
        "ministry": registry.create_organisation(
            SYSTEM, {"name": "Ministry of ICT, Kenya", "kind": "government", "country": "KEN"}
        ).id,
        "university": registry.create_organisation(
            SYSTEM, {"name": "Open AI Lab University", "kind": "university", "country": "FRA"}
        ).id,
    }
    tokens: dict[str, str] = {}
    for name, role, org in accounts:
        account = registry.create_account(
            SYSTEM, {"name": name, "role": role, "organisation_id": orgs[org] if org else None}
        )
        tokens[name] = registry.create_token(SYSTEM, account.id, label="tests").token
    need: dict[str, Any] = {
        "organisation_id": orgs["ministry"],
        "economy": "KEN",
        "title": "Training for data scientists in public statistics",
        "areas": [3, 4],
        "actions": ["AP5"],
    }
    if need_description:
        need["description"] = need_description
    registry.create_need(SYSTEM, need)
    registry.create_offer(
        SYSTEM,
        {
            "organisation_id": orgs["university"],
            "kind": "training",
            "title": "Machine learning summer school",
            "areas": [3],
            "actions": ["AP5"],
        },
    )
    return registry, tokens, orgs
