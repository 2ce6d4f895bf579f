"""The project page's Team section over HTTP (CSRF on): owners add people by e-mail with a role, change
roles, remove members after a confirmation page; clear errors for an unknown address, a duplicate and the
last owner; a person added through the page is then refused as a reviewer (assignment and signing)."""

from __future__ import annotations

from sqlalchemy import func, select

from reviewboard.reviews.models import ReviewAssignment, SignOff
from tests.support.factories import PASSWORD
from tests.support.http import login, post_form


def _add(client, project, email, role="contributor"):
    page = f"/projects/{project.id}"
    return post_form(client, page, f"{page}/team", {"team-email": email, "team-role": role})


def test_an_owner_adds_a_member_who_then_sees_the_project_and_the_section_lists_them(client, make, db_session):
    owner = make.user("submitter", name="Olga Owner")
    colleague = make.user("submitter", name="Carl Colleague")
    project = make.project(owner=owner, name="Lantern Triage")
    login(client, owner)
    response = _add(client, project, colleague.email.upper(), "viewer")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projects/{project.id}#team")
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Carl Colleague joined the team as viewer." in html
    team = html[html.index('id="h-team"'):html.index("Add a member")]
    assert "Olga Owner" in team and "Carl Colleague" in team
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, colleague)
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Lantern Triage" in html and "Add a member" not in html  # a viewer reads; only owners manage
    assert client.get(f"/projects/{project.id}/edit").status_code == 403


def _token(client):
    from tests.support.http import token_for

    return token_for(client, "/dashboard")


def test_unknown_address_and_duplicate_are_shown_beside_the_field_with_what_was_typed(client, make):
    owner, colleague = make.user("submitter"), make.user("submitter", name="Dana Dup")
    project = make.project(owner=owner)
    login(client, owner)
    response = _add(client, project, "nobody@example.org")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No account uses this e-mail address" in html and 'value="nobody@example.org"' in html
    assert _add(client, project, colleague.email).status_code == 302
    response = _add(client, project, colleague.email, "owner")
    assert response.status_code == 422 and "Dana Dup is already on the team (contributor)." in response.get_data(
        as_text=True)


def test_role_change_and_removal_with_confirmation_and_the_last_owner_stays(client, make, db_session):
    owner, colleague = make.user("submitter", name="Olga Owner"), make.user("submitter", name="Carl Colleague")
    project = make.project(owner=owner)
    login(client, owner)
    _add(client, project, colleague.email)
    db_session.expire_all()
    mine = next(m for m in project.members if m.user_id == owner.id)
    theirs = next(m for m in project.members if m.user_id == colleague.id)
    page = f"/projects/{project.id}"
    response = post_form(client, page, f"{page}/team/{theirs.id}/role", {f"m{theirs.id}-role": "owner"})
    assert response.status_code == 302
    db_session.expire_all()
    assert project.role_of(colleague.id) == "owner"
    response = post_form(client, page, f"{page}/team/{mine.id}/role", {f"m{mine.id}-role": "viewer"})
    db_session.expire_all()
    assert project.role_of(owner.id) == "viewer"  # another owner remains
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, colleague)
    confirm = client.get(f"{page}/team/{theirs.id}/remove")
    assert confirm.status_code == 200 and "Remove Carl Colleague from the team?" in confirm.get_data(as_text=True)
    response = post_form(client, f"{page}/team/{theirs.id}/remove", f"{page}/team/{theirs.id}/remove", {})
    assert response.status_code == 422 and "last owner" in response.get_data(as_text=True)
    db_session.expire_all()
    assert project.role_of(colleague.id) == "owner"
    response = post_form(client, f"{page}/team/{mine.id}/remove", f"{page}/team/{mine.id}/remove", {})
    assert response.status_code == 302
    db_session.expire_all()
    assert project.role_of(owner.id) is None
    assert client.post(f"{page}/team/{theirs.id}/remove", data={}).status_code == 400  # no CSRF token


def test_a_contributor_cannot_manage_the_team(client, make, db_session):
    owner, contributor = make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    login(client, owner)
    _add(client, project, contributor.email)
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, contributor)
    db_session.expire_all()
    member = next(m for m in project.members if m.user_id == owner.id)
    assert client.get(f"/projects/{project.id}/team/{member.id}/remove").status_code == 403
    response = post_form(client, f"/projects/{project.id}", f"/projects/{project.id}/team",
                         {"team-email": make.user("submitter").email, "team-role": "owner"})
    assert response.status_code == 403


def test_a_person_added_through_the_page_cannot_be_assigned_or_sign_as_reviewer(client, make, db_session):
    owner = make.user("submitter")
    stage = make.submitted_stage(owner=owner)
    insider = make.user("reviewer", name="Ines Insider")
    login(client, owner)
    assert _add(client, stage.project, insider.email, "viewer").status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})

    login(client, make.user("chair"))
    page = f"/stages/{stage.id}"
    response = post_form(client, page, f"{page}/assign", {"reviewer_id": str(insider.id)}, follow_redirects=True)
    assert "Ines Insider is a member of this project and cannot review it." in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(ReviewAssignment)
                             .where(ReviewAssignment.reviewer_id == insider.id)) == 0
    client.post("/logout", data={"csrf_token": _token(client)})

    login(client, insider)
    assert stage.project.name in client.get("/projects").get_data(as_text=True)
    data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    response = post_form(client, page, f"{page}/review", {**data, "outcome": "approve", "password": PASSWORD,
                                                          "email": insider.email, "sign": "Sign decision"})
    assert response.status_code == 403
    assert db_session.scalar(select(func.count()).select_from(SignOff).where(SignOff.reviewer_id == insider.id)) == 0
