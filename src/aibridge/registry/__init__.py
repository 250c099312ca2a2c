"""aibridge.registry — the cooperation registry (needs, offers, projects, pledges, matches,
resolutions), with accounts, API tokens and an append-only audit log.

Service API (what the CLI, the REST API and the web app call)::

    from aibridge.registry import Registry, Actor, SYSTEM, schemas as rs

    reg = Registry()                      # settings.registry_database_url (SQLite, WAL); or
    reg = Registry("postgresql+psycopg://user@host/db", gap=aci_gap)   # migrates to head
    # one Registry per process (thread-safe: a session per call). gap = the AI Capacity
    # Index hook: {(iso3, area): gap in [0, 1]} or a callable gap(iso3, area) -> float | None
    actor = reg.authenticate(token)       # -> Actor; AuthenticationFailed on a bad token

    # writes: first argument the Actor; input = a Create/Update model or a plain dict
    org  = reg.create_organisation(actor, {"name": ..., "kind": "government", "country": "KEN"})
    need = reg.create_need(actor, rs.NeedCreate(organisation_id=org.id, economy="KEN",
                                                title=..., areas=[3], actions=["AP5"]))
    reg.update_need(actor, need.id, {"status": "in_progress", "version": need.version})
    reg.delete_need(actor, need.id)       # same trio for offer / project / pledge / organisation
    reg.record_progress(actor, pledge_id, {"reported_on": "2025-01-31", "progress_pct": 40})
    reg.propose_match(actor, need_id, offer_id); reg.set_match_status(actor, match_id, "accepted")
    reg.import_iati(actor, xml_bytes)     # -> IatiImportReport; all activities or none
    reg.create_account(actor, {...}); reg.create_token(actor, account_id) -> TokenCreated
    reg.add_resolution(actor, {...})

    # reads (public; no actor)
    reg.get_need(id) / list_needs(economy=, area=, status=, organisation_id=, limit=, offset=)
    reg.get_offer / list_offers(kind=, area=, eligible_for=) / get_project(id or IATI id) /
    reg.list_projects(economy=) / list_pledges / list_progress / list_organisations /
    reg.get_match / list_matches(need_id=, offer_id=, status=) / find_organisation(name or ref)
    reg.match_offers(need_id, limit=10) -> list[MatchPublic]   # each with .terms (explained)
    reg.match_needs(offer_id, limit=10);  reg.match_all() -> {need_id: best MatchPublic | None}
    reg.export_iati(project_ids=None) -> bytes (IATI 2.03, schema-valid)
    reg.list_resolutions(); reg.resolutions_for("KEN") -> list[ResolutionPublic] with .role
    reg.audit_log(actor, entity=, entity_id=)   # moderators and admins

Errors (aibridge.errors): ValidationFailed(field, rule) -> 422, AuthenticationFailed -> 401,
PermissionDenied -> 403, NotFoundError -> 404, ConflictError (stale ``version``, duplicate,
no capacity) -> 409, IatiError -> 422. Every write is authorised (roles in
:mod:`aibridge.registry.auth`), transactional, and audited. Matching formula:
:mod:`aibridge.registry.matching` and docs/registry.md.
"""

from aibridge.registry import schemas
from aibridge.registry.auth import SYSTEM, Actor
from aibridge.registry.matching import GapSignal, MatchMatrix, MatchWeights, score_matrix
from aibridge.registry.service import IatiImportReport, Registry

__all__ = [
    "SYSTEM",
    "Actor",
    "GapSignal",
    "IatiImportReport",
    "MatchMatrix",
    "MatchWeights",
    "Registry",
    "schemas",
    "score_matrix",
]
