"""AI Capacity Index: framework files, action map, coverage rule, builds (fixture and real data)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aibridge.analysis.aci import (
    EXPERT_INPUTS,
    PILLARS,
    aci_universe,
    build_aci,
    build_aci_gender,
    coverage_status,
    load_action_map,
)
from aibridge.errors import SpecError
from aibridge.frameworks import load_framework
from aibridge.sources._base import Batch, Origin, indicator_table
from aibridge.store import Store


def _source_codes(name: str) -> list[str]:
    fw = load_framework(name)
    codes = set(fw.source_codes().values())
    codes |= {i.denominator for i in fw.indicators if i.denominator}
    return sorted(codes)


# -- framework files --------------------------------------------------------------------------
def test_aci_framework_structure() -> None:
    fw = load_framework("aci")
    nodes = {n.code: n for n in fw.nodes}
    pillars = [n.code for n in fw.nodes if n.parent == "aci"]
    assert pillars == list(PILLARS)
    for p in pillars:
        subs = [n.code for n in fw.nodes if n.parent == p]
        assert 2 <= len(subs) <= 4, (p, subs)
    assert len(fw.indicators) >= 35
    for ind in fw.indicators:
        assert ind.name and ind.unit and ind.source, ind.code
        assert nodes[ind.parent].parent in pillars, ind.code
    # every expert input hangs under an existing sub-pillar
    assert {e["parent"] for e in EXPERT_INPUTS} <= set(nodes)


def test_gender_framework_loads() -> None:
    fw = load_framework("aci_gender")
    assert len(fw.indicators) >= 10
    ratios = [i for i in fw.indicators if i.denominator]
    assert all(i.goalposts and i.goalposts[1] == 1.0 for i in ratios if i.unit == "ratio")


def test_action_map_covers_every_node() -> None:
    amap = load_action_map()
    linked = {link["node"] for link in amap["links"]}
    for name in ("aci", "aci_gender"):
        fw = load_framework(name)
        inner = {n.code for n in fw.nodes if n.parent is not None}
        assert inner <= linked, inner - linked
    assert set(amap["actions"]) == {f"AP{i}" for i in range(1, 11)}
    assert all(link["reason"] for link in amap["links"])


def test_action_map_rejects_unknown_ids(tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text(
        "actions: {AP1: x}\nsdg_targets: {'9.c': y}\n"
        "links: [{node: infra, actions: [AP99], sdg: ['9.c'], reason: r}]\n"
    )
    with pytest.raises(SpecError, match="AP99"):
        load_action_map(bad)
    bad.write_text("actions: {AP1: x}\nlinks: [{node: infra, actions: [AP1]}]\n")
    with pytest.raises(SpecError, match="reason"):
        load_action_map(bad)


# -- coverage rule ----------------------------------------------------------------------------
def test_coverage_rule_and_reasons() -> None:
    pillar_of = ["a", "a", "a", "b", "b", "b"]
    full = np.ones(6, bool)
    obs = np.stack(
        [
            full,  # everything observed
            np.array([1, 1, 1, 1, 0, 0], bool),  # 4/6 = 67 %: passes
            np.array([1, 1, 0, 0, 0, 0], bool),  # 33 % and pillar b empty
            np.array([1, 1, 0, 1, 0, 0], bool),  # observed 3, imputed 3 -> 50 %: passes
            np.array([1, 0, 0, 1, 0, 0], bool),  # observed 2, imputed 4 -> 67 % imputed
        ]
    )
    avail = np.stack([full, obs[1], obs[2], full, full])
    scored, cov, imp, why = coverage_status(obs, avail, pillar_of, pillar_names={"b": "Pillar B"})
    assert scored.tolist() == [True, True, False, True, False]
    np.testing.assert_allclose(cov, [1, 4 / 6, 2 / 6, 1, 1])
    np.testing.assert_allclose(imp, [0, 0, 0, 0.5, 4 / 6])
    assert "below 60%" in why[2] and "Pillar B" in why[2]
    assert "carried forward" in why[4] and "66.7%" in why[4]
    assert why[0] == why[1] == why[3] == ""


def test_coverage_rule_validates_pillars() -> None:
    with pytest.raises(SpecError, match="pillar_of"):
        coverage_status(np.ones((2, 3), bool), np.ones((2, 3), bool), ["a", "b"])


# -- build on a small fixture store -----------------------------------------------------------
ECONOMIES = ["DEU", "KEN", "IND", "BRA", "CHN", "USA", "NGA", "FRA", "JPN", "ZAF", "EGY", "PER"]


def _fixture_store(path: Path) -> None:
    rng = np.random.default_rng(7)
    codes = _source_codes("aci")
    rows: list[tuple[str, str, int, float]] = []
    for k, e in enumerate(ECONOMIES):
        level = 1.0 + k  # a clear capacity gradient
        for year in range(2018, 2023):
            for c in codes:
                v = 100.0 if c == "HDR.pop_total" else level * (1 + 0.03 * (year - 2018))
                rows.append((e, c, year, v * (1 + 0.05 * rng.standard_normal())))
    # TUV: a handful of indicators only; NRU: everything, but only in 2018
    rows += [("TUV", c, y, 5.0) for c in codes[:8] for y in range(2018, 2023)]
    rows += [("NRU", c, 2018, 6.0 if c != "HDR.pop_total" else 0.01) for c in codes]
    obs = pa.table(
        {
            "economy": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "year": pa.array([r[2] for r in rows], pa.int16()),
            "value": pa.array([r[3] for r in rows], pa.float64()),
            "flag": pa.array([None] * len(rows), pa.string()),
        }
    )
    batch = Batch(
        origin=Origin(
            source_id="aci-fixture",
            uri="file:///fixture.csv",
            sha256="1" * 64,
            vintage="fixture",
            retrieved_at=datetime(2026, 1, 1, tzinfo=UTC),
            publisher="test",
            licence="CC0",
        ),
        observations=obs,
        indicators=indicator_table([{"code": c, "name": c, "unit": "u"} for c in codes]),
    )
    with Store(path) as store:
        store.ingest(batch)


def test_build_on_fixture_store(tmp_path: Path) -> None:
    db = tmp_path / "aci.duckdb"
    _fixture_store(db)
    res = build_aci(store_path=str(db), n_uncertainty=30, save=True)
    assert res.latest_year == 2022
    s = res.scores_frame(2022).set_index("economy")
    scored = s[s["status"] == "scored"]
    assert set(scored.index) == set(ECONOMIES)
    # ranks 1..n among the scored economies; the gradient survives the pipeline
    assert sorted(scored["rank"].astype(int)) == list(range(1, len(ECONOMIES) + 1))
    assert scored.loc["PER", "rank"] < scored.loc["DEU", "rank"]
    assert (scored["coverage"] == 1.0).all()
    # never a silent gap: the thin and the stale economies say why
    assert s.loc["TUV", "status"] == "insufficient data"
    assert "below 60%" in s.loc["TUV", "reason"]
    assert np.isnan(s.loc["TUV", "score"])
    assert s.loc["NRU", "status"] == "insufficient data"
    assert "carried forward" in s.loc["NRU", "reason"]
    # NRU's 2018 values are observed: scored that year, then carried forward up to 2022
    assert res.scores_frame(2018).set_index("economy").loc["NRU", "status"] == "scored"
    # bands bracket the nominal value
    assert (scored["rank_p05"] <= scored["rank"]).all()
    assert (scored["rank_p95"] >= scored["rank"]).all()
    assert (scored["score_p05"] <= scored["score"] + 1e-9).all()
    pillars = res.frame[(res.frame["year"] == 2022) & (res.frame["node"] == "infra")]
    assert pillars["score_p95"].notna().sum() == len(ECONOMIES)
    # every scored economy-year carries its band, not only the latest year
    assert 2018 in res.band_years and res.band_year == 2022
    every = res.frame[(res.frame["status"] == "scored") & (res.frame["node"] == res.root)]
    every = every[every["year"].isin(res.band_years)]
    assert every["rank_p05"].notna().all() and every["rank_p95"].notna().all()
    # derived dataset in the store
    with Store.open(str(db), read_only=True) as store:
        codes = set(store.indicators()["code"])
    assert "IDX.AI_Capacity_Index.aci" in codes
    # tidy output
    out = res.write(tmp_path / "aci.csv")
    head = out.read_text().splitlines()[0].split(",")
    for col in ("economy", "year", "node", "score", "rank", "coverage", "status", "reason"):
        assert col in head


def test_expert_inputs_join_only_with_data(tmp_path: Path) -> None:
    db = tmp_path / "aci.duckdb"
    _fixture_store(db)
    base = build_aci(store_path=str(db), n_uncertainty=0, year=2022)
    assert "ai_strategy" not in set(base.frame["node"])
    obs = pa.table(
        {
            "economy": ECONOMIES,
            "indicator": ["EXPERT.ai_strategy"] * len(ECONOMIES),
            "year": pa.array([2022] * len(ECONOMIES), pa.int16()),
            "value": pa.array([1.0] * 6 + [0.0] * 6, pa.float64()),
            "flag": pa.array([None] * len(ECONOMIES), pa.string()),
        }
    )
    batch = Batch(
        origin=Origin(
            source_id="expert",
            uri="file:///expert.csv",
            sha256="2" * 64,
            vintage="2026",
            retrieved_at=datetime(2026, 1, 1, tzinfo=UTC),
            publisher="ministry",
            licence="CC0",
        ),
        observations=obs,
        indicators=indicator_table([{"code": "EXPERT.ai_strategy", "name": "x", "unit": "0-1"}]),
    )
    with Store(db) as store:
        store.ingest(batch)
    with_expert = build_aci(store_path=str(db), n_uncertainty=0, year=2022)
    assert "ai_strategy" in set(with_expert.frame["node"])
    # expert inputs never count towards coverage
    s = with_expert.scores_frame(2022).set_index("economy")
    assert s.loc["DEU", "coverage"] == 1.0


def test_expert_inputs_never_join_a_framework_without_their_parent() -> None:
    """Bug: the gender lens failed validation once any expert input had data in the store."""
    from aibridge.analysis.aci import _with_expert_inputs
    from aibridge.frameworks import load_framework

    lens = load_framework("aci_gender")
    every_input = {str(e["source"]) for e in EXPERT_INPUTS}
    same = _with_expert_inputs(lens, every_input)
    assert {i.code for i in same.indicators} == {i.code for i in lens.indicators}
    aci = _with_expert_inputs(load_framework("aci"), every_input)
    assert {"ai_strategy"} <= {i.code for i in aci.indicators}


# -- real data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared open data, only the series the ACI and the gender lens use (~15 s), plus the
    published indices the validation compares with."""
    from support.aci_store import build_aci_store

    refs = {"HDR.hdi", "EGDI.egdi", "ITU.gci"}  # published indices for convergent validity
    db = tmp_path_factory.mktemp("aci-real") / "store.duckdb"
    return str(build_aci_store(shared_data, db, extra=refs))


def test_real_data_aci_latest_year(real_store: str) -> None:
    res = build_aci(store_path=real_store, n_uncertainty=40)
    assert res.latest_year == 2022
    s = res.scores_frame()
    scored = s[s["status"] == "scored"]
    assert len(scored) >= 170
    assert scored["rank_p05"].notna().all() and scored["rank_p95"].notna().all()
    assert (s.loc[s["status"] != "scored", "reason"].str.len() > 0).all()
    with Store.open(real_store, read_only=True) as store:
        uni = aci_universe(store.economies(include_aggregates=True))
    assert set(s["economy"]) == set(uni) and len(uni) == 195
    top = set(scored.head(20)["economy"])
    bottom = set(scored.tail(20)["economy"])
    assert {"KOR", "SGP", "USA"} <= top
    assert not bottom & {"KOR", "SGP", "USA", "DEU", "JPN"}


def test_real_data_aci_vs_hdi(real_store: str) -> None:
    """Convergent validity: the ACI ranks close to the HDI (docs/validation.md)."""
    from scipy.stats import spearmanr

    res = build_aci(store_path=real_store, n_uncertainty=0, year=2022)
    s = res.scores_frame(2022)
    s = s[s["status"] == "scored"]
    with Store.open(real_store, read_only=True) as store:
        v, _y, econ, _i = store.panel(["HDR.hdi"], list(s["economy"]), [2022])
    hdi = dict(zip(econ, np.asarray(v)[0, :, 0], strict=True))
    x = np.array([hdi.get(e, np.nan) for e in s["economy"]])
    ok = ~np.isnan(x)
    rho = spearmanr(s["score"].to_numpy()[ok], x[ok]).statistic
    assert rho > 0.85


def test_real_data_gender_lens(real_store: str) -> None:
    res = build_aci_gender(store_path=real_store, n_uncertainty=0, year=2022)
    s = res.scores_frame(2022)
    assert len(s) == 195  # every UN member and observer state is listed, data or not
    assert (s["status"] == "scored").sum() >= 160
    best = set(s.head(15)["economy"])
    assert {"FIN", "NOR", "ISL", "SWE"} & best


# -- properties of the coverage rule -------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    obs=arrays(bool, (4, 6)),
    extra=arrays(bool, (4, 6)),
    min_cov=st.floats(0.0, 1.0),
    max_imp=st.floats(0.0, 1.0),
)
def test_coverage_rule_properties(
    obs: np.ndarray, extra: np.ndarray, min_cov: float, max_imp: float
) -> None:
    avail = obs | extra
    pillar_of = ["a", "a", "a", "b", "b", "b"]
    scored, cov, imp, why = coverage_status(
        obs, avail, pillar_of, min_coverage=min_cov, max_imputed=max_imp, min_pillar_coverage=0
    )
    assert ((cov >= 0) & (cov <= 1)).all()
    # scored exactly when both limits hold, and a reason is given exactly when not
    expect = (cov >= min_cov) & ~(np.nan_to_num(imp, nan=0.0) > max_imp)
    assert (scored == expect).all()
    assert all((w == "") == s for w, s in zip(why, scored, strict=True))
    # more observed values (same availability) never turn a scored row unscored
    s2, *_ = coverage_status(
        avail, avail, pillar_of, min_coverage=min_cov, max_imputed=max_imp, min_pillar_coverage=0
    )
    assert (s2 >= scored).all()


def test_cli_aci_build(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aibridge.cli.main import app

    db = tmp_path / "aci.duckdb"
    _fixture_store(db)
    out = tmp_path / "aci.csv"
    r = CliRunner().invoke(
        app, ["aci", "build", "--store", str(db), "--n", "10", "--out", str(out), "--no-save"]
    )
    assert r.exit_code == 0, r.output
    assert "12 economies scored" in r.output and "Insufficient data" in r.output
    assert out.exists() and "insufficient data" in out.read_text()
    r = CliRunner().invoke(app, ["aci", "build", "--store", str(db), "--year", "1990"])
    assert r.exit_code != 0
