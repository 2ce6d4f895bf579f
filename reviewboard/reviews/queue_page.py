"""The review queue page's rows (services.queue_page_query): what each row shows, worded once a page rather than
once a row by the template. The tier badges come from core.badges (one per tier), the decision-due notes from the
shared macro (templates/_macros/ui.html), made once for each due date on the page; the waiting time and the count
of signatures are said with the same messages the template used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import get_template_attribute
from flask_babel import gettext as _
from flask_babel import ngettext

from reviewboard.core.badges import tier_badges
from reviewboard.core.language import current_language, translated


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    project_name: str
    stage_name: str
    tier_badge: str
    round_number: int
    submitted_at: str  # ISO 8601, for <time datetime>
    waiting: str
    decision_due: str  # "" when the stage has no due date
    signatures: str


def queue_rows(rows, now: datetime, tier_labels: dict[str, str]) -> list[QueueRow]:
    """``rows``: a page of services.queue_page_query; ``now``: the time the waiting is counted to."""
    badges = tier_badges(tier_labels)
    decision_due = get_template_attribute("_macros/ui.html", "decision_due")
    language, today = current_language(), now.date()
    dues: dict[tuple, str] = {}
    words: dict[tuple, str] = {}

    def once(memo: dict, key, make):
        if key not in memo:
            memo[key] = make()
        return memo[key]

    shown = []
    for row in rows:
        age = now - row.submitted_at
        if age.days:
            waiting = once(words, ("days", age.days), lambda d=age.days: ngettext(
                "%(count)s day", "%(count)s days", d, count=d))
        else:
            waiting = once(words, ("hours", age.seconds // 3600), lambda h=age.seconds // 3600: _(
                "%(hours)s h", hours=h))
        due_key = (row.due_at.date() if row.due_at else None, row.state)
        shown.append(QueueRow(
            id=row.id, project_name=row.project_name, stage_name=translated(row, "name", language),
            tier_badge=badges[row.tier],
            round_number=row.round_number, submitted_at=row.submitted_at.isoformat(), waiting=waiting,
            decision_due=once(dues, due_key, lambda r=row: decision_due(r, today)),
            signatures=once(words, ("signed", row.signatures, row.quorum), lambda r=row: _(
                "%(signed)s of %(quorum)s", signed=r.signatures, quorum=r.quorum))))
    return shown
