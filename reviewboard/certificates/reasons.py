"""A certificate's status reasons in the reader's language. The reasons are stored, audited and served (the
API, the status list's consumers) in English, as certificates/status.py and the incident rules compose them;
pages rebuild them here from their parts: the stage's name in the reader's language, dates formatted for the
locale, people's own words as they are. A reason in no known form is shown as it was stored."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext

from reviewboard.certificates.reason_forms import FORMS
from reviewboard.core.language import SOURCE_LANGUAGE, current_language, translated
from reviewboard.i18n import local_date
from reviewboard.reviews.labels import STATES
from reviewboard.reviews.workflow import StageState

# the pattern of each part a form names (any other: ".+"); people's own words may be empty
_PARTS = {"date": r"\d{4}-\d{2}-\d{2}", "state": r"[a-z ]+", "id": r"\S+", "name": r"[^:]+", "text": ".*",
          "title": ".*", "reason": ".*"}


def _pattern(form: str) -> re.Pattern:
    """``form`` (reason_forms) as a pattern whose named groups are its parts."""
    return re.compile(re.sub(r"%\\\((\w+)\\\)s", lambda part: f"(?P<{part[1]}>{_PARTS.get(part[1], '.+')})",
                             re.escape(form)), re.S)


_FORMS = [(_pattern(form), form) for form in FORMS]
_STATES_BY_LABEL = {state.label.lower(): state for state in StageState}


def reason_words(reason: str, cert) -> str:
    """One stored status reason of ``cert`` in the reader's language (English readers: exactly as stored)."""
    if current_language() == SOURCE_LANGUAGE:
        return reason
    for form, message in _FORMS:
        found = form.fullmatch(reason)
        if found:
            return gettext(message) % _values(found.groupdict(), cert)
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
