"""Issuing a decided stage's record off the request path.

The deciding signature only enqueues the job (in its own transaction, jobs/outbox.py); a worker renders and
signs the record in a read-only transaction and stores it in a short one. The record table's UNIQUE
(stage_review_id, round_number) makes the record once per decided round whoever runs the job, however often:
a worker that loses the race finds the stored record and is done. The record is that of the round named by the
job, as it was decided, even when the stage was reopened or resubmitted before the job ran.
"""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.auth.models import User
from reviewboard.core.errors import Conflict, NotPermitted
from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.models import DONE, FAILED, Job
from reviewboard.records import permissions as record_perms
from reviewboard.records.models import Record
from reviewboard.records.services import RenderedRecord, next_version, render_record, store_record
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.workflow import Outcome

KIND = "record.issue"
# the round outcomes that decide a stage, and so ask for a record (request_changes returns it instead)
DECIDING_OUTCOMES = frozenset({Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS, Outcome.REJECT})


class RecordOutdated(Exception):
    """The job names a round that was not decided (a job row written by hand or by a bug): no record."""


def request_record(actor, stage: StageReview) -> None:
    """Ask for the record of the stage's decided current round (flushes; issued after the commit)."""
    outbox.enqueue(KIND, job_key(stage.id, stage.round_number),
                   {"stage_review_id": stage.id, "round": stage.round_number,
                    "actor_id": actor.id if actor is not None else None})


def issued_record(stage_id: int, round_number: int) -> Record | None:
    return db.session.scalar(select(Record).where(Record.stage_review_id == stage_id,
                                                  Record.round_number == round_number))


def _prepare(payload: dict) -> RenderedRecord | None:
    if issued_record(payload["stage_review_id"], payload["round"]) is not None:
        return None
    stage = db.session.get(StageReview, payload["stage_review_id"])
    decided = next((r for r in stage.rounds if r.number == payload["round"]), None)
    if decided is None or decided.outcome not in DECIDING_OUTCOMES:
        raise RecordOutdated(f"stage {stage.id} has no decided round {payload['round']}")
    # the decided round's record even when the stage moved on since (reopened, resubmitted): a record attests
    # a decision that was made, and build_record_data describes that round as it was decided
    return render_record(stage, next_version(stage), payload["round"])


def _store(payload: dict, rendered: RenderedRecord) -> None:
    stage = db.session.get(StageReview, payload["stage_review_id"])
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    record = store_record(actor, stage, rendered, payload["round"])
    from reviewboard.certificates.issuing import after_record_stored  # certificates import records

    after_record_stored(actor, record)


outbox.handler(KIND, _prepare, _store)


def job_key(stage_id: int, round_number: int) -> str:
    return f"stage {stage_id} round {round_number}"


def unfinished_record_jobs(stage: StageReview) -> list[Job]:
    """The record jobs of the stage's decided rounds that are not done: pending or running (the stage page
    says "being issued") or failed after their last attempt (the page says the record could not be issued).
    Looked up by key, through the (kind, key) unique index."""
    keys = [job_key(stage.id, r.number) for r in stage.rounds if r.outcome in DECIDING_OUTCOMES]
    if not keys:
        return []
    return list(db.session.scalars(select(Job).where(Job.kind == KIND, Job.key.in_(keys), Job.status != DONE)
                                   .order_by(Job.id)))


def retry_record(actor: User, stage: StageReview) -> list[Job]:
    """A chair sends the stage's failed record jobs back to the workers: their attempts start over, each retry
    an audit event (flushes). Raises NotPermitted for anyone but a chair who can see the stage, and Conflict when
    no record job of the stage has failed (retried meanwhile, or issued)."""
    if not record_perms.can_retry_record(actor, stage):
        raise NotPermitted("Only a committee chair can have a record issued again.")
    failed = [job.id for job in unfinished_record_jobs(stage) if job.status == FAILED]
    if not failed:
        raise Conflict("No record of this stage is waiting to be issued again.")
    return outbox.retry(actor, failed)
