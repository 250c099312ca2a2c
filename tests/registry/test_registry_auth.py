"""Accounts, tokens, roles, organisation scoping on EVERY write path, and the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from registry_helpers import World
from registry_iati_samples import ACTIVITY
from sqlalchemy import text

from aibridge.errors import AuthenticationFailed, PermissionDenied
from aibridge.registry import SYSTEM, Actor, Registry
from aibridge.registry import iati as iati_xml

ACT = iati_xml.parse_activities(ACTIVITY)[0]


def _activity(ident: str) -> dict[str, Any]:
    return {**ACT.model_dump(mode="json"), "iati_identifier": ident}


def test_tokens_are_hashed_and_checked(world: World) -> None:
    reg = world.reg
    token = world.tokens["alice"]
    with reg.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(token in h for h in stored)
    assert reg.authenticate(token).name == "alice"
    assert all(t.last_used_at is not None for t in reg.list_tokens(world.actors["alice"]))
    for bad in (None, "", "nonsense", "abr_000000000000_wrong", token[:-2] + "xx"):
        with pytest.raises(AuthenticationFailed):
            reg.authenticate(bad)


def test_revoked_expired_and_deactivated_tokens_fail(world: World) -> None:
    reg, admin = world.reg, world.actors["admin"]
    alice = world.actors["alice"]
    extra = reg.create_token(alice, label="laptop")
    assert reg.authenticate(extra.token).name == "alice"
    reg.revoke_token(alice, extra.id)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        reg.authenticate(extra.token)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    old = reg.create_token(admin, alice.account_id, expires_at=past)
    with pytest.raises(AuthenticationFailed, match="expired"):
        reg.authenticate(old.token)
    reg.update_account(admin, alice.account_id or 0, active=False)
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        reg.authenticate(world.tokens["alice"])


def _write_paths(w: World) -> dict[str, tuple[str, Callable[[Actor], Any]]]:
    """Every write of the service against organisation A's records, with the weakest role
    (or 'own' = a contributor of organisation A) allowed to perform it."""
    reg, alice = w.reg, w.actors["alice"]
    a = w.org_a.id
    need = w.need()
    offer = w.offer("alice", organisation_id=a, title="In-house AI course")
    project = reg.create_project(alice, {"organisation_id": a, "activity": _activity("KE-1")})
    pledge = reg.create_pledge(alice, {"organisation_id": a, "title": "Fund 100 scholarships"})
    match = reg.propose_match(alice, need.id, offer.id)
    offer2 = w.offer("alice", organisation_id=a, title="Second offer by A")
    spare = reg.create_organisation(SYSTEM, {"name": "Spare org", "kind": "ngo"})
    carol = reg.create_account(SYSTEM, {"name": "carol", "role": "viewer"})
    carol_token = reg.create_token(SYSTEM, carol.id)
    return {
        "create_need": (
            "own",
            lambda x: reg.create_need(
                x, need.model_dump(include={"organisation_id", "economy", "title", "areas"})
            ),
        ),
        "update_need": ("own", lambda x: reg.update_need(x, need.id, {"title": "Changed title"})),
        "create_offer": (
            "own",
            lambda x: reg.create_offer(
                x, {"organisation_id": a, "kind": "data", "title": "Data", "areas": [4]}
            ),
        ),
        "update_offer": ("own", lambda x: reg.update_offer(x, offer.id, {"capacity": 5})),
        "create_project": (
            "own",
            lambda x: reg.create_project(
                x, {"organisation_id": a, "activity": _activity(f"KE-{x.name}")}
            ),
        ),
        "update_project": ("own", lambda x: reg.update_project(x, project.id, {"areas": [3]})),
        "import_iati": ("own", lambda x: reg.import_iati(x, ACTIVITY, organisation_id=a)),
        "create_pledge": (
            "own",
            lambda x: reg.create_pledge(x, {"organisation_id": a, "title": "Another pledge"}),
        ),
        "update_pledge": ("own", lambda x: reg.update_pledge(x, pledge.id, {"amount": 10})),
        "record_progress": (
            "own",
            lambda x: reg.record_progress(
                x, pledge.id, {"reported_on": "2025-03-01", "progress_pct": 10}
            ),
        ),
        "update_organisation": (
            "own",
            lambda x: reg.update_organisation(x, a, {"website": f"https://ict.go.ke/{x.name}"}),
        ),
        "propose_match": ("own", lambda x: reg.propose_match(x, need.id, offer2.id)),
        "set_match_status": ("own", lambda x: reg.set_match_status(x, match.id, "accepted")),
        "create_organisation": (
            "moderator",
            lambda x: reg.create_organisation(x, {"name": f"New org {x.name}", "kind": "ngo"}),
        ),
        "create_account": (
            "admin",
            lambda x: reg.create_account(x, {"name": f"new-{x.name}", "role": "viewer"}),
        ),
        "update_account": ("admin", lambda x: reg.update_account(x, carol.id, role="moderator")),
        "create_token_for_other": ("admin", lambda x: reg.create_token(x, carol.id)),
        "revoke_other_token": ("admin", lambda x: reg.revoke_token(x, carol_token.id)),
        "add_resolution": (
            "admin",
            lambda x: reg.add_resolution(
                x,
                {
                    "symbol": f"A/HRC/RES/56/{len(x.name)}",
                    "title": "AI and human rights",
                    "adopted_on": "2024-07-11",
                    "how_adopted": "without a vote",
                },
            ),
        ),
        "delete_project": ("own", lambda x: reg.delete_project(x, project.id)),
        "delete_pledge": ("own", lambda x: reg.delete_pledge(x, pledge.id)),
        "delete_offer": ("own", lambda x: reg.delete_offer(x, offer.id)),
        "delete_need": ("own", lambda x: reg.delete_need(x, need.id)),
        "delete_organisation": ("admin", lambda x: reg.delete_organisation(x, spare.id)),
    }


def _audit_count(reg: Registry) -> int:
    with reg.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


def test_every_write_path_is_authorised_and_audited(world: World) -> None:
    reg = world.reg
    paths = _write_paths(world)
    rank = {"own": 1, "moderator": 2, "admin": 3}
    for name, (needed, op) in paths.items():
        # denied: a contributor of ANOTHER organisation, a viewer, and every role below
        denied = ["bob", "viewer"] + (["alice"] if rank[needed] >= 2 else [])
        denied += ["mod"] if needed == "admin" else []
        for who in denied:
            before = _audit_count(reg)
            with pytest.raises(PermissionDenied):
                op(world.actors[who])
                pytest.fail(f"{name}: {who} was not refused")
            assert _audit_count(reg) == before, f"{name}: a refused write left an audit entry"
        allowed = {"own": "alice", "moderator": "mod", "admin": "admin"}[needed]
        before = _audit_count(reg)
        op(world.actors[allowed])
        assert _audit_count(reg) > before, f"{name}: the write was not audited"
    entries = reg.audit_log(world.actors["admin"], limit=1000)
    assert all(e.actor for e in entries)
    deletes = [e for e in entries if e.action == "delete"]
    assert deletes and all(e.before is not None and e.after is None for e in deletes)
    updates = [e for e in entries if e.action == "update" and e.entity == "need"]
    assert updates[0].before["title"] != updates[0].after["title"]


def test_moderator_may_write_any_organisation(world: World) -> None:
    need = world.need()
    out = world.reg.update_need(world.actors["mod"], need.id, {"status": "closed"})
    assert out.status == "closed"


def test_audit_log_needs_moderator(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.reg.audit_log(world.actors["alice"])
    assert world.reg.audit_log(world.actors["mod"])


def test_service_has_no_audit_update_or_delete_api() -> None:
    names = [n for n in dir(Registry) if "audit" in n]
    assert sorted(names) == ["_audit", "audit_log"]


def test_audit_log_filters(world: World) -> None:
    reg, mod = world.reg, world.actors["mod"]
    need = world.need()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    entries = reg.audit_log(mod, entity="need", entity_id=need.id, since=start)
    assert [e.action for e in entries] == ["create"]
    assert entries[0].actor == "alice" and entries[0].after["title"] == need.title
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert reg.audit_log(mod, since=future) == []
    assert {e.actor for e in reg.audit_log(mod, account="alice")} == {"alice"}
