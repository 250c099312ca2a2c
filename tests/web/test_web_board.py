"""The cooperation board: reading, filtering, sign-in, CSRF, posting, editing, escaping."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, "form without CSRF token"
    return match.group(1)


def _signed_in(client: TestClient, token: str) -> TestClient:
    page = client.get("/en/signin")
    response = client.post(
        "/en/signin", data={"csrf": _csrf(page.text), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:300]
    return client


def test_board_lists_needs_and_offers_with_filters(client: TestClient) -> None:
    html = client.get("/en/board").text
    assert "Training for data scientists in public statistics" in html
    assert "Ministry of ICT, Kenya" in html and "Personnel training" in html
    assert 'id="needs-map"' in html  # open needs per economy on the map
    html = client.get("/en/board?tab=offers").text
    assert "Machine learning summer school" in html
    assert "Machine learning" not in client.get("/en/board?tab=offers&kind=compute").text
    assert "Training for data" not in client.get("/en/board?economy=FRA").text
    assert "Training for data" in client.get("/en/board?area=4").text
    assert "Training for data" not in client.get("/en/board?area=1").text
    assert client.get("/en/board?tab=projects").status_code == 200
    assert client.get("/ar/board?tab=pledges").status_code == 200
    assert client.get("/en/board?tab=nope").status_code == 422


def test_need_page_suggests_matching_offers(client: TestClient) -> None:
    html = client.get("/en/board").text
    need_url = re.search(r'href="(/en/board/needs/\d+)"', html)
    assert need_url is not None
    html = client.get(need_url.group(1)).text
    assert "Suggested offers" in html and "Machine learning summer school" in html
    assert client.get("/en/board/needs/99999").status_code == 404


def test_signin_rejects_bad_tokens_and_missing_csrf(client: TestClient) -> None:
    page = client.get("/en/signin")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    bad = client.post("/en/signin", data={"csrf": _csrf(page.text), "token": "abr_x_y"})
    assert bad.status_code == 401 and "malformed API token" in bad.text
    no_csrf = client.post("/en/signin", data={"token": "whatever"})
    assert no_csrf.status_code == 403
    cross = client.post(
        "/en/signin",
        data={"csrf": _csrf(page.text), "token": "x"},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_session_cookie_flags(client: TestClient, tokens: dict[str, str]) -> None:
    page = client.get("/en/signin")
    response = client.post(
        "/en/signin",
        data={"csrf": _csrf(page.text), "token": tokens["kenya.contributor"]},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("aibridge_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests; Secure is set behind HTTPS
    https = TestClient(client.app, base_url="https://testserver")
    page = https.get("/en/signin")
    response = https.post(
        "/en/signin",
        data={"csrf": _csrf(page.text), "token": tokens["kenya.contributor"]},
        follow_redirects=False,
    )
    assert "secure" in response.headers["set-cookie"].lower()


def test_contributor_posts_a_need_and_script_is_escaped(
    client: TestClient, tokens: dict[str, str]
) -> None:
    _signed_in(client, tokens["kenya.contributor"])
    form = client.get("/en/board/needs/new")
    assert form.status_code == 200
    data = {
        "csrf": _csrf(form.text),
        "economy": "KEN",
        "title": "Compute for a Swahili language model",
        "description": "<script>alert(1)</script>",
        "areas": ["1", "4"],
        "actions": ["AP1", "AP7"],
        "languages": "sw, en",
        "status": "open",
    }
    response = client.post("/en/board/needs", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    page = client.get(response.headers["location"])
    assert "Compute for a Swahili language model" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Edit" in page.text  # its own organisation's need
    board = client.get("/en/board").text
    assert "Compute for a Swahili language model" in board and "<script>alert" not in board


def test_form_posts_need_the_csrf_token(client: TestClient, tokens: dict[str, str]) -> None:
    _signed_in(client, tokens["kenya.contributor"])
    data = {"economy": "KEN", "title": "No token", "areas": ["1"], "csrf": "forged" * 8}
    response = client.post("/en/board/needs", data=data)
    assert response.status_code == 403
    assert "No token" not in client.get("/en/board").text


def test_invalid_input_is_shown_on_the_form(client: TestClient, tokens: dict[str, str]) -> None:
    _signed_in(client, tokens["kenya.contributor"])
    form = client.get("/en/board/needs/new")
    data = {"csrf": _csrf(form.text), "economy": "KEN", "title": "ab", "areas": []}
    response = client.post("/en/board/needs", data=data)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and 'value="ab"' in response.text


def test_contributors_edit_only_their_own_entries(
    client: TestClient, tokens: dict[str, str]
) -> None:
    html = client.get("/en/board?tab=offers").text
    offer_url = re.search(r'href="(/en/board/offers/\d+)"', html)
    assert offer_url is not None
    _signed_in(client, tokens["kenya.contributor"])
    # the Kenyan ministry may not edit the university's offer
    assert "/edit" not in client.get(offer_url.group(1)).text
    assert client.get(offer_url.group(1) + "/edit").status_code == 403
    board = client.get("/en/board")
    data = {"csrf": _csrf(board.text), "kind": "training", "title": "Hijacked", "areas": ["3"]}
    response = client.post(offer_url.group(1), data=data)
    assert response.status_code == 403
    # the university's contributor may
    other = TestClient(client.app)
    _signed_in(other, tokens["lab.contributor"])
    form = other.get(offer_url.group(1) + "/edit")
    data = {
        "csrf": _csrf(form.text),
        "version": re.search(r'name="version" value="(\d+)"', form.text).group(1),  # type: ignore[union-attr]
        "kind": "training",
        "title": "Machine learning summer school (2027)",
        "areas": ["3"],
        "status": "open",
    }
    response = other.post(offer_url.group(1), data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]
    assert "summer school (2027)" in other.get(offer_url.group(1)).text


def test_viewers_and_anonymous_users_cannot_post(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.get("/en/board/needs/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/en/signin"
    _signed_in(client, tokens["reader"])
    assert client.get("/en/board/needs/new").status_code == 403


def test_sign_out_ends_the_session(client: TestClient, tokens: dict[str, str]) -> None:
    _signed_in(client, tokens["kenya.contributor"])
    board = client.get("/en/board").text
    assert "Signed in as kenya.contributor" in board
    response = client.post("/en/signout", data={"csrf": _csrf(board)}, follow_redirects=False)
    assert response.status_code == 303
    assert "Signed in as" not in client.get("/en/board").text


def test_profile_shows_resolutions_needs_and_offers(client: TestClient) -> None:
    html = client.get("/en/country/KEN").text
    assert "A/RES/78/311" in html and "A/RES/78/265" in html
    assert "Training for data scientists in public statistics" in html  # KEN's open need
    assert "Machine learning summer school" in html  # an offer open to every economy
    assert "proposer" in client.get("/en/country/CHN").text  # China proposed 78/311


def test_contributor_records_and_edits_a_pledge(client: TestClient, tokens: dict[str, str]) -> None:
    _signed_in(client, tokens["lab.contributor"])
    form = client.get("/en/board/pledges/new")
    assert form.status_code == 200 and 'name="amount"' in form.text
    data = {
        "csrf": _csrf(form.text),
        "title": "Scholarships for AI master's students",
        "amount": "250000",
        "currency": "EUR",
        "economies": "KEN, NGA",
        "areas": ["3"],
        "actions": ["AP5"],
        "announced_on": "2026-09-25",
        "status": "pledged",
    }
    response = client.post("/en/board/pledges", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]
    url = response.headers["location"]
    page = client.get(url).text
    assert "Scholarships for AI master" in page and "250,000" in page and "Nigeria" in page
    edit = client.get(url + "/edit")
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version is not None
    data.update(csrf=_csrf(edit.text), version=version.group(1), status="in_progress")
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303
    assert "in_progress" in client.get(url).text
    assert "Scholarships" in client.get("/en/board?tab=pledges&economy=NGA").text
