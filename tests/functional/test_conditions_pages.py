"""Conditions and resubmission over HTTP with CSRF on: answering, closing and reopening a condition, who may,
the overdue block on the next stage's page, the reopen marks in the review form, the round diff on the stage
page and the refusal of an unchanged resubmission."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from reviewboard.models.base import utcnow
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue
from tests.integration.test_conditions import PDF, approve_with_condition
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, login, logout, post_form


def _text(response) -> str:
    return response.get_data(as_text=True)


def _overdue(db_session, condition):
    condition.due_date = (utcnow() - timedelta(days=2)).date()
    db_session.flush()


def test_the_owner_answers_with_a_file_and_a_reviewer_closes_then_reopens(client, make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    url = f"/conditions/{condition.id}"
    login(client, stage.project.owner)
    page = _text(client.get(url))
    assert "Publish the model card" in page and "Mark as fulfilled" in page and "Close condition" not in page
    response = post_form(client, url, f"{url}/respond",
                         {"note": "Published on the intranet.", "criterion_id": str(stage.applicable_criteria()[0].id),
                          "file": (io.BytesIO(PDF), "model-card.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, _text(response)[:1500]
    db_session.expire_all()
    assert condition.status == "fulfilled" and condition.evidence.filename == "model-card.pdf"
    page = _text(client.get(url))
    assert "Fulfilled" in page and "model-card.pdf" in page and "Published on the intranet." in page
    logout(client)

    login(client, a)
    assert "Close condition" in _text(client.get(url))
    response = post_form(client, url, f"{url}/close", {"close_note": "Checked: complete."})
    assert response.status_code == 302
    db_session.expire_all()
    assert condition.status == "closed" and condition.closed_by_id == a.id
    page = _text(client.get(url))
    assert f"by {a.name}" in page and "Checked: complete." in page and "Reopen condition" in page
    response = post_form(client, url, f"{url}/reopen", {"reopen_note": "The card omits the test data."})
    assert response.status_code == 302
    db_session.expire_all()
    assert condition.status == "open"
    assert "The card omits the test data." in _text(client.get(url))  # in the history


def test_who_may_do_what_on_a_condition_page(app, client, make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    url = f"/conditions/{condition.id}"
    other = make.user("submitter")
    login(client, other)
    assert client.get(url).status_code == 404
    assert client.get(f"/projects/{stage.project_id}/conditions").status_code == 404
    token = csrf_token(_text(client.get("/dashboard")))
    assert client.post(f"{url}/respond", data={"csrf_token": token, "note": "x"}).status_code == 404
    assert "Publish the model card" not in _text(client.get("/conditions"))
    logout(client)

    login(client, stage.project.owner)
    assert post_form(client, url, f"{url}/close", {"close_note": "I did it."}).status_code == 403
    logout(client)
    login(client, make.user("reviewer"))  # a reviewer, but not of this stage
    page = _text(client.get(url))
    assert "Close condition" not in page and "Mark as fulfilled" not in page
    assert post_form(client, url, f"{url}/close", {"close_note": "Fine."}).status_code == 403
    logout(client)

    owner_client = app.test_client()  # the owner has the page open in another browser meanwhile
    login(owner_client, stage.project.owner)
    owner_page = _text(owner_client.get(url))
    login(client, a)
    response = post_form(client, url, f"{url}/close", {"close_note": "  "})
    assert response.status_code == 422 and "Say why the condition is met" in _text(response)
    assert client.post(f"{url}/close", data={"close_note": "Fine."}).status_code == 400  # no CSRF token
    db_session.expire_all()
    assert condition.status == "open"
    page = _text(client.get(url))
    assert post_form(client, url, f"{url}/close", {"close_note": "Fine."}).status_code == 302
    # the same form sent again from a page drawn before the close: 409 and nothing changes
    stale = client.post(f"{url}/close", data={"csrf_token": csrf_token(page), "close_note": "Again."})
    assert stale.status_code == 409 and "closed now" in _text(stale)
    stale = owner_client.post(f"{url}/respond", data={
        "csrf_token": csrf_token(owner_page), "note": "Done.", "criterion_id": str(stage.applicable_criteria()[0].id),
        "file": (io.BytesIO(PDF), "card.pdf")}, content_type="multipart/form-data")
    assert stale.status_code == 409 and "closed now" in _text(stale)
    db_session.expire_all()
    assert condition.status == "closed" and condition.evidence_id is None


def test_an_overdue_condition_is_shown_on_the_next_stage_and_its_submission_refused(client, make, db_session):
    stage, condition, _ = approve_with_condition(make, db_session)
    _overdue(db_session, condition)
    following = stage.project.stages[1]
    make.evidence(following)
    url = f"/stages/{following.id}"
    login(client, stage.project.owner)
    page = _text(client.get(url))
    assert "Blocked:" in page and "Publish the model card" in page
    response = post_form(client, url, f"{url}/submit", {"note": "", "version": str(following.version),
                                                        "confirm_missing": "y"})
    assert response.status_code == 409
    assert "conditions from an earlier stage are past their due date and still open" in _text(response)
    db_session.expire_all()
    assert following.state == StageState.DRAFT and following.rounds == []
    dashboard = _text(client.get("/dashboard"))
    assert "Open conditions" in dashboard and "Publish the model card" in dashboard and "Overdue" in dashboard
    conditions_page = _text(client.get(f"/projects/{stage.project_id}/conditions"))
    assert "Publish the model card" in conditions_page and "Overdue" in conditions_page


def test_an_unchanged_resubmission_is_refused_with_a_message(client, make, db_session):
    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage, Outcome.REQUEST_CHANGES)
    url = f"/stages/{stage.id}"
    login(client, stage.project.owner)
    response = post_form(client, url, f"{url}/submit", {"note": "No change needed.", "version": str(stage.version),
                                                     "confirm_missing": "y"})
    assert response.status_code == 409
    assert "nothing changed since the last round" in _text(response)
    db_session.expire_all()
    assert stage.state == StageState.CHANGES_REQUESTED and stage.round_number == 1


def _review_data(stage, reviewer, outcome, **extra):
    data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    data.update({"outcome": outcome, "email": reviewer.email, "password": PASSWORD, "sign": "Sign decision"})
    data.update(extra)
    return data


def test_the_reviewer_marks_criteria_to_reopen_and_then_sees_the_diff_and_carried_verdicts(client, make, db_session):
    stage = make.submitted_stage()
    criteria = stage.applicable_criteria()
    a, b = make.reviewers()
    make.sign(a, stage)
    make.declare(b, stage)
    url = f"/stages/{stage.id}"
    login(client, b)
    page = _text(client.get(url))
    assert f'name="reopen_{criteria[0].id}"' in page and 'name="reopen_all"' in page
    reopened = criteria[0]
    data = _review_data(stage, b, "request_changes", **{f"v_{reopened.id}": "does_not_meet",
                                                       f"r_{reopened.id}": "No test data.",
                                                       f"reopen_{reopened.id}": "y"})
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 302, _text(response)[:2000]
    db_session.expire_all()
    assert stage.state == StageState.CHANGES_REQUESTED and stage.reopen_codes == [reopened.code]
    logout(client)

    owner = stage.project.owner
    login(client, owner)
    assert re.search(r"Reopened for the next round:\s*<code>" + re.escape(reopened.code), _text(client.get(url)))
    response = post_form(client, url, f"{url}/evidence", {"criterion_id": str(reopened.id),
                                                          "file": (io.BytesIO(b"case,ok\n1,yes\n"), "tests.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    db_session.expire_all()
    response = post_form(client, url, f"{url}/submit", {"note": "Test data added.", "version": str(stage.version),
                                                     "confirm_missing": "y"})
    assert response.status_code == 302
    logout(client)

    db_session.expire_all()
    make.declare(b, stage)
    login(client, b)
    page = _text(client.get(url))
    assert "What changed since round 1" in page and "Test data added." in page and "tests.csv" in page
    assert page.count("Carried over") == len(criteria) - 1  # one per criterion not reopened
    assert ">Reopened</span>" in page
    # only the reopened criterion needs a verdict now; the carried ones are already b's
    data = {f"v_{reopened.id}": "meets", "outcome": "approve", "email": b.email, "password": PASSWORD,
            "sign": "Sign decision"}
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 302, _text(response)[:2000]
    db_session.expire_all()
    mine = [v for v in stage.current_round.verdicts if v.reviewer_id == b.id]
    assert len(mine) == len(criteria) and stage.current_round.signoffs[-1].reviewer_id == b.id


def test_reopen_all_over_http_reopens_every_criterion(client, make, db_session):
    stage = make.submitted_stage()
    criteria = stage.applicable_criteria()
    a, b = make.reviewers()
    make.sign(a, stage)
    make.declare(b, stage)
    url = f"/stages/{stage.id}"
    login(client, b)
    data = _review_data(stage, b, "request_changes", reopen_all="y", **{f"reopen_{criteria[1].id}": "y"})
    assert post_form(client, url, f"{url}/review", data).status_code == 302
    db_session.expire_all()
    assert stage.state == StageState.CHANGES_REQUESTED and stage.reopen_codes is None
    logout(client)
    login(client, stage.project.owner)
    assert "Every criterion is reopened for the next round." in _text(client.get(url))


def test_a_chair_sees_every_open_condition_overdue_first(client, make, db_session):
    _s1, later, _ = approve_with_condition(make, db_session, "Later condition", days=90)
    _s2, sooner, _ = approve_with_condition(make, db_session, "Overdue condition")
    _overdue(db_session, sooner)
    login(client, make.user("chair"))
    page = _text(client.get("/conditions"))
    assert page.index("Overdue condition") < page.index("Later condition")
    dashboard = _text(client.get("/dashboard"))
    assert dashboard.index("Overdue condition") < dashboard.index("Later condition")


def test_verdict_entries_keep_working_without_reopen_marks(make, db_session):
    """Callers that know nothing of reopening (older forms, the CLI) still save verdicts."""
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    reviews.save_verdicts(a, stage, [reviews.VerdictEntry(c.id, VerdictValue.MEETS, "")
                                     for c in stage.applicable_criteria()])
    assert not any(v.reopen or v.carried_over for v in stage.current_round.verdicts)


@pytest.mark.parametrize(("action", "who", "data"), [
    ("respond", "owner", {"note": "Done."}),
    ("close", "reviewer", {"close_note": "Fine."}),
    ("reopen", "reviewer", {"reopen_note": "Missing."}),
])
def test_condition_posts_without_a_csrf_token_are_refused_and_change_nothing(client, make, db_session, action, who,
                                                                             data):
    from reviewboard.conditions import services as conditions

    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    if action == "reopen":
        conditions.close(a, condition, "Accepted.")
    before = condition.status
    login(client, stage.project.owner if who == "owner" else a)
    response = client.post(f"/conditions/{condition.id}/{action}", data=data)
    assert response.status_code == 400 and "The form expired" in _text(response)
    db_session.expire_all()
    assert condition.status == before
