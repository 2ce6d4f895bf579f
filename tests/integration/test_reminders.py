"""`reviewboard remind`: one digest per person with what is new for them, sent to a real SMTP server
(aiosmtpd on a free port, started by the test) or logged when SMTP is not configured; never a repeat,
not even after a resubmission. Both engines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reviewboard.models.base import utcnow
from reviewboard.notify.digest import build_digests
from reviewboard.notify.models import Notice
from reviewboard.projects import services as projects
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue
from tests.integration.test_rereview import approve, declare_no_conflict, new_project, pipeline_with
from tests.support.factories import PASSWORD

TODAY = utcnow().date()


@pytest.fixture()
def no_smtp(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)


@pytest.fixture()
def remind(app, db_session):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["remind", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        db_session.expire_all()
        return result.output

    return invoke


# -- a committee with something for everyone ------------------------------------------------------
@dataclass
class World:
    chair: object
    reviewer: object
    signer: object
    owner: object
    member: object
    waiting: object  # stage in review, one of two reviewers assigned
    returned: object  # stage with changes requested
    conditional: object  # approved with a condition owned by the member
    evidence: object  # expiring in 10 days
    recurring: object  # operation stage whose periodic review is in 20 days


def request_changes(reviewer, stage):
    declare_no_conflict(reviewer, stage)
    entries = [reviews.VerdictEntry(c.id, VerdictValue.PARTIALLY_MEETS, "Explain the fallback procedure.")
               for c in stage.applicable_criteria()]
    reviews.save_verdicts(reviewer, stage, entries)
    reviews.sign_decision(reviewer, stage, Outcome.REQUEST_CHANGES, PASSWORD, [])


@pytest.fixture()
def world(make, db_session) -> World:
    chair, reviewer, signer = make.user("chair"), make.user("reviewer"), make.user("reviewer")
    owner, member = make.user("submitter"), make.user("submitter")
    one = pipeline_with(db_session, "DES", "OPS")

    waiting = make.submitted_stage(owner)  # standard pipeline: two reviewers wanted
    reviews.assign_reviewer(chair, waiting, reviewer)

    project = new_project(make, one, owner=owner, name="Returned project")
    returned = project.stages[0]
    make.evidence(returned)
    lifecycle.submit_stage(owner, returned, "", returned.version)
    request_changes(signer, returned)

    project = new_project(make, one, owner=owner, tier="high", name="Conditional project")
    _add_member(db_session, project, member)
    conditional = project.stages[0]
    criterion = conditional.applicable_criteria()[0]
    evidence = projects.add_evidence(owner, conditional, criterion.id, "dpia.md", b"# DPIA\n",
                                     expires_on=TODAY + timedelta(days=10))
    lifecycle.submit_stage(owner, conditional, "", conditional.version)
    declare_no_conflict(signer, conditional)
    make.verdicts(signer, conditional)
    reviews.sign_decision(signer, conditional, Outcome.APPROVE_WITH_CONDITIONS, PASSWORD,
                          [reviews.ConditionEntry("Publish the model card.", member.id, TODAY + timedelta(days=5))])
    recurring = approve(make, project.stages[1], signer)
    recurring.next_review_on = TODAY + timedelta(days=20)
    db_session.flush()
    return World(chair, reviewer, signer, owner, member, waiting, returned, conditional, evidence, recurring)


def _add_member(session, project, user):
    from reviewboard.projects.models import ProjectMember

    session.add(ProjectMember(project_id=project.id, user_id=user.id))
    session.flush()
    session.refresh(project)


def keys_by_person(today=TODAY) -> dict[int, set[str]]:
    return {d.user.id: {i.key for i in d.items} for d in build_digests(today) if d.items}


# -- digest content -------------------------------------------------------------------------------
def test_each_role_hears_about_its_own_items(world):
    w = world
    found = keys_by_person()
    assert found[w.reviewer.id] == {f"review-waiting:stage:{w.waiting.id}"}
    assert found[w.chair.id] == {f"understaffed:stage:{w.waiting.id}"}  # 1 of 2 reviewers assigned
    decided = {f"decided:stage:{w.conditional.id}:round:1", f"decided:stage:{w.recurring.id}:round:1"}
    assert found[w.member.id] == {
        f"condition-due:condition:{w.conditional.conditions[0].id}",
        f"evidence-expiring:evidence:{w.evidence.id}:{w.evidence.expires_on.isoformat()}",
        f"review-due:stage:{w.recurring.id}:{w.recurring.next_review_on.isoformat()}",
    } | decided
    assert found[w.owner.id] == {
        f"changes-requested:stage:{w.returned.id}:round:1",
        f"evidence-expiring:evidence:{w.evidence.id}:{w.evidence.expires_on.isoformat()}",
        f"review-due:stage:{w.recurring.id}:{w.recurring.next_review_on.isoformat()}",
    } | decided
    assert w.signer.id not in found  # signed everything they were given: nothing waits for them


def test_overdue_items_come_first_and_escalate_once_per_level(world, db_session, no_smtp, remind):
    w = world
    w.waiting.due_at = w.waiting.current_round.submitted_at - timedelta(days=1)
    db_session.flush()
    due = w.waiting.due_at.date()

    [digest] = [d for d in build_digests(due + timedelta(days=2)) if d.user.id == w.reviewer.id]
    assert [i.key for i in digest.items] == [f"review-overdue:stage:{w.waiting.id}:level:1"]
    assert "2 days overdue" in digest.items[0].detail and "1 overdue" in digest.subject
    chair_keys = [i.key for d in build_digests(due + timedelta(days=2)) if d.user.id == w.chair.id for i in d.items]
    assert f"decision-overdue:stage:{w.waiting.id}:level:1" in chair_keys

    remind("--date", (due + timedelta(days=2)).isoformat())
    assert w.reviewer.id not in keys_by_person(due + timedelta(days=3))  # level 1 (and "waiting") sent once
    assert keys_by_person(due + timedelta(days=8))[w.reviewer.id] == {f"review-overdue:stage:{w.waiting.id}:level:2"}


def test_the_digest_lists_overdue_before_due(world, db_session):
    w = world
    w.conditional.conditions[0].due_date = TODAY - timedelta(days=3)
    db_session.flush()
    [digest] = [d for d in build_digests(TODAY) if d.user.id == w.member.id]
    [(title, items)] = [s for s in digest.sections if s[0] == "Conditions you own"]
    assert items[0].key == f"condition-overdue:condition:{w.conditional.conditions[0].id}:level:1"
    assert "3 days overdue" in items[0].detail


# -- sending --------------------------------------------------------------------------------------
def test_one_mail_per_person_over_smtp(world, db_session, smtp_server, remind):
    w = world
    output = remind("--date", TODAY.isoformat())

    assert "4 digests sent via smtp, 0 people with nothing new" in output
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted([w.reviewer.email, w.chair.email, w.member.email, w.owner.email])
    [mail] = smtp_server.to(w.owner.email)
    assert mail["Subject"] == "ReviewBoard daily digest: 5 items"  # 3 + the two stages decided
    assert mail["From"] == "ReviewBoard <reviewboard@example.test>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Changes were requested on Returned project: Des" in text
    assert "Conditional project: Des was approved with conditions" in text
    assert "dpia.md" in text and f"/stages/{w.returned.id}" in text
    assert f'href="http://localhost:5000/stages/{w.returned.id}"' in html
    [mail] = smtp_server.to(w.reviewer.email)
    assert "is waiting for your verdict and sign-off" in mail.get_body(("plain",)).get_content()
    channels = set(db_session.scalars(select(Notice.channel)))
    assert channels == {"smtp"}


def test_no_repeat_on_a_second_run_or_after_a_resubmission(make, world, db_session, smtp_server, remind):
    w = world
    remind("--date", TODAY.isoformat())
    first = len(smtp_server.messages)

    output = remind("--date", TODAY.isoformat())
    assert len(smtp_server.messages) == first
    assert "0 digests sent via smtp, 4 people with nothing new" in output

    # the chair assigns a reviewer to the returned stage, the owner resubmits: the reviewer hears once
    returned = w.returned
    reviews.assign_reviewer(w.chair, returned, w.reviewer)
    make.evidence(returned, filename="fallback.md", data=b"# Fallback procedure\n")
    lifecycle.submit_stage(w.owner, returned, "Added the fallback procedure.", returned.version)
    remind("--date", TODAY.isoformat())
    [mail] = smtp_server.messages[first:]
    assert mail[0] == [w.reviewer.email] and "Returned project" in mail[1].get_body(("plain",)).get_content()

    # the reviewer asks for changes again; after the next resubmission nobody is told the same thing twice
    request_changes(w.reviewer, returned)
    remind("--date", TODAY.isoformat())
    [mail] = smtp_server.messages[first + 1:]
    assert mail[0] == [w.owner.email] and "round 2" in mail[1].get_body(("plain",)).get_content()
    make.evidence(returned, filename="fallback-v2.md", data=b"# Fallback procedure v2\n")
    lifecycle.submit_stage(w.owner, returned, "Again.", returned.version)
    assert returned.state == StageState.IN_REVIEW
    output = remind("--date", TODAY.isoformat())
    assert len(smtp_server.messages) == first + 2
    assert "0 digests sent" in output


def test_logged_when_smtp_is_not_configured(world, db_session, no_smtp, remind, caplog):
    w = world
    caplog.set_level("INFO", logger="reviewboard.notify.digests")
    output = remind()

    assert "4 digests sent via log" in output
    lines = [json.loads(r.getMessage().removeprefix("reminder.digest ")) for r in caplog.records
             if r.name == "reviewboard.notify.digests"]
    assert sorted(line["to"] for line in lines) == sorted([w.reviewer.email, w.chair.email, w.member.email,
                                                             w.owner.email])
    reviewer_line = next(line for line in lines if line["to"] == w.reviewer.email)
    assert [i["key"] for i in reviewer_line["items"]] == [f"review-waiting:stage:{w.waiting.id}"]
    assert set(db_session.scalars(select(Notice.channel))) == {"log"}
    assert "0 digests sent via log, 4 people with nothing new" in remind()


def test_dry_run_sends_and_records_nothing(world, db_session, smtp_server, remind):
    output = remind("--dry-run")
    assert f"would send to {world.owner.email}" in output and "4 digests would be sent" in output
    assert smtp_server.messages == []
    assert db_session.scalar(select(func.count()).select_from(Notice)) == 0


def test_remind_runs_the_sweep_first(make, db_session, no_smtp, remind):
    owner = make.user("submitter")
    ops = approve(make, new_project(make, pipeline_with(db_session, "OPS"), owner=owner, tier="high").stages[0])
    due = ops.next_review_on

    output = remind("--date", due.isoformat())

    assert "1 stage reopened" in output
    db_session.refresh(ops)
    assert ops.state == StageState.DRAFT
    notices = db_session.scalars(select(Notice.key).where(Notice.user_id == owner.id)).all()
    assert notices == [f"reopened:stage:{ops.id}:round:1"]


def test_a_person_with_nothing_new_gets_no_mail(make, db_session, smtp_server, remind):
    make.user("chair")
    output = remind("--date", date(2030, 1, 1).isoformat())
    assert smtp_server.messages == []
    assert "0 digests sent via smtp, 0 people with nothing new" in output


def test_a_run_that_breaks_half_way_never_resends_to_the_people_already_done(app, world, db_session, smtp_server,
                                                                             remind):
    w = world  # digests go out in user order: chair, reviewer, owner, member
    smtp_server.refuse.add(w.owner.email)
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code != 0
    assert sorted(r for rcpts, _ in smtp_server.messages for r in rcpts) == sorted([w.chair.email, w.reviewer.email])
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Notice).where(Notice.user_id == w.owner.id)) == 0

    smtp_server.refuse.clear()
    output = remind()
    assert "2 digests sent via smtp, 2 people with nothing new" in output
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted([w.chair.email, w.reviewer.email, w.owner.email, w.member.email])


def test_an_answered_condition_is_news_for_the_stages_reviewer_once_per_answer(world, db_session):
    from reviewboard.conditions import services as conditions

    w = world
    condition = w.conditional.conditions[0]
    criterion = w.conditional.applicable_criteria()[0]
    conditions.respond(w.member, condition, "Model card published.", criterion.id, "card.md", b"# Model card\n")
    key = next(k for k in keys_by_person()[w.signer.id] if k.startswith("condition-answered:"))
    assert key.startswith(f"condition-answered:condition:{condition.id}:")
    assert not any(k.startswith("condition-answered:") for k in keys_by_person().get(w.chair.id, set()))
    assert not any(k.startswith("condition-answered:") for k in keys_by_person().get(w.member.id, set()))


def test_a_decision_is_news_for_the_project_once_and_only_while_recent(world, db_session):
    w = world
    [digest] = [d for d in build_digests(TODAY) if d.user.id == w.member.id]
    [item] = [i for i in digest.items if i.key == f"decided:stage:{w.conditional.id}:round:1"]
    assert item.text.endswith("was approved with conditions") and item.detail.startswith("1 condition to meet")
    assert not any(k.startswith("decided:") for k in keys_by_person().get(w.reviewer.id, set()))
    # a first run long after the decision does not dig it up
    later = TODAY + timedelta(days=8)
    assert not any(k.startswith("decided:") for k in keys_by_person(later).get(w.member.id, set()))


def test_comments_reach_those_who_may_read_them_never_their_author(world, make, db_session):
    from reviewboard.comments import services as comments

    w = world
    stage = w.conditional  # the signer reviewed it; owner and member are the project
    shared = comments.post_comment(w.signer, stage, "Please link the model card from the README.", "submitter")
    internal = comments.post_comment(w.signer, stage, "Between us: the card is thin.", "committee")
    reply = comments.post_comment(w.member, stage, "Linked, see section 2.", "submitter", parent=shared)
    found = keys_by_person()
    assert {f"comment:{shared.id}", f"comment:{reply.id}"} <= found[w.owner.id]
    assert f"comment:{shared.id}" in found[w.member.id]
    assert f"comment:{reply.id}" not in found[w.member.id]  # their own
    assert f"comment:{reply.id}" in found[w.signer.id]  # a reply to their comment, on a stage they signed
    assert f"comment:{internal.id}" not in found[w.owner.id] | found[w.member.id]  # committee only
    assert f"comment:{internal.id}" not in found[w.signer.id]  # their own
    other = make.user("reviewer")
    reviews.assign_reviewer(w.chair, w.waiting, other)
    declare_no_conflict(w.reviewer, w.waiting)
    note = comments.post_comment(w.chair, w.waiting, "Please start with the data section.", "committee")
    found = keys_by_person()
    assert f"comment:{note.id}" in found[w.reviewer.id]
    # an assigned reviewer who has not declared yet sees nothing of the stage, comments included
    assert f"comment:{note.id}" not in found.get(other.id, set())
    assert f"comment:{note.id}" not in found.get(w.owner.id, set())
    [digest] = [d for d in build_digests(TODAY) if d.user.id == w.owner.id]
    [(title, items)] = [s for s in digest.sections if s[0] == "New comments"]
    assert any("replied on" in i.text and i.detail == "Linked, see section 2." for i in items)


def test_with_a_job_queue_remind_enqueues_one_digest_per_person_and_the_worker_sends_it(
        app, world, db_session, smtp_server, remind, monkeypatch):
    from reviewboard.jobs import outbox
    from reviewboard.jobs.models import DONE, PENDING, Job
    from reviewboard.notify.queued import KIND

    monkeypatch.setitem(app.config, "JOBS_MODE", "outbox")  # as with REDIS_URL: the jobs wait for a worker
    output = remind("--date", TODAY.isoformat())

    assert "4 digests queued for the job worker" in output
    assert smtp_server.messages == [] and db_session.scalar(select(func.count()).select_from(Notice)) == 0
    jobs = db_session.scalars(select(Job).where(Job.kind == KIND).order_by(Job.id)).all()
    assert [j.status for j in jobs] == [PENDING] * 4
    assert "4 digests queued" in remind("--date", TODAY.isoformat())  # the same day's jobs, not new ones
    assert db_session.scalar(select(func.count()).select_from(Job).where(Job.kind == KIND)) == 4

    for job in jobs:
        assert outbox.run_job(job.id) == "done"

    db_session.expire_all()
    assert {j.status for j in jobs} == {DONE}
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted([world.reviewer.email, world.chair.email, world.member.email, world.owner.email])
    [mail] = smtp_server.to(world.owner.email)
    assert mail["Subject"] == "ReviewBoard daily digest: 5 items"
    assert "0 digests queued for the job worker, 4 people with nothing new" in remind("--date", TODAY.isoformat())
