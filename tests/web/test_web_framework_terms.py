"""Framework names in the six UN languages: the ``frameworks`` gettext catalog covers every
name of the built-in frameworks, and the pages show the translations (English, marked
``lang="en"``, where a name has none)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from webtest_support import fixture_batch, make_app

from aibridge.analysis.aci import EXPERT_INPUTS, load_action_map
from aibridge.frameworks import load_framework
from aibridge.store import Store
from aibridge.web.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    domain_messages,
    framework_terms,
    has_term,
    indicator_term,
    term,
    term_html,
)
from aibridge.web.methodology import builtin_frameworks
from support.aci_synth import aci_batch

OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]


def _names_in_framework_files() -> set[str]:
    """Every name the built-in framework files hold, read here independently of the code
    under test: titles, descriptions, nodes, indicators, expert inputs, action map texts."""
    names: set[str] = set()
    for path in builtin_frameworks().values():
        fw = load_framework(path)
        names |= {fw.name, *(n.name for n in fw.nodes), *(i.name for i in fw.indicators)}
        if fw.description:
            names.add(fw.description)
    names |= {str(e["name"]) for e in EXPERT_INPUTS}
    amap = load_action_map()
    names |= {str(v) for v in amap["actions"].values()}
    names |= {str(v) for v in amap["sdg_targets"].values()}
    return {n for n in names if n}


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_framework_name_is_translated(lang: str) -> None:
    """Adding a node, indicator or framework without its translations fails here."""
    names = _names_in_framework_files()
    assert names <= set(framework_terms())
    translated = domain_messages(lang, "frameworks")
    missing = sorted(n for n in names if not translated.get(n, "").strip())
    assert not missing, f"{lang}: {len(missing)} framework names untranslated, e.g. {missing[:3]}"
    # a translation is not the English text (short codes and brand names aside)
    same = [n for n in names if translated[n] == n and len(n) > 12]
    assert not same, same[:3]


def test_framework_catalogs_match_their_template() -> None:
    """frameworks.pot is current (``scripts/extract-framework-terms``) and every language's
    catalog has exactly its entries, none fuzzy."""
    with (LOCALE_DIR / "frameworks.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert pot == set(framework_terms())
    for lang in OTHER_LANGUAGES:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "frameworks.po").open("rb") as fh:
            catalog = read_po(fh, locale=LANGUAGES[lang].cldr)
        assert {m.id for m in catalog if m.id} == pot, lang
        assert not [m.id for m in catalog if m.id and m.fuzzy], lang


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_report_catalog_is_complete(lang: str) -> None:
    from babel.messages.extract import extract_from_file

    found = {
        msg
        for _line, msg, _comments, _ctx in extract_from_file(
            "jinja2",
            str(Path(LOCALE_DIR.parent, "templates", "report.html")),
            keywords={"_r": None},
            options={"extensions": "jinja2.ext.i18n", "trim_blocks": "True"},
        )
    }
    assert found, "report.html has no _r() messages"
    translated = domain_messages(lang, "report")
    assert set(found) <= set(translated), sorted(set(found) - set(translated))
    for msgid, text in translated.items():  # placeholders survive translation
        for name in ("%(n)s", "%(year)s", "%(index)s", "%(country)s"):
            assert (name in msgid) == (name in text), (lang, msgid)


def test_term_falls_back_to_english_marked_as_such() -> None:
    assert term("AI infrastructure", "fr") == "Infrastructures d’IA"
    assert term("AI infrastructure", "en") == "AI infrastructure"
    assert term("No such node", "ar") == "No such node" and not has_term("No such node", "ar")
    assert str(term_html("No <such> node", "ar")) == '<span lang="en">No &lt;such&gt; node</span>'
    assert str(term_html("Education", "zh")) == "教育"
    assert str(term_html("Education", "en")) == "Education"
    # a store indicator that a framework reads gets the framework's translated name
    assert indicator_term("IT.NET.USER.ZS", "Individuals using ...", "es") == (
        "Personas que usan Internet"
    )
    assert indicator_term("XX.RAW", "Raw WDI name", "es") == "Raw WDI name"
    assert indicator_term("IT.NET.USER.ZS", "Individuals using ...", "en") == (
        "Individuals using ..."
    )


# -- pages --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def aci_client() -> Iterator[TestClient]:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    store.ingest(aci_batch())
    yield TestClient(make_app(store))
    store.close()


def test_profile_shows_translated_pillar_names(aci_client: TestClient) -> None:
    html = aci_client.get("/fr/country/KEN").text
    assert "Infrastructures d’IA" in html and "Développement des données" in html
    assert "Indice des capacités en IA" in html
    assert "Éclairage genre et inclusion" in html
    assert ">AI infrastructure<" not in html
    html = aci_client.get("/ar/country/KEN").text
    assert "البنية التحتية للذكاء الاصطناعي" in html and "تطوير البيانات" in html
    assert 'dir="rtl"' in html
    # an indicator name from the data that no framework translates stays English, marked
    assert '<span lang="en">' in html
    en = aci_client.get("/en/country/KEN").text
    assert "AI infrastructure" in en and '<span lang="en">' not in en


def test_rankings_methodology_and_scenario_use_translated_names(aci_client: TestClient) -> None:
    html = aci_client.get("/es/rankings/aci").text
    assert "Índice de Capacidades en IA" in html and "Empoderamiento industrial" in html
    html = aci_client.get("/ru/methodology/aci").text
    assert "Индекс потенциала в области ИИ" in html and "Кибербезопасность" in html
    assert "Лица, пользующиеся Интернетом" in html  # an indicator
    html = aci_client.get("/zh/methodology").text
    assert "人类发展指数（联合国开发计划署方法）" in html
    html = aci_client.get("/fr/scenario/aci/KEN").text
    assert "Personnes utilisant Internet" in html
