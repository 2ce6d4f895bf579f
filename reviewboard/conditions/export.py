"""The conditions a person follows as CSV or XLSX, from the same query as the list (chairs and auditors all;
others those of their projects and of stages they reviewed): an audit event names the filter and row count;
core/export.py writes the file."""

from __future__ import annotations

from datetime import date

from flask import current_app

from reviewboard.audit.services import record_event
from reviewboard.conditions.services import visible_query
from reviewboard.core.export import Table, count_capped, rows_from

COLUMNS = ("Condition", "System", "Project number", "Stage", "Text", "Owner", "Due", "Status", "Overdue",
           "Answered at (UTC)", "Closed at (UTC)")


def export_conditions(user, *, include_closed: bool, today: date) -> Table:
    """Raises ServiceError past EXPORT_MAX_ROWS."""
    cap = int(current_app.config["EXPORT_MAX_ROWS"])
    stmt = visible_query(user, include_closed=include_closed)
    count = count_capped(stmt, cap, f"More than {cap:,} conditions match: export them in smaller parts.")
    record_event(user, "conditions.exported", "conditions", "followed",
                 after={"filters": {"status": "all" if include_closed else "open"}, "rows": count})

    def to_rows(conditions):
        for c in conditions:
            s = c.stage_review
            yield [c.id, s.project.name, s.project_id, s.name, c.text, c.owner.name, c.due_date, c.status,
                   "yes" if c.overdue_on(today) else "no", c.responded_at or "", c.closed_at or ""]

    return Table("conditions", "Conditions", COLUMNS, rows_from(stmt, to_rows))
