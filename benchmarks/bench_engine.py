"""Benchmark: build a 193 economies x 50 indicators x 15 years index (issue 4 target < 100 ms).

Pipeline: screen (byNA, 2/3) -> group-mean imputation (6 regions) -> COINr outlier
treatment (winsorise up to 5 points, log fallback) -> min-max 0-100 -> weighted arithmetic
mean over 10 pillars of 5 indicators, 2 sub-indices and the index; ranks for every node.

Baseline: the same pipeline written the way it is often done by hand — a pandas loop over
years and indicators (``Series.skew``/``Series.kurt`` are the same type-2 statistics), then
``groupby`` aggregation. The two are checked to agree before timing.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import pandas as pd

from aibridge.engine import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step, build_index

N_ECON, N_IND, N_YEAR, N_PILLAR = 193, 50, 15, 10


def make_panel(seed: int = 42) -> Panel:
    rng = np.random.default_rng(seed)
    v = rng.lognormal(mean=1.0, sigma=1.0, size=(N_YEAR, N_ECON, N_IND))
    v[rng.random(v.shape) < 0.05] = np.nan  # 5 % missing
    return Panel(
        v,
        tuple(range(2010, 2010 + N_YEAR)),
        tuple(f"E{i:03d}" for i in range(N_ECON)),
        tuple(f"I{j:02d}" for j in range(N_IND)),
        groups={"region": tuple(f"R{i % 6}" for i in range(N_ECON))},
    )


def make_spec() -> IndexSpec:
    per = N_IND // N_PILLAR
    inds = tuple(
        IndicatorSpec(f"I{j:02d}", f"P{j // per}", 1 if j % 3 else -1, 1.0) for j in range(N_IND)
    )
    nodes = tuple(NodeSpec(f"P{p}", "S0" if p < N_PILLAR // 2 else "S1") for p in range(N_PILLAR))
    nodes += (NodeSpec("S0", "Index"), NodeSpec("S1", "Index"), NodeSpec("Index"))
    return IndexSpec(
        "bench",
        inds,
        nodes,
        screen=Step("byNA", {"dat_thresh": 2 / 3}),
        impute=Step("group_mean", {"group": "region"}),
        treat=Step("coinr", {"winmax": 5}),
    )


def pandas_loop(spec: IndexSpec, panel: Panel) -> np.ndarray:
    """Reference implementation: loops over years and indicators with pandas."""
    out = []
    regions = pd.Series(panel.groups["region"], index=panel.economies)
    for t, _year in enumerate(panel.years):
        df = pd.DataFrame(panel.values[t], index=panel.economies, columns=panel.indicators)
        keep = df.notna().mean(axis=1) >= 2 / 3
        df = df.where(keep, np.nan)  # screen (masked, as the engine)
        for col in df.columns:  # impute by group mean
            means = df[col].groupby(regions).transform("mean")
            df[col] = df[col].fillna(means.where(keep))
        for col in df.columns:  # COINr treatment
            x0 = df[col].copy()
            x = x0.copy()

            def passes(s: pd.Series) -> bool:
                return bool(abs(s.skew()) < 2 or s.kurt() < 3.5)

            if not passes(x):
                n_hi = n_lo = 0
                while not passes(x) and n_hi + n_lo < 5:
                    if x.skew() >= 0:
                        at = x == x.max()
                        x[at] = x[~at].max()
                        n_hi = int(at.sum())
                    else:
                        at = x == x.min()
                        x[at] = x[~at].min()
                        n_lo = int(at.sum())
                if not passes(x):
                    x = np.log(x0 - x0.min() + 0.01 * (x0.max() - x0.min()))
            df[col] = x
        for ind in spec.indicators:  # min-max with direction
            s = df[ind.code] * ind.direction
            df[ind.code] = (s - s.min()) / (s.max() - s.min()) * 100
        parent = {i.code: i.parent for i in spec.indicators}
        level = df.T.groupby(parent).mean().T  # pillars (equal weights, NaN skipped)
        sub = level.T.groupby({f"P{p}": ("S0" if p < 5 else "S1") for p in range(10)}).mean().T
        index = sub.mean(axis=1)
        out.append(index.where(keep).to_numpy())
    return np.array(out)


def timeit(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    panel, spec = make_panel(), make_spec()
    res = build_index(spec, panel)
    ref = pandas_loop(spec, panel)
    diff = np.nanmax(np.abs(res.scores[..., res.tree.index("Index")] - ref))
    print(f"engine vs pandas loop: max |difference| of the index = {diff:.2e}")
    t_engine = timeit(lambda: build_index(spec, panel), args.repeat)
    t_pandas = timeit(lambda: pandas_loop(spec, panel), max(2, args.repeat // 3))
    me, mp = statistics.median(t_engine), statistics.median(t_pandas)
    print(f"machine: {platform.machine()}, {platform.python_version()}, numpy {np.__version__}")
    print(f"{N_ECON} economies x {N_IND} indicators x {N_YEAR} years, {len(res.codes)} nodes")
    print(f"engine build_index: median {me * 1000:.1f} ms (min {min(t_engine) * 1000:.1f} ms)")
    print(f"pandas loop       : median {mp * 1000:.0f} ms (min {min(t_pandas) * 1000:.0f} ms)")
    print(f"speed-up: {mp / me:.0f}x")


if __name__ == "__main__":
    main()
