"""The review queue as CSV or XLSX, with the page's filters applied and the same query (a reviewer exports only
the stages they may act on): an audit event names the filters and row count; core/export.py writes the file."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from reviewboard.audit.services import record_event
from reviewboard.core.export import Table, count_capped, rows_from
from reviewboard.projects.tiering import TIER_LABELS
from reviewboard.reviews.services import queue_query

COLUMNS = ("System", "Project number", "Stage", "Tier", "Round", "Submitted at (UTC)", "Waiting (days)",
           "Decision due", "Signatures", "Quorum")


def export_queue(user, filters: dict, now: datetime) -> Table:
    """``filters``: the page's stage_code, tier and status. Raises ServiceError past EXPORT_MAX_ROWS."""
    cap = int(current_app.config["EXPORT_MAX_ROWS"])
    stmt = queue_query(user, **filters)
    count = count_capped(stmt, cap, f"More than {cap:,} stages match: narrow the filters and export again.")
    record_event(user, "queue.exported", "queue", "stages", after={"filters": filters, "rows": count})

    def to_rows(batch):
        for stage, submitted_at in batch:
            p, current = stage.project, stage.current_round
            yield [p.name, p.id, stage.name, TIER_LABELS[p.tier], stage.round_number, submitted_at,
                   (now - submitted_at).days, stage.due_at.date() if stage.due_at else "",
                   len(current.signoffs) if current else 0, stage.quorum]

    return Table("review-queue", "Review queue", COLUMNS, rows_from(stmt, to_rows, scalars=False))
