"""Issuing a decided stage's record off the request path.

The deciding signature only enqueues the job (in its own transaction, jobs/outbox.py); a worker renders and
signs the record in a read-only transaction and stores it in a short one. The record table's UNIQUE
(stage_review_id, round_number) makes the record once per decided round whoever runs the job, however often:
a worker that loses the race finds the stored record and is done.
"""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.auth.models import User
from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.models import PENDING, RUNNING, Job
from reviewboard.records.models import Record
from reviewboard.records.services import RenderedRecord, next_version, render_record, store_record
from reviewboard.reviews.models import StageReview

KIND = "record.issue"


class RecordOutdated(Exception):
    """The decided round is no longer the stage's current state: its record cannot be rendered from it."""


def request_record(actor, stage: StageReview) -> None:
    """Ask for the record of the stage's decided current round (flushes; issued after the commit)."""
    outbox.enqueue(KIND, f"stage {stage.id} round {stage.round_number}",
                   {"stage_review_id": stage.id, "round": stage.round_number,
                    "actor_id": actor.id if actor is not None else None})


def issued_record(stage_id: int, round_number: int) -> Record | None:
    return db.session.scalar(select(Record).where(Record.stage_review_id == stage_id,
                                                  Record.round_number == round_number))


def _prepare(payload: dict) -> RenderedRecord | None:
    if issued_record(payload["stage_review_id"], payload["round"]) is not None:
        return None
    stage = db.session.get(StageReview, payload["stage_review_id"])
    if stage.round_number != payload["round"] or not stage.state.decided:
        # the record prints the stage as it is now: a stage reopened since its decision would be misdescribed
        raise RecordOutdated(f"stage {stage.id} moved on from round {payload['round']} ({stage.state.value}) "
                             "before its record was issued")
    return render_record(stage, next_version(stage))


def _store(payload: dict, rendered: RenderedRecord) -> None:
    stage = db.session.get(StageReview, payload["stage_review_id"])
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    store_record(actor, stage, rendered, payload["round"])


outbox.handler(KIND, _prepare, _store)


def record_pending(stage: StageReview) -> bool:
    """Whether the stage's decision has a record job not yet done (the stage page says "being issued")."""
    return db.session.scalar(select(Job.id).where(
        Job.kind == KIND, Job.key == f"stage {stage.id} round {stage.round_number}",
        Job.status.in_((PENDING, RUNNING)))) is not None
