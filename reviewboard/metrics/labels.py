"""The metrics tables' titles, column headings and summary labels as the page shows them, in the reader's language.

The tables keep their English text: the CSV/XLSX exports write it (machine-read column headers); the page shows
each known text through this catalogue and any other (a stage's name in a heading) as it is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reviewboard.metrics.services import DUE_DAYS

LABELS = {
    "Review cycle time by stage": _l("Review cycle time by stage"),
    "Median cycle time by month": _l("Median cycle time by month"),
    "Queue age now": _l("Queue age now"),
    f"Decisions due in {DUE_DAYS} days": _l("Decisions due in %(days)s days", days=DUE_DAYS),
    "Outcomes by stage and tier": _l("Outcomes by stage and tier"),
    "Rounds per stage": _l("Rounds per stage"),
    "Conditions due in the period": _l("Conditions due in the period"),
    "Reviewer workload and recusals": _l("Reviewer workload and recusals"),
    "Stage": _l("Stage"), "Decisions": _l("Decisions"), "Median (days)": _l("Median (days)"),
    "90th percentile (days)": _l("90th percentile (days)"), "Month": _l("Month"),
    "Under 7 days": _l("Under 7 days"), "7–13 days": _l("7–13 days"), "14–29 days": _l("14–29 days"),
    "30–59 days": _l("30–59 days"), "60 days or more": _l("60 days or more"), "In review": _l("In review"),
    "Median age (days)": _l("Median age (days)"), "Day": _l("Day"), "Decisions due": _l("Decisions due"),
    "Tier": _l("Tier"), "Approved": _l("Approved"), "Approved with conditions": _l("Approved with conditions"),
    "Changes requested": _l("Changes requested"), "Rejected": _l("Rejected"), "1 round": _l("1 round"),
    "2 rounds": _l("2 rounds"), "3 or more": _l("3 or more"), "Stages decided": _l("Stages decided"),
    "Average rounds": _l("Average rounds"), "Closed on time": _l("Closed on time"), "Closed late": _l("Closed late"),
    "Overdue": _l("Overdue"), "Open, not yet due": _l("Open, not yet due"), "Conditions": _l("Conditions"),
    "Reviewer": _l("Reviewer"), "Assigned stages in review now": _l("Assigned stages in review now"),
    "Sign-offs in the period": _l("Sign-offs in the period"), "Recusals in the period": _l("Recusals in the period"),
    "Decisions in the period": _l("Decisions in the period"), "Stages in review now": _l("Stages in review now"),
    "Decisions past due": _l("Decisions past due"), "Open conditions": _l("Open conditions"),
    "Overdue conditions": _l("Overdue conditions"),
}


def shown(text) -> str:
    """The text in the reader's language when it is one of the tables' own, else as it is."""
    label = LABELS.get(text) if isinstance(text, str) else None
    return str(label) if label is not None else text
