"""The country report's AI Capacity Index section: score, rank and 5-95 % band, pillars vs
peers (SVG + table), bottleneck, gaps with Action Plan actions and SDG targets, 2030
projection, gender & inclusion lens, and the data table with source, year and imputation
flag; "insufficient data" with its reason. On a synthetic store (every ACI series) and, for
the PDF, on the real open data (skipped when ../shared/data is absent)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner
from webtest_support import fixture_batch

from aibridge.cli.main import app as cli_app
from aibridge.frameworks import load_framework
from aibridge.store import Store
from aibridge.web.analytics import economy_analytics
from aibridge.web.data import WebData
from aibridge.web.i18n import format_number
from aibridge.web.methodology import builtin_frameworks
from aibridge.web.rankings import compute_ranking, pillar_profile
from aibridge.web.report import build_report, pillar_chart, report_html
from support.aci_synth import NO_LENS, SPARSE, aci_batch


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def aci_data() -> Iterator[WebData]:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    store.ingest(aci_batch())
    yield WebData(store)
    store.close()


def test_report_shows_the_aci_figures_of_the_web_state(aci_data: WebData) -> None:
    report = build_report(aci_data, "KEN")
    html = report_html(report)
    ranking = compute_ranking(aci_data, "aci")
    row = next(r for r in ranking.rows if r.economy == "KEN")
    section = next(s for s in report.indices if s.name == "aci")
    assert section.row == row and section.year == ranking.year  # the web's state, no copy
    assert f"AI Capacity Index, {ranking.year}" in html
    assert (
        f"score {format_number(row.score, 'en')}, rank {int(row.rank)} of {len(ranking.rows)}"
        in html
    )
    assert row.p05 is not None and row.p95 is not None
    assert f"Rank interval (5–95 %): {int(row.p05)}–{int(row.p95)}" in html
    # pillars vs peers: the SVG chart and the table with the same numbers
    pillars = pillar_profile(aci_data, "aci", "KEN", ranking.year)
    assert [p.name for p in section.pillars] == [p.name for p in pillars]
    assert html.count("<svg") >= 2 and "Pillars of AI Capacity Index: Kenya and its peers" in html
    for p in pillars:
        assert f"<td>{p.name}" in html and format_number(p.score, "en") in html
    # bottleneck, gaps mapped to actions and SDG targets, projection
    an = economy_analytics(aci_data, "aci", "KEN")
    assert an is not None and an.gaps and an.projections
    assert f"Bottleneck pillar: {an.bottleneck_name}" in html or "smallest lead" in html
    gap = an.gaps[0]
    assert f'<td>{gap.name}</td><td class="num">{format_number(gap.gap, "en")}</td>' in html
    for action, wording in gap.actions:
        assert f"<strong>{action}</strong> {wording}".replace("'", "&#39;") in html
    assert f"<strong>{gap.sdg[0][0]}</strong>" in html
    assert "Projection to 2030" in html
    proj = an.projections[0]
    assert format_number(proj.projection, "en") in html
    if proj.low_confidence:
        assert "low confidence" in html
    # the gender & inclusion lens beside the index
    assert "ACI gender and inclusion lens" in html
    # the data table: every indicator of the framework with source, year and imputation flag
    fw = load_framework(builtin_frameworks()["aci"])
    table = html[html.index("Data behind the AI Capacity Index") :]
    for ind in fw.indicators:
        assert fw.source_codes()[ind.code] in table, ind.code
    assert table.count("aci-synth 2026-11-23") >= len(fw.indicators)
    assert "Imputation" in table and "Synthetic ACI inputs" in html  # the sources table


def test_unscored_economy_says_insufficient_data_with_the_reason(aci_data: WebData) -> None:
    from aibridge.analysis.aci import prepare_aci

    html = report_html(build_report(aci_data, SPARSE))
    ranking = compute_ranking(aci_data, "aci")
    assert SPARSE not in {r.economy for r in ranking.rows}
    reason = prepare_aci(aci_data.store, framework="aci").reason(SPARSE, ranking.year)
    assert reason and "below 60%" in reason
    assert "Insufficient data" in html and reason in html
    assert "Data behind the AI Capacity Index" in html  # the observations that exist
    lens = report_html(build_report(aci_data, NO_LENS))
    part = lens[lens.index("ACI gender and inclusion lens") :]
    assert "Insufficient data" in part


def test_report_without_aci_data_says_what_to_import(aci_data: WebData) -> None:
    store = Store(":memory:")
    store.ingest(fixture_batch())
    html = report_html(build_report(WebData(store), "KEN"))
    assert "Insufficient data" in html and "in the store" in html
    store.close()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Indice des capacités en IA", "Infrastructures d’IA", "Données de l’Indice"]),
        ("ar", ["مؤشر القدرات في مجال الذكاء الاصطناعي", "البنية التحتية للذكاء الاصطناعي"]),
        ("zh", ["人工智能能力指数", "人工智能基础设施", "所用数值"]),
        ("ru", ["Индекс потенциала в области ИИ", "Инфраструктура ИИ", "Импутация"]),
        ("es", ["Índice de Capacidades en IA", "Infraestructura de IA", "Valor utilizado"]),
    ],
)
def test_report_is_localised(aci_data: WebData, lang: str, words: list[str]) -> None:
    html = report_html(build_report(aci_data, "KEN", lang=lang))
    for word in words:
        assert word in html, (lang, word)
    assert (f'<html lang="{lang}" dir="rtl">' in html) == (lang == "ar")
    # action themes are translated too; the reasons of the versioned map stay English, marked
    assert 'lang="en"' in html
    assert "AI and digital infrastructure connectivity" not in html


def test_pillar_chart_escapes_and_mirrors() -> None:
    rows = [("<b>A</b>", 40.0, 50.0, None), ("B", 80.0, None, 20.0)]
    ltr = pillar_chart(rows, title="t & u", series=("x", "y", "z"), fmt=lambda v: f"{v:g}")
    assert "<b>" not in ltr and "&lt;b&gt;" in ltr and "t &amp; u" in ltr
    assert ltr.count("<rect") == 4  # missing medians draw no bar
    rtl = pillar_chart(rows, title="t", series=("x", "y", "z"), fmt=str, rtl=True)
    xs_ltr = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', ltr)]
    xs_rtl = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', rtl)]
    assert min(xs_rtl) > min(xs_ltr)  # bars grow from the right edge


# -- real data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared open data, only the series the ACI and the gender lens read (~15 s)."""
    from support.aci_store import build_aci_store

    db = tmp_path_factory.mktemp("report-real") / "store.duckdb"
    return build_aci_store(shared_data, db, extra={"IT.NET.USER.ZS", "NY.GDP.PCAP.PP.KD"})


@pytest.mark.shared_data
def test_real_data_pdf_report_of_kenya(real_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "KEN.pdf"
    result = CliRunner().invoke(
        cli_app, ["report", "KEN", "--format", "pdf", "--store", str(real_store), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(_text(pdf).split())  # pypdf breaks lines inside table cells
    with Store.open(real_store, read_only=True) as store:
        data = WebData(store)
        ranking = compute_ranking(data, "aci")
        row = next(r for r in ranking.rows if r.economy == "KEN")
        an = economy_analytics(data, "aci", "KEN")
        pillars = pillar_profile(data, "aci", "KEN", ranking.year)
    assert ranking.year == 2022 and len(ranking.rows) >= 170
    assert f"AI Capacity Index, {ranking.year}" in text
    assert (
        f"score {format_number(row.score, 'en')}, rank {int(row.rank)} of {len(ranking.rows)}"
        in text
    )
    assert f"Rank interval (5–95 %): {int(row.p05 or 0)}–{int(row.p95 or 0)}" in text
    assert "Pillars of AI Capacity Index: Kenya and its peers" in text
    for p in pillars:
        assert p.name in text and format_number(p.score, "en") in text
    assert an is not None
    assert "Bottleneck pillar" in text or "smallest lead" in text
    assert "Gaps to peers and the Action Plan actions and SDG targets" in text
    assert re.search(r"\bAP\d+\b", text) and "Projection to 2030" in text
    assert "ACI gender and inclusion lens" in text
    assert "Data behind the AI Capacity Index" in text
    assert "IT.NET.USER.ZS" in text and "Gapminder Systema Globalis" in text  # + sources table
    assert "carried forward from" in text  # an imputation flag (e.g. 4G coverage, 2018)


@pytest.mark.shared_data
def test_real_data_unscored_economy_gives_its_reason(real_store: Path) -> None:
    from aibridge.analysis.aci import prepare_aci

    with Store.open(real_store, read_only=True) as store:
        data = WebData(store)
        ranking = compute_ranking(data, "aci")
        assert "PRK" not in {r.economy for r in ranking.rows}
        html = report_html(build_report(data, "PRK", lang="fr"))
        reason = prepare_aci(store, framework="aci").reason("PRK", ranking.year)
    assert reason and "Données insuffisantes" in html and reason in html
