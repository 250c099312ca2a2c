"""UncertaintySpec validation: bad specs are refused before any work, saying what is allowed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aibridge.analysis.uncertainty import (
    UncertaintySpec,
    bind,
    load_spec,
    run_uncertainty,
    sample,
)
from aibridge.errors import SpecError

COINR_VIGNETTE = {
    "weights": {"distribution": "uniform", "noise": 0.25, "levels": [2, 3]},
    "normalisation": [
        {"method": "minmax", "params": {"low": 1, "high": 100}},
        {"method": "zscore", "params": {"mean": 10, "sd": 2}},
    ],
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
    "treatment": {"winmax": [1, 5]},
}


def test_valid_spec_parses() -> None:
    spec = UncertaintySpec.parse(COINR_VIGNETTE)
    assert spec.weights is not None and spec.weights.noise == 0.25
    assert [a.method for a in spec.normalisation or []] == ["minmax", "zscore"]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"weights": {"noise": -0.1}}, r"weights.noise.*\[0, 1\)"),
        ({"weights": {"noise": 1.5}}, r"weights.noise"),
        ({"weights": {"distribution": "dirichlet", "concentration": 0}}, "concentration"),
        ({"weights": {"distribution": "gaussian"}}, "uniform.*dirichlet"),
        ({"normalisation": [{"method": "minmax"}, {"method": "banana"}]}, r"allowed: .*zscore"),
        ({"aggregation": [{"method": "mean"}]}, r"unknown aggregation method 'mean'; allowed"),
        ({"imputation": [{"method": "magic"}]}, r"unknown imputation method"),
        ({"normalisation": []}, "at least one alternative"),
        ({"treatment": {"winmax": [5, 1]}}, "lo <= hi"),
        ({"treatment": {"winmax": [-1, 3]}}, "0 <= lo"),
        ({"treatment": {}}, "on_off"),
        ({"weights": {"levels": [0]}}, "levels >= 1"),
        ({}, "perturbs nothing"),
        ({"weigths": {}}, "unknown key; allowed: weights"),
    ],
)
def test_invalid_specs_rejected_with_what_is_allowed(data: dict, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        UncertaintySpec.parse(data)


def test_n_below_two_rejected_before_work(toy_plan) -> None:  # type: ignore[no-untyped-def]
    spec = UncertaintySpec.parse({"weights": {"noise": 0.1}})
    for n in (0, 1, -5):
        with pytest.raises(SpecError, match="integer >= 2"):
            run_uncertainty(toy_plan, spec, n)


def test_binding_checks_codes(toy_plan) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError, match="unknown target 'nope'"):
        bind(UncertaintySpec.parse({"weights": {}, "targets": ["nope"]}), toy_plan)
    with pytest.raises(SpecError, match="exclude: unknown indicators"):
        bind(UncertaintySpec.parse({"exclude": ["i0", "zz"]}), toy_plan)
    with pytest.raises(SpecError, match="nothing to perturb at levels"):
        bind(UncertaintySpec.parse({"weights": {"levels": [7]}}), toy_plan)
    with pytest.raises(SpecError, match="backend must be one of numpy, dask"):
        run_uncertainty(toy_plan, UncertaintySpec.parse({"weights": {}}), 10, backend="spark")


def test_sobol_needs_two_inputs(toy_plan) -> None:  # type: ignore[no-untyped-def]
    problem = bind(UncertaintySpec.parse({"weights": {}}), toy_plan)
    with pytest.raises(SpecError, match="at least two uncertain inputs"):
        sample(problem, 8, rng=0, method="saltelli")


def test_factor_columns(toy_plan) -> None:  # type: ignore[no-untyped-def]
    problem = bind(UncertaintySpec.parse({**COINR_VIGNETTE, "exclude": True}), toy_plan)
    assert problem.factor_names == (
        "weights",
        "normalisation",
        "aggregation",
        "winmax",
        "exclude",
    )
    # levels 2 and 3 of the toy tree: 3 pillars + 2 sub-indexes carry weights
    assert problem.factor("weights").width == 5  # type: ignore[union-attr]
    assert problem.n_columns == 5 + 4
    exclude = problem.factor("exclude")
    assert exclude is not None and exclude.labels[0] == "none" and len(exclude.labels) == 10


def test_monte_carlo_design_is_chunk_free_and_extensible(toy_plan) -> None:  # type: ignore[no-untyped-def]
    problem = bind(UncertaintySpec.parse(COINR_VIGNETTE), toy_plan)
    big = sample(problem, 3000, rng=9).u
    small = sample(problem, 1500, rng=9).u
    np.testing.assert_array_equal(big[:1500], small)
    assert not np.array_equal(sample(problem, 10, rng=10).u, big[:10])


def test_load_spec_from_yaml(tmp_path: Path) -> None:
    p = tmp_path / "u.yaml"
    p.write_text("uncertainty:\n  weights: {noise: 0.2}\n  exclude: true\n", encoding="utf-8")
    spec = load_spec(p)
    assert spec.exclude is True
    p.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(SpecError, match="mapping"):
        load_spec(p)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"normalisation": [{"method": "minmax", "params": {"low": 100, "high": 1}}]},
            r"normalisation alternative minmax\(low=100, high=1\): .*low < high",
        ),
        (
            {"aggregation": [{"method": "power_mean", "params": {"q": 2}}]},
            r"aggregation alternative power_mean\(q=2\): .*bad parameters|unexpected keyword",
        ),
        (
            {"imputation": [{"method": "group_mean", "params": {"group": "nope"}}]},
            r"imputation alternative group_mean\(group=nope\): .*group",
        ),
    ],
)
def test_bad_parameters_rejected_when_bound(toy_plan, data: dict, match: str) -> None:  # type: ignore[no-untyped-def]
    spec = UncertaintySpec.parse(data)
    with pytest.raises(SpecError, match=match):
        bind(spec, toy_plan)
