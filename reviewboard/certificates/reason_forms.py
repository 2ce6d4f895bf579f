"""The forms of a certificate's status reasons, in one place. A reason is stored, audited and served in English,
composed by :func:`english` from its form and parts (certificates/status.py, incidents/suspension.py); pages read
the same form back into its parts and word it in the reader's language (certificates/reasons.py). No imports of
the app beyond i18n on purpose: the status and the incident rules both compose with it."""

from __future__ import annotations

from reviewboard.i18n.help import N_  # marks a form for `make translations`; the stored reason is its English

CONDITION_OVERDUE = N_("The condition of %(stage)s due on %(date)s is overdue: %(text)s")
REOPENED = N_("%(stage)s was reopened for re-review (%(state)s)")
REVIEW_DUE = N_("The periodic review of %(stage)s was due on %(date)s")
REJECTED = N_("%(stage)s was rejected on %(date)s")
RETIRED = N_("The system was retired on %(date)s")
VALID_UNTIL = N_("Valid until %(date)s")
SERIOUS_INCIDENT_OPEN = N_("Serious incident %(id)s is open: %(title)s (detected %(date)s)")
SUPERSEDED = N_("Superseded by certificate %(id)s (renewed after %(stage)s was approved)")
REVOKED_BY = N_("Revoked by %(name)s: %(reason)s")
# the order a stored reason is matched in (certificates/reasons.py): the first form it fits
FORMS = (CONDITION_OVERDUE, REOPENED, REVIEW_DUE, REJECTED, RETIRED, VALID_UNTIL, SERIOUS_INCIDENT_OPEN, SUPERSEDED,
         REVOKED_BY)


def english(form: str, **parts) -> str:
    """The reason as stored: ``form`` with its parts (dates as ISO days)."""
    return form % parts
