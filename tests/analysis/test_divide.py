"""Divide analytics: gaps, bottleneck, peers, Gini/Theil with decompositions, convergence."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from divide_fixtures import linear_spec_panel
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.analysis.divide import (
    beta_convergence,
    beta_convergence_arrays,
    bottleneck,
    divide_batch,
    gaps,
    gini,
    gini_decomposition,
    inequality_over_time,
    nearest_peers,
    pillar_codes,
    sigma_convergence,
    theil_decomposition,
    theil_t,
)
from aibridge.engine.build import build_index
from aibridge.errors import DataError


@pytest.fixture(scope="module")
def built():  # type: ignore[no-untyped-def]
    spec, panel = linear_spec_panel()
    return build_index(spec, panel), panel


def test_gini_matches_pairwise_definition() -> None:
    x = np.array([1.0, 2.0, 3.0, 10.0, 0.0])
    pair = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(pair, abs=1e-15)
    assert gini([5.0, 5.0, 5.0]) == pytest.approx(0.0, abs=1e-15)
    assert gini([0.0, 0.0, 0.0, 1.0]) == pytest.approx(0.75)  # (n-1)/n: one has everything


def test_theil_reference_values() -> None:
    assert theil_t([3.0, 3.0]) == 0.0
    assert theil_t([0.0, 1.0]) == pytest.approx(np.log(2))  # maximum ln n
    x = np.array([1.0, 2.0, 7.0])
    r = x / x.mean()
    assert theil_t(x) == pytest.approx(np.mean(r * np.log(r)), abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e3)), min_size=2, max_size=40).filter(
        lambda v: sum(v) > 0
    ),
    st.integers(1, 5),
    st.integers(0, 10_000),
)
def test_theil_between_plus_within_is_total(values: list[float], k: int, seed: int) -> None:
    labels = np.random.default_rng(seed).integers(0, k, size=len(values)).tolist()
    d = theil_decomposition(values, labels)
    assert d.between + d.within == pytest.approx(d.total, abs=1e-12)
    assert d.within >= -1e-15 and d.between >= -1e-12
    assert d.groups["value_share"].sum() == pytest.approx(1.0)
    g = gini_decomposition(values, labels)
    assert g.within + g.between + g.overlap == pytest.approx(g.total, abs=1e-12)


def test_decompositions_on_stratified_groups() -> None:
    x = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0]
    lab = ["lo"] * 3 + ["hi"] * 3
    g = gini_decomposition(x, lab)
    assert g.overlap == pytest.approx(0.0, abs=1e-14)  # no overlap between strata
    t = theil_decomposition(x, lab)
    assert t.between == pytest.approx(theil_t([2.0] * 3 + [11.0] * 3), abs=1e-14)
    one = theil_decomposition(x, ["all"] * 6)
    assert one.between == pytest.approx(0.0, abs=1e-15) and one.within == pytest.approx(one.total)


def test_inequality_rejects_bad_input() -> None:
    with pytest.raises(DataError, match="non-negative"):
        gini([-1.0, 2.0])
    with pytest.raises(DataError, match="NaN"):
        theil_t([1.0, np.nan])
    with pytest.raises(DataError, match="label"):
        theil_decomposition([1.0, 2.0], ["a", None])


def test_gaps_frontier_and_peer_medians(built) -> None:  # type: ignore[no-untyped-def]
    res, panel = built
    groups = {k: panel.groups[k] for k in ("region", "income_group")}
    g = gaps(res, groups)
    assert set(g["node"]) == {"idx", "p0", "p1", "p2"}
    root = g[g["node"] == "idx"].set_index("economy")
    s = res.score("idx")
    assert root["frontier"].iloc[0] == pytest.approx(s.max())
    assert (root["gap_frontier"] <= 0).all()
    assert root.loc[root["frontier_economy"].iloc[0], "gap_frontier"] == 0
    # region median of E00's peers: other economies in region A
    peers = [i for i in range(1, len(s)) if panel.groups["region"][i] == "A"]
    assert root.loc["E00", "region_median"] == pytest.approx(np.median(s[peers]))
    assert root.loc["E00", "gap_region"] == pytest.approx(s[0] - np.median(s[peers]))
    assert root.loc["E00", "region_n"] == len(peers)


def test_bottleneck_is_largest_gap_below_peers(built) -> None:  # type: ignore[no-untyped-def]
    res, panel = built
    groups = {"region": panel.groups["region"]}
    for e in res.economies[:5]:
        b = bottleneck(res, e, groups)
        assert b.pillar in pillar_codes(res)
        assert b.gap == min(b.gaps.values())
        assert set(b.gaps) == set(pillar_codes(res))
    with pytest.raises(DataError, match="grouping"):
        bottleneck(res, "E00", groups, grouping="nope")


def test_bottleneck_from_precomputed_gaps_is_identical(built) -> None:  # type: ignore[no-untyped-def]
    """The API computes ``gaps`` once per build (both groupings, every node) and hands it to
    ``bottleneck``; the answer must equal the one computed from scratch."""
    res, panel = built
    groups = {"region": panel.groups["region"], "income_group": panel.groups["region"][::-1]}
    frame = gaps(res, groups)
    for e in res.economies:
        for grouping in groups:
            a = bottleneck(res, e, groups, grouping=grouping)
            b = bottleneck(res, e, groups, grouping=grouping, gaps_frame=frame)
            assert (a.pillar, a.reason, a.gaps) == (b.pillar, b.reason, b.gaps)
            assert a.gap == b.gap or (np.isnan(a.gap) and np.isnan(b.gap))


def test_nearest_peers_by_pillar_distance(built) -> None:  # type: ignore[no-untyped-def]
    res, _ = built
    p = nearest_peers(res, "E03", k=3)
    assert len(p) == 3 and "E03" not in set(p["economy"])
    assert list(p["distance"]) == sorted(p["distance"])
    S = np.stack([res.score(c) for c in pillar_codes(res)], axis=1)
    d = np.sqrt(((S - S[3]) ** 2).sum(axis=1))
    d[3] = np.inf
    assert p["distance"].iloc[0] == pytest.approx(d.min())
    with pytest.raises(DataError, match="ISO3"):
        nearest_peers(res, "XXX")


def test_inequality_over_time_and_sigma(built) -> None:  # type: ignore[no-untyped-def]
    res, panel = built
    frame = inequality_over_time(res, groups={"region": panel.groups["region"]})
    assert list(frame["year"]) == list(res.years)
    for r in frame.itertuples():
        assert r.theil_between_region + r.theil_within_region == pytest.approx(r.theil, abs=1e-12)
        assert r.gini == pytest.approx(gini(res.score("idx", r.year)))
    sig = sigma_convergence(res)
    assert {"cv_slope", "cv_slope_se", "cv_slope_p"} <= set(sig.attrs)
    assert sig["cv"].iloc[0] == pytest.approx(
        np.std(res.score("idx", 2015), ddof=1) / np.mean(res.score("idx", 2015))
    )


def test_beta_convergence_recovers_known_slope() -> None:
    rng = np.random.default_rng(3)
    y0 = rng.uniform(1, 100, size=200)
    beta_true = -0.02
    span = 10.0
    g = 0.1 + beta_true * np.log(y0) + rng.normal(0, 1e-3, size=y0.size)
    y1 = np.exp(np.log(y0) + g * span)
    b, se, t, p, _a, r2, n = beta_convergence_arrays(y0, y1, span, form="log")
    assert b == pytest.approx(beta_true, abs=5 * se) and se < 1e-3
    assert p < 1e-10 and n == 200 and r2 > 0.99 and t < 0


def test_beta_convergence_on_result(built) -> None:  # type: ignore[no-untyped-def]
    res, _ = built
    bc = beta_convergence(res)
    assert bc.start == 2015 and bc.end == 2020 and bc.n == len(res.economies)
    x = np.log(res.score("idx", 2015))
    g = (np.log(res.score("idx", 2020)) - x) / 5
    slope = np.polyfit(x, g, 1)[0]
    assert bc.beta == pytest.approx(slope, rel=1e-9)
    assert bc.form == "log" and bc.speed is not None


def test_gaps_cover_every_pair_of_economy_and_node(built) -> None:  # type: ignore[no-untyped-def]
    res, _ = built
    g = gaps(res)
    assert len(g) == len(res.economies) * 4
    assert set(itertools.product(res.economies, ["idx", "p0", "p1", "p2"])) == set(
        zip(g["economy"], g["node"], strict=True)
    )


def test_divide_batch_holds_gaps_and_inequality(built) -> None:  # type: ignore[no-untyped-def]
    res, panel = built
    groups = {"region": panel.groups["region"]}
    batch = divide_batch(res, groups)
    obs = batch.observations.to_pandas()
    row = obs[(obs["indicator"] == "DIV.lin.idx.gap_region") & (obs["economy"] == "E00")
              & (obs["year"] == 2020)]  # fmt: skip
    g = gaps(res, groups, year=2020)
    want = g[(g["economy"] == "E00") & (g["node"] == "idx")]["gap_region"].iloc[0]
    assert row["value"].iloc[0] == want
    world = obs[(obs["indicator"] == "DIV.lin.idx.theil") & (obs["economy"] == "WLD")]
    assert len(world) == len(res.years)
    assert world.sort_values("year")["value"].iloc[-1] == pytest.approx(theil_t(res.score("idx")))
    assert batch.origin.vintage.split("@")[1] == res.digest()[:12]
