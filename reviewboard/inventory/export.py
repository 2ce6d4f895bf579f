"""The inventory's exports, with the page's filters applied: the systems, and the decisions taken on them (each
decided stage round: its outcome, deciders and signed record). Each export is an audit event naming its filters
and row count; the file is written by core/export.py (formula-safe cells, CSV streamed)."""

from __future__ import annotations

import itertools

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, load_only, selectinload

from reviewboard.audit.services import record_event
from reviewboard.core.export import Table, count_capped, rows_from
from reviewboard.extensions import db
from reviewboard.inventory.services import InventoryFilter, filtered_systems, inventory_parts, rows_for
from reviewboard.projects.models import Project
from reviewboard.projects.tiering import TIER_LABELS
from reviewboard.records.models import Record
from reviewboard.reviews.models import StageReview, SubmissionRound

SYSTEM_COLUMNS = ("System", "Project number", "Tier", "Pipeline", "Current stage", "Stage state", "Last decision",
                  "Decided on", "Open conditions", "Overdue conditions", "Next review", "Registration duties",
                  "Certificate", "Certificate status", "Updated")
DECISION_COLUMNS = ("System", "Project number", "Tier", "Pipeline", "Stage", "Round", "Outcome", "Decided at (UTC)",
                    "Deciders", "Record", "Record file SHA-256")


def _cap(key: str = "INVENTORY_EXPORT_MAX_ROWS") -> int:
    return int(current_app.config[key])


def _pipeline(p: Project) -> str:
    return f"{p.pipeline.name} v{p.pipeline.version}"


def export_inventory(user, f: InventoryFilter, today) -> Table:
    """The visible systems the filters keep, in the page's order; records the ``inventory.exported`` audit event.
    Raises ServiceError when more than INVENTORY_EXPORT_MAX_ROWS systems match."""
    count = count_capped(filtered_systems(user, f), _cap(),
                         f"More than {_cap():,} systems match: narrow the filters and export again.")
    record_event(user, "inventory.exported", "inventory", "systems",
                 after={"filters": f.args(), "rows": count})

    def to_rows(projects):
        for r in rows_for(projects, today):
            p, s, d, c = r.project, r.current_stage, r.last_decision, r.certificate
            yield [p.name, p.id, TIER_LABELS[p.tier], f"{r.pipeline} v{r.pipeline_version}", s.name if s else "",
                   s.state.label if s else "",
                   f"{d.name}: {d.state.label}" if d else "", d.decided_at.date() if d else "", r.open_conditions,
                   r.overdue_conditions, r.next_review_on or "", "; ".join(x.title for x in r.duties),
                   c.public_id if c else "", c.status if c else "", p.updated_at.date()]

    rows = itertools.chain.from_iterable(rows_from(part, to_rows) for part in inventory_parts(user, f))
    return Table("ai-inventory", "AI inventory", SYSTEM_COLUMNS, rows)


def decisions_query(user, f: InventoryFilter):
    """Every decided stage round of the visible systems the filters keep, oldest decision first."""
    systems = filtered_systems(user, f).with_only_columns(Project.id)
    return (select(SubmissionRound).join(StageReview, SubmissionRound.stage_review_id == StageReview.id)
            .join(Project, StageReview.project_id == Project.id)
            .where(SubmissionRound.decided_at.is_not(None), SubmissionRound.outcome.is_not(None),
                   Project.id.in_(systems))
            .options(load_only(SubmissionRound.id, SubmissionRound.number, SubmissionRound.outcome,
                               SubmissionRound.decided_at, SubmissionRound.stage_review_id),
                     contains_eager(SubmissionRound.stage_review).contains_eager(StageReview.project)
                     .load_only(Project.name, Project.tier, Project.pipeline_id),
                     selectinload(SubmissionRound.signoffs))
            .order_by(SubmissionRound.decided_at, SubmissionRound.id))


def _records(rounds: list[SubmissionRound]) -> dict[tuple[int, int | None], Record]:
    """The newest record version of each round, read for the whole batch at once."""
    found: dict[tuple[int, int | None], Record] = {}
    stmt = (select(Record).where(Record.stage_review_id.in_({r.stage_review_id for r in rounds}))
            .options(load_only(Record.stage_review_id, Record.round_number, Record.public_id, Record.version,
                               Record.pdf_sha256))
            .order_by(Record.version))
    for record in db.session.scalars(stmt):
        found[(record.stage_review_id, record.round_number)] = record
    return found


def export_decisions(user, f: InventoryFilter) -> Table:
    """The decisions taken on the visible systems the filters keep; records the ``decisions.exported`` audit
    event. Raises ServiceError when more than EXPORT_MAX_ROWS decisions match."""
    stmt = decisions_query(user, f)
    cap = _cap("EXPORT_MAX_ROWS")
    count = count_capped(stmt, cap, f"More than {cap:,} decisions match: narrow the filters and export again.")
    record_event(user, "decisions.exported", "inventory", "decisions",
                 after={"filters": f.args(), "rows": count})

    def to_rows(rounds):
        records = _records(rounds)
        for r in rounds:
            s, p = r.stage_review, r.stage_review.project
            record = records.get((s.id, r.number)) or records.get((s.id, None))
            yield [p.name, p.id, TIER_LABELS[p.tier], _pipeline(p), s.name, r.number, r.outcome.label,
                   r.decided_at, "; ".join(f"{o.printed_name} ({o.outcome.label})" for o in r.signoffs),
                   f"{record.public_id} v{record.version}" if record else "", record.pdf_sha256 if record else ""]

    return Table("decisions", "Decisions", DECISION_COLUMNS, rows_from(stmt, to_rows))
