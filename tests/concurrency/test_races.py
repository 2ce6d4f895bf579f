"""Concurrent reviewers never lose or duplicate a decision (PostgreSQL and SQLite, real threads).

Each round commits its setup, then releases two threads at a barrier. Rounds: ``RB_RACE_ROUNDS``
(default 200) for quorum races that return the stage (no PDF), and ``RB_RACE_RECORD_ROUNDS`` (default
20) for races that approve and so render and sign a record inside the locked transaction (about a
second each, which is why there are fewer of them; the locking path is the same).
"""

from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import verify_chain
from reviewboard.core.errors import Conflict
from reviewboard.extensions import db
from reviewboard.records.models import Record
from reviewboard.reviews import services as reviews
from reviewboard.reviews.models import SignOff, StageReview
from reviewboard.reviews.workflow import Outcome, StageState
from tests.concurrency.helpers import at_once
from tests.support.factories import PASSWORD, Factory

ROUNDS = int(os.environ.get("RB_RACE_ROUNDS", "200"))
RECORD_ROUNDS = int(os.environ.get("RB_RACE_RECORD_ROUNDS", "20"))

pytestmark = pytest.mark.slow


def _run_pair(app, work_a, work_b):
    """Run two callables at the same instant, each in its own app context (own connection), committing
    what succeeds; returns "ok" or the exception for each."""

    def in_context(work):
        def run():
            with app.app_context():
                try:
                    work()
                    db.session.commit()
                    return "ok"
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        return run

    return at_once(in_context(work_a), in_context(work_b))


def _prepare(app, n_rounds, with_verdicts=True):
    """Commit n stages in review, each with two reviewers' verdicts recorded; returns ids."""
    with app.app_context():
        make = Factory(db.session)
        a, b = make.reviewers()
        stages = []
        for _ in range(n_rounds):
            stage = make.submitted_stage()
            if with_verdicts:
                make.verdicts(a, stage)
                make.verdicts(b, stage)
            stages.append(stage.id)
        db.session.commit()
        ids = (a.id, b.id, stages)
        db.session.remove()
    return ids


def _sign(reviewer_id, stage_id, outcome):
    from reviewboard.auth.models import User

    def work():
        reviewer = db.session.get(User, reviewer_id)
        stage = db.session.get(StageReview, stage_id)
        reviews.sign_decision(reviewer, stage, outcome, PASSWORD)

    return work


def _decisions(stage_ids):
    return Counter(db.session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "stage.decided", AuditEvent.object_id.in_([str(i) for i in stage_ids]))).all())


def test_quorum_completed_at_the_same_moment_decides_exactly_once(committed_app):
    a, b, stage_ids = _prepare(committed_app, ROUNDS)
    outcomes = Counter()
    for stage_id in stage_ids:
        results = _run_pair(committed_app, _sign(a, stage_id, Outcome.APPROVE),
                            _sign(b, stage_id, Outcome.REQUEST_CHANGES))
        outcomes.update("ok" if r == "ok" else type(r).__name__ for r in results)
    assert outcomes == {"ok": 2 * ROUNDS}, outcomes  # both signatures land, nothing lost
    with committed_app.app_context():
        states = db.session.scalars(select(StageReview.state).where(StageReview.id.in_(stage_ids))).all()
        assert Counter(states) == {StageState.CHANGES_REQUESTED: ROUNDS}
        decided = _decisions(stage_ids)
        assert len(decided) == ROUNDS and set(decided.values()) == {1}
        assert verify_chain().ok


@pytest.mark.real_records  # the record is rendered and signed inside the locked transaction
def test_approvals_at_the_same_moment_issue_exactly_one_record(committed_app):
    a, b, stage_ids = _prepare(committed_app, RECORD_ROUNDS)
    for stage_id in stage_ids:
        results = _run_pair(committed_app, _sign(a, stage_id, Outcome.APPROVE), _sign(b, stage_id, Outcome.APPROVE))
        assert results == ["ok", "ok"], results
    with committed_app.app_context():
        records = Counter(db.session.scalars(select(Record.stage_review_id).where(
            Record.stage_review_id.in_(stage_ids))).all())
        assert len(records) == RECORD_ROUNDS and set(records.values()) == {1}
        assert set(_decisions(stage_ids).values()) == {1}
        assert verify_chain().ok


def test_double_posted_sign_off_gives_exactly_one_signature(committed_app):
    a, _, stage_ids = _prepare(committed_app, ROUNDS // 2)
    for stage_id in stage_ids:
        results = _run_pair(committed_app, _sign(a, stage_id, Outcome.APPROVE), _sign(a, stage_id, Outcome.APPROVE))
        assert sorted(map(lambda r: "ok" if r == "ok" else type(r).__name__, results)) == ["Conflict", "ok"]
        assert isinstance(next(r for r in results if r != "ok"), Conflict)
    with committed_app.app_context():
        counts = db.session.execute(select(SignOff.reviewer_id, func.count()).join(SignOff.round)
                                    .group_by(SignOff.round_id, SignOff.reviewer_id)).all()
        assert all(n == 1 for _, n in counts)
        signed_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "signoff.signed", AuditEvent.object_id.in_([str(i) for i in stage_ids])))
        assert signed_events == len(stage_ids)


def test_two_writers_never_hit_database_is_locked_and_lose_no_update(committed_app):
    """Two writers x 200 verdict updates on the same round: every update lands, no lock errors."""
    a, b, (stage_id,) = _prepare(committed_app, 1, with_verdicts=False)
    errors: list = []

    def writer(reviewer_id):
        from reviewboard.auth.models import User

        with committed_app.app_context():
            reviewer = db.session.get(User, reviewer_id)
            for i in range(ROUNDS):
                try:
                    stage = db.session.get(StageReview, stage_id)
                    criterion = stage.applicable_criteria()[0]
                    reviews.save_verdicts(reviewer, stage, [reviews.VerdictEntry(
                        criterion.id, reviews.VerdictValue.PARTIALLY_MEETS, f"update {i}")])
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001
                    db.session.rollback()
                    errors.append(exc)
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    with committed_app.app_context():
        recorded = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "verdict.recorded"))
        assert recorded >= 2 * ROUNDS
        assert verify_chain().ok
