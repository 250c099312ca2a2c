"""Acceptance on COINr's ASEM example with the spec of COINr's sensitivity vignette."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aibridge.analysis.uncertainty import (
    IndexPlan,
    UncertaintySpec,
    bind,
    evaluate,
    rebuild,
    run_uncertainty,
    sample,
)

pytestmark = pytest.mark.shared_data

#: vignettes/sensitivity.Rmd (COINr): winmax 1..5, minmax [1, 100] or zscore (10, 2),
#: arithmetic or geometric mean; the issue adds ±25 % noise on pillar and sub-index weights.
VIGNETTE = {
    "weights": {"distribution": "uniform", "noise": 0.25, "levels": [2, 3]},
    "normalisation": [
        {"method": "minmax", "params": {"low": 1, "high": 100}},
        {"method": "zscore", "params": {"mean": 10, "sd": 2}},
    ],
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
    "treatment": {"winmax": [1, 5]},
    "targets": ["Index"],
}


@pytest.fixture(scope="module")
def asem_plan(shared_data: Path) -> IndexPlan:
    from aibridge.frameworks import load_framework, load_panel

    fw = load_framework(Path(__file__).parents[2] / "examples" / "asem" / "asem.yaml")
    return IndexPlan(fw.to_spec(), load_panel(fw))


def test_zero_perturbation_is_the_nominal_asem_build(asem_plan: IndexPlan) -> None:
    # denominate -> group-mean imputation -> screening -> COINr treatment -> min-max -> mean
    from aibridge.engine.build import build_index

    nominal = build_index(asem_plan.spec, asem_plan.panel, years=[asem_plan.year])
    codes = list(nominal.tree.codes)
    targets = ["Index", "Conn", "Sust", "Physical", "Social"]
    spec = UncertaintySpec.parse(
        {"weights": {"noise": 0.0, "levels": [1, 2, 3]}, "targets": targets}
    )
    res = run_uncertainty(asem_plan, spec, 40, seed=2, chunk_size=9)
    want = np.asarray(nominal.scores)[0][:, [codes.index(t) for t in targets]]
    for i in range(res.n_runs):
        np.testing.assert_array_equal(res.scores[i], want)
    assert np.isfinite(want[:, 0]).sum() == 51


def test_vignette_spec_replications_equal_full_rebuilds(asem_plan: IndexPlan) -> None:
    problem = bind(UncertaintySpec.parse(VIGNETTE), asem_plan)
    assert problem.factor_names == ("weights", "normalisation", "aggregation", "winmax")
    assert problem.factor("weights").width == 10  # type: ignore[union-attr]  # 8 pillars + 2 sub-indexes
    design = sample(problem, 24, rng=7)
    y = evaluate(problem, design)
    for i in range(design.n_runs):
        np.testing.assert_allclose(y[i, 0], rebuild(problem, design.u[i]), rtol=1e-12)


def test_vignette_uncertainty_and_sobol(asem_plan: IndexPlan) -> None:
    spec = UncertaintySpec.parse(VIGNETTE)
    res = run_uncertainty(asem_plan, spec, 2000, seed=1)
    frame = res.summary()
    assert len(frame) == 51
    assert (frame["p05_rank"] <= frame["nominal_rank"] + 25).all()
    assert frame["rank_volatility"].max() > 1  # choices do move some ranks
    sa = run_uncertainty(asem_plan, spec, 128, seed=1, method="saltelli", n_boot=50)
    assert sa.sobol is not None
    main = sa.sobol.for_output("mean_abs_rank_shift").set_index("factor")
    # every input's total effect is a share of the variance (estimates, loose bounds)
    assert ((main["ST"] > -0.1) & (main["ST"] < 1.3)).all()
    assert main["ST"].sum() >= 0.9  # totals add to at least the whole (interactions count twice)


def test_results_can_be_stored_beside_the_index(asem_plan: IndexPlan) -> None:
    from aibridge.store import Store

    res = run_uncertainty(asem_plan, UncertaintySpec.parse(VIGNETTE), 200, seed=3)
    batch = res.to_batch()
    assert batch.observations.num_rows == 51 * 5
    prov = res.provenance()
    assert prov["seed"] == 3 and prov["framework_sha256"] == asem_plan.spec.digest()
    store = Store(":memory:")
    store.ingest(batch)
    obs = store.observations(
        indicators=["UA.ASEM_Sustainable_Connectivity_COINr_example.Index.median_rank"]
    ).to_pandas()
    assert len(obs) == 51
