"""Service behaviour: validation names field and rule, transactions, versions, pledges,
matches, resolutions (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from registry_helpers import World
from registry_iati_samples import ACTIVITY, BILLION_LAUGHS, EXTERNAL_ENTITY

from aibridge.errors import ConflictError, IatiError, NotFoundError, ValidationFailed
from aibridge.registry import SYSTEM


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"economy": "XYZ"}, "economy", "value_error"),
        ({"areas": [7]}, "areas", "value_error"),
        ({"areas": []}, "areas", "too_short"),
        ({"actions": ["AP11"]}, "actions", "value_error"),
        ({"languages": ["english"]}, "languages.0", "value_error"),
        ({"title": "x"}, "title", "string_too_short"),
        ({"budget_min": -5}, "budget_min", "greater_than_equal"),
        ({"currency": "XXQ"}, "currency", "value_error"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
        ({"start_date": "2026-01-01", "end_date": "2025-01-01"}, "(record)", "value_error"),
    ],
)
def test_validation_names_field_and_rule(world: World, change, field, rule) -> None:
    with pytest.raises(ValidationFailed) as info:
        world.need(**change)
    assert info.value.field == field
    assert info.value.rule == rule
    assert field in str(info.value)
    assert world.reg.list_needs() == []  # nothing written


def test_partial_update_revalidates_cross_field_rules(world: World) -> None:
    need = world.need(start_date="2025-01-01", end_date="2025-06-30")
    with pytest.raises(ValidationFailed, match="end_date"):
        world.reg.update_need(world.actors["alice"], need.id, {"start_date": "2025-12-01"})
    assert world.reg.get_need(need.id).start_date.isoformat() == "2025-01-01"
    with pytest.raises(ValidationFailed, match="not_null"):
        world.reg.update_need(world.actors["alice"], need.id, {"title": None})


def test_unknown_organisation_is_a_validation_error(world: World) -> None:
    with pytest.raises(ValidationFailed) as info:
        world.need(actor="mod", organisation_id=9999)
    assert info.value.field == "organisation_id"


def test_stale_version_is_refused(world: World) -> None:
    alice = world.actors["alice"]
    need = world.need()
    v1 = need.version
    updated = world.reg.update_need(alice, need.id, {"title": "First edit", "version": v1})
    assert updated.version == v1 + 1
    with pytest.raises(ConflictError, match="version"):
        world.reg.update_need(alice, need.id, {"title": "Second edit", "version": v1})
    assert world.reg.get_need(need.id).title == "First edit"


def test_duplicate_is_a_conflict(world: World) -> None:
    with pytest.raises(ConflictError):
        world.reg.create_organisation(SYSTEM, {"name": world.org_a.name, "kind": "ngo"})


def test_import_is_all_or_nothing(world: World) -> None:
    good = ACTIVITY
    bad = ACTIVITY.replace('<activity-status code="2"/>', "")  # required element
    with pytest.raises(IatiError, match=r"activity-status|Expected"):
        world.reg.import_iati(world.actors["alice"], bad, organisation_id=world.org_a.id)
    # two activities, the second with an identifier our model refuses -> neither is written
    doc = good.replace("</iati-activities>", "")
    second = good[good.index("<iati-activity ") : good.index("</iati-activities>")]
    second = second.replace("XM-DAC-41114-AI-001", "X" * 300)
    with pytest.raises(IatiError):
        world.reg.import_iati(
            world.actors["alice"], doc + second + "</iati-activities>", organisation_id=1
        )
    assert world.reg.list_projects() == []


def test_pledge_progress(world: World) -> None:
    alice = world.actors["alice"]
    pledge = world.reg.create_pledge(
        alice,
        {
            "organisation_id": world.org_a.id,
            "title": "GPU hours for universities",
            "amount": 1000,
            "currency": "usd",
            "economies": ["KE", "UGA"],
            "areas": [1],
        },
    )
    assert pledge.currency == "USD" and pledge.economies == ["KEN", "UGA"]
    world.reg.record_progress(
        alice, pledge.id, {"reported_on": "2025-01-31", "progress_pct": 40, "disbursed_delta": 400}
    )
    world.reg.record_progress(
        alice,
        pledge.id,
        {"reported_on": "2025-06-30", "progress_pct": 100, "disbursed_delta": 600, "note": "done"},
    )
    after = world.reg.get_pledge(pledge.id)
    assert after.disbursed == 1000 and after.progress_pct == 100 and after.status == "fulfilled"
    assert [u.progress_pct for u in world.reg.list_progress(pledge.id)] == [40, 100]
    with pytest.raises(ValidationFailed) as info:
        world.reg.record_progress(
            alice, pledge.id, {"reported_on": "2025-07-01", "progress_pct": 120}
        )
    assert info.value.field == "progress_pct"
    assert [p.id for p in world.reg.list_pledges(economy="UGA")] == [pledge.id]


def test_match_lifecycle_and_capacity(world: World) -> None:
    reg, alice, bob = world.reg, world.actors["alice"], world.actors["bob"]
    offer = world.offer(capacity=1)
    n1, n2 = world.need(), world.need(title="Second training need")
    m1 = reg.propose_match(alice, n1.id, offer.id, note="let's talk")
    assert m1.status == "proposed" and m1.terms and m1.score > 0
    assert m1.score == pytest.approx(sum(t.contribution for t in m1.terms), abs=1e-12)
    reg.set_match_status(bob, m1.id, "accepted")
    m2 = reg.propose_match(alice, n2.id, offer.id)
    with pytest.raises(ConflictError, match="capacity"):
        reg.set_match_status(bob, m2.id, "accepted")
    with pytest.raises(ConflictError):  # one match per (need, offer)
        reg.propose_match(alice, n1.id, offer.id)
    ranked = reg.match_offers(n2.id)
    assert ranked[0].offer_id == offer.id
    capacity = next(t for t in ranked[0].terms if t.name == "capacity")
    assert capacity.value == 0 and "0 place(s) left" in capacity.explanation
    with pytest.raises(ValidationFailed):
        reg.set_match_status(bob, m2.id, "maybe")


def test_lists_and_filters(world: World) -> None:
    world.need()
    world.need(economy="UG", areas=[1, 4])
    world.offer(eligible_economies=["KEN"])
    world.offer(areas=[4])
    reg = world.reg
    assert [n.economy for n in reg.list_needs(economy="uga")] == ["UGA"]
    assert len(reg.list_needs(area=4)) == 1
    assert len(reg.list_offers(eligible_for="UGA")) == 1
    assert len(reg.list_offers(area=4)) == 1
    assert len(reg.list_needs(limit=1)) == 1
    with pytest.raises(NotFoundError):
        reg.get_need(12345)


def test_projects_and_iati_export(world: World) -> None:
    reg = world.reg
    report = reg.import_iati(world.actors["mod"], ACTIVITY)
    assert report.created == ["XM-DAC-41114-AI-001"]
    project = reg.get_project("XM-DAC-41114-AI-001")
    org = reg.get_organisation(project.organisation_id)  # registered from reporting-org
    assert org.iati_ref == "XM-DAC-41114" and org.kind == "multilateral"
    assert [p.id for p in reg.list_projects(economy="KEN")] == [project.id]
    again = reg.import_iati(world.actors["mod"], ACTIVITY)  # re-import updates
    assert again.updated == ["XM-DAC-41114-AI-001"] and len(reg.list_projects()) == 1
    xml = reg.export_iati()
    assert b"XM-DAC-41114-AI-001" in xml and b"<location" in xml
    with pytest.raises(ValidationFailed, match=r"iati_2\.03_schema"):
        activity = project.activity.model_dump(mode="json")
        activity["iati_identifier"] = "NEW-1"
        activity["participating_orgs"] = []  # the schema needs at least one
        reg.create_project(world.actors["mod"], {"organisation_id": org.id, "activity": activity})


def test_resolutions_for_country_profiles(world: World) -> None:
    reg = world.reg
    roles = {r.symbol: r.role for r in reg.resolutions_for("CN")}
    assert roles == {"A/RES/78/265": "co-sponsor", "A/RES/78/311": "proposer"}
    roles = {r.symbol: r.role for r in reg.resolutions_for("USA")}
    assert roles == {"A/RES/78/265": "proposer", "A/RES/78/311": "co-sponsor"}
    assert {r.role for r in reg.resolutions_for("KEN")} == {"adopted without a vote"}
    r311 = reg.get_resolution("A/RES/78/311")
    assert r311.adopted_on.isoformat() == "2024-07-01" and "without a vote" in r311.how_adopted
    assert "SLE" in r311.introduced_on_behalf_of and len(r311.operative_points) >= 6
    with pytest.raises(ValidationFailed):
        reg.resolutions_for("Atlantis")


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, "<iati-activities"])
def test_hostile_or_malformed_import_writes_nothing(world: World, doc: str) -> None:
    with pytest.raises(IatiError):
        world.reg.import_iati(world.actors["mod"], doc)
    assert world.reg.list_projects() == []
    assert world.reg.audit_log(world.actors["mod"], entity="project") == []


def test_match_needs_for_an_offer_with_gap_priority(reg) -> None:
    from registry_helpers import World as W

    reg.gap = {("UGA", 3): 1.0, ("KEN", 3): 0.0}
    w = W(reg)
    ken = w.need()
    uga = w.need(economy="UGA")
    offer = w.offer()
    ranked = reg.match_needs(offer.id)
    assert [m.need_id for m in ranked] == [uga.id, ken.id]  # same need, larger gap first
    top = {t.name: t for t in ranked[0].terms}
    assert top["priority"].value == 1.0 and "UGA" in top["priority"].explanation
    best = reg.match_all()
    assert set(best) == {ken.id, uga.id} and best[ken.id].offer_id == offer.id


def test_a_failing_audit_write_rolls_the_change_back(world: World, monkeypatch) -> None:
    need = world.need()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(world.reg), "_audit", broken)
    with pytest.raises(RuntimeError):
        world.reg.update_need(world.actors["alice"], need.id, {"title": "Never stored"})
    with pytest.raises(RuntimeError):
        world.need(title="Never created")
    monkeypatch.undo()
    assert world.reg.get_need(need.id).title == need.title
    assert [n.id for n in world.reg.list_needs()] == [need.id]
    match = world.reg.propose_match(world.actors["alice"], need.id, world.offer().id)
    assert world.reg.get_match(match.id) == match
