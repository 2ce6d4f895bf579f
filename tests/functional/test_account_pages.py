"""Account administration and the own profile over HTTP (CSRF on): the people list shows the last sign-in
and pages; a chair changes roles with a reason, deactivates after a confirmation page (the person's session
and API token stop at once) and reactivates; everyone edits their own name, language and digest."""

from __future__ import annotations

import re

from sqlalchemy import select

from reviewboard.auth.models import Role, User
from reviewboard.tokens import services as tokens
from tests.support.http import login, post_form


def test_the_people_list_searches_pages_and_shows_the_last_sign_in(client, make, app):
    chair = make.user("chair", name="Chris Chair")
    for n in range(app.config["PER_PAGE"] + 1):
        make.user("submitter", name=f"Zed Paged {n:02d}")
    login(client, chair)
    html = client.get("/admin/users?q=zed+paged").get_data(as_text=True)
    assert "Zed Paged 00" in html and f"Zed Paged {app.config['PER_PAGE']:02d}" not in html
    assert "page=2" in html and "Never" in html  # the paged ones never signed in
    html = client.get("/admin/users?q=chris").get_data(as_text=True)
    assert "Chris Chair" in html and " UTC" in html  # the chair just signed in


def test_a_chair_changes_roles_with_a_reason_and_errors_keep_what_was_typed(client, make, db_session):
    chair, person = make.user("chair"), make.user("submitter", name="Pia Person")
    login(client, chair)
    page = f"/admin/users/{person.id}"
    assert "Pia Person" in client.get(page).get_data(as_text=True)
    response = post_form(client, page, f"{page}/roles", {"roles": ["submitter", "reviewer"], "reason": ""})
    assert response.status_code == 422 and "Say why the roles change." in response.get_data(as_text=True)
    db_session.expire_all()
    assert person.roles == {Role.SUBMITTER}
    response = post_form(client, page, f"{page}/roles", {"roles": ["submitter", "reviewer"],
                                                          "reason": "Joined the committee"})
    assert response.status_code == 302
    db_session.expire_all()
    assert person.roles == {Role.SUBMITTER, Role.REVIEWER}
    assert "Roles of Pia Person changed." in client.get(page).get_data(as_text=True)


def test_deactivation_after_confirmation_ends_the_session_and_the_api_token_at_once(app, client, make, db_session):
    chair, person = make.user("chair"), make.user("submitter", name="Dee Parted")
    secret = tokens.create_token(person, person, "CI", "read", None).secret
    db_session.flush()
    their = app.test_client()
    login(their, person)
    assert their.get("/dashboard").status_code == 200
    api = {"Authorization": f"Bearer {secret}"}
    assert their.get("/api/v1/me", headers=api).status_code == 200
    login(client, chair)
    page = f"/admin/users/{person.id}"
    confirm = client.get(f"{page}/deactivate")
    assert confirm.status_code == 200 and "Deactivate Dee Parted?" in confirm.get_data(as_text=True)
    assert client.post(f"{page}/deactivate", data={}).status_code == 400  # no CSRF token: nothing happens
    db_session.expire_all()
    assert person.active
    response = post_form(client, f"{page}/deactivate", f"{page}/deactivate", {})
    assert response.status_code == 302
    assert their.get("/dashboard").status_code == 302  # signed out at once
    assert their.get("/api/v1/me", headers=api).status_code == 401
    response = post_form(client, page, f"{page}/reactivate", {}, follow_redirects=True)
    assert "Dee Parted reactivated" in response.get_data(as_text=True)
    db_session.expire_all()
    assert person.active and their.get("/api/v1/me", headers=api).status_code == 401  # tokens stay revoked


def test_deactivating_from_the_people_list_also_revokes_the_api_tokens(app, client, make, db_session):
    chair, person = make.user("chair"), make.user("submitter", name="Dee Listed")
    new = tokens.create_token(person, person, "CI", "read", None)
    db_session.flush()
    api = {"Authorization": f"Bearer {new.secret}"}
    assert app.test_client().get("/api/v1/me", headers=api).status_code == 200
    login(client, chair)
    response = post_form(client, "/admin/users", f"/admin/users/{person.id}/active", {"active": "0"})
    assert response.status_code == 302
    db_session.expire_all()
    assert not person.active and new.token.revoked_at is not None
    post_form(client, "/admin/users", f"/admin/users/{person.id}/active", {"active": "1"})
    db_session.expire_all()
    assert person.active and app.test_client().get("/api/v1/me", headers=api).status_code == 401


def test_people_other_than_chairs_cannot_administer(client, make):
    person = make.user("reviewer", "auditor")
    login(client, person)
    target = make.user("submitter")
    assert client.get(f"/admin/users/{target.id}").status_code == 403
    response = post_form(client, "/account", f"/admin/users/{target.id}/roles",
                         {"roles": ["chair"], "reason": "Let me in"})
    assert response.status_code == 403


def test_a_person_edits_their_profile(client, make, db_session):
    person = make.user("submitter", name="Pat Person")
    login(client, person)
    response = post_form(client, "/account", "/account", {"name": "", "language": "zh-Hans", "digest": "off"})
    assert response.status_code == 422  # what was chosen stays chosen
    assert re.search(r'<option selected value="zh-Hans">', response.get_data(as_text=True))
    response = post_form(client, "/account", "/account", {"name": "Pat Person-Smith", "language": "zh-Hans",
                                                          "digest": "off"})
    assert response.status_code == 302
    db_session.expire_all()
    saved = db_session.scalar(select(User).where(User.id == person.id))
    assert (saved.name, saved.language, saved.digest_enabled) == ("Pat Person-Smith", "zh-Hans", False)
    html = client.get("/account").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="off"', html)


def test_every_team_and_account_post_without_its_csrf_token_is_refused_and_changes_nothing(client, make, db_session):
    chair, person = make.user("chair"), make.user("submitter", name="Nora Nochange")
    project = make.project(owner=person)
    member = project.members[0]
    login(client, chair)
    posts = {f"/projects/{project.id}/team": {"team-email": chair.email, "team-role": "owner"},
             f"/projects/{project.id}/team/{member.id}/role": {f"m{member.id}-role": "viewer"},
             f"/admin/users/{person.id}/roles": {"roles": ["chair"], "reason": "No token sent"},
             f"/admin/users/{person.id}/reactivate": {},
             "/account": {"name": "Renamed", "language": "en", "digest": "on"}}
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 400, path
    db_session.expire_all()
    assert [(m.user_id, m.role) for m in project.members] == [(person.id, "owner")]
    assert person.roles == {Role.SUBMITTER} and chair.name != "Renamed"
