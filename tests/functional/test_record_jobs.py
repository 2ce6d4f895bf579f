"""The deciding signature answers before the record exists; a worker issues it, once per decided round."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.models import AuditEvent
from reviewboard.jobs import outbox
from reviewboard.jobs.models import DONE, PENDING, Job
from reviewboard.records.issuing import KIND, issued_record
from reviewboard.records.models import Record
from reviewboard.records.services import render_record, store_record
from reviewboard.reviews.workflow import StageState
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, login, post_form


@pytest.fixture()
def outbox_mode(app, monkeypatch):
    """Jobs wait in the outbox for a worker, as in production (the suite's default runs them inline)."""
    monkeypatch.setitem(app.config, "JOBS_MODE", "outbox")


def _decide_over_http(client, make, db_session):
    stage, second = make.one_signature_short()
    db_session.commit()
    login(client, second)
    declare_no_conflict(client, stage.id)
    url = f"/stages/{stage.id}"
    data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    data.update({"outcome": "approve", "email": second.email, "password": PASSWORD, "sign": "Sign decision"})
    response = post_form(client, url, f"{url}/review", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    db_session.expire_all()
    return stage


def _records(db_session, stage) -> int:
    return db_session.scalar(select(func.count()).select_from(Record).where(Record.stage_review_id == stage.id))


def test_deciding_signature_answers_before_the_record_and_a_worker_issues_it(
        outbox_mode, client, make, db_session, issued_records):
    stage = _decide_over_http(client, make, db_session)

    assert stage.state == StageState.APPROVED
    assert issued_records == [], "the deciding request rendered a record"
    assert _records(db_session, stage) == 0
    job = db_session.scalar(select(Job).where(Job.kind == KIND))
    assert (job.status, job.payload["stage_review_id"], job.payload["round"]) == (PENDING, stage.id, 1)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Record being issued" in page and "Download signed record" not in page

    assert outbox.run_job(job.id) == "done"

    db_session.expire_all()
    record = issued_record(stage.id, 1)
    assert record is not None and record.version == 1 and len(issued_records) == 1
    assert job.status == DONE
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "record.issued",
                                                      AuditEvent.object_id == str(stage.id))) is not None
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Record being issued" not in page and "Download signed record v1" in page
    assert client.get(f"/records/{record.id}.pdf").status_code == 200


def test_duplicate_jobs_and_messages_issue_one_record(outbox_mode, make, db_session, issued_records):
    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    db_session.commit()
    job = db_session.scalar(select(Job).where(Job.kind == KIND))
    again = outbox.enqueue(KIND, job.key, dict(job.payload))  # the same work asked for twice: one row
    assert again.id == job.id

    assert outbox.run_job(job.id) == "done"
    assert outbox.run_job(job.id) == "skipped"  # a second message for a finished job
    job.status = PENDING  # a worker presumed dead had it: it runs again, and finds the record
    db_session.commit()
    assert outbox.run_job(job.id) == "done"

    assert _records(db_session, stage) == 1
    assert len(issued_records) == 1


def test_the_database_refuses_a_second_record_for_a_decided_round(make, db_session):
    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    assert issued_record(stage.id, stage.round_number) is not None
    rendered = render_record(stage, 2)  # a racing worker's copy, under the next free version
    with pytest.raises(IntegrityError), db_session.begin_nested():
        store_record(None, stage, rendered, stage.round_number)


def test_a_stage_reopened_before_its_record_gets_no_misdescribing_record(outbox_mode, make, db_session):
    from reviewboard.reviews import lifecycle

    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    lifecycle.reopen_stage(None, stage, trigger="test", reason="evidence expired")
    db_session.commit()
    job = db_session.scalar(select(Job).where(Job.kind == KIND))

    assert outbox.run_job(job.id) == "retry"

    db_session.expire_all()
    assert _records(db_session, stage) == 0
    assert job.status == PENDING and "moved on from round 1" in job.last_error


def test_jobs_sweep_runs_the_due_jobs_without_redis(outbox_mode, app, make, db_session, issued_records):
    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    db_session.commit()
    runner = app.test_cli_runner()
    assert "pending  1" in runner.invoke(args=["jobs", "list"]).output

    result = runner.invoke(args=["jobs", "sweep"], catch_exceptions=False)

    assert result.exit_code == 0 and result.output.startswith("1 job(s) run"), result.output
    db_session.expire_all()
    assert _records(db_session, stage) == 1 and len(issued_records) == 1
    assert "0 job(s) run" in runner.invoke(args=["jobs", "sweep"]).output
    assert "done     1" in runner.invoke(args=["jobs", "list"]).output
