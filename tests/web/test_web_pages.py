"""Server-side tests of the web pages (FastAPI TestClient; no browser needed)."""

from __future__ import annotations

import gzip
import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aibridge.web.app import CSP, static_url
from aibridge.web.i18n import LANGUAGES


def _spec(html: str, chart_id: str) -> dict[str, Any]:
    """The JSON of a chart's data-spec attribute (what app.js draws)."""
    match = re.search(rf'<div id="{chart_id}" class="chart" data-spec="([^"]*)"', html)
    assert match is not None, chart_id
    return dict(json.loads(unescape(match.group(1))))


PAGES = [
    "/{lang}/",
    "/{lang}/?indicator=EGDI.egdi",
    "/{lang}/countries",
    "/{lang}/country/KEN",
    "/{lang}/compare?e=KEN&e=NGA&e=FRA",
    "/{lang}/indicators",
    "/{lang}/indicators/IT.NET.USER.ZS",
    "/{lang}/sources",
    "/{lang}/board",
    "/{lang}/board?tab=offers",
    "/{lang}/signin",
    "/{lang}/methodology",
    "/{lang}/methodology/hdi",
    "/{lang}/rankings/hdi",
]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_every_language(client: TestClient, path: str, lang: str) -> None:
    response = client.get(path.format(lang=lang))
    assert response.status_code == 200, response.text[:500]
    html = response.text
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    # no inline script: every <script> loads a same-origin file
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag, tag
    assert "<script>" not in html and "javascript:" not in html and " on" + "click=" not in html
    assert "http://" not in html.replace('href="http', "")  # no external origin loaded


def test_security_headers(client: TestClient) -> None:
    response = client.get("/en/")
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP.split("style-src")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_root_redirects_to_the_browser_language(client: TestClient) -> None:
    response = client.get(
        "/", headers={"accept-language": "ar-EG,ar;q=0.9"}, follow_redirects=False
    )
    assert response.status_code == 307
    assert response.headers["location"] == "/ar/"
    response = client.get("/", headers={"accept-language": "de-DE"}, follow_redirects=False)
    assert response.headers["location"] == "/en/"


def test_language_switch_keeps_the_page(client: TestClient) -> None:
    html = client.get("/en/country/KEN?indicator=EGDI.egdi").text
    assert 'href="/ar/country/KEN?indicator=EGDI.egdi"' in html
    assert 'href="/zh/country/KEN?indicator=EGDI.egdi"' in html


def test_country_names_are_localised_from_cldr(client: TestClient) -> None:
    assert "<h1>Kenya</h1>" in client.get("/en/country/KEN").text
    assert "<h1>كينيا</h1>" in client.get("/ar/country/KEN").text
    assert "<h1>肯尼亚</h1>" in client.get("/zh/country/KEN").text
    assert "<h1>Кения</h1>" in client.get("/ru/country/KEN").text
    assert "<h1>Kenia</h1>" in client.get("/es/country/KEN").text


def test_numbers_are_localised(client: TestClient) -> None:
    # KEN 2022 internet use = 10 + 2.5 * 7 = 27.5
    assert ">27.5<" in client.get("/en/country/KEN").text
    assert ">27,5<" in client.get("/fr/country/KEN").text


def test_map_table_is_server_rendered_with_provenance(client: TestClient) -> None:
    html = client.get("/en/?indicator=IT.NET.USER.ZS&year=2022").text
    table = html[html.index("<table") : html.index("</table>")]
    rows = re.findall(r"<tr>.*?</tr>", table, flags=re.S)
    assert len(rows) == 1 + 10  # header + ten economies
    kenya = next(r for r in rows if "/en/country/KEN" in r)
    assert "27.5" in kenya and "2022" in kenya and "test-src" in kenya and "estimate" in kenya
    # the chart's JSON block carries the same numbers, keyed by the world-atlas M49 id
    spec = _spec(html, "map-chart")
    item = next(i for i in spec["items"] if i["name"] == "404")
    assert item["value"] == pytest.approx(27.5)
    assert item["year"] == 2022 and item["source"] == "test-src" and item["flag"] == "estimate"


def test_map_year_uses_latest_value_within_tolerance(client: TestClient) -> None:
    html = client.get("/en/?indicator=EGDI.egdi&year=2024").text
    assert "EGDI.egdi" in html
    # the slider clamps to the indicator's years (2022 only)
    assert 'value="2022"' in html
    assert "imputed" in html  # NGA's imputed EGDI value is flagged


def test_htmx_request_gets_only_the_partial(client: TestClient) -> None:
    html = client.get(
        "/en/?indicator=IT.NET.USER.ZS&year=2018", headers={"HX-Request": "true"}
    ).text
    assert html.lstrip().startswith('<section id="map-results"')
    assert "<html" not in html
    html = client.get(
        "/en/country/KEN?q=internet",
        headers={"HX-Request": "true", "HX-Target": "profile-values"},
    ).text
    assert html.lstrip().startswith('<div id="profile-values"') and "IT.NET.USER.ZS" in html
    assert "EGDI.egdi" not in html
    # Back after a partial swap: htmx restores history with a full-page request
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    url = "/en/?indicator=IT.NET.USER.ZS&year=2018"
    assert "<html" in client.get(url, headers=headers).text
    assert "HX-Request" in client.get(url).headers["vary"]


def test_profile_shows_peers_and_every_value_with_source(client: TestClient) -> None:
    html = client.get("/en/country/CHN?indicator=IT.NET.USER.ZS").text
    assert "Median of Asia" in html  # CHN, SAU, IND: three peers
    values = html[html.index('id="profile-values"') :]
    assert "EGDI.egdi" in values and "IT.NET.USER.ZS" in values
    assert values.count("test-src") >= 2


def test_compare_limits_to_five(client: TestClient) -> None:
    codes = ["KEN", "NGA", "FRA", "CHN", "SAU", "BRA"]
    html = client.get("/en/compare", params={"e": codes}).text
    assert "Only the first five economies are compared." in html
    header = re.search(r"<thead>(.*?)</thead>", html[html.index("compare-caption") :], re.S)
    assert header is not None
    assert "Brazil" not in header.group(1) and "Saudi Arabia" in header.group(1)


def test_user_and_metadata_text_is_escaped(client: TestClient) -> None:
    html = client.get("/en/indicators/EGDI.egdi").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get("/en/indicators", params={"q": "<script>alert(2)</script>"}).text
    assert "<script>alert(2)</script>" not in html


def test_chart_spec_is_an_escaped_attribute(client: TestClient) -> None:
    html = client.get("/en/country/KEN?indicator=EGDI.egdi").text
    spec = _spec(html, "series-chart")
    assert spec["kind"] == "line" and spec["years"] == [2022]
    assert spec["series"][0]["name"] == "Kenya"


def test_unknown_pages_give_html_errors(client: TestClient) -> None:
    response = client.get("/fr/country/XXX")
    assert response.status_code == 404
    assert 'lang="fr"' in response.text and "XXX" in response.text
    response = client.get("/en/no-such-page")
    assert response.status_code == 404 and "<h1>" in response.text
    # unknown language prefixes are not web pages
    assert client.get("/de/").status_code == 404


def test_bad_query_parameters_are_4xx_not_5xx(client: TestClient) -> None:
    assert client.get("/en/?year=abc").status_code == 422
    assert client.get("/en/?indicator=NOPE").status_code == 404
    assert client.get("/en/indicators?page=0").status_code == 422
    assert client.get("/en/indicators?q=" + "x" * 500).status_code == 422


def test_pages_are_gzipped(client: TestClient) -> None:
    response = client.get("/en/countries", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_static_assets_are_hashed_cached_and_compressed(client: TestClient) -> None:
    url = static_url("vendor/charts.min.js")
    assert re.fullmatch(r"/static/vendor/charts\.min\.js\?v=[0-9a-f]{10}", url)
    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    etag = response.headers["etag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/vendor/nothing.js").status_code == 404


def test_vendored_assets_and_licences_are_present() -> None:
    from aibridge.web.app import STATIC_DIR

    vendor = STATIC_DIR / "vendor"
    for name in ("charts.min.js", "htmx.min.js", "countries-110m.json"):
        assert (vendor / name).stat().st_size > 10_000
    licences = {p.name for p in (vendor / "LICENSES").iterdir()}
    assert {"echarts.LICENSE", "zrender.LICENSE", "htmx.org.LICENSE"} <= licences
    # the charts bundle stays small enough for the page budget
    assert len(gzip.compress((vendor / "charts.min.js").read_bytes())) < 230_000


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_catalogs_are_complete_and_placeholders_match(lang: str) -> None:
    from babel.messages.pofile import read_po

    from aibridge.web.i18n import LOCALE_DIR

    template = read_po((LOCALE_DIR / "messages.pot").open("rb"))
    catalog = read_po((LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb"))
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None and translated.string, f"{lang}: {message.id!r} untranslated"
        want = sorted(re.findall(r"%\(\w+\)s", str(message.id)))
        assert sorted(re.findall(r"%\(\w+\)s", str(translated.string))) == want, message.id


def test_pages_are_translated(client: TestClient) -> None:
    assert "خريطة العالم" in client.get("/ar/").text
    assert "世界地图" in client.get("/zh/").text
    assert "Carte du monde" in client.get("/fr/").text
    assert "Карта мира" in client.get("/ru/").text
    assert "Mapa mundial" in client.get("/es/").text


def test_methodology_is_generated_from_the_framework_files(client: TestClient) -> None:
    html = client.get("/en/methodology").text
    assert 'href="/en/methodology/hdi"' in html
    html = client.get("/en/methodology/hdi").text
    assert "UNDP (2024) Human Development Report" in html  # the framework's citation
    assert "goalposts" in html and "geom_mean" in html
    # effective weights: each HDI dimension a third, each education indicator a sixth
    assert html.count(">33.3 %<") >= 3 and html.count(">16.7 %<") == 2
    assert "HDR.le" in html and "10 economies, 2021–2022" in html  # coverage from the store
    assert client.get("/en/methodology/nope").status_code == 404


@pytest.mark.parametrize(
    "path", ["/en/", "/ar/", "/en/country/KEN", "/en/compare?e=KEN&e=NGA", "/en/rankings/hdi"]
)
def test_first_load_weight_is_under_300_kb_gzipped(client: TestClient, path: str) -> None:
    """HTML + same-origin scripts and stylesheet (+ the world TopoJSON on map pages)."""
    html = client.get(path).text
    assets = set(re.findall(r'<script src="(/static/[^"]+)"', html))
    assets |= set(re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', html))
    if 'id="map-chart"' in html:
        assets.add("/static/vendor/countries-110m.json")
    total = len(gzip.compress(html.encode()))
    for url in assets:
        total += len(gzip.compress(client.get(url).content))
    assert total < 300_000, f"{path}: {total} bytes gzipped"


def test_an_empty_store_never_gives_a_server_error() -> None:
    from webtest_support import make_app

    from aibridge.store import Store

    client = TestClient(make_app(Store(":memory:")))
    assert "aibridge import shared" in client.get("/en/").text  # tells how to load data
    for path in ("/en/countries", "/en/country/KEN", "/en/compare?e=KEN", "/en/indicators",
                 "/en/sources", "/en/methodology/hdi", "/en/country/KEN/report.html"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    assert client.get("/en/rankings").status_code == 404
    assert client.get("/en/scenario/hdi/KEN").status_code == 404
