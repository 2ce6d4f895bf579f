"""The metrics tables' titles, column headings and summary labels as the page shows them, in the reader's language.

The tables keep their English text: the CSV/XLSX exports write it (machine-read column headers); the page shows
each known text through this catalogue and any other (a stage's name in a heading) as it is."""

from __future__ import annotations

import dataclasses

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reviewboard.metrics.services import DUE_DAYS, WORKLOAD_ROWS, Table
from reviewboard.projects.tiering import TIER_LABELS, tier_labels

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
# a tier row ("Low", TIER_LABELS) is named as every other page names the tier (tier_labels: "低风险")
TIERS_BY_LABEL = {label: tier for tier, label in TIER_LABELS.items()}
DAYS_SUFFIX = " (days)"  # the trend's columns: "<stage name> (days)"


def shown(text) -> str:
    """The text in the reader's language when it is one of the tables' own, else as it is."""
    if not isinstance(text, str):
        return text
    if text in TIERS_BY_LABEL:
        return tier_labels()[TIERS_BY_LABEL[text]]
    label = LABELS.get(text)
    if label is None and text.endswith(DAYS_SUFFIX):
        return _("%(name)s (days)", name=text.removesuffix(DAYS_SUFFIX))
    return str(label) if label is not None else text


def shown_table(table: Table) -> Table:
    """The table as the page and its chart show it: title, headings and the rows' labels in the reader's language."""
    return dataclasses.replace(table, title=shown(table.title), columns=[shown(c) for c in table.columns],
                               rows=[[shown(v) if i < table.labels else v for i, v in enumerate(row)]
                                     for row in table.rows])


def note(table: Table, summary: list[tuple[str, object]]) -> str:
    """The sentence under a table's title, in the reader's language (the due table's names the decisions past due,
    the page's summary)."""
    notes = {
        "cycle": _("Each round from its submission to its decision (approval, approval with conditions, changes "
                   "requested or rejection), for the rounds decided in the period."),
        "trend": _("The median days from submission to decision of the rounds decided in each month; a blank: no "
                   "decision that month."),
        "queue": _("The stages in review now, by the time since their current round was submitted."),
        "due": _("Stages in review whose decision is due from now until %(days)s days ahead; %(overdue)s more are "
                 "past their due date.", days=DUE_DAYS, overdue=dict(summary).get("Decisions past due", 0)),
        "outcomes": _("The decision of each round decided in the period, by the system's risk tier now."),
        "rounds": _("The stages finally decided in the period (approved, with conditions or rejected), by the number "
                    "of rounds they took."),
        "conditions": _("Conditions of approvals whose due date falls in the period, by where they stand today: "
                        "closed by their due date, closed after it, still open past it, or open and not yet due."),
        "workload": _("The %(rows)s busiest reviewers at most; a recusal is a conflict of interest declared for a "
                      "round.", rows=WORKLOAD_ROWS),
    }
    return notes.get(table.key, table.note)
