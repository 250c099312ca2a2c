"""Country reports: a few printable pages (HTML, or PDF through WeasyPrint).

A report holds the country's key indicators with their peer medians, a line chart of each
against its region and income-group peers (static SVG, :mod:`aibridge.web.svgcharts`), and
the list of every source behind the numbers shown (file or URL, vintage, checksum). It is
self-contained: one HTML file with its stylesheet inline, no script, no external request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from aibridge import __version__
from aibridge.web.data import Economy, IndicatorMeta, Value, WebData
from aibridge.web.i18n import (
    LANGUAGES,
    country_name,
    format_number,
    format_when,
    region_name,
    translations,
)
from aibridge.web.svgcharts import LINE_COLOURS, Line, line_chart

if TYPE_CHECKING:
    from aibridge.store import Store

__all__ = ["Report", "ReportRow", "build_report", "render_report", "report_html", "report_pdf"]

#: How many featured indicators get a chart (the rest are in the table).
MAX_CHARTS = 6


@dataclass(frozen=True)
class ReportRow:
    meta: IndicatorMeta
    value: Value
    region_median: float | None
    income_median: float | None


@dataclass
class Report:
    economy: Economy
    lang: str
    rows: list[ReportRow] = field(default_factory=list)
    charts: list[tuple[IndicatorMeta, Markup, list[tuple[str, str]]]] = field(default_factory=list)
    origins: list[dict[str, Any]] = field(default_factory=list)
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))


def _median(values: list[float]) -> float | None:
    if len(values) < 3:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def build_report(data: WebData, iso3: str, *, lang: str = "en") -> Report:
    """Collect what a country report shows (raises NotFoundError for an unknown economy)."""
    eco = data.economy(iso3)
    gettext = translations(lang).gettext
    report = Report(economy=eco, lang=lang)
    latest = {v.indicator: v for v in data.latest_values(eco.iso3)}
    countries = data.countries()
    region = [e.iso3 for e in countries if eco.un_region and e.un_region == eco.un_region]
    income = [e.iso3 for e in countries if eco.income_group and e.income_group == eco.income_group]
    featured = [m for m in data.featured() if m.code in latest]
    if not featured:  # an economy with none of the featured series: its best-covered ones
        cov = data.coverage()
        metas = data.indicators()
        codes = sorted(latest, key=lambda c: (-cov.get(c, (0, 0, 0, 0))[0], c))[:10]
        featured = [metas[c] for c in codes if c in metas]
    origin_ids: set[int] = set()
    for meta in featured:
        value = latest[meta.code]
        if value.origin_id is not None:
            origin_ids.add(value.origin_id)
        year_values = {v.economy: v.value for v in data.map_values(meta.code, value.year)}
        report.rows.append(
            ReportRow(
                meta=meta,
                value=value,
                region_median=_median([year_values[c] for c in region if c in year_values]),
                income_median=_median([year_values[c] for c in income if c in year_values]),
            )
        )
    name = country_name(eco.iso2, lang, eco.name)
    for meta in featured:
        if len(report.charts) >= MAX_CHARTS:
            break
        series = {v.year: v.value for v in data.series([eco.iso3], meta.code)}
        if len(series) < 2:
            continue
        lines = [Line(name, series)]
        if region:
            lines.append(
                Line(
                    gettext("Median of %(group)s") % {"group": region_name(eco.un_region, lang)},
                    data.group_medians(meta.code, region),
                )
            )
        if income:
            lines.append(
                Line(
                    gettext("Median of %(group)s") % {"group": gettext(eco.income_group or "")},
                    data.group_medians(meta.code, income),
                )
            )
        lines = [line for line in lines if line.points]
        svg = line_chart(
            lines,
            title=meta.name,
            fmt=lambda x: format_number(x, lang),
            rtl=LANGUAGES[lang].rtl,
            legend=False,
            width=330,
            height=170,
        )
        legend = [(line.name, LINE_COLOURS[i % len(LINE_COLOURS)]) for i, line in enumerate(lines)]
        report.charts.append((meta, Markup(svg), legend))  # text escaped inside line_chart
    # the files or API responses the key-indicator values came from (charts use the same
    # series, whose earlier years may come from older files of the same sources)
    report.origins = [o for o in data.origins() if o["origin_id"] in origin_ids]
    return report


def _env() -> Environment:
    from aibridge.web.app import WEB_DIR

    env = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def report_html(report: Report) -> str:
    """The report as one self-contained HTML document."""
    lang = report.lang
    env = _env()
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    eco = report.economy
    return env.get_template("report.html").render(
        report=report,
        lang=lang,
        rtl=LANGUAGES[lang].rtl,
        name=country_name(eco.iso2, lang, eco.name),
        region=region_name(eco.un_region, lang) if eco.un_region else "",
        income=translations(lang).gettext(eco.income_group) if eco.income_group else "",
        num=lambda v: format_number(v, lang),
        when=lambda d: format_when(d, lang),
        version=__version__,
        isnan=math.isnan,
    )


def report_pdf(html: str) -> bytes:
    """Render report HTML to PDF with WeasyPrint (vector SVG charts, embedded fonts)."""
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_report(
    store: Store, iso3: str, *, fmt: Literal["html", "pdf"] = "pdf", lang: str = "en"
) -> bytes:
    """``aibridge report``: the country report of ``iso3`` as HTML or PDF bytes."""
    html = report_html(build_report(WebData(store), iso3, lang=lang))
    return html.encode("utf-8") if fmt == "html" else report_pdf(html)
