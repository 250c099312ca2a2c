"""Registry matching benchmark: top match for each of 200 needs among 200 offers.

Target (issue 7): under 1 s. Measures (a) the scoring core on in-memory records
(``score_matrix`` + best offer per need + the explanation of each top match) and (b) the
end-to-end service call ``Registry.match_all()`` on a SQLite file, which also loads the
records. Usage: ``.venv/bin/python benchmarks/bench_matching.py [--needs 200 --offers 200]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from aibridge.registry import SYSTEM, Registry, score_matrix
from aibridge.registry.schemas import ACTIONS

_CORPUS = (
    "training course teachers civil servants machine learning data sets language resources "
    "computing GPU cloud cluster cybersecurity governance ethics regulation agriculture "
    "health climate open source models literacy women youth rural startups research lab "
    "formation données apprentissage automatique 人工智能 培训 数据 تدريب بيانات الذكاء"
)
WORDS = _CORPUS.split()
ECONOMIES = ["KEN", "UGA", "ETH", "NGA", "GHA", "BRA", "IDN", "PAK", "LAO", "ZMB", "SEN", "PER"]
LANGS = ["en", "fr", "ar", "zh", "es", "ru", "sw", "pt"]


def _text(rng: np.random.Generator, n: int) -> str:
    return " ".join(rng.choice(WORDS, size=n))


def _pick(rng: np.random.Generator, values: list, lo: int, hi: int) -> list:
    return sorted(set(rng.choice(values, size=int(rng.integers(lo, hi + 1))).tolist()))


def build(reg: Registry, n_needs: int, n_offers: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    orgs = [
        reg.create_organisation(SYSTEM, {"name": f"Org {i}", "kind": "government"}).id
        for i in range(20)
    ]
    actions = list(ACTIONS)
    base = dt.date(2025, 1, 1)
    for i in range(n_needs):
        start = base + dt.timedelta(days=int(rng.integers(0, 365)))
        reg.create_need(
            SYSTEM,
            {
                "organisation_id": orgs[i % 20],
                "economy": str(rng.choice(ECONOMIES)),
                "title": f"Need {i}: {_text(rng, 4)}",
                "description": _text(rng, 30),
                "areas": [int(a) for a in _pick(rng, [1, 2, 3, 4, 5], 1, 3)],
                "actions": _pick(rng, actions, 0, 3),
                "languages": _pick(rng, LANGS, 1, 2),
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=int(rng.integers(30, 400)))).isoformat(),
            },
        )
    kinds = ["training", "compute", "data", "expertise", "funding", "open_source_tools"]
    for i in range(n_offers):
        reg.create_offer(
            SYSTEM,
            {
                "organisation_id": orgs[(i + 7) % 20],
                "kind": kinds[i % len(kinds)],
                "title": f"Offer {i}: {_text(rng, 4)}",
                "description": _text(rng, 30),
                "areas": [int(a) for a in _pick(rng, [1, 2, 3, 4, 5], 1, 3)],
                "actions": _pick(rng, actions, 0, 3),
                "eligible_economies": _pick(rng, ECONOMIES, 0, 6) if i % 3 == 0 else [],
                "languages": _pick(rng, LANGS, 1, 3),
                "capacity": int(rng.integers(1, 50)),
                "available_from": "2025-01-01",
                "available_until": "2026-12-31",
            },
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--needs", type=int, default=200)
    ap.add_argument("--offers", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    gap = {(e, a): float(rng.uniform()) for e in ECONOMIES for a in range(1, 6)}
    with tempfile.TemporaryDirectory() as tmp:
        reg = Registry(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", gap=gap)
        build(reg, args.needs, args.offers)
        needs, offers = reg.list_needs(status="open"), reg.list_offers(status="open")
        core, full = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            mx = score_matrix(needs, offers, gap=gap, today=dt.date(2025, 6, 1))
            best = mx.best_offer_per_need()
            tops = [mx.explain(i, int(j)) for i, j in enumerate(best) if j >= 0]
            core.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = reg.match_all(today=dt.date(2025, 6, 1))
            full.append(time.perf_counter() - t0)
        assert len(result) == len(needs)
        for m in tops:  # the explanation sums to the score
            assert abs(m.score - sum(t.contribution for t in m.terms)) < 1e-12
        reg.close()
    print(f"machine: {platform.machine()} {platform.python_version()} {dt.date.today()}")
    print(f"{len(needs)} needs x {len(offers)} offers, top match for each need (explained):")
    print(
        f"  scoring core  median {statistics.median(core) * 1000:7.1f} ms  (min "
        f"{min(core) * 1000:.1f})"
    )
    print(
        f"  match_all()   median {statistics.median(full) * 1000:7.1f} ms  (min "
        f"{min(full) * 1000:.1f}; includes loading from SQLite)"
    )
    print(f"  target < 1000 ms: {'met' if statistics.median(full) < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
