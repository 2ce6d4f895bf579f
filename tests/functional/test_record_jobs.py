"""The deciding signature answers before the record exists; a worker issues it, once per decided round."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.models import AuditEvent
from reviewboard.jobs import outbox
from reviewboard.jobs.models import DONE, FAILED, PENDING, Job
from reviewboard.records.issuing import KIND, issued_record
from reviewboard.records.models import Record
from reviewboard.records.services import render_record, store_record
from reviewboard.reviews.workflow import StageState
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, login, logout, post_form


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


def _decided_then_edited(make, db_session):
    """A stage approved in round 1 (its record job waiting), then its scenario edited by the submitter: a material
    change that reopens the stage before the job runs. Returns the stage, its job and the submitted scenario."""
    from reviewboard.projects.services import update_project

    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    project = stage.project
    submitted = {f: getattr(project, f) for f in ("name", "purpose", "intended_users", "scenario", "system_type",
                                                  "data_categories", "deployment_context", "autonomy_level",
                                                  "scale")}
    update_project(project.owner, project, {**submitted, "scenario": "Every hospital in the region."},
                   dict(project.answers), project.version)
    db_session.commit()
    assert stage.state == StageState.DRAFT and stage.round_number == 1  # reopened by the material change
    return stage, db_session.scalar(select(Job).where(Job.kind == KIND)), submitted["scenario"]


def test_a_stage_reopened_before_its_record_job_runs_gets_the_record_of_the_round_it_decided(
        outbox_mode, make, db_session, issued_records):
    """A record attests a decision that was made: the reopening does not cancel it, and the record describes the
    round as it was decided (outcome, time, the project as submitted), not the stage as it is now."""
    stage, job, submitted_scenario = _decided_then_edited(make, db_session)

    assert outbox.run_job(job.id) == "done"

    db_session.expire_all()
    record = issued_record(stage.id, 1)
    assert record is not None and job.status == DONE and _records(db_session, stage) == 1
    [data] = issued_records
    assert data["stage"]["outcome"] == "approved" and data["stage"]["decided_at"] is not None
    assert data["project"]["scenario"] == submitted_scenario != stage.project.scenario
    assert [r["number"] for r in data["rounds"]] == [1] and len(data["signatures"]) == 2
    assert stage.state == StageState.DRAFT  # the record changes nothing of the stage
    assert outbox.run_job(job.id) == "skipped" and _records(db_session, stage) == 1


def test_a_stage_resubmitted_before_its_record_job_runs_gets_one_record_per_decided_round(
        outbox_mode, make, db_session, issued_records):
    from reviewboard.reviews import lifecycle

    stage, first_job, submitted_scenario = _decided_then_edited(make, db_session)
    lifecycle.submit_stage(stage.project.owner, stage, "Scenario widened", stage.version)
    db_session.commit()
    assert stage.state == StageState.IN_REVIEW and stage.round_number == 2
    page_jobs = _unfinished(stage)
    assert [j.id for j in page_jobs] == [first_job.id]  # round 1's record is still "being issued"

    assert outbox.run_job(first_job.id) == "done"
    for reviewer in make.reviewers():  # round 2 is decided in turn: its own job, its own record
        make.sign(reviewer, stage)
    db_session.commit()
    second_job = db_session.scalar(select(Job).where(Job.kind == KIND, Job.id != first_job.id))
    assert outbox.run_job(second_job.id) == "done"
    job_again = outbox.run_job(first_job.id)  # a duplicate message for round 1, after round 2's record

    db_session.expire_all()
    assert job_again == "skipped"
    records = db_session.scalars(select(Record).where(Record.stage_review_id == stage.id)
                                 .order_by(Record.version)).all()
    assert [(r.round_number, r.version) for r in records] == [(1, 1), (2, 2)]
    first, second = issued_records
    assert [r["number"] for r in first["rounds"]] == [1] and first["project"]["scenario"] == submitted_scenario
    assert [r["number"] for r in second["rounds"]] == [1, 2]
    assert second["project"]["scenario"] == "Every hospital in the region."
    assert _unfinished(stage) == []


def _unfinished(stage):
    from reviewboard.records.issuing import unfinished_record_jobs

    return unfinished_record_jobs(stage)


def _record_job_failing(app, make, db_session, monkeypatch, error: str, attempts: int):
    """A decided stage whose record job fails (the render raises OSError(error)) and stops after ``attempts``;
    a chair and an auditor. Returns them with the job and a function that fixes the render."""
    from reviewboard.records import issuing

    monkeypatch.setitem(app.config, "JOB_MAX_ATTEMPTS", attempts)
    real_render = issuing.render_record

    def broken(*args, **kwargs):
        raise OSError(error)

    monkeypatch.setattr(issuing, "render_record", broken)
    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    chair, auditor = make.user("chair"), make.user("auditor")
    db_session.commit()
    job = db_session.scalar(select(Job).where(Job.kind == KIND))
    return stage, job, chair, auditor, lambda: monkeypatch.setattr(issuing, "render_record", real_render)


def test_a_record_job_that_fails_for_good_is_shown_on_the_stage_page_and_retried_from_the_cli(
        outbox_mode, app, client, make, db_session, monkeypatch, issued_records):
    stage, job, chair, auditor, fixed = _record_job_failing(app, make, db_session, monkeypatch, "fonts missing", 2)

    assert outbox.run_job(job.id) == "retry"
    login(client, chair)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "Record being issued" in page and "could not be issued" not in page  # retried by the sweeper

    job.run_after = job.created_at  # due again
    db_session.commit()
    assert outbox.run_job(job.id) == "failed"

    db_session.expire_all()
    assert job.status == FAILED and job.finished_at is not None
    for person in (chair, auditor):
        logout(client)
        login(client, person)
        page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
        assert "Record being issued" not in page  # no spinner for a job nobody will run
        assert "The record could not be issued." in page and "failed 2 times" in page
        assert f"reviewboard jobs retry {job.id}" in page and "OSError: fonts missing" in page
    logout(client)
    login(client, stage.project.owner)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "The record could not be issued." in page and "The committee chairs can see why" in page
    assert "jobs retry" not in page and "fonts missing" not in page  # the cause is for chairs and auditors
    failed = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "job.failed"))
    assert failed is not None and failed.object_id == str(job.id)

    fixed()  # the cause is fixed; an administrator retries
    runner = app.test_cli_runner()
    assert runner.invoke(args=["jobs", "retry"]).exit_code == 2  # which jobs: ids or --all-failed
    result = runner.invoke(args=["jobs", "retry", str(job.id)], catch_exceptions=False)
    assert result.exit_code == 0 and result.output.startswith(f"1 job(s) retried: {job.id}"), result.output
    db_session.expire_all()
    assert (job.status, job.attempts) == (PENDING, 0)
    retried = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "job.retried"))
    assert retried is not None and retried.object_id == str(job.id)
    assert "not failed" in runner.invoke(args=["jobs", "retry", str(job.id)]).output  # once is enough

    assert outbox.run_job(job.id) == "done"
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert "could not be issued" not in page and "Download signed record v1" in page
    assert len(issued_records) == 1


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


def test_a_chair_issues_a_failed_record_again_from_the_stage_page(outbox_mode, app, client, make, db_session,
                                                                   monkeypatch, issued_records):
    stage, job, chair, auditor, fixed = _record_job_failing(app, make, db_session, monkeypatch, "disk full", 1)
    assert outbox.run_job(job.id) == "failed"
    fixed()
    url = f"/stages/{stage.id}"

    login(client, auditor)  # reads why, but the button is the chairs'
    page = client.get(url).get_data(as_text=True)
    assert "OSError: disk full" in page and "Issue the record again" not in page
    response = post_form(client, url, f"{url}/record/retry", {})
    assert response.status_code == 403
    logout(client)
    login(client, chair)
    assert "Issue the record again" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/record/retry").status_code == 400  # no CSRF token: refused, nothing changes
    db_session.expire_all()
    assert job.status == FAILED

    response = post_form(client, url, f"{url}/record/retry", {})

    assert response.status_code == 302
    db_session.expire_all()
    assert (job.status, job.attempts) == (PENDING, 0)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "job.retried"))
    assert event is not None and event.actor_id == chair.id and event.object_id == str(job.id)
    page = client.get(url).get_data(as_text=True)
    assert "The record is being issued again." in page and "Record being issued" in page
    assert "could not be issued" not in page
    again = post_form(client, url, f"{url}/record/retry", {})  # a second click, from a stale page
    assert again.status_code == 409 and "No record of this stage is waiting" in again.get_data(as_text=True)

    assert outbox.run_job(job.id) == "done"
    assert "Download signed record v1" in client.get(url).get_data(as_text=True)
    assert len(issued_records) == 1
