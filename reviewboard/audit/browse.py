"""The audit trail as people read it in the browser: filters, keyset pages on ``seq`` and the export of a
filtered slice (itself an audit event). Verifying the chain: audit/verification.py.

Pages are keyset pages, newest first: ``before=<seq>`` reads the next older page from the primary key, so a
page costs the same at the millionth event and an event written meanwhile never shifts what a page shows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import false, func, or_, select

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.core.export import Table, count_capped, rows_from
from reviewboard.extensions import db
from reviewboard.projects.models import Evidence
from reviewboard.reviews.models import Condition, StageReview

MAX_TEXT = 200
EXPORT_COLUMNS = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id", "prev_hash",
                  "entry_hash", "payload")


@dataclass(frozen=True)
class AuditFilter:
    project: int | None = None
    stage: int | None = None
    user: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def args(self) -> dict:
        """The filters as query arguments (empty ones left out), for links and the export form."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()
                if v not in (None, "")}

    @property
    def empty(self) -> bool:
        return not self.args()


def _int(raw) -> int | None:
    raw = (raw or "").strip().lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 12 else None


def seq_arg(raw) -> int | None:
    """A sequence number from a page link (``before``/``after``); None for anything else."""
    return _int(raw)


def _date(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()[:10]) if raw else None
    except ValueError:
        return None


def _text(raw) -> str:
    return " ".join((raw or "").replace("\x00", "").split())[:MAX_TEXT]


def parse_filter(args) -> tuple[AuditFilter, list[str]]:
    """Filters from query (or form) arguments; what cannot be read is dropped and named in the problems, never
    an error page."""
    problems = []
    values = {}
    for name, parse, label in (("project", _int, "Project number"), ("stage", _int, "Stage number"),
                               ("since", _date, "From date"), ("until", _date, "To date")):
        raw = args.get(name) or ""
        values[name] = parse(raw)
        if raw.strip() and values[name] is None:
            problems.append(f"{label} “{_text(raw)[:40]}” is not understood and was ignored.")
    return AuditFilter(user=_text(args.get("user")), action=_text(args.get("action"))[:60], **values), problems


def _stage_objects(stage_ids: list[int]) -> list:
    """Conditions over the events of these stages: the stage's own, its conditions' and its evidence's."""
    if not stage_ids:
        return [false()]
    ids = [str(i) for i in stage_ids]
    conditions = [str(i) for i in db.session.scalars(select(Condition.id)
                                                     .where(Condition.stage_review_id.in_(stage_ids)))]
    evidence = [str(i) for i in db.session.scalars(select(Evidence.id).where(Evidence.stage_review_id.in_(stage_ids)))]
    clauses = [(AuditEvent.object_type == "stage_review") & AuditEvent.object_id.in_(ids)]
    if conditions:
        clauses.append((AuditEvent.object_type == "condition") & AuditEvent.object_id.in_(conditions))
    if evidence:
        clauses.append((AuditEvent.object_type == "evidence") & AuditEvent.object_id.in_(evidence))
    return clauses


def filtered(f: AuditFilter):
    """A select() of the events the filter keeps, in no order yet."""
    stmt = select(AuditEvent)
    if f.project is not None:
        stages = list(db.session.scalars(select(StageReview.id).where(StageReview.project_id == f.project)))
        stmt = stmt.where(or_((AuditEvent.object_type == "project") & (AuditEvent.object_id == str(f.project)),
                              *_stage_objects(stages)))
    if f.stage is not None:
        stmt = stmt.where(or_(*_stage_objects([f.stage])))
    if f.user:
        by_email = db.session.scalar(select(User.id).where(User.email == f.user.lower()))
        if by_email is not None:
            stmt = stmt.where(AuditEvent.actor_id == by_email)
        else:
            escaped = f.user.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(func.lower(AuditEvent.actor_name).like(f"%{escaped}%", escape="\\"))
    if f.action:
        if f.action.endswith("."):  # "stage." : every stage action
            escaped = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(AuditEvent.action.like(f"{escaped}%", escape="\\"))
        else:
            stmt = stmt.where(AuditEvent.action == f.action)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(f.since, time(), UTC))
    if f.until is not None:
        stmt = stmt.where(AuditEvent.created_at < datetime.combine(f.until + timedelta(days=1), time(), UTC))
    return stmt


@dataclass
class KeysetPage:
    items: list[AuditEvent]
    older: int | None  # ``before`` for the next older page, None on the last one
    newer: int | None  # ``after`` for the next newer page, None on the newest one


def events_page(f: AuditFilter, *, before: int | None = None, after: int | None = None,
                per_page: int = 50) -> KeysetPage:
    """A page of events, newest first. ``before``: events with a lower seq; ``after``: the page just newer
    than ``after`` (read upwards, then shown newest first)."""
    stmt = filtered(f)
    if after is not None:
        rows = list(db.session.scalars(stmt.where(AuditEvent.seq > after).order_by(AuditEvent.seq.asc())
                                       .limit(per_page + 1)))
        newer_exists = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        older_exists = bool(rows)  # we came from there
        return KeysetPage(rows, rows[-1].seq if rows and older_exists else None,
                          rows[0].seq if newer_exists else None)
    if before is not None:
        stmt = stmt.where(AuditEvent.seq < before)
    rows = list(db.session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(per_page + 1)))
    older_exists = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(rows, rows[-1].seq if older_exists else None,
                      rows[0].seq if before is not None and rows else None)


def chain_head() -> tuple[int, str] | None:
    row = db.session.execute(select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc())
                             .limit(1)).first()
    return (row.seq, row.entry_hash) if row else None


def export_events(actor, f: AuditFilter) -> Table:
    """The filtered events, oldest first, under a preamble naming the chain head; the export is itself an audit
    event (the head it names, also in the X-Audit-Chain-Head header) and the slice is the events up to it.
    Raises ServiceError when the slice holds more than AUDIT_EXPORT_MAX_ROWS events."""
    cap = int(current_app.config["AUDIT_EXPORT_MAX_ROWS"])
    count = count_capped(filtered(f), cap,
                         f"More than {cap:,} events match: narrow the filters (dates, action) and export again.")
    window = filtered(f).with_only_columns(AuditEvent.seq).subquery()
    first_seq, last_seq = db.session.execute(select(func.min(window.c.seq), func.max(window.c.seq))).one()
    event = record_event(actor, "audit.exported", "audit_trail", "events",
                         after={"filters": f.args(), "rows": count, "first_seq": first_seq, "last_seq": last_seq})
    rows = (filtered(f).where(AuditEvent.seq <= (last_seq or 0)).order_by(AuditEvent.seq.asc()))

    def to_rows(events):
        for e in events:
            yield (e.seq, e.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), e.actor_id, e.actor_name, e.action,
                   e.object_type, e.object_id, e.prev_hash, e.entry_hash, e.payload)

    preamble = (("chain head seq", event.seq, "chain head hash", event.entry_hash),
                ("filters", "; ".join(f"{k}={v}" for k, v in f.args().items()) or "none", "events", count))
    return Table("audit-trail", "Audit trail", EXPORT_COLUMNS, rows_from(rows, to_rows), preamble,
                 {"X-Audit-Chain-Head": f"{event.seq} {event.entry_hash}"})
