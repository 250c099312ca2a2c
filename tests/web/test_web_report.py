"""Country reports: the PDF opens and holds the profile's figures, tables and sources."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from aibridge.cli.main import app as cli_app
from aibridge.store import Store
from aibridge.web.data import WebData
from aibridge.web.report import build_report, render_report, report_html
from aibridge.web.svgcharts import Line, line_chart, nice_ticks


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_report_contains_figures_tables_and_sources(web_store: Store) -> None:
    pdf = render_report(web_store, "CHN", fmt="pdf")
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "China" in text
    assert "Key indicators" in text and "Individuals using the Internet" in text
    assert "Figure 1." in text  # the series chart of the first featured indicator
    assert "Median of Asia" in text  # its peer line (CHN, SAU, IND)
    assert "2015" in text and "2022" in text  # x-axis labels drawn in the SVG
    assert "Test source" in text and "test.csv" in text  # the sources table
    # the chart is vector graphics in the page content, not a raster image
    reader = PdfReader(io.BytesIO(pdf))
    content = b"".join(page.get_contents().get_data() for page in reader.pages)  # type: ignore[union-attr]
    assert content.count(b" l\n") + content.count(b" l ") > 20  # many line segments


def test_arabic_report_is_right_to_left(web_store: Store) -> None:
    html = render_report(web_store, "SAU", fmt="html", lang="ar").decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "المملكة العربية السعودية" in html
    text = _text(render_report(web_store, "SAU", fmt="pdf", lang="ar"))
    assert "المملكة العربية السعودية" in text


def test_report_html_is_self_contained_and_escaped(web_store: Store) -> None:
    html = report_html(build_report(WebData(web_store), "KEN"))
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "<svg" in html and "estimate" in html  # KEN 2022 is flagged E


def test_report_of_unknown_economy_is_a_clear_error(web_store: Store) -> None:
    from aibridge.errors import NotFoundError

    with pytest.raises(NotFoundError, match="unknown economy 'XXX'"):
        build_report(WebData(web_store), "XXX")


def test_svg_chart_escapes_names_and_ticks_cover_the_range() -> None:
    svg = line_chart(
        [Line("<b>x</b>", {2020: 1.0, 2021: 3.0})], title="t & <u>", fmt=lambda v: f"{v:g}"
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "t &amp; &lt;u&gt;" in svg
    ticks = nice_ticks(0.13, 7.9)
    assert ticks[0] <= 0.13 and ticks[-1] >= 7.9 and len(ticks) <= 7


def test_cli_report_writes_pdf_and_html(web_store: Store, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with Store(db) as store:
        from webtest_support import fixture_batch

        store.ingest(fixture_batch())
    runner = CliRunner()
    out = tmp_path / "ken.pdf"
    result = runner.invoke(cli_app, ["report", "KEN", "--store", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Kenya" in _text(out.read_bytes())
    out_html = tmp_path / "ken.html"
    args = ["report", "Kenya", "--format", "html", "--lang", "fr", "--store", str(db)]
    result = runner.invoke(cli_app, [*args, "--out", str(out_html)])
    assert result.exit_code == 0, result.output
    assert '<html lang="fr"' in out_html.read_text(encoding="utf-8")
    result = runner.invoke(cli_app, ["report", "KEN", "--format", "doc", "--store", str(db)])
    assert result.exit_code != 0


def test_report_download_from_the_profile(client: TestClient) -> None:
    html = client.get("/en/country/KEN").text
    assert 'href="/en/country/KEN/report.pdf"' in html
    response = client.get("/en/country/KEN/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert "Kenya" in _text(response.content)
    response = client.get("/es/country/KEN/report.html")
    assert (
        response.status_code == 200
        and "script-src" not in response.headers["content-security-policy"]
    )
    assert client.get("/en/country/XXX/report.pdf").status_code == 404
    assert client.get("/en/country/KEN/report.docx").status_code == 404
