"""Monte Carlo replications: exactness at zero perturbation, determinism, outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aibridge.analysis.uncertainty import (
    IndexPlan,
    UncertaintySpec,
    analyze,
    bind,
    evaluate,
    run_uncertainty,
    sample,
)
from aibridge.engine.build import build_index

FULL = {
    "weights": {"noise": 0.25},
    "normalisation": [
        {"method": "minmax", "params": {"low": 1, "high": 100}},
        {"method": "zscore", "params": {"mean": 10, "sd": 2}},
    ],
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
    "treatment": {"on_off": True, "winmax": [1, 5]},
    "exclude": True,
    "targets": ["idx", "s0", "p1"],
}


def test_zero_perturbation_equals_nominal_build_exactly(toy_plan: IndexPlan, toy_factory) -> None:  # type: ignore[no-untyped-def]
    spec, panel = toy_factory()
    nominal = build_index(spec, panel)
    codes = list(nominal.tree.codes)
    cols = [codes.index(c) for c in ("idx", "s0", "s1", "p0", "p2")]
    zero = UncertaintySpec.parse(
        {
            "weights": {"noise": 0.0, "levels": [1, 2, 3]},
            "targets": ["idx", "s0", "s1", "p0", "p2"],
        }
    )
    res = run_uncertainty(toy_plan, zero, 50, seed=3, chunk_size=7)
    want_s = np.asarray(nominal.scores)[0][:, cols]
    want_r = np.asarray(nominal.ranks)[0][:, cols]
    for i in range(res.n_runs):
        np.testing.assert_array_equal(res.scores[i], want_s)  # bit-identical, not approx
        np.testing.assert_array_equal(res.ranks[i], want_r)
    frame = res.summary()
    assert (frame["median_rank"] == frame["nominal_rank"]).all()
    assert (frame["rank_volatility"] == 0).all()


def test_single_nominal_alternatives_equal_nominal(toy_plan: IndexPlan) -> None:
    # choosing, among alternatives, exactly the framework's own methods changes nothing
    spec = UncertaintySpec.parse(
        {
            "normalisation": [{"method": "minmax", "params": {"low": 1.0, "high": 100.0}}],
            "aggregation": [{"method": "arith_mean"}],
        }
    )
    res = run_uncertainty(toy_plan, spec, 5, seed=1)
    for i in range(res.n_runs):
        np.testing.assert_array_equal(res.scores[i], res.nominal_scores)


def test_replication_equals_a_rebuild_with_its_choices(toy_factory) -> None:  # type: ignore[no-untyped-def]
    # one replication against an independent build with the same choices
    from dataclasses import replace

    from aibridge.engine.spec import Step

    spec, panel = toy_factory(seed=4)
    plan = IndexPlan(spec, panel)
    problem = bind(UncertaintySpec.parse(FULL), plan)
    design = sample(problem, 40, rng=5)
    y = evaluate(problem, design)
    codes = list(plan.codes)
    for i in range(0, 40, 7):
        u = design.u[i]
        f = {fa.name: fa for fa in problem.factors}
        norm = f["normalisation"].alternatives[
            f["normalisation"].choose(u[f["normalisation"].columns.start])
        ]
        agg = f["aggregation"].alternatives[
            f["aggregation"].choose(u[f["aggregation"].columns.start])
        ]
        on = f["treatment"].alternatives[f["treatment"].choose(u[f["treatment"].columns.start])]
        wmax = f["winmax"].alternatives[f["winmax"].choose(u[f["winmax"].columns.start])]
        ex = f["exclude"].alternatives[f["exclude"].choose(u[f["exclude"].columns.start])]
        w = plan.weights.copy()
        wc = np.asarray(problem.weight_map)
        w[wc] = w[wc] * (1 + 0.25 * (2 * u[f["weights"].columns] - 1))
        treat = Step("coinr", {"winmax": wmax}) if on == "on" else Step("none")
        spec_i = replace(
            spec,
            normalise=Step(norm.method, dict(norm.params)),
            treat=treat,
            nodes=tuple(replace(nd, aggregate=Step(agg.method)) for nd in spec.nodes),
        )
        panel_i = panel
        if ex is not None:
            vals = panel.values.copy()
            # drop the indicator *after* normalisation = give it no value for anyone
            spec_i = replace(
                spec_i,
                indicators=tuple(
                    replace(ind, weight=0.0) if j == ex else ind
                    for j, ind in enumerate(spec_i.indicators)
                ),
            )
            panel_i = panel
            del vals
        ref = build_index(spec_i, panel_i, weights=np.where(np.arange(len(w)) == ex, 0.0, w))
        for t, code in enumerate(problem.targets):
            np.testing.assert_allclose(
                y[i, 0, :, t], np.asarray(ref.scores)[0][:, codes.index(code)], rtol=1e-12
            )


@pytest.mark.parametrize("chunk_size", [1, 13, 64, 1000])
def test_same_seed_same_result_whatever_the_chunk_size(
    toy_plan: IndexPlan, chunk_size: int
) -> None:
    spec = UncertaintySpec.parse(FULL)
    ref = run_uncertainty(toy_plan, spec, 150, seed=11, chunk_size=150)
    res = run_uncertainty(toy_plan, spec, 150, seed=11, chunk_size=chunk_size)
    np.testing.assert_array_equal(res.scores, ref.scores)
    np.testing.assert_array_equal(res.ranks, ref.ranks)
    pd.testing.assert_frame_equal(res.summary(), ref.summary())


def test_same_seed_same_result_on_dask(toy_plan: IndexPlan) -> None:
    distributed = pytest.importorskip("distributed")
    spec = UncertaintySpec.parse(FULL)
    ref = run_uncertainty(toy_plan, spec, 120, seed=5, chunk_size=120)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        by_address = run_uncertainty(
            toy_plan, spec, 120, seed=5, backend="dask", scheduler=cluster.scheduler_address,
            chunk_size=17,
        )  # fmt: skip
        with distributed.Client(cluster, set_as_default=False) as client:
            by_client = run_uncertainty(
                toy_plan, spec, 120, seed=5, backend="dask", scheduler=client, chunk_size=50
            )
    for res in (by_address, by_client):
        np.testing.assert_array_equal(res.scores, ref.scores)
        np.testing.assert_array_equal(res.ranks, ref.ranks)
    other = run_uncertainty(toy_plan, spec, 120, seed=6)
    assert not np.array_equal(other.ranks, ref.ranks)


def test_summary_columns_and_ordering(toy_plan: IndexPlan, tmp_path: Path) -> None:
    res = run_uncertainty(toy_plan, UncertaintySpec.parse(FULL), 300, seed=2)
    frame = res.summary()
    for col in ("economy", "node", "nominal_rank", "median_rank", "p05_rank", "p95_rank"):
        assert col in frame.columns
    assert set(frame["node"]) == {"idx", "s0", "p1"}
    assert (frame["p05_rank"] <= frame["median_rank"]).all()
    assert (frame["median_rank"] <= frame["p95_rank"]).all()
    assert (frame["p05_score"] <= frame["p95_score"]).all()
    assert frame["rank_volatility"].gt(0).any()
    effects = res.input_effects()
    assert set(effects["factor"]) == {f.name for f in res.factors}
    # exclusion of an indicator moves ranks more than not excluding
    ex = effects[effects["factor"] == "exclude"].set_index("value")["mean_abs_rank_shift"]
    assert ex.drop("none").mean() > ex["none"]
    out = res.write(tmp_path / "u.csv")
    assert pd.read_csv(out).shape == frame.shape
    res.write(tmp_path / "u.parquet")
    assert pd.read_parquet(tmp_path / "u.parquet").shape == frame.shape


def test_dirichlet_weights_keep_node_totals(toy_plan: IndexPlan) -> None:
    from aibridge.analysis.uncertainty import _Evaluator

    spec = UncertaintySpec.parse({"weights": {"distribution": "dirichlet", "concentration": 20}})
    problem = bind(spec, toy_plan)
    design = sample(problem, 500, rng=1)
    w = _Evaluator(problem).weights(design.u)
    tree = toy_plan.tree
    for par in range(len(tree.codes)):
        ch = list(tree.children[par])
        if ch:
            np.testing.assert_allclose(w[:, ch].sum(axis=1), toy_plan.weights[ch].sum())
    assert (w > 0).all()
    # mean share ~ nominal share
    ch = list(tree.children[tree.codes.index("s0")])
    share = w[:, ch] / w[:, ch].sum(axis=1, keepdims=True)
    nominal = toy_plan.weights[ch] / toy_plan.weights[ch].sum()
    np.testing.assert_allclose(share.mean(axis=0), nominal, atol=0.03)


def test_saltelli_design_gives_sobol_indices(toy_plan: IndexPlan) -> None:
    spec = UncertaintySpec.parse(FULL)
    res = run_uncertainty(toy_plan, spec, 64, seed=4, method="saltelli", n_boot=30)
    assert res.sobol is not None
    frame = res.sobol_frame()
    main = frame[frame["output"] == "mean_abs_rank_shift"]
    assert list(main["factor"]) == [f.name for f in res.factors]
    assert (main["ST"] >= -0.05).all()
    assert len(frame) == (1 + len(res.economies)) * len(res.factors)
    conv = res.convergence(n_boot=20)
    assert conv["n"].max() == 64


@pytest.mark.parametrize("seed", [0, 1])
def test_batched_equals_loop_of_full_rebuilds(toy_factory, seed: int) -> None:  # type: ignore[no-untyped-def]
    from aibridge.analysis.uncertainty import rebuild

    spec, panel = toy_factory(seed=seed)
    plan = IndexPlan(spec, panel)
    problem = bind(UncertaintySpec.parse(FULL), plan)
    design = sample(problem, 60, rng=seed)
    y = evaluate(problem, design, chunk_size=16)
    for i in range(design.n_runs):
        np.testing.assert_allclose(y[i, 0], rebuild(problem, design.u[i]), rtol=1e-12, atol=0)


def test_evaluator_pickles_for_worker_processes(toy_plan: IndexPlan) -> None:
    # dask worker processes receive the evaluator pickled; caches are not shipped
    import pickle

    from aibridge.analysis.uncertainty import _Evaluator

    problem = bind(UncertaintySpec.parse(FULL), toy_plan)
    design = sample(problem, 30, rng=8)
    ev = _Evaluator(problem)
    local = ev(design.u)
    clone = pickle.loads(pickle.dumps(ev))
    assert clone._cache == {} and clone._static == {}
    np.testing.assert_array_equal(clone(design.u), local)


def test_unreachable_scheduler_is_a_clear_error(
    toy_plan: IndexPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aibridge.analysis import backends
    from aibridge.errors import SpecError

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")
    spec = UncertaintySpec.parse({"weights": {}})
    with pytest.raises(
        SpecError, match=r"cannot reach the dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        run_uncertainty(toy_plan, spec, 10, backend="dask", scheduler="tcp://127.0.0.1:9")


def test_nominal_choices_bit_identical_in_mixed_batches(toy_factory) -> None:  # type: ignore[no-untyped-def]
    # pillars of 10 indicators (wide nodes: the sum order depends on memory layout), rows
    # with the nominal normalisation batched with rows of another one
    spec, panel = toy_factory(n=40, k=30, seed=5)
    plan = IndexPlan(spec, panel)
    nominal = build_index(spec, panel)
    codes = list(plan.codes)
    targets = ["idx", "s0", "p0", "p1", "p2"]
    uspec = UncertaintySpec.parse(
        {
            "weights": {"noise": 0.0, "levels": [1, 2, 3]},
            "normalisation": [
                {"method": "minmax", "params": {"low": 1.0, "high": 100.0}},
                {"method": "zscore", "params": {"mean": 10, "sd": 2}},
            ],
            "targets": targets,
        }
    )
    problem = bind(uspec, plan)
    design = sample(problem, 64, rng=2)
    y = evaluate(problem, design, chunk_size=21)
    f = problem.factor("normalisation")
    assert f is not None
    is_nominal = f.choose(design.u[:, f.columns.start]) == 0
    assert 0 < is_nominal.sum() < 64
    want = np.asarray(nominal.scores)[0][:, [codes.index(t) for t in targets]]
    for i in np.flatnonzero(is_nominal):
        np.testing.assert_array_equal(y[i, 0], want)


def test_failing_replications_are_nan_and_the_others_exact(toy_factory) -> None:  # type: ignore[no-untyped-def]
    # a geometric mean refuses negative values: with min-max onto [-50, 50] those
    # replications fail (NaN, as COINr's failed regen) unless the negative cells are dropped
    from aibridge.analysis.uncertainty import rebuild
    from aibridge.errors import DataError

    spec, panel = toy_factory(n=20, k=9, seed=6)
    plan = IndexPlan(spec, panel)
    uspec = UncertaintySpec.parse(
        {
            "weights": {"noise": 0.3, "levels": [1, 2]},
            "normalisation": [
                {"method": "minmax", "params": {"low": -50, "high": 50}},
                {"method": "minmax", "params": {"low": 1, "high": 100}},
            ],
            "aggregation": [{"method": "geom_mean"}, {"method": "arith_mean"}],
            "exclude": True,
            "targets": ["idx", "p1"],
        }
    )
    problem = bind(uspec, plan)
    design = sample(problem, 80, rng=4)
    y = evaluate(problem, design, chunk_size=30)
    n_failed = 0
    for i in range(design.n_runs):
        try:
            want = rebuild(problem, design.u[i])
        except DataError:
            n_failed += 1
            assert np.isnan(y[i, 0]).all() and np.isnan(y[i, 1]).all()
            continue
        np.testing.assert_allclose(y[i, 0], want, rtol=1e-12)
    assert 0 < n_failed < design.n_runs
    res = analyze(problem, design, y)
    assert res.failed == n_failed
