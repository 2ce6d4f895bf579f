"""System versions over HTTP with CSRF on: members add a version from the versions page, the project page
lists it, a malformed digest or a missing field is refused beside the field (422, never a 500) and nothing is
stored; people who may not add get 403 (or 404 when they may not see the project)."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.systems.models import SystemVersion
from tests.support.http import login, logout, post_form

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _add(client, project_id, **data):
    page = f"/projects/{project_id}/versions"
    return post_form(client, page, page, {"label": "1.0.0", "release_notes": "First release.",
                                          "artifacts": f"model triage.safetensors sha256:{HEX}", **data})


def test_a_member_adds_a_version_and_the_project_page_lists_it(client, make, db_session):
    project = make.project()
    login(client, project.owner)
    response = _add(client, project.id, artifacts=f"model triage weights.bin {HEX.upper()}\n\n"
                                                  f"image ghcr.io/acme/triage@sha256:{HEX}\n")
    assert response.status_code == 302
    version = db_session.scalar(select(SystemVersion).where(SystemVersion.project_id == project.id))
    assert [(a.kind, a.name, a.digest) for a in version.artifacts] == [
        ("model", "triage weights.bin", f"sha256:{HEX}"), ("image", "ghcr.io/acme/triage", f"sha256:{HEX}")]
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Version 1.0.0 added." in listing and "First release." in listing
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "System versions" in page and "1.0.0" in page and f"sha256:{HEX}" in page


def test_bad_input_is_refused_beside_the_field_and_nothing_is_stored(client, make, db_session):
    project = make.project()
    login(client, project.owner)
    cases = [({"artifacts": "model triage.bin sha256:12345"},
              "Line 1: The digest &#39;sha256:12345&#39; is not a SHA-256"),
             ({"artifacts": f"weights triage.bin {HEX}"}, "the kind &#39;weights&#39; is not one of"),
             ({"artifacts": ""}, "List at least one artifact with its digest."),
             ({"label": ""}, "Give the version a label."),
             ({"artifacts": f"model {HEX}"}, "give the artifact&#39;s name")]
    for data, message in cases:
        response = _add(client, project.id, **data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert message in body and 'id="error-summary"' in body, (data, body[:3000])
    assert db_session.scalar(select(SystemVersion).where(SystemVersion.project_id == project.id)) is None


def test_only_members_may_add_a_version(client, make, db_session):
    project = make.project()
    for role, status in (("reviewer", 403), ("chair", 403), ("submitter", 404)):
        person = make.user(role)
        login(client, person)
        page = f"/projects/{project.id}/versions"
        if status == 403:
            assert "Add a version" not in client.get(page).get_data(as_text=True)
        token_page = page if status == 403 else "/dashboard"
        assert post_form(client, token_page, page, {"label": "x", "artifacts": f"model m {HEX}"}).status_code == status
        logout(client)
    assert db_session.scalar(select(SystemVersion).where(SystemVersion.project_id == project.id)) is None


def test_the_post_needs_its_csrf_token(client, make):
    project = make.project()
    login(client, project.owner)
    response = client.post(f"/projects/{project.id}/versions", data={"label": "1", "artifacts": f"model m {HEX}"})
    assert response.status_code == 400
