"""A certificate's status reasons in the reader's language. The reasons are stored, audited and served (the
API, the status list's consumers) in English, as certificates/status.py and the incident rules compose them;
pages rebuild them here from their parts: the stage's name in the reader's language, dates formatted for the
locale, people's own words as they are. A reason in no known form is shown as it was stored."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from reviewboard.core.language import SOURCE_LANGUAGE, current_language, translated
from reviewboard.i18n import local_date
from reviewboard.reviews.labels import STATES
from reviewboard.reviews.workflow import StageState

_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
# (the stored English's form, its message): the message's values are the form's named parts
REASONS = [
    (rf"The condition of (?P<stage>.+) due on {_DATE} is overdue: (?P<text>.*)",
     _l("The condition of %(stage)s due on %(date)s is overdue: %(text)s")),
    (r"(?P<stage>.+) was reopened for re-review \((?P<state>[a-z ]+)\)",
     _l("%(stage)s was reopened for re-review (%(state)s)")),
    (rf"The periodic review of (?P<stage>.+) was due on {_DATE}", _l("The periodic review of %(stage)s was due on "
                                                                     "%(date)s")),
    (rf"(?P<stage>.+) was rejected on {_DATE}", _l("%(stage)s was rejected on %(date)s")),
    (rf"The system was retired on {_DATE}", _l("The system was retired on %(date)s")),
    (rf"Valid until {_DATE}", _l("Valid until %(date)s")),
    (rf"Serious incident (?P<id>\d+) is open: (?P<title>.*) \(detected {_DATE}\)",
     _l("Serious incident %(id)s is open: %(title)s (detected %(date)s)")),
    (r"Superseded by certificate (?P<id>\S+) \(renewed after (?P<stage>.+) was approved\)",
     _l("Superseded by certificate %(id)s (renewed after %(stage)s was approved)")),
    (r"Revoked by (?P<name>[^:]+): (?P<reason>.*)", _l("Revoked by %(name)s: %(reason)s")),
]
_FORMS = [(re.compile(pattern, re.S), message) for pattern, message in REASONS]
_STATES_BY_LABEL = {state.label.lower(): state for state in StageState}


def reason_words(reason: str, cert) -> str:
    """One stored status reason of ``cert`` in the reader's language (English readers: exactly as stored)."""
    if current_language() == SOURCE_LANGUAGE:
        return reason
    for form, message in _FORMS:
        found = form.fullmatch(reason)
        if found:
            return str(message) % _values(found.groupdict(), cert)
    return reason


def _values(parts: dict[str, str], cert) -> dict[str, str]:
    values = dict(parts)
    if "stage" in parts:
        stage = next((s for s in cert.project.stages if s.name == parts["stage"]), None)
        values["stage"] = translated(stage, "name") if stage is not None else parts["stage"]
    if "date" in parts:
        values["date"] = local_date(date.fromisoformat(parts["date"]))
    if "state" in parts:
        state = _STATES_BY_LABEL.get(parts["state"])
        values["state"] = str(STATES[state]) if state is not None else parts["state"]
    return values
