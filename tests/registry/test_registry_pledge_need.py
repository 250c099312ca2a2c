"""Pledges towards a need: the ``need_id`` link (service rules, audit, list filter) and the
0002 migration that adds it (up and down, keeping pledges and their progress updates)."""

from __future__ import annotations

from typing import Any

import pytest
from registry_helpers import World
from registry_iati_samples import ACTIVITY
from sqlalchemy import inspect, text

from aibridge.errors import NotFoundError, ValidationFailed
from aibridge.registry import iati as iati_xml
from aibridge.registry.db import current_revision, downgrade, make_engine, upgrade

ACT = iati_xml.parse_activities(ACTIVITY)[0]


def _pledge(world: World, actor: str = "bob", **kw: Any) -> Any:
    data = {"organisation_id": world.org_b.id, "title": "GPU hours", "amount": 500, **kw}
    return world.reg.create_pledge(world.actors[actor], data)


def _project(world: World, ident: str, **kw: Any) -> Any:
    activity = {**ACT.model_dump(mode="json"), "iati_identifier": ident}
    data = {"organisation_id": world.org_b.id, "activity": activity, **kw}
    return world.reg.create_project(world.actors["bob"], data)


def test_pledge_towards_a_need(world: World) -> None:
    need = world.need()
    pledge = _pledge(world, need_id=need.id)  # bob's organisation pledges to alice's need
    assert pledge.need_id == need.id and pledge.project_id is None
    assert world.reg.get_pledge(pledge.id).need_id == need.id
    other = _pledge(world, title="Unlinked pledge")
    assert other.need_id is None
    assert [p.id for p in world.reg.list_pledges(need_id=need.id)] == [pledge.id]
    assert [p.id for p in world.reg.list_pledges()] == [pledge.id, other.id]


def test_pledge_towards_a_project_and_its_need(world: World) -> None:
    need = world.need()
    project = _project(world, "XM-DAC-1-P1", need_id=need.id)
    pledge = _pledge(world, need_id=need.id, project_id=project.id)
    assert (pledge.need_id, pledge.project_id) == (need.id, project.id)
    assert [p.id for p in world.reg.list_pledges(project_id=project.id)] == [pledge.id]


def test_project_and_need_that_do_not_match_are_refused(world: World) -> None:
    need, elsewhere = world.need(), world.need(title="Another need of Kenya")
    project = _project(world, "XM-DAC-1-P2", need_id=elsewhere.id)
    unlinked = _project(world, "XM-DAC-1-P3")
    for p, towards in ((project, f"need {elsewhere.id}"), (unlinked, "no need")):
        with pytest.raises(ValidationFailed, match=towards) as info:
            _pledge(world, need_id=need.id, project_id=p.id)
        assert info.value.field == "need_id" and info.value.rule == "project_need"
    assert world.reg.list_pledges() == []  # nothing half-written

    # an edit is checked against the pledge as it would be afterwards
    pledge = _pledge(world, project_id=project.id)
    with pytest.raises(ValidationFailed, match="does not match"):
        world.reg.update_pledge(world.actors["bob"], pledge.id, {"need_id": need.id})
    pledge = _pledge(world, need_id=need.id)
    with pytest.raises(ValidationFailed, match="does not match"):
        world.reg.update_pledge(world.actors["bob"], pledge.id, {"project_id": project.id})
    assert world.reg.get_pledge(pledge.id).project_id is None
    moved = world.reg.update_pledge(
        world.actors["bob"], pledge.id, {"need_id": elsewhere.id, "project_id": project.id}
    )
    assert (moved.need_id, moved.project_id) == (elsewhere.id, project.id)


def test_unknown_need_or_project_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed, match="need_id 999 does not exist") as info:
        _pledge(world, need_id=999)
    assert info.value.field == "need_id" and info.value.rule == "exists"
    pledge = _pledge(world)
    with pytest.raises(ValidationFailed, match="need_id 999"):
        world.reg.update_pledge(world.actors["bob"], pledge.id, {"need_id": 999})
    with pytest.raises(NotFoundError):
        _pledge(world, project_id=999)
    assert world.reg.get_pledge(pledge.id).need_id is None


def test_need_link_is_audited_and_cleared_with_the_need(world: World) -> None:
    reg, bob, mod = world.reg, world.actors["bob"], world.actors["mod"]
    need = world.need()
    pledge = _pledge(world)
    linked = reg.update_pledge(bob, pledge.id, {"need_id": need.id, "version": pledge.version})
    assert linked.need_id == need.id
    entries = reg.audit_log(mod, entity="pledge", entity_id=pledge.id)
    assert [e.action for e in entries] == ["update", "create"]
    assert entries[1].after is not None and entries[1].after["need_id"] is None
    assert entries[0].before is not None and entries[0].before["need_id"] is None
    assert entries[0].after is not None and entries[0].after["need_id"] == need.id
    cleared = reg.update_pledge(bob, pledge.id, {"need_id": None})
    assert cleared.need_id is None
    reg.update_pledge(bob, pledge.id, {"need_id": need.id})
    reg.delete_need(world.actors["alice"], need.id)
    assert reg.get_pledge(pledge.id).need_id is None  # ON DELETE SET NULL


def test_migration_0002_up_and_down_keeps_pledges(registry_url: str) -> None:
    engine = make_engine(registry_url)
    upgrade(engine, "0001")
    stamps = "1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (name, kind, description, version, created_at, "
                f"updated_at) VALUES ('Org', 'ngo', '', {stamps})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pledges (organisation_id, title, description, areas, actions, "
                "economies, status, progress_pct, disbursed, version, created_at, updated_at) "
                f"VALUES (1, 'Pledge', '', '[1]', '[]', '[\"KEN\"]', 'pledged', 40, 400, {stamps})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pledge_updates (pledge_id, reported_on, disbursed_delta, note, "
                "created_at) VALUES (1, '2025-01-31', 400, 'first', CURRENT_TIMESTAMP)"
            )
        )

    def state() -> tuple[Any, ...]:
        with engine.connect() as conn:
            pledges = conn.execute(text("SELECT id, title, disbursed FROM pledges")).all()
            updates = conn.execute(text("SELECT pledge_id, note FROM pledge_updates")).all()
        return tuple(pledges), tuple(updates)

    before = state()
    upgrade(engine)
    assert current_revision(engine) == "0002"
    insp = inspect(engine)
    assert "need_id" in {c["name"] for c in insp.get_columns("pledges")}
    fks = {fk["name"]: fk for fk in insp.get_foreign_keys("pledges")}
    fk = fks["fk_pledges_need_id_needs"]
    assert fk["referred_table"] == "needs" and fk["constrained_columns"] == ["need_id"]
    assert fk["options"].get("ondelete") == "SET NULL"
    assert "ix_pledges_need_id" in {i["name"] for i in insp.get_indexes("pledges")}
    assert {c["name"] for c in insp.get_check_constraints("pledges")} >= {"ck_pledges_pct"}
    assert state() == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT need_id FROM pledges")).scalar() is None

    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    insp = inspect(engine)
    assert "need_id" not in {c["name"] for c in insp.get_columns("pledges")}
    assert "ix_pledges_need_id" not in {i["name"] for i in insp.get_indexes("pledges")}
    assert {c["name"] for c in insp.get_check_constraints("pledges")} >= {"ck_pledges_pct"}
    assert state() == before  # progress updates survive SQLite's table copy
    upgrade(engine)
    assert state() == before
    engine.dispose()
