"""build_index on a small synthetic framework: stages kept, batch axis, determinism, exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aibridge.engine.build import aggregate_tree, build_index
from aibridge.engine.spec import IndexSpec, IndicatorSpec, NodeSpec, Panel, Step, compile_tree
from aibridge.engine.weight import effective_weights, weights_for
from aibridge.errors import DataError, SpecError


def _spec(**kw: object) -> IndexSpec:
    inds = (
        IndicatorSpec("a", "P1", 1, 1.0),
        IndicatorSpec("b", "P1", -1, 1.0),
        IndicatorSpec("c", "P2", 1, 2.0, denominator="pop"),
        IndicatorSpec("d", "P2", 1, 1.0),
    )
    nodes = (NodeSpec("P1", "I"), NodeSpec("P2", "I", weight=3.0), NodeSpec("I"))
    return IndexSpec("toy", inds, nodes, **kw)  # type: ignore[arg-type]


def _panel(n_years: int = 3, n_econ: int = 12, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    v = rng.lognormal(size=(n_years, n_econ, 5))
    v[0, 2, 1] = np.nan
    v[1, 5, 0] = np.nan
    return Panel(
        v,
        tuple(range(2000, 2000 + n_years)),
        tuple(f"E{i:02d}" for i in range(n_econ)),
        ("a", "b", "c", "d", "pop"),
        groups={"region": tuple("xy"[i % 2] for i in range(n_econ))},
        vintage="test",
    )


def test_build_keeps_every_stage_and_scores_every_node() -> None:
    spec = _spec(
        screen=Step("byNA", {"dat_thresh": 0.5}),
        impute=Step("group_mean", {"group": "region"}),
        treat=Step("coinr", {"winmax": 2}),
    )
    r = build_index(spec, _panel())
    assert set(r.stages) == {"raw", "denominated", "screened", "imputed", "treated", "normalised"}
    assert r.scores.shape == (3, 12, 7)
    assert r.imputed[0, 2, 1] and r.imputed[1, 5, 0]
    assert not np.isnan(r.scores).any()
    # manual check of the tree arithmetic for one economy
    n = r.stages["normalised"][0, 0]
    p1 = (n[0] + n[1]) / 2
    p2 = (2 * n[2] + n[3]) / 3
    assert r.score("I", 2000)[0] == pytest.approx((p1 + 3 * p2) / 4)
    assert r.ranks[0, :, r.tree.index("I")].min() == 1


def test_years_are_a_batch_axis() -> None:
    panel = _panel()
    spec = _spec(treat=Step("coinr"))
    full = build_index(spec, panel)
    one = build_index(spec, panel, years=[2001])
    np.testing.assert_array_equal(full.scores[1], one.scores[0])


def test_deterministic_bit_identical() -> None:
    spec = _spec(impute=Step("em"), treat=Step("coinr"))
    assert build_index(spec, _panel()).digest() == build_index(spec, _panel()).digest()


def test_aggregate_tree_with_replication_axis() -> None:
    spec = _spec()
    tree = compile_tree(spec)
    xn = build_index(spec, _panel()).stages["normalised"][0]
    w = np.stack([tree.weights, 2 * tree.weights, weights_for(tree, "equal")])
    out = aggregate_tree(np.broadcast_to(xn, (3, *xn.shape)), tree, weights=w)
    np.testing.assert_allclose(out[0], out[1])
    assert not np.allclose(out[0], out[2])
    np.testing.assert_allclose(out[0], aggregate_tree(xn, tree))


def test_effective_and_nested_weights() -> None:
    tree = compile_tree(_spec())
    eff = effective_weights(tree)
    assert eff[: tree.n_indicators].sum() == pytest.approx(1)
    assert eff[tree.index("c")] == pytest.approx(3 / 4 * 2 / 3)
    nested = weights_for(tree, "nested")
    assert nested[tree.index("P1")] == pytest.approx(2 / 5)


def test_tidy_frame_write_and_batch(tmp_path: object) -> None:
    r = build_index(_spec(), _panel())
    df = r.to_frame()
    for col in ("economy", "year", "node", "level", "score", "rank", "coverage", "imputed_share"):
        assert col in df.columns
    assert len(df) == 3 * 12 * 7
    from pathlib import Path

    out = Path(str(tmp_path)) / "r.csv"
    r.write(out)
    back = pd.read_csv(out)
    np.testing.assert_array_equal(back["score"].to_numpy(), df["score"].to_numpy())
    r.write(out.with_suffix(".parquet"))
    assert len(pd.read_parquet(out.with_suffix(".parquet"))) == len(df)
    with pytest.raises(SpecError, match=r"\.csv or \.parquet"):
        r.write(out.with_suffix(".xlsx"))
    batch = r.to_batch()
    assert batch.origin.sha256 == r.spec.digest()
    assert batch.origin.vintage.endswith("@test")
    assert batch.observations.num_rows == df["score"].notna().sum()  # missing cells omitted
    assert set(batch.indicators.column("code").to_pylist()) >= {"IDX.toy.I", "IDX.toy.a"}


def test_missing_data_and_bad_spec() -> None:
    p = _panel()
    bad = Panel(p.values[..., :4], p.years, p.economies, ("a", "b", "c", "d"))
    with pytest.raises(DataError, match="denominators"):
        build_index(_spec(), bad)
    with pytest.raises(DataError, match="years"):
        build_index(_spec(), p, years=[1990])
    with pytest.raises(SpecError, match="unknown stage"):
        _spec(stages=("normalise", "weigh"))
    with pytest.raises(SpecError, match="group_mean needs group"):
        build_index(_spec(impute=Step("group_mean")), p)


def test_tree_validation_errors() -> None:
    base = _spec()
    cyc = IndexSpec("x", base.indicators, (NodeSpec("P1", "P2"), NodeSpec("P2", "P1"),
                                           NodeSpec("I")))  # fmt: skip
    with pytest.raises(SpecError, match=r"cycle|children"):
        compile_tree(cyc)
    zero = IndexSpec("x", tuple(IndicatorSpec(i.code, i.parent, 1, 0.0) for i in base.indicators),
                     base.nodes)  # fmt: skip
    with pytest.raises(SpecError, match="all zero"):
        compile_tree(zero)
    orphan = IndexSpec("x", (IndicatorSpec("a", "Nope", 1),), (NodeSpec("I"),))
    with pytest.raises(SpecError, match="not a node"):
        compile_tree(orphan)


def test_pipeline_default_aggregator_and_dat_thresh() -> None:
    p = _panel()
    arith = build_index(_spec(), p)
    geo = build_index(_spec(aggregate=Step("geom_mean")), p)
    assert not np.allclose(arith.score("I"), geo.score("I"))
    strict = build_index(_spec(aggregate=Step("arith_mean", {"dat_thresh": 1})), p, years=[2000])
    i = p.economies.index("E02")  # indicator b missing for E02 in 2000
    assert np.isnan(strict.score("P1")[i]) and np.isnan(strict.score("I")[i])
    assert np.isfinite(arith.score("P1", 2000)[i])
