"""The AI Capacity Index in the web app: rankings with bands, the profile's divide analytics
(bottleneck, nearest peers, gaps mapped to Action Plan actions and SDG targets, 2030
projection, gender & inclusion lens) and the scenario page's minimal path to a target.

A synthetic store holds every source series of the ACI and of the gender lens (12 economies,
2013-2022), so the whole ACI pipeline (denominate, impute, treat, normalise, aggregate) runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from webtest_support import fixture_batch, make_app

from aibridge.frameworks import load_framework
from aibridge.store import Store
from aibridge.web.data import WebData
from aibridge.web.methodology import builtin_frameworks
from support.aci_synth import ECONOMIES, NO_LENS, SPARSE, aci_batch


@pytest.fixture(scope="module")
def aci_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    store.ingest(aci_batch())
    yield store
    store.close()


@pytest.fixture(scope="module")
def aci_client(aci_store: Store) -> TestClient:
    return TestClient(make_app(aci_store))


def test_aci_rankings_have_bands(aci_client: TestClient) -> None:
    html = aci_client.get("/en/rankings/aci").text
    assert "/en/country/KEN" in html
    assert "–" in html  # 5-95 % rank intervals
    csv = aci_client.get("/en/rankings/aci?format=csv").text
    assert csv.count("\n") >= len(ECONOMIES)


def test_profile_shows_bottleneck_peers_gaps_projection_and_gender_lens(
    aci_client: TestClient,
) -> None:
    html = aci_client.get("/en/country/KEN").text
    assert "Bottleneck pillar" in html or "smallest lead" in html
    assert "Nearest peers on the pillar scores" in html
    assert 'id="proj-aci"' in html and "Projection to 2030" in html
    assert "aci_gender" in html or "gender and inclusion lens" in html.lower()


def test_gaps_are_mapped_to_actions_and_sdg_targets(aci_client: TestClient) -> None:
    from aibridge.web.analytics import economy_analytics

    client_data = aci_client.app.state.web_data  # type: ignore[attr-defined]
    found = False
    for eco in ECONOMIES:
        an = economy_analytics(client_data, "aci", eco)
        assert an is not None
        if an.gaps:
            found = True
            g = an.gaps[0]
            assert g.gap < 0 and (g.actions or g.sdg) and g.reason
            assert all(re.fullmatch(r"AP\d+", a) for a, _ in g.actions)
            html = aci_client.get(f"/en/country/{eco}").text
            assert 'id="gaps-aci"' in html and f">{g.actions[0][0]}</abbr>" in html
            break
    assert found, "some economy lies behind its peers somewhere"


def test_projection_carries_interval_and_confidence(aci_client: TestClient) -> None:
    from aibridge.web.analytics import economy_analytics

    an = economy_analytics(aci_client.app.state.web_data, "aci", "KEN")  # type: ignore[attr-defined]
    assert an is not None and an.projections
    root = an.projections[0]
    assert root.projection is not None and root.lower is not None and root.upper is not None
    assert root.lower <= root.projection <= root.upper


def test_scenario_minimal_path_to_a_target_rank(aci_client: TestClient) -> None:
    from aibridge.web.rankings import compute_ranking

    data: WebData = aci_client.app.state.web_data  # type: ignore[attr-defined]
    ranking = compute_ranking(data, "aci")
    last = ranking.rows[-1]
    target = max(1, int(last.rank) - 3)
    html = aci_client.get(f"/en/scenario/aci/{last.economy}?target_rank={target}").text
    assert 'id="path-heading"' in html
    assert "Target reached" in html or "out of reach" in html
    if "Target reached" in html:
        link = re.search(r'href="(/en/scenario/aci/[A-Z]{3}\?[^"]+)">Open this path', html)
        assert link is not None
        applied = aci_client.get(link.group(1).replace("&amp;", "&")).text
        assert "Changed:" in applied


def test_aci_pages_render_in_every_language(aci_client: TestClient) -> None:
    for lang in ("ar", "zh", "fr", "ru", "es"):
        for path in ("/country/KEN", "/scenario/aci/KEN?target_rank=1", "/rankings/aci"):
            r = aci_client.get(f"/{lang}{path}")
            assert r.status_code == 200, (lang, path)


def test_scenario_with_unchanged_inputs_reproduces_the_aci_ranking(aci_client: TestClient) -> None:
    from aibridge.web.rankings import compute_ranking
    from aibridge.web.scenario import run_scenario

    data: WebData = aci_client.app.state.web_data  # type: ignore[attr-defined]
    ranking = compute_ranking(data, "aci")
    row = next(r for r in ranking.rows if r.economy == "KEN")
    sc = run_scenario(data, "aci", "KEN", {})
    assert sc.year == ranking.year
    assert sc.baseline.score == pytest.approx(row.score, rel=1e-12)
    assert sc.baseline.rank == row.rank


def test_gender_lens_is_shown_beside_the_aci(aci_client: TestClient) -> None:
    html = aci_client.get("/en/country/KEN").text
    lens = load_framework(builtin_frameworks()["aci_gender"]).name
    aci = load_framework(builtin_frameworks()["aci"]).name
    assert aci in html and lens in html
    assert "separate sub-index shown beside the AI Capacity Index" in html
    assert html.index(aci) < html.index(lens)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_aci_pages_pass_axe(aci_store: Store, lang: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from webtest_support import CHROMIUM, CHROMIUM_ARGS, run_axe, serve

    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    with serve(make_app(aci_store)) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            for path in ("/country/KEN", "/scenario/aci/KEN?target_rank=2", "/rankings/aci"):
                response = page.goto(f"{url}/{lang}{path}")
                assert response is not None and response.status == 200
                assert run_axe(page) == [], (lang, path)
            assert errors == []
        finally:
            browser.close()


def test_web_aci_matches_the_published_aci_build(
    aci_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The web app ranks the ACI as `aibridge aci build` does (expert inputs, UN universe,
    coverage rule, post-impute rebuild): same scores and ranks."""
    from aibridge.analysis.aci import build_aci
    from aibridge.web.rankings import compute_ranking

    path = tmp_path_factory.mktemp("aci") / "store.duckdb"
    with Store(str(path)) as store:
        store.ingest(fixture_batch())
        store.ingest(aci_batch())
    aci = build_aci(store_path=str(path), n_uncertainty=0, save=False)
    ranking = compute_ranking(WebData(aci_store), "aci", year=aci.latest_year)
    assert ranking.year == aci.latest_year
    published = aci.scores_frame(aci.latest_year).dropna(subset=["score"])
    web = {r.economy: (r.score, r.rank) for r in ranking.rows}
    assert set(web) == set(published["economy"])
    assert SPARSE not in web and "KEN" in web
    for row in published.itertuples():
        assert web[row.economy][0] == pytest.approx(row.score, rel=1e-9), row.economy
        assert web[row.economy][1] == row.rank, row.economy


def test_profile_says_when_the_gender_lens_lacks_data(aci_client: TestClient) -> None:
    html = aci_client.get(f"/en/country/{NO_LENS}").text
    assert 'id="proj-aci"' in html
    assert "Gender and inclusion lens: not enough data for South Africa." in html
    assert "not enough data" not in aci_client.get("/en/country/KEN").text
