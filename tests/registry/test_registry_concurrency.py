"""Two processes writing at once lose no update (SQLite WAL and PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp

from registry_helpers import World

from aibridge.errors import ConflictError

N = 15


def _progress_worker(url: str, token: str, pledge_id: int, start, n: int) -> None:
    from aibridge.registry import Registry

    reg = Registry(url, migrate=False)
    actor = reg.authenticate(token)
    start.wait(30)
    for _ in range(n):  # read-modify-write inside the service, under a lock
        reg.record_progress(actor, pledge_id, {"reported_on": "2025-01-01", "disbursed_delta": 1})
    reg.close()


def _optimistic_worker(url: str, token: str, offer_id: int, start, n: int) -> None:
    from aibridge.registry import Registry

    reg = Registry(url, migrate=False)
    actor = reg.authenticate(token)
    start.wait(30)
    done = 0
    while done < n:  # client-side read-modify-write with the version it read
        offer = reg.get_offer(offer_id)
        try:
            reg.update_offer(
                actor, offer_id, {"capacity": (offer.capacity or 0) + 1, "version": offer.version}
            )
            done += 1
        except ConflictError:
            continue
    reg.close()


def _run_two(target, *args) -> None:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, start, N)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0, "a writer process failed"


def test_concurrent_progress_updates_all_count(world: World) -> None:
    reg = world.reg
    pledge = reg.create_pledge(
        world.actors["alice"], {"organisation_id": world.org_a.id, "title": "Shared pledge"}
    )
    _run_two(_progress_worker, reg.url, world.tokens["alice"], pledge.id)
    after = reg.get_pledge(pledge.id)
    assert after.disbursed == 2 * N
    assert len(reg.list_progress(pledge.id)) == 2 * N
    assert after.version == 1 + 2 * N
    audited = reg.audit_log(world.actors["admin"], entity="pledge", entity_id=pledge.id, limit=999)
    assert len([e for e in audited if e.action == "progress"]) == 2 * N


def test_concurrent_versioned_edits_lose_nothing(world: World) -> None:
    reg = world.reg
    offer = world.offer(capacity=0)
    _run_two(_optimistic_worker, reg.url, world.tokens["bob"], offer.id)
    assert reg.get_offer(offer.id).capacity == 2 * N
