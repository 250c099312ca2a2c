"""Benchmark of the uncertainty analysis (issue 5).

Run: ``.venv/bin/python benchmarks/bench_uncertainty.py``.

Measures, in one run on one machine:

1. 193 economies × 50 indicators (synthetic, COINr-style pipeline: winsorise → min-max → arithmetic
   mean over 10 pillars, 3 sub-indexes, 1 index) with the COINr vignette's perturbations
   (weights of pillars and sub-indexes ±25 %, min-max [1, 100] or z-score (10, 2), arithmetic or
   geometric mean, winsorisation limit 1..5):
   * vectorised (numpy backend) at N = 1,000 / 10,000 replications;
   * a per-replication loop that edits the recipe and rebuilds the index each time
     (:func:`aibridge.analysis.uncertainty.rebuild`, what COINr's ``get_sensitivity`` does) at
     N = 1,000 — the speed-up is the ratio;
   * dask ``LocalCluster(n_workers=2)`` at N = 10,000: with the cluster start-up and with a warm
     cluster, and the overhead against numpy;
   * peak memory (max RSS of a fresh process) of N = 100,000.
2. The ASEM example (``examples/asem``) with the same spec at N = 100 / 1,000 / 10,000 against
   COINr's measured 0.113 s per replication (100 replications: 11.3 s on this machine).

Pass ``--quick`` for a smoke run (small N) and ``--json FILE`` to keep the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aibridge.analysis.backends import chunk_size_for  # noqa: E402
from aibridge.analysis.uncertainty import (  # noqa: E402
    IndexPlan,
    UncertaintySpec,
    bind,
    evaluate,
    rebuild,
    run_uncertainty,
    sample,
)
from aibridge.engine.spec import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step  # noqa: E402

COINR_SECONDS_PER_REP = 0.113  # issue 5: COINr, 100 replications of the ASEM vignette in 11.3 s

VIGNETTE = {
    "weights": {"distribution": "uniform", "noise": 0.25, "levels": [2, 3]},
    "normalisation": [
        {"method": "minmax", "params": {"low": 1, "high": 100}},
        {"method": "zscore", "params": {"mean": 10, "sd": 2}},
    ],
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
    "treatment": {"winmax": [1, 5]},
}


#: Every input at once (worst case for the batch: indicator weights and leave-one-out make
#: the indicator level vary by replication).
ALL_INPUTS = {
    **VIGNETTE,
    "weights": {"distribution": "uniform", "noise": 0.25, "levels": [1, 2, 3]},
    "imputation": [{"method": "none"}, {"method": "mean"}],
    "treatment": {"on_off": True, "winmax": [1, 5]},
    "exclude": True,
}


def synthetic(n: int = 193, k: int = 50, years: int = 1, seed: int = 0) -> tuple[IndexSpec, Panel]:
    """193 × 50 framework: 10 pillars of 5 indicators, 3 sub-indexes, 1 index; 5 % missing."""
    rng = np.random.default_rng(seed)
    inds = tuple(
        IndicatorSpec(code=f"IND{j:02d}", parent=f"P{j % 10}", direction=-1 if j % 7 == 0 else 1)
        for j in range(k)
    )
    nodes = (
        *(NodeSpec(f"P{q}", f"S{q % 3}") for q in range(10)),
        *(NodeSpec(f"S{q}", "INDEX") for q in range(3)),
        NodeSpec("INDEX"),
    )
    spec = IndexSpec(
        name="synthetic-193x50",
        indicators=inds,
        nodes=nodes,
        treat=Step("coinr", {"winmax": 5}),
        normalise=Step("minmax", {"low": 0.0, "high": 100.0}),
    )
    vals = rng.lognormal(mean=1.0, sigma=0.8, size=(years, n, k))
    vals[rng.random(vals.shape) < 0.05] = np.nan
    econ = tuple(f"E{i:03d}" for i in range(n))
    return spec, Panel(vals, tuple(range(2024 - years + 1, 2025)), econ, spec.indicator_codes)


class NoWork:
    """A chunk function that returns zeros of the right shape (measures dask's overhead)."""

    def __init__(self, n: int):
        self.n = n

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros((rows.shape[0], 2, self.n, 1))


def best_of(fn: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cold(problem: Any, design: Any) -> Any:
    """Evaluate with an empty stage cache (as a first run would)."""
    problem.plan._cache.clear()
    return evaluate(problem, design)


def peak_rss_child(n: int) -> float:
    """Max RSS (MiB) of a fresh interpreter that runs N replications and summarises them."""
    src, bench = str(ROOT / "src"), str(ROOT / "benchmarks")
    code = (
        f"import sys, resource; sys.path.insert(0, {src!r}); sys.path.insert(0, {bench!r})\n"
        "from bench_uncertainty import synthetic, VIGNETTE\n"
        "from aibridge.analysis.uncertainty import IndexPlan, UncertaintySpec, run_uncertainty\n"
        "spec, panel = synthetic()\n"
        "plan, uspec = IndexPlan(spec, panel), UncertaintySpec.parse(VIGNETTE)\n"
        f"res = run_uncertainty(plan, uspec, {n}, seed=1)\n"
        "res.summary()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0


def asem_plan() -> IndexPlan | None:
    """The ASEM example's plan, if the example and the shared data are present."""
    from aibridge.errors import AibridgeError
    from aibridge.frameworks import load_framework, load_panel

    try:
        fw = load_framework(ROOT / "examples" / "asem" / "asem.yaml")
        return IndexPlan(fw.to_spec(), load_panel(fw))
    except AibridgeError as exc:  # data absent
        print(f"ASEM example skipped: {exc}")
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small N smoke run")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args()
    q = args.quick
    out: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average": os.getloadavg(),
    }
    uspec = UncertaintySpec.parse(VIGNETTE)
    spec, panel = synthetic()
    plan = IndexPlan(spec, panel)
    problem = bind(uspec, plan)

    # 1a. vectorised
    for n in (1_000, 10_000) if not q else (200, 1_000):
        design = sample(problem, n, rng=1)
        out[f"vectorised_{n}_s"] = best_of(
            lambda d=design: evaluate(problem, d), 1 if n > 5000 else 3
        )
        print(f"193x50 vectorised N={n:,}: {out[f'vectorised_{n}_s']:.3f} s")
    n_all = 10_000 if not q else 1_000
    p_all = bind(UncertaintySpec.parse(ALL_INPUTS), plan)
    d_all = sample(p_all, n_all, rng=1)
    out[f"all_inputs_{n_all}_s"] = best_of(lambda: cold(p_all, d_all), 1)
    print(f"193x50 all inputs (7 incl. indicator weights, leave-one-out) N={n_all:,}: "
          f"{out[f'all_inputs_{n_all}_s']:.3f} s")  # fmt: skip

    # 1b. loop of rebuilds
    n_loop = 1_000 if not q else 50
    design = sample(problem, n_loop, rng=1)
    t0 = time.perf_counter()
    for row in design.u:
        rebuild(problem, row)
    out[f"loop_{n_loop}_s"] = time.perf_counter() - t0
    vec = best_of(lambda: cold(problem, design), 3)
    out[f"vectorised_{n_loop}_same_design_s"] = vec
    out["speedup_vs_loop"] = out[f"loop_{n_loop}_s"] / vec
    print(f"loop of {n_loop:,} rebuilds: {out[f'loop_{n_loop}_s']:.2f} s; "
          f"vectorised {vec:.3f} s; speed-up {out['speedup_vs_loop']:.0f}x")  # fmt: skip

    # 1c. dask LocalCluster(2 workers)
    from distributed import Client

    from aibridge.analysis.backends import local_cluster

    n_dask = 10_000 if not q else 1_000
    t0 = time.perf_counter()
    res = run_uncertainty(plan, uspec, n_dask, seed=1, backend="dask", n_workers=2)
    out[f"dask_cold_{n_dask}_s"] = time.perf_counter() - t0
    with local_cluster(2) as cluster, Client(cluster) as client:
        run_uncertainty(plan, uspec, 200, seed=1, backend="dask", scheduler=client)  # warm-up
        # pure scheduling + transfer overhead: the same chunks, a function that does no work
        from aibridge.analysis.backends import map_chunks
        from aibridge.analysis.uncertainty import bytes_per_replication

        d_dask = sample(problem, n_dask, rng=1)
        size = chunk_size_for(bytes_per_replication(problem))
        t0 = time.perf_counter()
        map_chunks(NoWork(len(plan.economies)), d_dask.u, backend="dask", scheduler=client,
                   chunk_size=size)  # fmt: skip
        out[f"dask_nowork_{n_dask}_s"] = time.perf_counter() - t0
        out["dask_chunks"] = -(-n_dask // size)
        t0 = time.perf_counter()
        res_d = run_uncertainty(plan, uspec, n_dask, seed=1, backend="dask", scheduler=client)
        out[f"dask_warm_{n_dask}_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    res_n = run_uncertainty(plan, uspec, n_dask, seed=1)
    out[f"numpy_{n_dask}_s"] = time.perf_counter() - t0
    assert np.array_equal(res_d.ranks, res_n.ranks) and np.array_equal(res.ranks, res_n.ranks)
    print(f"dask N={n_dask:,}: cold {out[f'dask_cold_{n_dask}_s']:.2f} s, warm "
          f"{out[f'dask_warm_{n_dask}_s']:.2f} s; numpy {out[f'numpy_{n_dask}_s']:.2f} s "
          f"(identical ranks); same {out['dask_chunks']} chunks with no work: "
          f"{out[f'dask_nowork_{n_dask}_s']:.2f} s")  # fmt: skip

    # 1d. memory
    n_mem = 100_000 if not q else 5_000
    out[f"peak_rss_{n_mem}_MiB"] = peak_rss_child(n_mem)
    print(f"peak RSS, N={n_mem:,} of 193x50: {out[f'peak_rss_{n_mem}_MiB']:.0f} MiB")

    # 2. ASEM
    aplan = asem_plan()
    if aplan is not None:
        ap_ = bind(uspec, aplan)
        for n in (100, 1_000, 10_000, 100_000) if not q else (100,):
            design = sample(ap_, n, rng=1)
            t = best_of(lambda d=design: cold(ap_, d), 1 if n > 5000 else 3)
            out[f"asem_{n}_ms_per_rep"] = t / n * 1e3
            out[f"asem_{n}_s"] = t
            out[f"asem_{n}_speedup_vs_coinr"] = COINR_SECONDS_PER_REP * n / t
            print(f"ASEM N={n:,}: {t:.3f} s ({t / n * 1e3:.3f} ms/rep); COINr at 0.113 s/rep "
                  f"would need >= {COINR_SECONDS_PER_REP * n:.0f} s: "
                  f"{out[f'asem_{n}_speedup_vs_coinr']:.0f}x")  # fmt: skip
        t0 = time.perf_counter()
        sres = run_uncertainty(aplan, uspec, 512, seed=1, method="saltelli", n_boot=200)
        out["asem_sobol_512_s"] = time.perf_counter() - t0
        out["asem_sobol_512_evaluation_s"] = sres.seconds
        out["asem_sobol_runs"] = sres.n_runs
        print(f"ASEM Sobol' n=512 ({sres.n_runs:,} runs, 52 outputs, bootstrap 200): "
              f"{out['asem_sobol_512_s']:.2f} s, of which replications "
              f"{sres.seconds:.2f} s")  # fmt: skip
        assert sres.sobol is not None
        print(sres.sobol.for_output("mean_abs_rank_shift").to_string(index=False))
    out["peak_rss_self_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float), encoding="utf-8")
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
