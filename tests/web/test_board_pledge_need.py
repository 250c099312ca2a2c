"""Pledges towards a need from the cooperation board: the pledge form offers the open needs,
the need's page lists its pledges with pledged against disbursed, and a project that answers
another need is refused on the need field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webtest_support import make_app, make_registry

from aibridge.registry import iati as iati_xml
from aibridge.registry.auth import SYSTEM
from aibridge.store import Store


@pytest.fixture(scope="module")
def board(web_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    registry, tokens = make_registry(tmp_path_factory.mktemp("pledge-need") / "registry.sqlite")
    app = make_app(web_store)
    app.state.registry = registry
    yield app, registry, tokens
    registry.close()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, "form without CSRF token"
    return match.group(1)


def _client(app: FastAPI, token: str, lang: str = "en") -> TestClient:
    client = TestClient(app)
    page = client.get(f"/{lang}/signin")
    response = client.post(
        f"/{lang}/signin", data={"csrf": _csrf(page.text), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:300]
    return client


def _pledge_form(client: TestClient, lang: str = "en", **fields: str) -> Any:
    form = client.get(f"/{lang}/board/pledges/new")
    assert form.status_code == 200, form.text[:300]
    data = {
        "csrf": _csrf(form.text),
        "title": "Statistics fellowships",
        "amount": "80000",
        "currency": "USD",
        "areas": ["3"],
        "status": "pledged",
        **fields,
    }
    return client.post(f"/{lang}/board/pledges", data=data, follow_redirects=False)


def test_pledge_towards_a_need_shows_on_the_need_page(board: Any) -> None:
    app, registry, tokens = board
    need = registry.list_needs()[0]
    lab = _client(app, tokens["lab.contributor"])
    form = lab.get("/en/board/pledges/new").text
    assert '<label for="need_id">Towards need</label>' in form
    assert re.search(rf'<option value="{need.id}">{re.escape(need.title)} \(', form)

    response = _pledge_form(lab, need_id=str(need.id))
    assert response.status_code == 303, response.text[:1000]
    url = response.headers["location"]
    pledge_id = int(url.rsplit("/", 1)[1])
    pledge = registry.get_pledge(pledge_id)
    assert pledge.need_id == need.id and pledge.project_id is None
    page = lab.get(url).text
    assert "Towards need" in page and f'href="/en/board/needs/{need.id}"' in page
    page = lab.get(url).text
    response = lab.post(
        url + "/progress",
        data={
            "csrf": _csrf(page),
            "reported_on": dt.date.today().isoformat(),
            "progress_pct": "25",
            "disbursed_delta": "20000",
            "note": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:1000]

    need_page = TestClient(app).get(f"/en/board/needs/{need.id}").text  # public
    assert "Pledges towards this need" in need_page
    assert "20,000 of 80,000 USD pledged have been disbursed." in need_page
    assert '<progress id="funding-1" value="20000.0" max="80000.0"' in need_page
    assert f'href="/en/board/pledges/{pledge_id}">Statistics fellowships</a>' in need_page
    assert "25%" in need_page

    # the edit form keeps the need chosen; clearing it unlinks the pledge
    edit = lab.get(f"/en/board/pledges/{pledge_id}/edit").text
    assert f'<option value="{need.id}" selected>' in edit
    values = {"csrf": _csrf(edit), "title": "Statistics fellowships", "status": "in_progress"}
    response = lab.post(f"/en/board/pledges/{pledge_id}", data=values, follow_redirects=False)
    assert response.status_code == 303, response.text[:1000]
    assert registry.get_pledge(pledge_id).need_id is None
    assert "No pledge towards this need yet." in lab.get(f"/en/board/needs/{need.id}").text


def test_a_project_of_another_need_is_refused_on_the_need_field(board: Any) -> None:
    app, registry, tokens = board
    first = registry.list_needs()[0]
    kenya_org = registry.get_need(first.id).organisation_id
    other = registry.create_need(
        SYSTEM,
        {
            "organisation_id": kenya_org,
            "economy": "KEN",
            "title": "Compute for the statistics office",
            "areas": [1],
        },
    )
    activity = iati_xml.parse_activities(
        '<iati-activities version="2.03"><iati-activity>'
        "<iati-identifier>KE-GOV-X-1</iati-identifier>"
        '<reporting-org ref="KE-GOV" type="10"><narrative>Kenya</narrative></reporting-org>'
        "<title><narrative>Statistics compute</narrative></title>"
        '<description type="1"><narrative>GPU time.</narrative></description>'
        '<participating-org ref="KE-GOV" role="4" type="10"/>'
        '<activity-status code="2"/><activity-date type="1" iso-date="2026-01-01"/>'
        '<recipient-country code="KE"/><sector vocabulary="1" code="22040"/>'
        "</iati-activity></iati-activities>"
    )[0]
    project = registry.create_project(
        SYSTEM, {"organisation_id": kenya_org, "activity": activity, "need_id": other.id}
    )
    lab = _client(app, tokens["lab.contributor"], "fr")
    count = len(registry.list_pledges())
    response = _pledge_form(lab, "fr", need_id=str(first.id), project_id=str(project.id))
    assert response.status_code == 422
    assert 'id="need_id-error"' in response.text and 'aria-invalid="true"' in response.text
    assert "does not match project" in response.text
    assert "En faveur du besoin" in response.text  # the French label
    assert len(registry.list_pledges()) == count  # nothing saved
