"""The scenario tool: unchanged inputs reproduce the baseline; changes move score and rank."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from aibridge.store import Store
from aibridge.web.data import WebData
from aibridge.web.rankings import compute_ranking
from aibridge.web.scenario import run_scenario


def test_unchanged_inputs_reproduce_the_baseline_exactly(web_store: Store) -> None:
    data = WebData(web_store)
    sc = run_scenario(data, "hdi", "KEN", {})
    ranking = compute_ranking(data, "hdi")
    row = next(r for r in ranking.rows if r.economy == "KEN")
    assert sc.scenario == sc.baseline
    assert sc.baseline.score == row.score and sc.baseline.rank == row.rank
    assert (sc.baseline.p05, sc.baseline.p95) == (row.p05, row.p95)
    # the same values typed in explicitly are "no change" too
    same = {i.code: i.baseline for i in sc.inputs if i.baseline is not None}
    assert run_scenario(data, "hdi", "KEN", same).scenario.score == sc.baseline.score


def test_better_inputs_raise_score_and_rank(web_store: Store) -> None:
    data = WebData(web_store)
    base = run_scenario(data, "hdi", "KEN", {})
    better = run_scenario(data, "hdi", "KEN", {"le": 80.0, "mys": 12.0, "gnipc": 40000.0})
    assert better.scenario.score is not None and base.baseline.score is not None
    assert better.scenario.score > base.baseline.score
    assert better.scenario.rank is not None and base.baseline.rank is not None
    assert better.scenario.rank < base.baseline.rank
    assert better.baseline == base.baseline
    assert {i.code for i in better.inputs if i.changed} == {"le", "mys", "gnipc"}


def test_scenario_page_and_partial(client: TestClient) -> None:
    html = client.get("/en/country/KEN").text
    assert 'href="/en/scenario/hdi/KEN"' in html  # profile -> scenario
    html = client.get("/en/scenario/hdi/KEN").text
    assert 'name="v_le"' in html and "Today" in html
    partial = client.get(
        "/en/scenario/hdi/KEN?v_le=80&v_gnipc=abc", headers={"HX-Request": "true"}
    ).text
    assert partial.lstrip().startswith('<section id="scenario-results"')
    assert re.search(r"Life expectancy at birth 55\.2 → 80", partial)
    assert client.get("/en/scenario/hdi/XXX").status_code == 404
    assert client.get("/en/scenario/nope/KEN").status_code == 404


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_scenario_in_other_languages(client: TestClient, lang: str) -> None:
    assert client.get(f"/{lang}/scenario/hdi/KEN?v_le=70").status_code == 200
