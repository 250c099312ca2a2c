"""The cooperation board's projects (IATI activities) and pledge progress: posting and editing
as a contributor, field errors in the reader's language, refusals (no sign-in, another
organisation, no CSRF token, viewer), escaping, listing filters and the progress table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtest_support import make_app, make_registry

from aibridge.registry.auth import SYSTEM
from aibridge.registry.iati import validate_xml
from aibridge.store import Store


@pytest.fixture(scope="module")
def board(web_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An app with a registry of its own (the other board tests' entries do not leak in)."""
    registry, tokens = make_registry(tmp_path_factory.mktemp("projects") / "registry.sqlite")
    app = make_app(web_store)
    app.state.registry = registry
    yield app, registry, tokens
    registry.close()


@pytest.fixture()
def app(board: tuple[FastAPI, Any, dict[str, str]]) -> FastAPI:
    return board[0]


@pytest.fixture()
def registry(board: tuple[FastAPI, Any, dict[str, str]]) -> Any:
    return board[1]


@pytest.fixture()
def tokens(board: tuple[FastAPI, Any, dict[str, str]]) -> dict[str, str]:
    return board[2]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, "form without CSRF token"
    return match.group(1)


def _client(app: FastAPI, token: str | None, lang: str = "en") -> TestClient:
    client = TestClient(app)
    if token is not None:
        page = client.get(f"/{lang}/signin")
        response = client.post(
            f"/{lang}/signin",
            data={"csrf": _csrf(page.text), "token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:300]
    return client


def _project_form(registry: Any, **changes: Any) -> dict[str, Any]:
    need = registry.list_needs()[0]
    data: dict[str, Any] = {
        "reporting_ref": "KE-GOV-MICT",
        "iati_identifier": "KE-GOV-MICT-AI-001",
        "title": "National AI skills programme",
        "description": "Train 600 civil servants in data science and AI.",
        "activity_status": "2",
        "role": "2",
        "planned_start": "2026-01-01",
        "planned_end": "2027-12-31",
        "areas": ["3", "4"],
        "actions": ["AP5", "AP6"],
        "sectors": "22040, 11430",
        "countries": "KEN, UG",
        "budget": "500000",
        "currency": "USD",
        "need_id": str(need.id),
        "offer_id": "",
    }
    data.update(changes)
    return data


def _post_project(client: TestClient, registry: Any, lang: str = "en", **changes: Any) -> Any:
    form = client.get(f"/{lang}/board/projects/new")
    assert form.status_code == 200, form.text[:300]
    data = _project_form(registry, **changes)
    data["csrf"] = _csrf(form.text)
    return client.post(f"/{lang}/board/projects", data=data, follow_redirects=False)


def _project_id(response: Any) -> int:
    assert response.status_code == 303, response.text[:2000]
    match = re.search(r"/board/projects/(\d+)$", response.headers["location"])
    assert match is not None
    return int(match.group(1))


def test_contributor_records_a_project_as_a_valid_iati_activity(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"])
    form = client.get("/en/board/projects/new").text
    for field in (
        "iati_identifier",
        "reporting_ref",
        "activity_status",
        "planned_start",
        "sectors",
        "countries",
        "budget",
        "currency",
        "need_id",
        "offer_id",
    ):
        assert f'id="{field}"' in form, field
    project_id = _project_id(_post_project(client, registry))
    project = registry.get_project(project_id)
    assert project.iati_identifier == "KE-GOV-MICT-AI-001"
    assert project.organisation_id == registry.find_organisation("Ministry of ICT, Kenya").id
    assert project.activity_status == "2" and project.areas == [3, 4]
    assert project.need_id == registry.list_needs()[0].id
    activity = project.activity
    assert activity.lang == "en" and activity.default_currency == "USD"
    assert activity.reporting_org.ref == "KE-GOV-MICT" and activity.reporting_org.type == "10"
    assert [(p.ref, p.role) for p in activity.participating_orgs] == [("KE-GOV-MICT", "2")]
    assert [(c.code, float(c.percentage or 0)) for c in activity.recipient_countries] == [
        ("KE", 50.0),
        ("UG", 50.0),
    ]
    assert [(x.code, x.vocabulary) for x in activity.sectors] == [("22040", "1"), ("11430", "1")]
    assert [(d.type, d.iso_date) for d in activity.activity_dates] == [
        ("1", "2026-01-01"),
        ("3", "2027-12-31"),
    ]
    (budget,) = activity.budgets
    assert float(budget.value.amount) == 500000 and budget.value.currency == "USD"
    assert (budget.period_start, budget.period_end) == ("2026-01-01", "2027-12-31")
    # what the web wrote exports as IATI 2.03 that the official schema accepts
    xml = registry.export_iati([project_id])
    assert validate_xml(xml) == []

    page = client.get(f"/en/board/projects/{project_id}").text
    assert "National AI skills programme" in page and "KE-GOV-MICT-AI-001" in page
    assert "Implementation" in page and "Kenya" in page and "Uganda" in page
    assert "22040" in page and "500,000 USD" in page
    assert "Training for data scientists in public statistics" in page  # the linked need
    assert f'href="/en/board/projects/{project_id}/edit"' in page


def test_contributor_edits_a_project_and_unmodelled_iati_is_kept(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"])
    project_id = _project_id(
        _post_project(
            client, registry, iati_identifier="KE-GOV-MICT-AI-002", reporting_ref="KE-GOV-MICT"
        )
    )
    # a transaction and a French title were added through the API: the web form keeps them
    stored = registry.get_project(project_id)
    activity = stored.activity.model_dump(mode="json")
    activity["title"].append({"text": "Programme national de compétences en IA", "lang": "fr"})
    activity["transactions"] = [
        {
            "transaction_type": "3",
            "transaction_date": "2026-03-01",
            "value": {"amount": "12000", "currency": "USD", "value_date": "2026-03-01"},
        }
    ]
    registry.update_project(SYSTEM, project_id, {"activity": activity, "version": stored.version})

    edit = client.get(f"/en/board/projects/{project_id}/edit")
    assert edit.status_code == 200
    assert 'value="KE-GOV-MICT-AI-002"' in edit.text and 'value="22040, 11430"' in edit.text
    assert 'value="KEN, UGA"' in edit.text and 'value="2026-01-01"' in edit.text
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version is not None
    data = _project_form(
        registry,
        iati_identifier="KE-GOV-MICT-AI-002",
        title="National AI skills programme, phase 2",
        activity_status="3",
        countries="KEN",
        actual_start="2026-02-01",
        budget="650000",
    )
    data.update(csrf=_csrf(edit.text), version=version.group(1))
    response = client.post(f"/en/board/projects/{project_id}", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    project = registry.get_project(project_id)
    assert project.version > stored.version
    assert project.title == "National AI skills programme, phase 2"
    assert project.activity_status == "3"
    assert [(c.code, c.percentage) for c in project.activity.recipient_countries] == [("KE", None)]
    assert float(project.activity.budgets[0].value.amount) == 650000
    assert [t.value.amount for t in project.activity.transactions] == [12000]
    assert "Programme national de compétences en IA" in [n.text for n in project.activity.title]
    assert ("2", "2026-02-01") in [(d.type, d.iso_date) for d in project.activity.activity_dates]
    # a stale version (the form read before this edit) is refused, nothing changes
    response = client.post(f"/en/board/projects/{project_id}", data={**data, "title": "Stale"})
    assert response.status_code == 409
    assert registry.get_project(project_id).title == "National AI skills programme, phase 2"


def test_project_errors_are_shown_next_to_the_fields_in_the_readers_language(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"], lang="fr")
    before = len(registry.list_projects())
    response = _post_project(
        client,
        registry,
        lang="fr",
        iati_identifier="OTHER-PREFIX-1",
        title="ab",
        sectors="22040, ABC",
        countries="KEN, ZZZ",
        planned_start="",
        description="",
        planned_end="2027-12-31",
        budget="-5",
        areas=[],
    )
    assert response.status_code == 422
    html = response.text
    assert 'role="alert"' in html
    for field in (
        "iati_identifier",
        "title",
        "description",
        "sectors",
        "countries",
        "planned_start",
        "budget",
        "areas",
    ):
        assert f'id="{field}-error"' in html, field
    assert 'aria-invalid="true"' in html and 'aria-describedby="sectors-hint sectors-error"' in html
    assert "Codes de pays inconnus : ZZZ" in html  # French messages, the bad code named
    assert "ABC" in html and "Choisissez au moins un domaine du Plan d’action." in html
    assert 'value="ab"' in html  # what was typed is kept
    assert len(registry.list_projects()) == before


def test_duplicate_identifier_is_shown_on_its_field(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"])
    _project_id(_post_project(client, registry, iati_identifier="KE-GOV-MICT-DUP"))
    response = _post_project(client, registry, iati_identifier="KE-GOV-MICT-DUP")
    assert response.status_code == 409
    assert 'id="iati_identifier-error"' in response.text
    assert "Another project already has this IATI identifier." in response.text


def test_projects_need_sign_in_own_organisation_and_csrf(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    owner = _client(app, tokens["kenya.contributor"])
    project_id = _project_id(_post_project(owner, registry, iati_identifier="KE-GOV-MICT-SEC"))
    url = f"/en/board/projects/{project_id}"
    count = len(registry.list_projects())
    anonymous = TestClient(app)
    response = anonymous.get("/en/board/projects/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/en/signin"
    data = _project_form(registry, iati_identifier="KE-GOV-MICT-ANON", csrf="x" * 43)
    assert (
        anonymous.post("/en/board/projects", data=data, follow_redirects=False).status_code == 303
    )
    # a contributor of another organisation sees no edit link and is refused
    other = _client(app, tokens["lab.contributor"])
    assert f'href="{url}/edit"' not in other.get(url).text
    assert other.get(url + "/edit").status_code == 403
    board = other.get("/en/board").text
    data = _project_form(registry, iati_identifier="KE-GOV-MICT-SEC", title="Hijacked")
    data["csrf"] = _csrf(board)
    assert other.post(url, data=data).status_code == 403
    # the owner, without the CSRF token or with a forged one, is refused too
    data = _project_form(registry, iati_identifier="KE-GOV-MICT-SEC", title="Forged")
    assert owner.post(url, data=data).status_code == 403
    assert owner.post(url, data={**data, "csrf": "forged" * 8}).status_code == 403
    assert (
        owner.post(
            "/en/board/projects", data={**data, "iati_identifier": "KE-GOV-MICT-X"}
        ).status_code
        == 403
    )
    # a contributor cannot post for another organisation by naming it in the form
    university = registry.find_organisation("Open AI Lab University").id
    form = owner.get("/en/board/projects/new").text
    data = _project_form(registry, iati_identifier="KE-GOV-MICT-ORG", organisation_id=university)
    created = owner.post("/en/board/projects", data={**data, "csrf": _csrf(form)})
    assert created.status_code == 200  # followed to the new project's page
    project = registry.get_project("KE-GOV-MICT-ORG")
    assert project.organisation_id == registry.get_project(project_id).organisation_id
    count += 1
    # a viewer may read but not post
    reader = _client(app, tokens["reader"])
    assert reader.get("/en/board/projects/new").status_code == 403
    assert registry.get_project(project_id).title == "National AI skills programme"
    assert len(registry.list_projects()) == count


def test_script_in_a_project_title_is_text(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"])
    project_id = _project_id(
        _post_project(
            client,
            registry,
            iati_identifier="KE-GOV-MICT-XSS",
            title="<script>alert(1)</script>",
            description='<img src=x onerror="alert(2)">',
        )
    )
    for url in (
        f"/en/board/projects/{project_id}",
        "/en/board?tab=projects",
        f"/en/board/projects/{project_id}/edit",
    ):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<img src=x" not in html, url


def test_board_lists_projects_and_pledges_with_filters(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"])
    _project_id(
        _post_project(
            client,
            registry,
            iati_identifier="KE-GOV-MICT-LIST",
            title="Data centre feasibility study",
            activity_status="1",
            areas=["1"],
            countries="NGA",
        )
    )
    html = client.get("/en/board?tab=projects").text
    assert "Data centre feasibility study" in html and "Nigeria" in html
    assert "Pipeline/identification" in html  # IATI status in words, also in the filter
    assert '<option value="1">Pipeline/identification</option>' in html
    title = "Data centre feasibility study"
    assert title in client.get("/en/board?tab=projects&status=1").text
    assert title not in client.get("/en/board?tab=projects&status=2").text
    assert title in client.get("/en/board?tab=projects&economy=NGA").text
    assert title not in client.get("/en/board?tab=projects&economy=KEN").text
    assert title in client.get("/en/board?tab=projects&area=1").text
    assert title not in client.get("/en/board?tab=projects&area=3").text
    partial = client.get("/en/board?tab=projects&status=1", headers={"HX-Request": "true"})
    assert title in partial.text and "<html" not in partial.text  # the HTMX swap
    assert "Projet" in client.get("/fr/board?tab=projects").text
    assert "Enregistrer un projet" in client.get("/fr/board").text


def test_pledge_towards_a_project_and_its_progress(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    kenya = _client(app, tokens["kenya.contributor"])
    project_id = _project_id(_post_project(kenya, registry, iati_identifier="KE-GOV-MICT-FUND"))
    lab = _client(app, tokens["lab.contributor"])
    form = lab.get("/en/board/pledges/new")
    assert f'<option value="{project_id}">' in form.text  # pledges can go towards a project
    data = {
        "csrf": _csrf(form.text),
        "title": "Fellowships for the skills programme",
        "amount": "250000",
        "currency": "EUR",
        "economies": "KEN",
        "areas": ["3"],
        "status": "pledged",
        "project_id": str(project_id),
    }
    response = lab.post("/en/board/pledges", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    url = response.headers["location"]
    pledge_id = int(url.rsplit("/", 1)[1])
    assert registry.get_pledge(pledge_id).project_id == project_id
    page = lab.get(url).text
    assert "No progress reported yet." in page and 'action="' + url + '/progress"' in page
    assert "Training for data scientists" in page  # the need the project answers

    today = dt.date.today()
    for reported, pct, delta, note in (
        (today - dt.timedelta(days=30), "40", "100000", "First cohort funded"),
        (today, "", "50000", ""),
    ):
        page = lab.get(url).text
        response = lab.post(
            url + "/progress",
            data={
                "csrf": _csrf(page),
                "reported_on": reported.isoformat(),
                "progress_pct": pct,
                "disbursed_delta": delta,
                "note": note,
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:1000]
    pledge = registry.get_pledge(pledge_id)
    assert pledge.disbursed == 150000 and pledge.progress_pct == 40
    assert pledge.status == "in_progress"  # moved by the registry with the first report
    page = lab.get(url).text
    assert "150,000 EUR" in page and "100,000 EUR" in page  # disbursed, still to disburse
    assert '<progress id="disbursed-bar" value="150000.0" max="250000.0"' in page
    rows = re.findall(r"<tr><th scope=\"row\">[^<]+</th>(.*?)</tr>", page)
    assert len(rows) == 2  # the progress table: one row per report, running total
    assert "100,000" in rows[0] and "40%" in rows[0] and "First cohort funded" in rows[0]
    assert "150,000" in rows[1]
    assert '<data value="in_progress">In progress</data>' in page
    # the project shows its pledges: pledged against disbursed, as text and a table
    project_page = kenya.get(f"/en/board/projects/{project_id}").text
    assert "150,000 of 250,000 EUR pledged have been disbursed." in project_page
    assert "Fellowships for the skills programme" in project_page and "60%" in project_page
    assert "Pledges towards this project" in project_page
    # the pledges tab shows amounts and the share disbursed
    listing = kenya.get("/en/board?tab=pledges&status=in_progress").text
    assert "Fellowships for the skills programme" in listing and "(60%)" in listing
    assert "Fellowships" not in kenya.get("/en/board?tab=pledges&status=fulfilled").text


def test_progress_errors_and_refusals(app: FastAPI, registry: Any, tokens: dict[str, str]) -> None:
    lab = _client(app, tokens["lab.contributor"], lang="es")
    form = lab.get("/es/board/pledges/new")
    response = lab.post(
        "/es/board/pledges",
        data={
            "csrf": _csrf(form.text),
            "title": "Compute credits",
            "amount": "1000",
            "currency": "USD",
            "status": "pledged",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    url = response.headers["location"]
    pledge_id = int(url.rsplit("/", 1)[1])
    page = lab.get(url).text
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = lab.post(
        url + "/progress",
        data={
            "csrf": _csrf(page),
            "reported_on": future,
            "progress_pct": "150",
            "disbursed_delta": "abc",
        },
    )
    assert response.status_code == 422
    for field in ("reported_on", "progress_pct", "disbursed_delta"):
        assert f'id="{field}-error"' in response.text, field
    assert "Introduzca un porcentaje de 0 a 100." in response.text
    # nothing to report is refused too
    response = lab.post(
        url + "/progress", data={"csrf": _csrf(page), "reported_on": dt.date.today().isoformat()}
    )
    assert response.status_code == 422
    # another organisation, no CSRF token, no sign-in: refused, nothing recorded
    kenya = _client(app, tokens["kenya.contributor"])
    good = {"reported_on": dt.date.today().isoformat(), "progress_pct": "10"}
    assert (
        f'/board/pledges/{pledge_id}/progress"'
        not in kenya.get(f"/en/board/pledges/{pledge_id}").text
    )
    kenya_csrf = _csrf(kenya.get("/en/board").text)
    assert kenya.post(url + "/progress", data={**good, "csrf": kenya_csrf}).status_code == 403
    assert lab.post(url + "/progress", data=good).status_code == 403
    anonymous = TestClient(app).post(url + "/progress", data=good, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/es/signin"
    assert registry.list_progress(pledge_id) == []
    assert (
        lab.post("/es/board/pledges/99999/progress", data={**good, "csrf": _csrf(page)}).status_code
        == 404
    )


def test_arabic_project_form_is_translated(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    client = _client(app, tokens["kenya.contributor"], lang="ar")
    html = client.get("/ar/board/projects/new").text
    assert 'dir="rtl"' in html and "تسجيل مشروع" in html
    assert "معرّف نشاط IATI" in html
    project_id = _project_id(
        _post_project(client, registry, lang="ar", iati_identifier="KE-GOV-MICT-AR")
    )
    assert registry.get_project(project_id).activity.lang == "ar"


def test_moderators_record_and_edit_projects_of_any_organisation(
    app: FastAPI, registry: Any, tokens: dict[str, str]
) -> None:
    account = registry.create_account(SYSTEM, {"name": "board.moderator", "role": "moderator"})
    token = registry.create_token(SYSTEM, account.id, label="tests").token
    moderator = _client(app, token)
    university = registry.find_organisation("Open AI Lab University")
    form = moderator.get("/en/board/projects/new").text
    assert 'id="organisation_id"' in form  # moderators choose the organisation
    data = _project_form(
        registry,
        reporting_ref="FR-RNA-W751234567",
        iati_identifier="FR-RNA-W751234567-SCHOOL",
        title="Summer school scholarships",
        organisation_id=str(university.id),
    )
    response = moderator.post("/en/board/projects", data={**data, "csrf": _csrf(form)})
    assert response.status_code == 200, response.text[:500]
    project = registry.get_project("FR-RNA-W751234567-SCHOOL")
    assert project.organisation_id == university.id
    assert project.activity.reporting_org.type == "80"  # a university
    # and edit another organisation's project
    kenya = _client(app, tokens["kenya.contributor"])
    project_id = _project_id(_post_project(kenya, registry, iati_identifier="KE-GOV-MICT-MOD"))
    edit = moderator.get(f"/en/board/projects/{project_id}/edit")
    assert edit.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version is not None
    data = _project_form(registry, iati_identifier="KE-GOV-MICT-MOD", activity_status="6")
    data.update(csrf=_csrf(edit.text), version=version.group(1))
    response = moderator.post(f"/en/board/projects/{project_id}", data=data)
    assert response.status_code == 200
    assert registry.get_project(project_id).activity_status == "6"
    assert "Suspended" in response.text
