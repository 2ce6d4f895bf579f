"""The job outbox: work that must happen after a commit, written in the same transaction as its cause.

A row is the source of truth for one piece of work (issue a stage's record, send a digest); RQ messages
and the embedded worker's polling only say "look at row N". The pair (kind, key) is unique, so the same
work asked for twice is one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reviewboard.models.base import Base, utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. record.issue
    key: Mapped[str] = mapped_column(String(120))  # what makes it the same work, e.g. stage 12 round 2
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending: not to be run (or re-enqueued by the sweeper) before this time; it moves on each (re)enqueue
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # running: the lease; a claim older than JOB_LEASE belongs to a worker presumed dead
    claimed_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "key"), Index("ix_job_status_run_after", "status", "run_after"))
