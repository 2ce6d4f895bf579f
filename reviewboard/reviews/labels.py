"""The review workflow's words in the reader's language: stage states, outcomes and verdicts. The enums' own
labels (reviews/workflow.py) stay English, because records, exports and the audit trail print them; pages show
``_(state.label)``, which finds the translations declared here."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from reviewboard.reviews.workflow import Outcome, Refusal, StageState, VerdictValue

STATES = {StageState.LOCKED: _l("Locked"), StageState.DRAFT: _l("Draft"), StageState.IN_REVIEW: _l("In review"),
          StageState.CHANGES_REQUESTED: _l("Changes requested"), StageState.APPROVED: _l("Approved"),
          StageState.APPROVED_WITH_CONDITIONS: _l("Approved with conditions"), StageState.REJECTED: _l("Rejected")}
OUTCOMES = {Outcome.APPROVE: _l("Approve"), Outcome.APPROVE_WITH_CONDITIONS: _l("Approve with conditions"),
            Outcome.REQUEST_CHANGES: _l("Request changes"), Outcome.REJECT: _l("Reject")}
VERDICTS = {VerdictValue.MEETS: _l("Meets"), VerdictValue.PARTIALLY_MEETS: _l("Partially meets"),
            VerdictValue.DOES_NOT_MEET: _l("Does not meet"), VerdictValue.NOT_APPLICABLE: _l("Not applicable")}


def refusal_words(reason: str) -> str:
    """A workflow guard's reason (workflow.Refusal) in the reader's language; any other text as it is."""
    if isinstance(reason, Refusal):
        return gettext(reason.message, **reason.values)
    return reason
