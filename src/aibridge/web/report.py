"""Country reports: a few printable pages (HTML, or PDF through WeasyPrint).

A report holds, for the AI Capacity Index and its gender & inclusion lens: the score and rank
with the 5-95 % rank interval, the pillar scores against the UN-region and income-group
medians (SVG bar chart and table), the bottleneck pillar and nearest peers, every gap with the
Action Plan actions and SDG targets it maps to, the 2030 projection with its interval and
low-confidence flag, and the data table (every value the index used, with its source, year and
imputation flag) -- or "insufficient data" with the coverage rule's reason. Then the country's
key indicators with their peer medians, a line chart of each against its peers (static SVG,
:mod:`aibridge.web.svgcharts`), and every source behind the numbers shown (file or URL,
vintage, checksum). It is self-contained: one HTML file with its stylesheet inline, no
script, no external request.

Nothing is computed here: the index figures come from the web app's ACI state
(:func:`aibridge.web.rankings.compute_ranking` and :func:`~aibridge.web.rankings.pillar_profile`,
built by ``analysis.aci.prepare_aci``) and its analytics (:mod:`aibridge.web.analytics`), so
the report shows the same numbers as the profile page and ``aibridge aci build``. Framework
names are translated from the framework catalog (:func:`aibridge.web.i18n.term`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any, Final, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from aibridge import __version__
from aibridge.errors import AibridgeError
from aibridge.web.data import Economy, IndicatorMeta, Value, WebData
from aibridge.web.i18n import (
    LANGUAGES,
    country_name,
    format_int,
    format_number,
    format_when,
    indicator_term,
    lang_attr,
    region_name,
    report_gettext,
    term,
    term_html,
    translations,
)
from aibridge.web.svgcharts import LINE_COLOURS, Line, line_chart

if TYPE_CHECKING:
    from aibridge.store import Store

__all__ = [
    "DataRow",
    "IndexSection",
    "Report",
    "ReportRow",
    "build_report",
    "pillar_chart",
    "render_report",
    "report_html",
    "report_pdf",
]

#: How many featured indicators get a chart (the rest are in the table).
MAX_CHARTS = 6


@dataclass(frozen=True)
class ReportRow:
    meta: IndicatorMeta
    value: Value
    region_median: float | None
    income_median: float | None


@dataclass(frozen=True)
class DataRow:
    """One indicator value as the index used it, with its provenance."""

    code: str  # framework indicator code
    store_code: str  # the store series it reads
    name: str  # English name (translated in the template)
    group: str  # English name of its sub-pillar
    value: float | None  # value the index used (after denominate and impute; framework unit)
    unit: str | None
    year: int | None  # year of the observation behind it
    source: str  # store source id and vintage
    flag: str | None  # publisher's flag (E estimate, I imputed, P provisional)
    imputed: bool  # carried forward from an earlier year by the index's impute stage
    origin_id: int | None = None


@dataclass
class IndexSection:
    """One ACI framework (the index or its gender & inclusion lens) for one economy."""

    name: str  # framework id (aci, aci_gender)
    title: str  # English framework name
    year: int | None
    reason: str = ""  # why the economy has no score ('' when scored)
    row: Any = None  # rankings.Row: score, rank, 5-95 % rank interval, coverage
    n_ranked: int = 0
    n_replications: int = 0
    pillars: list[Any] = field(default_factory=list)  # rankings.PillarRow
    chart: Markup | None = None
    analytics: Any = None  # web.analytics.Analytics
    data: list[DataRow] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return self.row is not None


@dataclass
class Report:
    economy: Economy
    lang: str
    rows: list[ReportRow] = field(default_factory=list)
    charts: list[tuple[IndicatorMeta, Markup, list[tuple[str, str]]]] = field(default_factory=list)
    origins: list[dict[str, Any]] = field(default_factory=list)
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    indices: list[IndexSection] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # ISO3 -> name in the report's language


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
    report.indices = _index_sections(data, eco, lang)
    known = data.economies()
    for section in report.indices:
        for peer in section.analytics.peers if section.analytics else ():
            other = known.get(peer.economy)
            if other is not None:
                report.names[peer.economy] = country_name(other.iso2, lang, other.name)
    for section in report.indices:
        origin_ids.update(r.origin_id for r in section.data if r.origin_id is not None)
    # the files or API responses the key-indicator and index values came from (charts use
    # the same series, whose earlier years may come from older files of the same sources)
    report.origins = [o for o in data.origins() if o["origin_id"] in origin_ids]
    return report


#: Bar colours of the pillar chart (Okabe-Ito, as the line charts): economy, region, income.
BAR_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73")


def pillar_chart(
    rows: list[tuple[str, float | None, float | None, float | None]],
    *,
    title: str,
    series: tuple[str, str, str],
    fmt: Any,
    rtl: bool = False,
    width: int = 400,
) -> str:
    """Grouped bars (scale 0-100) of each pillar: the economy, its region's median and its
    income group's median. ``rows``: (label, economy, region, income).

    One small SVG of bars per pillar, with its label in HTML beside it: WeasyPrint shapes and
    reorders HTML text (Arabic, Chinese) but not SVG text, so the SVGs hold only bars and
    digits. The axis is a last SVG row; bars grow from the right in right-to-left reports;
    every text is escaped. Returns an HTML fragment; the legend is written by the template.
    """
    bar = 9
    height = 3 * bar + 2
    right_pad = 34  # room for the value label after the longest bar
    plot_w = width - right_pad - 4

    def x_of(v: float) -> float:
        frac = max(0.0, min(1.0, v / 100.0))
        return width - 2 - frac * plot_w if rtl else 2 + frac * plot_w

    base = x_of(0.0)
    anchor = "end" if rtl else "start"
    grid = "".join(
        f'<line x1="{x_of(t):.1f}" x2="{x_of(t):.1f}" y1="0" y2="{{h}}" stroke="#d0d4da" '
        'stroke-width="0.6"/>'
        for t in (0, 25, 50, 75, 100)
    )
    out = [
        f'<table class="bar-chart" role="img" aria-label="{escape(title)}"><tbody>',
    ]
    for label, *values in rows:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-hidden="true">',
            grid.replace("{h}", str(height)),
        ]
        for j, value in enumerate(values):
            if value is None or not math.isfinite(value):
                continue
            y = 1 + j * bar
            x = x_of(value)
            x1, x2 = (x, base) if rtl else (base, x)
            parts.append(
                f'<rect x="{x1:.1f}" y="{y:.1f}" width="{max(x2 - x1, 0.5):.1f}" '
                f'height="{bar - 2}" fill="{BAR_COLOURS[j]}"><title>{escape(series[j])}: '
                f"{escape(fmt(value))}</title></rect>"
            )
            tx = x - 3 if rtl else x + 3
            parts.append(
                f'<text x="{tx:.1f}" y="{y + bar - 3}" font-size="8" text-anchor="{anchor}" '
                f'fill="#333">{escape(fmt(value))}</text>'
            )
        parts.append("</svg>")
        out.append(f'<tr><th scope="row">{escape(label)}</th><td>{"".join(parts)}</td></tr>')
    axis = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="14" '
        f'viewBox="0 0 {width} 14" aria-hidden="true">'
    ]
    for tick in (0, 25, 50, 75, 100):
        axis.append(
            f'<text x="{x_of(tick):.1f}" y="10" font-size="8" text-anchor="middle" '
            f'fill="#333">{escape(fmt(tick))}</text>'
        )
    axis.append("</svg>")
    out.append(f"<tr><th></th><td>{''.join(axis)}</td></tr></tbody></table>")
    return "".join(out)


def _index_sections(data: WebData, eco: Economy, lang: str) -> list[IndexSection]:
    """The ACI and its gender lens for ``eco``, from the web app's cached ACI state."""
    from aibridge.web.methodology import builtin_frameworks
    from aibridge.web.rankings import ACI_FRAMEWORKS

    sections = []
    for name in ACI_FRAMEWORKS:
        if name in builtin_frameworks():
            sections.append(_index_section(data, eco, name, lang))
    return sections


def _index_section(data: WebData, eco: Economy, name: str, lang: str) -> IndexSection:
    from aibridge.frameworks import load_framework
    from aibridge.web.analytics import economy_analytics
    from aibridge.web.methodology import builtin_frameworks
    from aibridge.web.rankings import _cache, compute_ranking, pillar_profile

    fw = load_framework(builtin_frameworks()[name])
    section = IndexSection(name=name, title=str(fw.name), year=None)
    try:
        ranking = compute_ranking(data, name)
    except AibridgeError as exc:  # the store lacks the index's data: say so, with the fix
        section.reason = str(exc)
        return section
    section.year = ranking.year
    section.n_ranked = len(ranking.rows)
    section.n_replications = ranking.n_replications
    section.row = next((r for r in ranking.rows if r.economy == eco.iso3), None)
    version = data._version
    panel = _cache(data).get(("panel", name, version), lambda: None)
    if section.row is None:
        section.reason = _unscored_reason(data, eco, name, ranking.year, panel)
    else:
        section.pillars = pillar_profile(data, name, eco.iso3, ranking.year)
        try:
            section.analytics = economy_analytics(data, name, eco.iso3)
        except AibridgeError:  # the analytics are optional beside the scores
            section.analytics = None
    if panel is not None:
        section.data = _data_rows(data, fw, panel, eco.iso3, ranking.year)
    if section.pillars:
        gettext = translations(lang).gettext
        series = (
            country_name(eco.iso2, lang, eco.name),
            gettext("Region median"),
            gettext("Income-group median"),
        )
        title = gettext("Pillars of %(index)s: %(country)s and its peers") % {
            "index": term(section.title, lang),
            "country": series[0],
        }
        svg = pillar_chart(
            [
                (term(p.name, lang), p.score, p.region_median, p.income_median)
                for p in section.pillars
            ],
            title=title,
            series=series,
            fmt=lambda x: format_number(x, lang),
            rtl=LANGUAGES[lang].rtl,
        )
        section.chart = Markup(svg)  # text escaped inside pillar_chart
    return section


def _unscored_reason(data: WebData, eco: Economy, name: str, year: int, panel: Any) -> str:
    """Why the index has no score for ``eco`` in ``year``: the coverage rule's reason (from
    ``analysis.aci.prepare_aci``, the build the rankings use), or that it is outside the
    universe of UN member and observer states."""
    if panel is not None and eco.iso3 not in panel.economies:
        return "not a UN member or observer state: the ACI scores those only"
    from aibridge.analysis.aci import prepare_aci
    from aibridge.web.rankings import _cache

    try:
        built = _cache(data).get(
            ("aci-build", name, data._version), lambda: prepare_aci(data.store, framework=name)
        )
        return built.reason(eco.iso3, year) or "no score this year"
    except (AibridgeError, ValueError):
        return "no score this year"


def _data_rows(data: WebData, fw: Any, panel: Any, iso3: str, year: int) -> list[DataRow]:
    """Every indicator of the index for ``iso3`` in ``year``: the value the build used (after
    the denominate and impute stages, NaN for none), whether the impute stage carried it
    forward, and the store observation behind it (its year, source, vintage and flag)."""
    from aibridge.analysis.aci import EXPERT_INPUTS

    if iso3 not in panel.economies or year not in panel.years:
        return []
    t, e = panel.years.index(year), panel.economies.index(iso3)
    meta = {i.code: (i.name or i.code, i.unit, i.parent) for i in fw.indicators}
    meta.update({str(x["code"]): (str(x["name"]), str(x["unit"]), str(x["parent"]))
                 for x in EXPERT_INPUTS})  # fmt: skip
    sources = dict(fw.source_codes())
    sources.update({str(x["code"]): str(x["source"]) for x in EXPERT_INPUTS})
    groups = {n.code: n.name or n.code for n in fw.nodes}
    imputed = getattr(panel, "imputed", None)
    window = 0
    if fw.pipeline is not None and getattr(fw.pipeline, "impute", None) is not None:
        window = int((fw.pipeline.impute.model_extra or {}).get("window", 0) or 0)
    rows = []
    for k, code in enumerate(panel.indicators):
        name, unit, parent = meta.get(code, (code, None, ""))
        store_code = sources.get(code, code)
        value = float(panel.values[t, e, k])
        used = None if math.isnan(value) else value
        was_imputed = bool(imputed[t, e, k]) if imputed is not None else False
        # the observation behind the value: this year's, or the latest within the window
        obs = [v for v in data.series([iso3], store_code) if year - window <= v.year <= year]
        found = obs[-1] if obs else None
        rows.append(
            DataRow(
                code=code,
                store_code=store_code,
                name=name,
                group=str(groups.get(parent, parent) or ""),
                value=used,
                unit=unit,
                year=found.year if found else None,
                source=f"{found.source_id} {found.vintage}" if found else "",
                flag=found.flag if found else None,
                imputed=was_imputed,
                origin_id=found.origin_id if found else None,
            )
        )
    return rows


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
        num=(lambda v: Markup('<span dir="ltr">%s</span>') % format_number(v, lang))
        if LANGUAGES[lang].rtl
        else (lambda v: format_number(v, lang)),
        int_=lambda v: format_int(int(v), lang),
        when=lambda d: format_when(d, lang),
        term=lambda text: term_html(text, lang),
        term_text=lambda text: term(text, lang),
        lang_attr=lambda text: lang_attr(text, lang),
        ind_text=lambda meta: indicator_term(meta.code, meta.name, lang),
        country=lambda iso3: report.names.get(iso3, iso3),
        _r=report_gettext(lang),
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
