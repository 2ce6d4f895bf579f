"""What an open serious incident does to the system's certificate: a cause of suspension, for the certificate
status's seam (``reviewboard.certificates.status``: a provider ``fn(certificate, today) -> [reason, ...]``).

Light on imports on purpose (models and rules only): the certificate status reads it, and the review lifecycle
refreshes certificates, so it must not pull the lifecycle back in.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from reviewboard.certificates.reason_forms import SERIOUS_INCIDENT_OPEN, english
from reviewboard.extensions import db
from reviewboard.incidents.models import Incident
from reviewboard.incidents.rules import load_rules
from reviewboard.incidents.workflow import OPEN_STATES


def open_serious_incidents(project_id: int) -> list[Incident]:
    """The project's open serious incidents, oldest first."""
    serious = [s.id for s in load_rules().severities if s.serious]
    return list(db.session.scalars(select(Incident).where(Incident.project_id == project_id,
                                                          Incident.state.in_(OPEN_STATES),
                                                          Incident.severity.in_(serious))
                                   .order_by(Incident.id)))


def serious_incident_open(certificate, today: date) -> list[str]:
    """One reason per open serious incident on the certificate's system, whichever version it happened on (a
    serious incident calls the system into question until a chair closes it or finds it was not serious);
    none when the incident rules say a serious incident does not suspend."""
    if not load_rules().suspend_certificate:
        return []
    return [english(SERIOUS_INCIDENT_OPEN, id=i.id, title=i.title[:120], date=i.detected_on.isoformat())
            for i in open_serious_incidents(certificate.project_id)]
