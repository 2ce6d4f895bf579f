"""Incident states and next steps in the reader's language. IncidentState.label and workflow.next_step stay
English (the record and the audit trail print them); pages show ``_(state.label)``, which finds the
translations declared here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reviewboard.incidents.workflow import IncidentState

# workflow.next_step's (who, what), shown as ``_(who)`` and ``_(what)``
NEXT_STEP_WORDS = (_l("Project team or a chair"), _l("record the report to the authority"), _l("A chair"),
                   _l("start the assessment"), _l("close the incident with a resolution"))
STATES = {IncidentState.REPORTED: _l("Reported"), IncidentState.UNDER_ASSESSMENT: _l("Under assessment"),
          IncidentState.REPORTED_TO_AUTHORITY: _l("Reported to authority"), IncidentState.CLOSED: _l("Closed")}
