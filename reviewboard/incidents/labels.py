"""Incident states in the reader's language. IncidentState.label stays English (the record and the audit trail
print it); pages show ``_(state.label)``, which finds the translations declared here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reviewboard.incidents.workflow import IncidentState

STATES = {IncidentState.REPORTED: _l("Reported"), IncidentState.UNDER_ASSESSMENT: _l("Under assessment"),
          IncidentState.REPORTED_TO_AUTHORITY: _l("Reported to authority"), IncidentState.CLOSED: _l("Closed")}
