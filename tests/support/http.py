"""HTTP test helpers: CSRF stays on, so forms are posted with the token from the rendered page."""

from __future__ import annotations

import re

from tests.support.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def token_for(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_token(response.data)


def login(client, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    token = token_for(client, "/login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.data[:500]
    return response


def logout(client):
    token = token_for(client, "/dashboard")
    return client.post("/logout", data={"csrf_token": token})


def post_form(client, page: str, action: str, data: dict, **kwargs):
    data = {**data, "csrf_token": token_for(client, page)}
    return client.post(action, data=data, **kwargs)


def declare_no_conflict(client, stage_id: int):
    """A reviewer's conflict-of-interest declaration ("none") for the stage's current round: the stage page
    shows nothing else to a reviewer of the round until they declare."""
    page = f"/stages/{stage_id}"
    response = post_form(client, page, f"{page}/declaration", {"conflict": "no"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return response


def login_reading(client, person, language: str, db_session):
    """Sign ``person`` in with ``language`` as their profile language (the pages follow it)."""
    person.language = language
    db_session.flush()
    login(client, person)
    return person
