"""Browser tests in Debian chromium (Playwright): every page in English and Arabic passes
axe-core's WCAG 2.1 A/AA rules with zero violations, raises no console or CSP error, works by
keyboard, at phone width and with JavaScript off. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from webtest_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, run_axe, serve

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

PAGES = {
    "map": "/{lang}/",
    "map-egdi": "/{lang}/?indicator=EGDI.egdi",
    "countries": "/{lang}/countries",
    "profile": "/{lang}/country/KEN",
    "compare": "/{lang}/compare?e=KEN&e=NGA&e=EGY",
    "indicators": "/{lang}/indicators",
    "indicator": "/{lang}/indicators/EGDI.egdi",
    "sources": "/{lang}/sources",
    "not-found": "/{lang}/country/XXX",
    "board": "/{lang}/board",
    "board-offers": "/{lang}/board?tab=offers",
    "board-need": "/{lang}/board/needs/1",
    "signin": "/{lang}/signin",
    "methodology": "/{lang}/methodology/hdi",
    "rankings": "/{lang}/rankings/hdi",
    "scenario": "/{lang}/scenario/hdi/KEN?v_le=70",
    "scenario-path": "/{lang}/scenario/hdi/KEN?target_rank=3",
}


@pytest.fixture(scope="module")
def base_url(web_app: FastAPI) -> Iterator[str]:
    with serve(web_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page plus the console errors, page errors and failed requests it produced."""

    def __init__(self, page: Any):
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))


@pytest.fixture()
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield Watched(context.new_page())
    context.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _wait_for_charts(page: Any) -> None:
    if page.locator("[data-spec]").count():
        page.wait_for_selector("[data-spec] svg path", state="attached", timeout=10_000)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_clean(
    watched: Watched, base_url: str, name: str, lang: str
) -> None:
    page = watched.page
    response = page.goto(base_url + PAGES[name].format(lang=lang))
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    _wait_for_charts(page)
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    violations = run_axe(page)
    _shot(page, f"{name}-{lang}")
    assert violations == [], violations
    errors = [e for e in watched.errors if not (name == "not-found" and "404" in e)]
    assert errors == []


def test_map_to_profile_to_scenario_to_compare(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/en/")
    _wait_for_charts(page)
    # the slider is keyboard operable and the table follows it (HTMX swap, URL pushed)
    page.focus("#year")
    page.keyboard.press("Home")
    expect(page.locator("#map-title")).to_contain_text("2015")
    assert "year=2015" in page.url
    _wait_for_charts(page)
    assert page.locator("#map-results tbody tr").count() == 10
    _shot(page, "path-1-map-2015")
    # open Kenya's profile from the table (the map's text alternative)
    page.get_by_role("link", name="Kenya").first.click()
    page.wait_for_url("**/en/country/KEN**")
    _wait_for_charts(page)
    assert page.locator("h1").inner_text() == "Kenya"
    # choose another indicator: the series partial is swapped in place
    page.select_option("#indicator", "EGDI.egdi")
    expect(page.locator("#profile-series h3")).to_contain_text("E-Government")
    _shot(page, "path-2-profile")
    # profile -> scenario: raise life expectancy, the score and rank follow
    page.get_by_role("link", name="What if? Open the scenario tool").click()
    page.wait_for_url("**/en/scenario/hdi/KEN")
    page.fill("#v-le", "80")
    expect(page.locator("#scenario-results")).to_contain_text("Life expectancy at birth")
    assert "v_le=80" in page.url
    _shot(page, "path-3-scenario")
    page.go_back()
    page.goto(base_url + "/en/country/KEN")
    page.get_by_role("link", name="Compare with other countries").click()
    page.wait_for_url("**/en/compare**")
    page.select_option("#e2", "NGA")
    page.wait_for_function(
        "document.querySelector('#compare-results thead').textContent.includes('Nigeria')"
    )
    _wait_for_charts(page)
    _shot(page, "path-4-compare")
    assert watched.errors == []


def test_map_tooltip_shows_value_source_and_year(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/en/?indicator=IT.NET.USER.ZS&year=2022")
    _wait_for_charts(page)
    # move over every filled country path until a tooltip names one of the fixture's economies
    paths = page.locator("#map-chart svg path")
    found = ""
    for i in range(paths.count()):
        fill = paths.nth(i).get_attribute("fill") or ""
        if fill and fill.lower() not in ("#d9d9d9", "none", "#fff", "#ffffff", "transparent"):
            box = paths.nth(i).bounding_box()
            if not box or box["width"] < 8:
                continue
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(150)
            text = page.locator("#map-chart").inner_text()
            if "Source" in text:
                found = text
                break
    assert "Year: 20" in found and "Source: test-src" in found


def test_skip_link_and_focus_order(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/en/countries")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused == "A"  # the first country link, inside main


def test_language_switch_keeps_the_page(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/en/country/KEN?indicator=EGDI.egdi")
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url("**/ar/country/KEN?indicator=EGDI.egdi")
    assert page.locator("h1").inner_text() == "كينيا"
    # right-to-left: the brand sits at the right edge of the header
    brand = page.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > 640
    _shot(page, "profile-ar-switched")


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/ar/country/KEN",
        "/en/compare?e=KEN&e=NGA",
        "/en/sources",
        "/ar/rankings/hdi",
        "/en/scenario/hdi/KEN",
        "/en/board",
        "/en/methodology/hdi",
    ],
)
def test_phone_width_has_no_horizontal_scroll(browser: Any, base_url: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    page.goto(base_url + path)
    _wait_for_charts(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    _shot(page, "phone" + path.replace("/", "-").replace("?", "-").replace("&", "-"))
    context.close()
    assert width <= 375


def test_content_is_readable_with_javascript_off(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/en/?indicator=IT.NET.USER.ZS")
    assert page.locator("#map-results tbody tr").count() == 10
    # the form works without JavaScript: a plain GET with the chosen year
    page.goto(base_url + "/en/?indicator=IT.NET.USER.ZS&year=2016")
    assert "2016" in page.locator("#map-title").inner_text()
    page.goto(base_url + "/en/country/KEN")
    assert page.locator("#profile-values tbody tr").count() == 6  # 2 series + 4 HDI components
    context.close()


def test_contributor_signs_in_and_posts_to_the_board(
    watched: Watched, base_url: str, tokens: dict[str, str]
) -> None:
    page = watched.page
    page.goto(base_url + "/en/board")
    page.get_by_role("link", name="Contributors: sign in to post needs and offers").click()
    page.fill("#token", tokens["kenya.contributor"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/en/board")
    expect(page.locator(".session-bar")).to_contain_text("kenya.contributor")
    page.get_by_role("link", name="Post a need").click()
    page.wait_for_url("**/en/board/needs/new")
    assert run_axe(page) == []
    page.select_option("#economy", "KEN")
    page.fill("#title", "Browser-posted need for GPU hours")
    page.fill("#description", "<script>alert(1)</script> and <b>bold</b>")
    page.check("#area-1")
    page.check("#action-AP1")
    _shot(page, "board-form-en")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/en/board/needs/\d+$"))
    expect(page.locator("h1")).to_have_text("Browser-posted need for GPU hours")
    # the script is text on the page, never executed
    expect(page.locator(".description")).to_contain_text("<script>alert(1)</script>")
    assert page.locator(".description script").count() == 0
    _shot(page, "board-posted-need-en")
    assert run_axe(page) == []
    assert watched.errors == []


def test_index_builder_slider_reranks(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "/en/rankings/hdi")
    first = page.locator("#rankings-results tbody tr").first.locator("th").inner_text()
    page.focus("#w-income")
    page.keyboard.press("End")  # income weight to the maximum
    expect(page.locator("#rankings-results")).to_contain_text("Custom weights")
    assert "w_income=5" in page.url
    _shot(page, "rankings-builder-en")
    assert page.locator("#rankings-results tbody tr").count() == 10
    assert first  # the table was there before and after the swap
    assert watched.errors == []
