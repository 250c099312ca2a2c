"""The cooperation board: needs, offers, projects and pledges of the registry.

Anyone can read and filter the board. Contributors sign in with their registry API token
(``aibridge registry token create``); the token is checked by the registry (argon2 hash),
kept only in the server's memory, and re-checked every few minutes so a revoked token signs
the session out. The browser gets an opaque session id in a cookie that is HttpOnly,
SameSite=Lax, and Secure when the request came over HTTPS. Every form carries a CSRF token
(bound to the session, or to a double-submit cookie before sign-in) and every POST checks it
and the Origin header. Everything users write is rendered through Jinja's autoescaping.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aibridge.errors import (
    AuthenticationFailed,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RegistryError,
    ValidationFailed,
)
from aibridge.web.app import WebRoute, static_url
from aibridge.web.board_forms import (
    ACTIVITY_STATUSES,
    DATE_FIELDS,
    PARTICIPATING_ROLES,
    activity_status_name,
    date_type_name,
    parse_progress_form,
    parse_project_form,
    pledge_status_name,
    project_form_values,
    role_name,
    service_error_field,
)
from aibridge.web.data import WebData
from aibridge.web.i18n import format_pct, format_when
from aibridge.web.views import (
    Page,
    _is_htmx,
    _json_block,
    _not_found,
    _t,
    error_title,
    get_web_data,
    render,
    render_error_page,
)

__all__ = ["SESSION_COOKIE", "SessionStore", "get_registry", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SESSION_COOKIE: Final = "aibridge_session"
CSRF_COOKIE: Final = "aibridge_csrf"
SESSION_TTL_S: Final = 8 * 3600
#: A signed-in session re-checks its token with the registry this often (revocation).
REAUTH_S: Final = 300
TABS: Final = ("needs", "offers", "projects", "pledges")
#: Sections contributors post and edit from the web (all four).
EDITABLE: Final = ("needs", "offers", "projects", "pledges")
AREA_IDS: Final = (1, 2, 3, 4, 5)
ACTION_IDS: Final = tuple(f"AP{i}" for i in range(1, 11))


def status_label(lang: str, kind: str, status: str | None) -> str:
    """A status in words: IATI activity status codes for projects, pledge statuses."""
    if kind == "projects":
        return activity_status_name(lang, status)
    if kind == "pledges":
        return pledge_status_name(lang, status or "")
    return status or "—"


def recipients(project: Any) -> list[str]:
    """ISO3 codes of a project's recipient countries, in the activity's order."""
    from aibridge.registry.iati import recipient_iso3

    return sorted(recipient_iso3(project.activity))


def area_name(lang: str, area: int) -> str:
    names = {
        1: _t(lang, "AI infrastructure"),
        2: _t(lang, "Industrial empowerment"),
        3: _t(lang, "Personnel training"),
        4: _t(lang, "Data development"),
        5: _t(lang, "Security governance"),
    }
    return names.get(area, str(area))


# -- sessions -------------------------------------------------------------------------------


@dataclass
class Session:
    token: str
    actor: Any  # aibridge.registry.auth.Actor
    csrf: str
    created: float = field(default_factory=time.monotonic)
    checked: float = field(default_factory=time.monotonic)


class SessionStore:
    """Signed-in sessions, in this process's memory only (a restart signs everyone out)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, token: str, actor: Any) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        session = Session(token=token, actor=actor, csrf=secrets.token_urlsafe(32))
        with self._lock:
            now = time.monotonic()
            for key in [k for k, v in self._sessions.items() if now - v.created > SESSION_TTL_S]:
                del self._sessions[key]
            self._sessions[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and time.monotonic() - session.created > SESSION_TTL_S:
                del self._sessions[sid]
                return None
            return session

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)


def _sessions(request: Request) -> SessionStore:
    store: SessionStore | None = getattr(request.app.state, "web_sessions", None)
    if store is None:
        store = SessionStore()
        request.app.state.web_sessions = store
    return store


def get_registry(request: Request) -> Any:
    """The app's registry: the API's (``aibridge.api.deps.get_registry``: ``app.state.registry``
    or one opened from the settings), so the board and the REST API share one registry."""
    try:
        from aibridge.api.deps import get_registry as api_registry
    except ImportError:  # pragma: no cover - the API ships with aibridge
        registry = getattr(request.app.state, "registry", None)
        if registry is None:
            from aibridge.registry.service import Registry

            registry = Registry()
            request.app.state.registry = registry
        return registry
    return api_registry(request)


def current_session(request: Request) -> Session | None:
    """The signed-in session of this request (re-validated against the registry)."""
    sessions = _sessions(request)
    sid = request.cookies.get(SESSION_COOKIE)
    session = sessions.get(sid)
    if session is None:
        return None
    if time.monotonic() - session.checked > REAUTH_S:
        try:
            session.actor = get_registry(request).authenticate(session.token)
            session.checked = time.monotonic()
        except AuthenticationFailed:
            sessions.drop(sid)
            return None
    return session


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _csrf_expected(request: Request, session: Session | None) -> str | None:
    if session is not None:
        return session.csrf
    return request.cookies.get(CSRF_COOKIE)


def _form_token(request: Request, session: Session | None) -> tuple[str, str | None]:
    """(token for the form's hidden field, new cookie value to set or None)."""
    if session is not None:
        return session.csrf, None
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing, None
    fresh = secrets.token_urlsafe(32)
    return fresh, fresh


def _set_csrf_cookie(request: Request, response: Response, value: str | None) -> None:
    if value:
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )


async def _checked_form(request: Request, session: Session | None) -> dict[str, Any]:
    """The POSTed form, after the Origin and CSRF checks (PermissionDenied if they fail)."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise PermissionDenied(f"cross-origin form post from {origin} refused")
    form = await request.form()
    sent = str(form.get("csrf", ""))
    expected = _csrf_expected(request, session)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PermissionDenied(
            "the form's security token is missing or stale; reload the page and submit again"
        )
    return {
        key: form.getlist(key) if key in ("areas", "actions") else str(form.get(key, ""))
        for key in form
    }


Registry = Annotated[Any, Depends(get_registry)]
Data = Annotated[WebData, Depends(get_web_data)]


def _forbidden(request: Request, lang: str, detail: str) -> HTMLResponse:
    request.state.lang = lang
    return render_error_page(request, 403, _t(lang, "Not allowed"), detail)


# -- board ----------------------------------------------------------------------------------


def _org_names(registry: Any) -> dict[int, str]:
    return {o.id: o.name for o in registry.list_organisations()}


def _needs_map(page: Page, needs: list[Any]) -> str | None:
    """A choropleth of open needs per economy (same chart as the world map)."""
    data = page.data
    if data is None:
        return None
    counts = Counter(n.economy for n in needs if n.status in ("open", "in_progress"))
    economies = data.economies()
    items: list[dict[str, Any]] = []
    for iso3, count in counts.items():
        eco = economies.get(iso3)
        if eco is None or eco.m49 is None:
            continue
        items.append(
            {
                "name": f"{eco.m49:03d}",
                "value": count,
                "label": page.country(iso3),
                "display": page.int(count),
                "year": dt.date.today().year,
                "source": "registry",
                "flag": _t(page.lang, "open needs"),
                "href": page.href("/board", tab="needs", economy=iso3),
            }
        )
    if not items:
        return None
    values = [float(i["value"]) for i in items]
    return _json_block(
        {
            "kind": "map",
            "topojson": static_url("vendor/countries-110m.json"),
            "title": _t(page.lang, "Open needs by economy"),
            "unit": "",
            "min": 0,
            "max": max(values),
            "minLabel": page.int(0),
            "maxLabel": page.int(int(max(values))),
            "reverse": False,
            "labels": {
                "year": _t(page.lang, "Year"),
                "source": _t(page.lang, "Source"),
                "flag": _t(page.lang, "Status"),
                "noData": _t(page.lang, "No open need"),
            },
            "items": items,
        }
    )


@router.get("/{lang:lang}/board", response_class=HTMLResponse)
def board(
    request: Request,
    lang: str,
    registry: Registry,
    data: Data,
    tab: Annotated[str, Query(pattern="^(needs|offers|projects|pledges)$")] = "needs",
    economy: Annotated[str, Query(max_length=3)] = "",
    area: Annotated[int | None, Query(ge=1, le=5)] = None,
    status: Annotated[str, Query(max_length=20)] = "",
    kind: Annotated[str, Query(max_length=30)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Needs, offers, projects and pledges, filtered by economy, area, status, kind, text."""
    page = Page(request, lang, data)
    session = current_session(request)
    eco = economy.strip().upper() or None
    try:
        if tab == "needs":
            items: list[Any] = registry.list_needs(economy=eco, area=area, status=status or None)
        elif tab == "offers":
            items = registry.list_offers(
                kind=kind or None, area=area, status=status or None, eligible_for=eco
            )
        elif tab == "projects":
            items = registry.list_projects(economy=eco, status=status or None)
            if area is not None:
                items = [p for p in items if area in p.areas]
        else:
            items = registry.list_pledges(economy=eco)
            if area is not None:
                items = [p for p in items if area in p.areas]
            if status:
                items = [p for p in items if p.status == status]
    except RegistryError as exc:
        request.state.lang = lang
        return render_error_page(request, 422, error_title(422, lang), str(exc))
    words = [w.lower() for w in q.split()]
    if words:
        items = [
            i
            for i in items
            if all(w in f"{i.title} {getattr(i, 'description', '')}".lower() for w in words)
        ]
    all_needs = registry.list_needs() if tab == "needs" else []
    needs_map = _needs_map(page, all_needs) if tab == "needs" else None
    open_counts = Counter(n.economy for n in all_needs if n.status in ("open", "in_progress"))
    from aibridge.registry import schemas as s

    context: dict[str, Any] = {
        "tab": tab,
        "tabs": TABS,
        "items": items,
        "orgs": _org_names(registry),
        "economy": eco or "",
        "area": area,
        "status": status,
        "kind": kind,
        "q": q,
        "statuses": {
            "needs": s.NEED_STATUSES,
            "offers": s.OFFER_STATUSES,
            "projects": ACTIVITY_STATUSES,
            "pledges": s.PLEDGE_STATUSES,
        }[tab],
        "status_label": lambda st: status_label(lang, tab, st),
        "recipients": recipients,
        "pct": lambda share: format_pct(share, lang),
        "kinds": s.OFFER_KINDS,
        "area_ids": AREA_IDS,
        "area_name": lambda a: area_name(lang, a),
        "countries": sorted(data.countries(), key=lambda e: page.country(e.iso3)),
        "session": session,
        "needs_map": needs_map,
        "open_counts": sorted(open_counts.items(), key=lambda kv: (-kv[1], kv[0])),
    }
    template = "partials/board_results.html" if _is_htmx(request) else "board.html"
    return render(request, template, lang=lang, data=data, **context)


def _can_edit(session: Session | None, organisation_id: int) -> bool:
    return bool(
        session
        and (
            session.actor.at_least("moderator")
            or (
                session.actor.at_least("contributor")
                and session.actor.organisation_id == organisation_id
            )
        )
    )


def _funding(pledges: list[Any]) -> list[dict[str, Any]]:
    """Pledged and disbursed totals per currency (pledges without an amount left out)."""
    totals: dict[str, dict[str, Any]] = {}
    for p in pledges:
        if p.amount is None or p.status == "cancelled":
            continue
        row = totals.setdefault(
            p.currency or "", {"currency": p.currency or "", "pledged": 0.0, "disbursed": 0.0}
        )
        row["pledged"] += p.amount
        row["disbursed"] += p.disbursed
    for row in totals.values():
        row["share"] = row["disbursed"] / row["pledged"] if row["pledged"] else None
    return sorted(totals.values(), key=lambda r: r["currency"])


def _item_page(
    request: Request,
    lang: str,
    kind: str,
    item_id: int,
    registry: Any,
    data: WebData,
    *,
    progress_values: dict[str, Any] | None = None,
    progress_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    getters = {
        "needs": registry.get_need,
        "offers": registry.get_offer,
        "projects": registry.get_project,
        "pledges": registry.get_pledge,
    }
    if kind not in getters:
        return _not_found(request, lang, _t(lang, "No such board section."))
    try:
        item = getters[kind](item_id)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    matches: list[tuple[Any, Any]] = []
    extra: dict[str, Any] = {}
    if kind == "needs":
        towards = registry.list_pledges(need_id=item.id)
        extra = {"pledges": towards, "funding": _funding(towards)}
        try:
            for match in registry.match_offers(item_id, limit=5):
                matches.append((match, registry.get_offer(match.offer_id)))
        except RegistryError:
            matches = []
    session = current_session(request)
    can_edit = kind in EDITABLE and _can_edit(session, item.organisation_id)
    if kind == "projects":
        towards = registry.list_pledges(project_id=item.id)
        extra = {
            "need": _get_or_none(registry.get_need, item.need_id),
            "offer": _get_or_none(registry.get_offer, item.offer_id),
            "pledges": towards,
            "funding": _funding(towards),
            "budget_total": _budget_total(item),
        }
    elif kind == "pledges":
        project = _get_or_none(registry.get_project, item.project_id)
        need_id = item.need_id if item.need_id is not None else (project and project.need_id)
        extra = {
            "project": project,
            "need": _get_or_none(registry.get_need, need_id),
            "progress": _progress_rows(registry.list_progress(item.id)),
            "progress_values": progress_values or {"reported_on": dt.date.today().isoformat()},
            "progress_errors": progress_errors or {},
            "share": item.disbursed / item.amount if item.amount else None,
            "remaining": max(item.amount - item.disbursed, 0.0)
            if item.amount is not None
            else None,
        }
    return render(
        request,
        "board_item.html",
        lang=lang,
        data=data,
        status_code=status_code,
        kind=kind,
        item=item,
        orgs=_org_names(registry),
        matches=matches,
        area_name=lambda a: area_name(lang, a),
        status_label=lambda st: status_label(lang, kind, st),
        role_name=lambda code: role_name(lang, code),
        date_type_name=lambda code: date_type_name(lang, code),
        recipients=recipients,
        pct=lambda share: format_pct(share, lang),
        iso_when=lambda iso: format_when(dt.date.fromisoformat(iso[:10]), lang),
        pledge_status=lambda st: pledge_status_name(lang, st),
        session=session,
        csrf=session.csrf if session else "",
        can_edit=can_edit,
        **extra,
    )


def _get_or_none(getter: Any, key: int | None) -> Any:
    if key is None:
        return None
    try:
        return getter(key)
    except NotFoundError:
        return None


def _budget_total(project: Any) -> tuple[float, str] | None:
    """The project's budgets summed, when they are all in one currency."""
    budgets = project.activity.budgets
    if not budgets:
        return None
    currencies = {b.value.currency or project.default_currency or "" for b in budgets}
    if len(currencies) != 1:
        return None
    return float(sum(b.value.amount for b in budgets)), currencies.pop()


def _progress_rows(updates: list[Any]) -> list[tuple[Any, float]]:
    """Each progress update with the disbursed total up to it (in report order)."""
    rows: list[tuple[Any, float]] = []
    total = 0.0
    for update in updates:
        total += update.disbursed_delta
        rows.append((update, total))
    return rows


@router.get("/{lang:lang}/board/{kind}/{item_id:int}", response_class=HTMLResponse)
def board_item(
    request: Request, lang: str, kind: str, item_id: int, registry: Registry, data: Data
) -> Response:
    """One need (with suggested offers), offer, project (with its pledges) or pledge (with
    its progress reports)."""
    return _item_page(request, lang, kind, item_id, registry, data)


@router.post("/{lang:lang}/board/pledges/{item_id:int}/progress", response_class=HTMLResponse)
async def record_pledge_progress(
    request: Request, lang: str, item_id: int, registry: Registry, data: Data
) -> Response:
    """Report progress on a pledge (the registry's ``record_progress``: the pledge's
    progress, disbursed total and status move in one transaction)."""
    session = _require_contributor(request, lang)
    if not isinstance(session, Session):
        return session
    try:
        form = await _checked_form(request, session)
    except PermissionDenied as exc:
        return _forbidden(request, lang, str(exc))
    try:
        pledge = registry.get_pledge(item_id)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    if not _can_edit(session, pledge.organisation_id):
        return _forbidden(
            request, lang, _t(lang, "Only its own organisation or a moderator may edit this entry.")
        )
    payload, errors = parse_progress_form(lang, form, dt.date.today())
    if not errors:
        try:
            await run_in_threadpool(registry.record_progress, session.actor, item_id, payload)
        except ValidationFailed as exc:
            errors[service_error_field(exc) or "progress_pct"] = _refused(lang, exc)
        except PermissionDenied as exc:
            return _forbidden(request, lang, str(exc))
    if errors:
        return _item_page(
            request,
            lang,
            "pledges",
            item_id,
            registry,
            data,
            progress_values=form,
            progress_errors=errors,
            status_code=422,
        )
    return RedirectResponse(f"/{lang}/board/pledges/{item_id}#progress", status_code=303)


def _refused(lang: str, exc: Exception) -> str:
    return _t(lang, "The registry refused this value: %(detail)s") % {"detail": str(exc)}


# -- sign in / out --------------------------------------------------------------------------


@router.get("/{lang:lang}/signin", response_class=HTMLResponse)
def signin_form(request: Request, lang: str, data: Data, error: str = "") -> Response:
    session = current_session(request)
    token, cookie = _form_token(request, session)
    response = render(
        request,
        "signin.html",
        lang=lang,
        data=data,
        csrf=token,
        session=session,
        error=error,
        status_code=401 if error else 200,
    )
    _set_csrf_cookie(request, response, cookie)
    return response


@router.post("/{lang:lang}/signin", response_class=HTMLResponse)
async def signin(request: Request, lang: str, registry: Registry, data: Data) -> Response:
    try:
        form = await _checked_form(request, None)
    except PermissionDenied as exc:
        return _forbidden(request, lang, str(exc))
    token = str(form.get("token", "")).strip()
    try:
        actor = await run_in_threadpool(registry.authenticate, token)
    except AuthenticationFailed as exc:
        return signin_form(request, lang, data, error=str(exc))
    sid, _session = _sessions(request).create(token, actor)
    response = RedirectResponse(f"/{lang}/board", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    return response


@router.post("/{lang:lang}/signout", response_class=HTMLResponse)
async def signout(request: Request, lang: str) -> Response:
    session = current_session(request)
    try:
        await _checked_form(request, session)
    except PermissionDenied as exc:
        return _forbidden(request, lang, str(exc))
    _sessions(request).drop(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"/{lang}/board", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- post and edit needs and offers ---------------------------------------------------------

_NEED_FIELDS: Final = (
    "economy",
    "title",
    "description",
    "languages",
    "budget_min",
    "budget_max",
    "currency",
    "start_date",
    "end_date",
    "status",
)
_OFFER_FIELDS: Final = (
    "kind",
    "title",
    "description",
    "eligible_economies",
    "languages",
    "capacity",
    "capacity_unit",
    "available_from",
    "available_until",
    "status",
)


_PLEDGE_FIELDS: Final = (
    "title",
    "description",
    "amount",
    "currency",
    "economies",
    "announced_on",
    "due_date",
    "status",
    "project_id",
    "need_id",
)


def _payload(kind: str, form: dict[str, Any], organisation_id: int | None) -> dict[str, Any]:
    """Registry input from a posted form: blank fields left out, lists split on commas."""
    names = {"needs": _NEED_FIELDS, "offers": _OFFER_FIELDS, "pledges": _PLEDGE_FIELDS}[kind]
    out: dict[str, Any] = {}
    for name in names:
        value = str(form.get(name, "")).strip()
        if not value:
            continue
        if name in ("languages", "eligible_economies", "economies"):
            out[name] = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
        elif name in ("project_id", "need_id"):
            out[name] = int(value) if value.isdigit() else value
        else:
            out[name] = value
    out["areas"] = [int(a) for a in form.get("areas", []) if str(a).isdigit()]
    out["actions"] = [str(a) for a in form.get("actions", [])]
    if organisation_id is not None:
        out["organisation_id"] = organisation_id
    elif kind == "pledges":  # an edit that clears a link
        for link in ("project_id", "need_id"):
            out.setdefault(link, None)
    if form.get("version"):
        out["version"] = int(str(form["version"])) if str(form["version"]).isdigit() else None
    return out


def _form_page(
    request: Request,
    lang: str,
    data: WebData,
    registry: Any,
    session: Session,
    kind: str,
    values: dict[str, Any],
    *,
    item_id: int | None = None,
    error: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from aibridge.registry import schemas as s

    if kind == "projects":
        return _project_form_page(
            request,
            lang,
            data,
            registry,
            session,
            values,
            item_id=item_id,
            error=error,
            errors=errors or {},
            status_code=status_code,
        )
    page = Page(request, lang, data)
    return render(
        request,
        "board_form.html",
        lang=lang,
        data=data,
        status_code=status_code,
        kind=kind,
        values=values,
        item_id=item_id,
        error=error,
        errors=errors or {},
        csrf=session.csrf,
        session=session,
        orgs=_org_names(registry),
        projects=registry.list_projects() if kind == "pledges" else [],
        needs=_pledge_needs(registry, values) if kind == "pledges" else [],
        countries=sorted(data.countries(), key=lambda e: page.country(e.iso3)),
        area_ids=AREA_IDS,
        action_ids=ACTION_IDS,
        actions=s.ACTIONS,
        area_name=lambda a: area_name(lang, a),
        kinds=s.OFFER_KINDS,
        statuses={
            "needs": s.NEED_STATUSES,
            "offers": s.OFFER_STATUSES,
            "pledges": s.PLEDGE_STATUSES,
        }[kind],
        status_label=lambda st: status_label(lang, kind, st),
    )


def _pledge_needs(registry: Any, values: dict[str, Any]) -> list[Any]:
    """The needs a pledge can go towards: the open ones, and the one it names already."""
    needs = registry.list_needs(status="open")
    chosen = str(values.get("need_id") or "")
    if chosen.isdigit() and all(n.id != int(chosen) for n in needs):
        current = _get_or_none(registry.get_need, int(chosen))
        if current is not None:
            needs.append(current)
    return needs


def _project_form_page(
    request: Request,
    lang: str,
    data: WebData,
    registry: Any,
    session: Session,
    values: dict[str, Any],
    *,
    item_id: int | None,
    error: str,
    errors: dict[str, str],
    status_code: int,
) -> HTMLResponse:
    from aibridge.registry import schemas as s

    return render(
        request,
        "board_project_form.html",
        lang=lang,
        data=data,
        status_code=status_code,
        kind="projects",
        values=values,
        item_id=item_id,
        error=error,
        errors=errors,
        csrf=session.csrf,
        session=session,
        orgs=_org_names(registry),
        needs=registry.list_needs(),
        offers=registry.list_offers(),
        area_ids=AREA_IDS,
        action_ids=ACTION_IDS,
        actions=s.ACTIONS,
        area_name=lambda a: area_name(lang, a),
        statuses=ACTIVITY_STATUSES,
        status_label=lambda st: activity_status_name(lang, st),
        roles=PARTICIPATING_ROLES,
        role_name=lambda code: role_name(lang, code),
        date_fields=DATE_FIELDS,
        date_type_name=lambda code: date_type_name(lang, code),
    )


def _require_contributor(request: Request, lang: str) -> Session | Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse(f"/{lang}/signin", status_code=303)
    if not session.actor.at_least("contributor"):
        return _forbidden(
            request,
            lang,
            _t(lang, "Your account may read the board but not post to it (viewer role)."),
        )
    return session


@router.get("/{lang:lang}/board/{kind}/new", response_class=HTMLResponse)
def new_item_form(
    request: Request, lang: str, kind: str, registry: Registry, data: Data
) -> Response:
    if kind not in EDITABLE:
        return _not_found(request, lang, _t(lang, "No such board section."))
    session = _require_contributor(request, lang)
    if not isinstance(session, Session):
        return session
    values: dict[str, Any] = {
        "organisation_id": session.actor.organisation_id,
        "areas": [],
        "actions": [],
    }
    if kind == "projects":
        org = _get_or_none(registry.get_organisation, session.actor.organisation_id)
        values = project_form_values(None, org)
    return _form_page(request, lang, data, registry, session, kind, values)


@router.get("/{lang:lang}/board/{kind}/{item_id:int}/edit", response_class=HTMLResponse)
def edit_item_form(
    request: Request, lang: str, kind: str, item_id: int, registry: Registry, data: Data
) -> Response:
    if kind not in EDITABLE:
        return _not_found(request, lang, _t(lang, "No such board section."))
    session = _require_contributor(request, lang)
    if not isinstance(session, Session):
        return session
    try:
        item = {
            "needs": registry.get_need,
            "offers": registry.get_offer,
            "projects": registry.get_project,
            "pledges": registry.get_pledge,
        }[kind](item_id)
    except NotFoundError as exc:
        return _not_found(request, lang, str(exc))
    actor = session.actor
    if not actor.at_least("moderator") and actor.organisation_id != item.organisation_id:
        return _forbidden(
            request, lang, _t(lang, "Only its own organisation or a moderator may edit this entry.")
        )
    if kind == "projects":
        values = project_form_values(item, None)
        return _form_page(request, lang, data, registry, session, kind, values, item_id=item_id)
    values = item.model_dump()
    for key in ("languages", "eligible_economies", "economies"):
        if key in values:
            values[key] = ", ".join(values[key])
    return _form_page(request, lang, data, registry, session, kind, values, item_id=item_id)


async def _save(
    request: Request, lang: str, kind: str, registry: Any, data: WebData, item_id: int | None
) -> Response:
    session = _require_contributor(request, lang)
    if not isinstance(session, Session):
        return session
    try:
        form = await _checked_form(request, session)
    except PermissionDenied as exc:
        return _forbidden(request, lang, str(exc))
    org_raw = str(form.get("organisation_id", "")).strip()
    organisation_id = session.actor.organisation_id
    if session.actor.at_least("moderator") and org_raw.isdigit():
        organisation_id = int(org_raw)
    actor = session.actor
    errors: dict[str, str] = {}
    if kind == "projects":
        payload, errors, organisation_id = _project_payload(
            request, lang, registry, form, session, organisation_id, item_id
        )
        if isinstance(payload, Response):
            return payload
    else:
        payload = _payload(kind, form, organisation_id if item_id is None else None)
    if not errors:
        try:
            if item_id is None:
                create = {
                    "needs": registry.create_need,
                    "offers": registry.create_offer,
                    "projects": registry.create_project,
                    "pledges": registry.create_pledge,
                }[kind]
                saved = await run_in_threadpool(create, actor, payload)
            else:
                update = {
                    "needs": registry.update_need,
                    "offers": registry.update_offer,
                    "projects": registry.update_project,
                    "pledges": registry.update_pledge,
                }[kind]
                saved = await run_in_threadpool(update, actor, item_id, payload)
            return RedirectResponse(f"/{lang}/board/{kind}/{saved.id}", status_code=303)
        except PermissionDenied as exc:
            return _forbidden(request, lang, str(exc))
        except NotFoundError as exc:
            return _not_found(request, lang, str(exc))
        except ValidationFailed as exc:
            field_name = service_error_field(exc)
            if field_name is not None:
                errors[field_name] = _refused(lang, exc)
            else:
                errors[""] = _refused(lang, exc)
            code = 422
        except ConflictError as exc:
            if kind == "projects" and "unique" in str(exc):
                errors["iati_identifier"] = _t(
                    lang, "Another project already has this IATI identifier."
                )
            else:
                errors[""] = _t(
                    lang,
                    "Someone changed this entry while you were editing it, or it already "
                    "exists. Reload the page to see the current version.",
                )
            code = 409
    else:
        code = 422
    values: dict[str, Any] = {**form, "organisation_id": organisation_id}
    values["areas"] = [int(a) for a in form.get("areas", []) if str(a).isdigit()]
    values["actions"] = [str(a) for a in form.get("actions", [])]
    if kind == "projects" and item_id is not None:
        values["budget_lines"] = len(registry.get_project(item_id).activity.budgets)
    general = errors.pop("", "")
    return _form_page(
        request,
        lang,
        data,
        registry,
        session,
        kind,
        values,
        item_id=item_id,
        error=general,
        errors=errors,
        status_code=code,
    )


def _project_payload(
    request: Request,
    lang: str,
    registry: Any,
    form: dict[str, Any],
    session: Session,
    organisation_id: int | None,
    item_id: int | None,
) -> tuple[Any, dict[str, str], int | None]:
    """(payload or an error Response, field errors, organisation) of a posted project form."""
    existing = None
    if item_id is not None:
        try:
            existing = registry.get_project(item_id)
        except NotFoundError as exc:
            return _not_found(request, lang, str(exc)), {}, organisation_id
        if not _can_edit(session, existing.organisation_id):
            return (
                _forbidden(
                    request,
                    lang,
                    _t(lang, "Only its own organisation or a moderator may edit this entry."),
                ),
                {},
                organisation_id,
            )
        organisation_id = existing.organisation_id
    org = _get_or_none(registry.get_organisation, organisation_id)
    if org is None:
        return (
            _forbidden(request, lang, _t(lang, "Your account has no organisation to post for.")),
            {},
            organisation_id,
        )
    payload, errors = parse_project_form(lang, form, org=org, existing=existing)
    if existing is None:
        payload["organisation_id"] = org.id
    return payload, errors, organisation_id


@router.post("/{lang:lang}/board/{kind}", response_class=HTMLResponse)
async def create_item(
    request: Request, lang: str, kind: str, registry: Registry, data: Data
) -> Response:
    if kind not in EDITABLE:
        return _not_found(request, lang, _t(lang, "No such board section."))
    return await _save(request, lang, kind, registry, data, None)


@router.post("/{lang:lang}/board/{kind}/{item_id:int}", response_class=HTMLResponse)
async def update_item(
    request: Request, lang: str, kind: str, item_id: int, registry: Registry, data: Data
) -> Response:
    if kind not in EDITABLE:
        return _not_found(request, lang, _t(lang, "No such board section."))
    return await _save(request, lang, kind, registry, data, item_id)
