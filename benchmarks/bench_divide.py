"""Benchmark: what-if recompute for one economy (< 100 ms) and minimal-path solve (< 1 s).

Synthetic index shaped like the ACI: 195 economies x 46 indicators, 5 pillars of 2-4
sub-pillars, COINr-style pipeline (carry-forward imputation is done before, as in
``build_aci``) -> outlier treatment -> min-max 0-100 -> weighted arithmetic means; 10 years in
the panel, one year rebuilt per scenario. With ``--store FILE`` the real ACI is measured too
(``build_aci`` on that store; the scenario and path then run on its published build).

Timed: ``run_scenario`` for one economy with the baseline given (the rebuild of the whole year:
every economy's normalisation bounds and ranks follow the change) and ``minimal_path`` to a
target rank 20 places up (build of gains + two MILPs + exact check), median over economies.

Run: ``.venv/bin/python benchmarks/bench_divide.py [--repeat 30] [--store FILE]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from aibridge.analysis.scenario import minimal_path, run_scenario
from aibridge.engine import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step, build_index

N_ECON, N_IND, N_YEAR = 195, 46, 10
SUB = (3, 3, 3, 3, 2)  # sub-pillars per pillar: 14 in all


def make() -> tuple[IndexSpec, Panel]:
    rng = np.random.default_rng(7)
    subs = [f"P{p}S{s}" for p, n in enumerate(SUB) for s in range(n)]
    inds = tuple(
        IndicatorSpec(f"I{j:02d}", subs[j % len(subs)], 1 if j % 5 else -1) for j in range(N_IND)
    )
    nodes = tuple(NodeSpec(s, s[:2]) for s in subs)
    nodes += (*(NodeSpec(f"P{p}", "ACI") for p in range(len(SUB))), NodeSpec("ACI"))
    spec = IndexSpec(
        "bench-aci",
        inds,
        nodes,
        stages=("treat", "normalise", "aggregate"),
        treat=Step("coinr", {"winmax": 5}),
        normalise=Step("minmax", {"low": 0.0, "high": 100.0}),
    )
    v = rng.lognormal(1.0, 1.0, size=(N_YEAR, N_ECON, N_IND))
    v[rng.random(v.shape) < 0.05] = np.nan
    panel = Panel(
        v,
        tuple(range(2014, 2014 + N_YEAR)),
        tuple(f"E{i:03d}" for i in range(N_ECON)),
        tuple(i.code for i in inds),
    )
    return spec, panel


def bench(spec: IndexSpec, panel: Panel, repeat: int, label: str) -> None:
    year = panel.years[-1]
    t = len(panel.years) - 1
    base = build_index(spec, panel, years=[year])
    root = base.tree.codes[base.tree.root]
    ranks = base.rank(root)
    scored = [e for e, r in zip(panel.economies, ranks, strict=True) if r == r and r > 25]
    rng = np.random.default_rng(0)
    econs = [
        scored[k] for k in rng.choice(len(scored), size=min(repeat, len(scored)), replace=False)
    ]
    codes = list(spec.indicator_codes)
    times = []
    for e in econs:
        i = panel.economies.index(e)
        j = panel.indicators.index(codes[i % len(codes)])
        x = panel.values[t, i, j]
        if x != x:
            continue
        t0 = time.perf_counter()
        run_scenario(spec, panel, e, {codes[i % len(codes)]: x * 1.5}, year=year, baseline=base)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times) * 1e3
    print(f"[{label}] scenario recompute, one economy: median {med:.1f} ms,"
          f" max {max(times) * 1e3:.1f} ms over {len(times)} economies")  # fmt: skip
    ptimes, counts, reached = [], [], 0
    for e in econs[: max(5, repeat // 3)]:
        r0 = int(ranks[panel.economies.index(e)])
        t0 = time.perf_counter()
        p = minimal_path(spec, panel, e, target_rank=max(1, r0 - 20), year=year, baseline=base)
        ptimes.append(time.perf_counter() - t0)
        counts.append(p.n_changed)
        reached += p.reached
    print(f"[{label}] minimal path (target: 20 ranks up): median {statistics.median(ptimes):.3f} s,"
          f" max {max(ptimes):.3f} s over {len(ptimes)} economies; reached {reached}/{len(ptimes)};"
          f" indicators changed median {statistics.median(counts)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--store", default=None, help="Store with the ACI data (optional).")
    args = ap.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    spec, panel = make()
    bench(spec, panel, args.repeat, f"synthetic {N_ECON}x{N_IND}")
    if args.store:
        from aibridge.analysis.aci import build_aci

        aci = build_aci(store_path=args.store, n_uncertainty=0, save=False)
        res = aci.result
        real = Panel(res.stages["raw"], res.years, res.economies, tuple(res.spec.indicator_codes),
                     imputed=res.imputed)  # fmt: skip
        y = aci.latest_year
        real = Panel(real.values[: real.years.index(y) + 1], real.years[: real.years.index(y) + 1],
                     real.economies, real.indicators)  # fmt: skip
        bench(res.spec, real, args.repeat, f"ACI {y}, {len(res.economies)} economies")


if __name__ == "__main__":
    main()
