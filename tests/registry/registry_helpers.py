"""Shared test world for the registry tests."""

from __future__ import annotations

from typing import Any

from aibridge.registry import SYSTEM, Actor, Registry


class World:
    """Two organisations, one account per role, tokens for each."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self.org_a = reg.create_organisation(
            SYSTEM, {"name": "Kenya ICT Authority", "kind": "government", "country": "KEN"}
        )
        self.org_b = reg.create_organisation(
            SYSTEM, {"name": "Open Compute Partners", "kind": "company", "country": "DEU"}
        )
        self.actors: dict[str, Actor] = {}
        self.tokens: dict[str, str] = {}
        for name, role, org in [
            ("viewer", "viewer", None),
            ("alice", "contributor", self.org_a.id),
            ("bob", "contributor", self.org_b.id),
            ("mod", "moderator", None),
            ("admin", "admin", None),
        ]:
            acc = reg.create_account(SYSTEM, {"name": name, "role": role, "organisation_id": org})
            token = reg.create_token(SYSTEM, acc.id).token
            self.tokens[name] = token
            self.actors[name] = reg.authenticate(token)

    def need(self, actor: str = "alice", **kw: Any) -> Any:
        data = {
            "organisation_id": self.org_a.id,
            "economy": "KEN",
            "title": "Train civil servants in AI",
            "description": "AI literacy programme for public servants in Nairobi",
            "areas": [3],
            "actions": ["AP5", "AP6"],
            "languages": ["en", "sw"],
            **kw,
        }
        return self.reg.create_need(self.actors[actor], data)

    def offer(self, actor: str = "bob", **kw: Any) -> Any:
        data = {
            "organisation_id": self.org_b.id,
            "kind": "training",
            "title": "AI literacy course",
            "description": "Course on AI for public servants",
            "areas": [3, 5],
            "actions": ["AP6"],
            "languages": ["en"],
            "capacity": 2,
            **kw,
        }
        return self.reg.create_offer(self.actors[actor], data)
