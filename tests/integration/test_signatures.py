"""Electronic signatures are bound to what they signed: copying or editing shows them invalid."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reviewboard.config import from_environment
from reviewboard.reviews import lifecycle
from reviewboard.reviews.services import SigningRefused
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import Outcome


def _unguarded_update(session, sql, params):
    session.execute(text(sql), params)
    session.expire_all()


def test_fresh_signature_is_valid_and_shows_name_time_meaning(make, db_session):
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    signoff = make.sign(a, stage)
    status = check_signoff(signoff)
    assert status.valid, status.reason
    assert signoff.printed_name == a.name and signoff.meaning == "Approved as ethics reviewer, stage Design"
    assert signoff.signed_at.tzinfo is not None


def test_signature_copied_to_another_record_is_invalid(make, db_session):
    first, second = make.submitted_stage(), make.submitted_stage()
    a, b = make.reviewers()
    original = make.sign(a, first)
    other = make.sign(b, second)
    _unguarded_update(db_session, "UPDATE signoff SET signed_content = :c, content_sha256 = :h WHERE id = :i",
                      {"c": original.signed_content, "h": original.content_sha256, "i": other.id})
    status = check_signoff(other)
    assert status.state == "invalid" and "another record" in status.reason


def test_signature_with_edited_content_or_verdict_is_invalid(make, db_session):
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    signoff = make.sign(a, stage)
    _unguarded_update(db_session, "UPDATE signoff SET signed_content = replace(signed_content, 'approve', "
                                  "'reject') WHERE id = :i", {"i": signoff.id})
    assert check_signoff(signoff).reason == "the signed content does not match its hash"
    stage2 = make.submitted_stage()
    (b,) = make.reviewers(1)
    signoff2 = make.sign(b, stage2)
    _unguarded_update(db_session, "UPDATE verdict SET value = 'does_not_meet', rationale = 'changed' "
                                  "WHERE reviewer_id = :r", {"r": b.id})
    status = check_signoff(signoff2)
    assert status.state == "invalid" and "verdicts changed" in status.reason


def test_signature_on_an_earlier_round_is_superseded(make, db_session):

    stage = make.submitted_stage()
    a, b = make.reviewers()
    first = make.sign(a, stage, Outcome.APPROVE)
    make.sign(b, stage, Outcome.REQUEST_CHANGES)
    make.evidence(stage, filename="fix.md", data=b"# fixed\n")
    lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    status = check_signoff(first)
    assert status.state == "superseded" and "round 2" in status.reason


def test_stage_page_shows_each_signatures_status(client, make, db_session):
    from tests.support.http import login

    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage)
    signoff = make.sign(b, stage, Outcome.REQUEST_CHANGES)
    login(client, stage.project.owner)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert page.count("signature valid") == 2
    _unguarded_update(db_session, "UPDATE signoff SET meaning = 'Approved as chair, stage Design' WHERE id = :i",
                      {"i": signoff.id})
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert page.count("signature valid") == 1 and "signature invalid" in page


def test_signing_lockout_follows_the_configured_limit_and_states_the_configured_window(make, db_session, app,
                                                                                      monkeypatch):
    """Limit and window as the environment gives them (text converted at start: "2" and "1h")."""
    for setting, value in from_environment({"REVIEWBOARD_SIGNING_FAILURE_LIMIT": "2",
                                            "REVIEWBOARD_SIGNING_FAILURE_WINDOW": "1h"}).items():
        monkeypatch.setitem(app.config, setting, value)
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    make.declare(reviewer, stage)
    for _ in range(2):
        with pytest.raises(SigningRefused, match="not correct"):
            make.sign(reviewer, stage, password="wrong password")
    with pytest.raises(SigningRefused) as blocked:
        make.sign(reviewer, stage)
    assert str(blocked.value).startswith("Signing is blocked for 1 hour after repeated wrong passwords.")
