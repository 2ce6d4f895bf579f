"""The three flows users come for, over HTTP with CSRF on: submit, review in the queue, sign, download."""

from __future__ import annotations

import io

import pytest

from reviewboard.records.models import Record
from reviewboard.records.signing import verify_pdf
from reviewboard.reviews.workflow import StageState
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, login, logout, post_form


def _project_form(**overrides):
    data = {"name": "Loan pre-screening", "purpose": "Ranks loan applications for manual review.",
            "intended_users": "Credit officers.", "scenario": "Branch back office.", "system_type": "classifier",
            "data_categories": ["personal"], "deployment_context": "business", "autonomy_level": "human_in_loop",
            "scale": "organisation", "q_affects_rights": "yes", "q_safety_critical": "no",
            "q_public_content": "no", "q_manipulation": "no", "q_social_scoring": "no",
            "q_remote_biometric_public": "no"}
    data.update(overrides)
    return data


@pytest.mark.real_records
def test_submit_review_sign_and_download_signed_record(client, make, db_session, app, signing_dir):
    submitter = make.user("submitter", name="Sam Submitter")
    rita, ravi = make.user("reviewer", name="Rita Reviewer"), make.user("reviewer", name="Ravi Reviewer")

    login(client, submitter)
    response = post_form(client, "/projects/new", "/projects/new", _project_form())
    assert response.status_code == 302
    project_url = response.headers["Location"]
    page = client.get(project_url).get_data(as_text=True)
    assert "High risk" in page and "T-HIGH-RIGHTS" in page  # the answers behind the tier are shown

    from reviewboard.projects.models import Project
    project = db_session.query(Project).filter_by(name="Loan pre-screening").one()
    stage = project.stages[0]
    stage_url = f"/stages/{stage.id}"
    criterion = stage.applicable_criteria()[0]
    response = post_form(client, stage_url, f"{stage_url}/evidence",
                         {"criterion_id": str(criterion.id), "file": (io.BytesIO(b"%PDF-1.4 brief"), "brief.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(stage_url).get_data(as_text=True)
    import hashlib
    assert hashlib.sha256(b"%PDF-1.4 brief").hexdigest() in page
    response = post_form(client, stage_url, f"{stage_url}/submit", {"note": "Ready", "version": str(stage.version),
                                                                          "confirm_missing": "y"})
    assert response.status_code == 302
    logout(client)

    for reviewer in (rita, ravi):
        login(client, reviewer)
        queue = client.get("/queue").get_data(as_text=True)
        assert "Loan pre-screening" in queue
        declare_no_conflict(client, stage.id)
        data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
        data.update({"outcome": "approve", "email": reviewer.email, "password": PASSWORD, "sign": "Sign decision"})
        response = post_form(client, stage_url, f"{stage_url}/review", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        logout(client)

    db_session.expire_all()
    assert stage.state == StageState.APPROVED
    assert project.stages[1].state == StageState.DRAFT  # the next stage opened
    record = db_session.query(Record).filter_by(stage_review_id=stage.id).one()

    login(client, submitter)
    response = client.get(f"/records/{record.id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == record.pdf
    check = verify_pdf(response.data, [signing_dir / "signing-cert.pem"])
    assert check.ok, check.reason
    assert check.embedded_record["stage"]["outcome"] == "approved"
    names = {s["name"] for s in check.embedded_record["signatures"]}
    assert names == {"Rita Reviewer", "Ravi Reviewer"}


def test_first_signature_of_a_session_needs_the_email_later_ones_the_password(client, make, db_session):
    """21 CFR 11.200(a): all components at the first signing of a session, the secret one after that."""
    first, second = make.submitted_stage(), make.submitted_stage()
    reviewer = make.user("reviewer")
    login(client, reviewer)
    url = f"/stages/{first.id}"
    declare_no_conflict(client, first.id)
    declare_no_conflict(client, second.id)
    page = client.get(url).get_data(as_text=True)
    assert 'name="email"' in page  # the form asks for the e-mail at the first signature
    data = {f"v_{c.id}": "meets" for c in first.applicable_criteria()}
    data.update({"outcome": "approve", "password": PASSWORD, "sign": "Sign decision"})
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 422
    assert "e-mail as well as your password" in response.get_data(as_text=True)
    response = post_form(client, url, f"{url}/review", {**data, "email": reviewer.email.upper()})
    assert response.status_code == 302
    url2 = f"/stages/{second.id}"
    assert 'name="email"' not in client.get(url2).get_data(as_text=True)
    data2 = {f"v_{c.id}": "meets" for c in second.applicable_criteria()}
    data2.update({"outcome": "approve", "password": PASSWORD, "sign": "Sign decision"})
    assert post_form(client, url2, f"{url2}/review", data2).status_code == 302
    db_session.expire_all()
    assert len(first.current_round.signoffs) == 1 and len(second.current_round.signoffs) == 1


def test_after_signing_the_page_shows_the_signature_not_the_form(client, make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    make.sign(reviewer, stage)
    login(client, reviewer)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "You signed this round" in page and "Sign decision" not in page


def test_chairs_see_an_alert_when_signing_is_blocked(client, make, db_session):
    from reviewboard.core.errors import ServiceError
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.workflow import Outcome

    stage = make.submitted_stage()
    reviewer = make.user("reviewer", name="Rhea Locked")
    chair = make.user("chair")
    make.verdicts(reviewer, stage)
    for _ in range(5):
        nested = db_session.begin_nested()
        try:
            reviews.sign_decision(reviewer, stage, Outcome.APPROVE, "wrong guess")
        except ServiceError:
            pass
        nested.commit()  # the failure events are kept, as the request boundary does
    login(client, chair)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Security alerts" in page and "Rhea Locked" in page
