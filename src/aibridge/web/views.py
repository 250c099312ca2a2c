"""Pages and HTMX partials of the web app (server-rendered Jinja2, six UN languages).

Every page lives under a language prefix (``/en/...``, ``/ar/...``); ``/`` redirects to the
visitor's ``Accept-Language``. A request with the ``HX-Request`` header gets only the partial
it asked for; the same URL without it gets the full page, so every link and form also works
with JavaScript off. Charts read their numbers from a JSON block that the server renders next
to the HTML table of the same numbers (the table is the chart's text alternative).
"""

from __future__ import annotations

import json
import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from aibridge import __version__
from aibridge.errors import NotFoundError
from aibridge.sources._base import FLAGS
from aibridge.web.app import WEB_DIR, WebRoute, static_url
from aibridge.web.data import MAP_TOLERANCE_YEARS, Economy, IndicatorMeta, Value, WebData
from aibridge.web.i18n import (
    LANGUAGES,
    country_name,
    format_int,
    format_number,
    format_when,
    indicator_html,
    indicator_term,
    lang_attr,
    negotiate_language,
    region_name,
    term,
    term_html,
    translations,
)

__all__ = ["error_title", "get_web_data", "render_error_page", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

MAX_COMPARE: Final = 5
PAGE_SIZE: Final = 50

# -- templates ------------------------------------------------------------------------------


@lru_cache(maxsize=len(LANGUAGES))
def _env(lang: str) -> Environment:
    """One Jinja environment per language (an overlay would share the gettext globals)."""
    env = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.globals["version"] = __version__
    env.globals["languages"] = LANGUAGES
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _t(lang: str, message: str) -> str:
    """Translate a message from Python code (templates use ``_()`` directly)."""
    return translations(lang).gettext(message)


class Page:
    """Per-request helpers handed to templates as ``page``."""

    def __init__(self, request: Request, lang: str, data: WebData | None):
        self.request = request
        self.lang = lang
        self.data = data
        self.rtl = LANGUAGES[lang].rtl

    def href(self, path: str, **params: Any) -> str:
        """``/<lang><path>`` with the non-empty query parameters (lists repeat the key)."""
        pairs: list[tuple[str, Any]] = []
        for key, value in params.items():
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, list | tuple):
                pairs.extend((key, v) for v in value)
            else:
                pairs.append((key, value))
        query = ("?" + urlencode(pairs)) if pairs else ""
        return f"/{self.lang}{path}{query}"

    def switch(self, code: str) -> str:
        """This same page in another language (path and query kept)."""
        path = self.request.url.path
        parts = path.split("/", 2)
        rest = "/" + parts[2] if len(parts) > 2 else "/"
        query = self.request.url.query
        return f"/{code}{rest}" + (f"?{query}" if query else "")

    def country(self, iso3: str) -> str:
        """Localised name of an economy (CLDR by ISO2; English store name otherwise)."""
        eco = self.data.economies().get(iso3) if self.data else None
        if eco is None:
            return iso3
        return country_name(eco.iso2 if not eco.is_aggregate else None, self.lang, eco.name)

    def num(self, value: float | None) -> str:
        return format_number(value, self.lang)

    def term(self, text: str | None) -> Any:
        """A framework name (node, indicator, title) in this language, as HTML; English in a
        ``<span lang="en">`` where the framework catalog has no translation."""
        return term_html(text, self.lang)

    def term_text(self, text: str | None) -> str:
        """:meth:`term` as plain text (for ``<title>``, attributes and chart data)."""
        return term(text, self.lang)

    def lang_attr(self, text: str | None) -> Any:
        """`` lang="en"`` for an element whose framework text stays English here."""
        return lang_attr(text, self.lang)

    def ind(self, meta: IndicatorMeta) -> Any:
        """A store indicator's name as HTML: translated where a built-in framework names it,
        else the publisher's English name in ``<span lang="en">``."""
        return indicator_html(meta.code, meta.name, self.lang)

    def ind_text(self, meta: IndicatorMeta) -> str:
        """:meth:`ind` as plain text."""
        return indicator_term(meta.code, meta.name, self.lang)

    def ind_lang(self, meta: IndicatorMeta) -> Any:
        """`` lang="en"`` where :meth:`ind` falls back to English (for ``<option>``)."""
        english = self.lang != "en" and self.ind_text(meta) == meta.name
        return Markup(' lang="en"') if english else Markup("")

    def int(self, value: int) -> str:
        return format_int(value, self.lang)

    def when(self, moment: Any) -> str:
        return format_when(moment, self.lang)

    def flag(self, flag: str | None) -> str:
        """The imputation/estimate flag in words ("reported" when there is none)."""
        if not flag:
            return _t(self.lang, "reported")
        word = FLAGS.get(flag, flag)
        return {
            "estimate": _t(self.lang, "estimate"),
            "imputed": _t(self.lang, "imputed"),
            "provisional": _t(self.lang, "provisional"),
        }.get(word, word)

    def region(self, eco: Economy) -> str:
        """The economy's UN region in this language (World Bank region if it has none)."""
        return region_name(eco.un_region, self.lang) if eco.un_region else eco.wb_region or "—"

    def region_name(self, name: str | None) -> str:
        return region_name(name, self.lang)

    def income(self, group: str | None) -> str:
        """A World Bank income group in this language."""
        if not group:
            return "—"
        return {
            "Low income": _t(self.lang, "Low income"),
            "Lower middle income": _t(self.lang, "Lower middle income"),
            "Upper middle income": _t(self.lang, "Upper middle income"),
            "High income": _t(self.lang, "High income"),
        }.get(group, group)


def render(
    request: Request,
    template: str,
    *,
    lang: str,
    data: WebData | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    page = Page(request, lang, data)
    html = _env(lang).get_template(template).render(page=page, lang=lang, **context)
    return HTMLResponse(html, status_code=status_code)


def _is_htmx(request: Request) -> bool:
    """An htmx partial request (a history restore after Back wants the full page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def error_title(status: int, lang: str) -> str:
    titles = {
        400: _t(lang, "Bad request"),
        404: _t(lang, "Page not found"),
        405: _t(lang, "Method not allowed"),
        422: _t(lang, "Invalid input"),
        500: _t(lang, "Something went wrong"),
        503: _t(lang, "Data not available"),
    }
    return titles.get(status, _t(lang, "Error"))


def render_error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    lang = getattr(request.state, "lang", None) or request.path_params.get("lang")
    if lang not in LANGUAGES:
        lang = negotiate_language(request.headers.get("accept-language"))
    return render(request, "error.html", lang=lang, status_code=status, title=title, detail=detail)


# -- data dependency ------------------------------------------------------------------------


_data_lock = threading.Lock()


def get_web_data(request: Request) -> WebData:
    """The app's WebData over its store: the API's store (``app.state.store``, opened from
    the settings on first use by ``aibridge.api.deps.app_store``), else ``Store.open()``."""
    state = request.app.state
    data: WebData | None = getattr(state, "web_data", None)
    if data is not None:
        return data
    with _data_lock:
        data = getattr(state, "web_data", None)
        if data is None:
            store: Any
            try:
                from aibridge.api.deps import app_store

                store = app_store(request.app)
            except ImportError:  # pragma: no cover - the API ships with aibridge
                store = getattr(state, "store", None)
                if store is None:
                    from aibridge.store import Store

                    store = Store.open()
                    state.store = store
            data = WebData(store)
            state.web_data = data
    return data


Data = Annotated[WebData, Depends(get_web_data)]


def _not_found(request: Request, lang: str, detail: str) -> HTMLResponse:
    request.state.lang = lang
    return render_error_page(request, 404, error_title(404, lang), detail)


# -- JSON blocks for charts ------------------------------------------------------------------


def _json_block(payload: Any) -> str:
    """A chart's data as JSON, for a ``data-spec`` attribute (Jinja escapes it there).

    An attribute rather than a ``<script type="application/json">`` block because htmx drops
    script elements from swapped partials when script evaluation is off (as it is here).
    """
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _map_payload(page: Page, rows: Sequence[Value], meta: IndicatorMeta) -> dict[str, Any]:
    economies = page.data.economies() if page.data else {}
    items: list[dict[str, Any]] = []
    for row in rows:
        eco = economies.get(row.economy)
        if eco is None or eco.is_aggregate or eco.m49 is None:
            continue
        items.append(
            {
                "name": f"{eco.m49:03d}",
                "value": row.value,
                "label": page.country(row.economy),
                "display": page.num(row.value),
                "year": row.year,
                "source": row.source_id,
                "flag": page.flag(row.flag),
                "href": page.href(f"/country/{row.economy}", indicator=meta.code),
            }
        )
    values: list[float] = [float(i["value"]) for i in items]
    return {
        "kind": "map",
        "topojson": static_url("vendor/countries-110m.json"),
        "title": page.ind_text(meta),
        "unit": meta.unit or "",
        "min": min(values) if values else 0,
        "max": max(values) if values else 1,
        "minLabel": page.num(min(values)) if values else "",
        "maxLabel": page.num(max(values)) if values else "",
        "reverse": meta.direction == -1,
        "labels": {
            "year": _t(page.lang, "Year"),
            "source": _t(page.lang, "Source"),
            "flag": _t(page.lang, "Status"),
            "noData": _t(page.lang, "No data"),
        },
        "items": items,
    }


def _line_payload(
    page: Page, title: str, unit: str | None, lines: list[tuple[str, dict[int, float]]]
) -> dict[str, Any]:
    years = sorted({y for _, pts in lines for y in pts})
    return {
        "kind": "line",
        "title": title,
        "unit": unit or "",
        "years": years,
        "series": [
            {
                "name": name,
                "data": [pts.get(y) for y in years],
                "display": [page.num(pts[y]) if y in pts else "" for y in years],
            }
            for name, pts in lines
        ],
    }


# -- pages ----------------------------------------------------------------------------------


@router.get("/", response_class=RedirectResponse)
def root(request: Request) -> RedirectResponse:
    lang = negotiate_language(request.headers.get("accept-language"))
    return RedirectResponse(f"/{lang}/", status_code=307)


def _pick_indicator(data: WebData, code: str | None) -> IndicatorMeta | None:
    if code:
        metas = data.indicators()
        if code in metas and code in data.coverage():
            return metas[code]
        return None
    featured = data.featured()
    return featured[0] if featured else None


@router.get("/{lang:lang}/", response_class=HTMLResponse)
def world_map(
    request: Request,
    lang: str,
    data: Data,
    indicator: Annotated[str | None, Query(max_length=120)] = None,
    year: Annotated[int | None, Query(ge=1800, le=2200)] = None,
) -> Response:
    """World map of one indicator for one year, with the same numbers as a table."""
    if not data.coverage():
        return render(request, "empty.html", lang=lang, data=data)
    meta = _pick_indicator(data, indicator)
    if meta is None:
        return _not_found(
            request, lang, _t(lang, "No data for indicator %(code)s.") % {"code": indicator}
        )
    first, last = data.years(meta.code)
    chosen = data.best_map_year(meta.code) if year is None else min(max(year, first), last)
    rows = data.map_values(meta.code, chosen)
    page = Page(request, lang, data)
    countries = data.economies()
    rows = [r for r in rows if r.economy in countries and not countries[r.economy].is_aggregate]
    context: dict[str, Any] = {
        "meta": meta,
        "year": chosen,
        "first_year": first,
        "last_year": last,
        "rows": rows,
        "tolerance": MAP_TOLERANCE_YEARS,
        "featured": data.featured(),
        "chart": _json_block(_map_payload(page, rows, meta)),
    }
    template = "partials/map_results.html" if _is_htmx(request) else "map.html"
    return render(request, template, lang=lang, data=data, **context)


@router.get("/{lang:lang}/countries", response_class=HTMLResponse)
def countries(request: Request, lang: str, data: Data) -> Response:
    """Every economy, grouped by UN region, with links to the profiles."""
    page = Page(request, lang, data)
    groups: dict[str, list[Economy]] = defaultdict(list)
    for eco in data.countries():
        groups[page.region(eco)].append(eco)
    ordered = {
        region: sorted(ecos, key=lambda e: page.country(e.iso3))
        for region, ecos in sorted(groups.items())
    }
    return render(request, "countries.html", lang=lang, data=data, groups=ordered)


def _peers(data: WebData, eco: Economy) -> dict[str, list[str]]:
    """Members of the economy's UN region and income group (excluding aggregates)."""
    out: dict[str, list[str]] = {}
    ecos = data.countries()
    if eco.un_region:
        out["region"] = [e.iso3 for e in ecos if e.un_region == eco.un_region]
    if eco.income_group:
        out["income"] = [e.iso3 for e in ecos if e.income_group == eco.income_group]
    return out


@router.get("/{lang:lang}/country/{iso3}", response_class=HTMLResponse)
def country_profile(
    request: Request,
    lang: str,
    iso3: str,
    data: Data,
    indicator: Annotated[str | None, Query(max_length=120)] = None,
    q: Annotated[str, Query(max_length=100)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """One economy: a time series against its peers, and every latest value with provenance."""
    try:
        eco = data.economy(iso3)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    if eco.iso3 != iso3:
        return RedirectResponse(f"/{lang}/country/{eco.iso3}", status_code=308)
    page = Page(request, lang, data)
    latest = data.latest_values(eco.iso3)
    metas = data.indicators()
    words = [w.lower() for w in q.split()]

    def matches(v: Value) -> bool:
        meta = metas.get(v.indicator)
        hay = f"{v.indicator} {meta.name if meta else ''} {meta.topic if meta else ''}".lower()
        return all(w in hay for w in words)

    filtered = [v for v in latest if matches(v)]
    n_pages = max(1, math.ceil(len(filtered) / PAGE_SIZE))
    page_no = min(page_no, n_pages)
    shown = filtered[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    values_ctx: dict[str, Any] = {
        "eco": eco,
        "values": shown,
        "metas": metas,
        "q": q,
        "page_no": page_no,
        "n_pages": n_pages,
        "n_values": len(filtered),
        "n_latest": len(latest),
    }
    if _is_htmx(request) and request.headers.get("hx-target") == "profile-values":
        return render(request, "partials/profile_values.html", lang=lang, data=data, **values_ctx)

    have = {v.indicator for v in latest}
    options = [m for m in data.featured() if m.code in have]
    meta: IndicatorMeta | None = None
    if indicator and indicator in have:
        meta = metas.get(indicator)
    elif options:
        meta = options[0]
    elif latest:
        meta = metas.get(latest[0].indicator)
    series: list[Value] = []
    chart = None
    peer_lines: list[tuple[str, dict[int, float]]] = []
    if meta is not None:
        series = data.series([eco.iso3], meta.code)
        peers = _peers(data, eco)
        if "region" in peers:
            peer_lines.append(
                (
                    _t(lang, "Median of %(group)s") % {"group": page.region_name(eco.un_region)},
                    data.group_medians(meta.code, peers["region"]),
                )
            )
        if "income" in peers:
            peer_lines.append(
                (
                    _t(lang, "Median of %(group)s") % {"group": page.income(eco.income_group)},
                    data.group_medians(meta.code, peers["income"]),
                )
            )
        peer_lines = [(n, pts) for n, pts in peer_lines if pts]
        lines = [(page.country(eco.iso3), {v.year: v.value for v in series}), *peer_lines]
        chart = _json_block(_line_payload(page, page.ind_text(meta), meta.unit, lines))
    if meta is not None and meta not in options:
        options = [meta, *options]
    indices = _indices_for(data, eco.iso3)
    listed = {i[0] for i in indices}
    context: dict[str, Any] = {
        **values_ctx,
        "indices": indices,
        "lens_missing": "aci" in listed and "aci_gender" not in listed,
        "coop": _cooperation(request, eco.iso3),
        "meta": meta,
        "options": options,
        "series": series,
        "peer_lines": peer_lines,
        "chart": chart,
    }
    if _is_htmx(request) and request.headers.get("hx-target") == "profile-series":
        return render(request, "partials/profile_series.html", lang=lang, data=data, **context)
    return render(request, "profile.html", lang=lang, data=data, **context)


def _cooperation(request: Request, iso3: str) -> dict[str, Any] | None:
    """The registry's view of an economy: resolutions and its role, open needs, offers."""
    from aibridge.errors import RegistryError
    from aibridge.web.board import get_registry

    try:
        registry = get_registry(request)
        needs = [
            n for n in registry.list_needs(economy=iso3) if n.status in ("open", "in_progress")
        ]
        offers = registry.list_offers(eligible_for=iso3, status="open")
        resolutions = registry.resolutions_for(iso3)
    except (RegistryError, ValueError):
        return None
    return {
        "needs": needs[:10],
        "n_needs": len(needs),
        "offers": offers[:10],
        "n_offers": len(offers),
        "resolutions": resolutions,
    }


def _indices_for(data: WebData, iso3: str) -> list[tuple[Any, ...]]:
    """(framework name, title, rank row) of the built-in indices that rank this economy."""
    from aibridge.web.methodology import builtin_frameworks
    from aibridge.web.rankings import compute_ranking, pillar_profile

    out: list[tuple[Any, ...]] = []
    for name in builtin_frameworks():
        try:
            ranking = compute_ranking(data, name)
        except Exception:  # an index whose data are not in the store is simply not listed
            continue
        row = next((r for r in ranking.rows if r.economy == iso3), None)
        if row is not None:
            pillars = pillar_profile(data, name, iso3, ranking.year)
            gaps = [p for p in pillars if p.gap is not None]
            weakest = min(gaps, key=lambda p: p.gap or 0.0) if gaps else None
            if weakest is not None and (weakest.gap or 0.0) >= 0:
                weakest = None  # ahead of its region everywhere: no gap to flag
            out.append(
                (name, ranking.title, row, ranking, pillars, weakest, _analytics(data, name, iso3))
            )
    return out


def _analytics(data: WebData, name: str, iso3: str) -> Any:
    """Bottleneck, nearest peers, gaps mapped to actions and the 2030 projection (or None)."""
    from aibridge.web.analytics import economy_analytics

    try:
        return economy_analytics(data, name, iso3)
    except Exception:  # the analytics are optional beside the index scores
        return None


@router.get("/{lang:lang}/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    lang: str,
    data: Data,
    e: Annotated[list[str] | None, Query(max_length=MAX_COMPARE + 5)] = None,
    indicator: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    """Up to five economies side by side on one indicator: chart and table."""
    page = Page(request, lang, data)
    known = data.economies()
    chosen: list[str] = []
    for code in e or []:
        code = code.strip().upper()
        if code and code in known and code not in chosen:
            chosen.append(code)
    too_many = len(chosen) > MAX_COMPARE
    chosen = chosen[:MAX_COMPARE]
    meta = _pick_indicator(data, indicator)
    series: dict[str, dict[int, Value]] = {c: {} for c in chosen}
    chart = None
    years: list[int] = []
    if meta is not None and chosen:
        for v in data.series(chosen, meta.code):
            series[v.economy][v.year] = v
        years = sorted({y for pts in series.values() for y in pts})
        lines = [(page.country(c), {y: v.value for y, v in series[c].items()}) for c in chosen]
        chart = _json_block(_line_payload(page, page.ind_text(meta), meta.unit, lines))
    sources = {
        c: sorted({v.source_id + " " + v.vintage for v in series[c].values()}) for c in chosen
    }
    all_countries = sorted(data.countries(), key=lambda x: page.country(x.iso3))
    slots = [*chosen, *[""] * (MAX_COMPARE - len(chosen))]
    context: dict[str, Any] = {
        "meta": meta,
        "chosen": chosen,
        "slots": slots,
        "series": series,
        "years": years,
        "sources": sources,
        "chart": chart,
        "featured": data.featured(),
        "all_countries": all_countries,
        "too_many": too_many,
    }
    template = "partials/compare_results.html" if _is_htmx(request) else "compare.html"
    return render(request, template, lang=lang, data=data, **context)


@router.get("/{lang:lang}/indicators", response_class=HTMLResponse)
def indicators(
    request: Request,
    lang: str,
    data: Data,
    q: Annotated[str, Query(max_length=100)] = "",
    source: Annotated[str | None, Query(max_length=60)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """Search the indicators that have data; coverage and source of each."""
    found = data.search_indicators(q, source=source or None)
    n_pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page_no = min(page_no, n_pages)
    context: dict[str, Any] = {
        "q": q,
        "source": source or "",
        "sources": sorted(data.source_summary()),
        "found": found[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE],
        "n_found": len(found),
        "page_no": page_no,
        "n_pages": n_pages,
        "coverage": data.coverage(),
    }
    template = "partials/indicator_results.html" if _is_htmx(request) else "indicators.html"
    return render(request, template, lang=lang, data=data, **context)


@router.get("/{lang:lang}/indicators/{code}", response_class=HTMLResponse)
def indicator_detail(request: Request, lang: str, code: str, data: Data) -> Response:
    """One indicator: its metadata, coverage and where its values came from."""
    try:
        meta = data.indicator(code)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    cov = data.coverage().get(code)
    origins = [o for o in data.origins() if o["source_id"] == meta.source_id]
    return render(
        request,
        "indicator.html",
        lang=lang,
        data=data,
        meta=meta,
        cov=cov,
        origins=origins,
    )


@router.get("/{lang:lang}/sources", response_class=HTMLResponse)
def sources(request: Request, lang: str, data: Data) -> Response:
    """Every source: what it holds, and every file or API response it came from."""
    summary = data.source_summary()
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for origin in data.origins():
        by_source[origin["source_id"]].append(origin)
    return render(
        request,
        "sources.html",
        lang=lang,
        data=data,
        summary=summary,
        by_source=dict(sorted(by_source.items())),
    )


#: Reports have their stylesheet inline and no script at all.
REPORT_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@router.get("/{lang:lang}/country/{iso3}/report.{fmt}")
def country_report(request: Request, lang: str, iso3: str, fmt: str, data: Data) -> Response:
    """Download the country report (PDF, or self-contained HTML)."""
    from aibridge.web.report import build_report, report_html, report_pdf

    if fmt not in ("pdf", "html"):
        return _not_found(request, lang, _t(lang, "Reports are available as PDF or HTML."))
    try:
        report = build_report(data, iso3.upper(), lang=lang)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    html = report_html(report)
    name = f"aibridge-{report.economy.iso3}-{lang}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Security-Policy": REPORT_CSP,
    }
    if fmt == "html":
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    return Response(report_pdf(html), media_type="application/pdf", headers=headers)
