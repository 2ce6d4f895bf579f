""""Verify the chain" from the browser: the same check as `reviewboard audit verify`, run within the request when
the trail is short enough (AUDIT_VERIFY_WEB_MAX events), through the job queue (jobs/outbox.py) when it is
longer. A background verification is started by a person (an ``audit.verify_started`` event), runs once however
often the button is pressed meanwhile, and leaves its result in the trail (``audit.verified``, by the system),
where the page reads it: intact, or the first bad sequence number and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from reviewboard.audit.anchors import Tail
from reviewboard.audit.browse import chain_head
from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import ChainCheck, record_event, verify_chain
from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.models import DONE, FAILED, Job
from reviewboard.models.base import utcnow

KIND = "audit.verify"
OBJECT_TYPE = "audit_verification"


def fits_in_request() -> bool:
    """True when the trail holds at most AUDIT_VERIFY_WEB_MAX events (verified within the request)."""
    head = chain_head()
    return head is None or head[0] <= int(current_app.config["AUDIT_VERIFY_WEB_MAX"])


@dataclass
class Verification:
    """A background verification as the page shows it. ``status``: running, done or failed (the job gave up)."""

    job_id: int
    status: str
    started_by: str
    started_at: datetime
    check: ChainCheck | None = None
    error: str | None = None


def latest() -> Verification | None:
    job = db.session.scalar(select(Job).where(Job.kind == KIND).order_by(Job.id.desc()).limit(1))
    if job is None:
        return None
    started = Verification(job.id, "running", job.payload["started_by"],
                           datetime.fromisoformat(job.payload["started_at"]))
    if job.status == FAILED:
        started.status, started.error = "failed", job.last_error
    elif job.status == DONE:
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == OBJECT_TYPE,
                                                           AuditEvent.object_id == job.key,
                                                           AuditEvent.action == "audit.verified"))
        if event is not None:
            result = json.loads(event.payload)["after"]
            tail = Tail(result.pop("tail_events"), None, None, None, timedelta(0))
            started.status, started.check = "done", ChainCheck(**result, tail=tail)
    return started


def start(user) -> Verification:
    """Start a background verification, or return the one still running (pressing the button again while it
    runs starts nothing). Records ``audit.verify_started``; the job runs after the commit."""
    running = latest()
    if running is not None and running.status == "running":
        return running
    head = chain_head()
    event = record_event(user, "audit.verify_started", "audit_trail", "chain",
                         after={"head_seq": head[0] if head else 0})
    key = f"started at event {event.seq}"
    outbox.enqueue(KIND, key, {"key": key, "started_by": user.name, "started_by_id": user.id,
                               "started_at": utcnow().isoformat()})
    return latest()


def _prepare(payload: dict) -> dict:
    check = verify_chain()
    return {"ok": check.ok, "checked": check.checked, "first_bad_seq": check.first_bad_seq, "reason": check.reason,
            "checkpoints": check.checkpoints, "mac_checked": check.mac_checked,
            "tail_events": check.tail.events if check.tail else 0}


def _store(payload: dict, result: dict) -> None:
    record_event(None, "audit.verified", OBJECT_TYPE, payload["key"],
                 after=result, reason=f"started by {payload['started_by']} at {payload['started_at']}")


outbox.handler(KIND, _prepare, _store)
