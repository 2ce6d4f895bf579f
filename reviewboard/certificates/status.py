"""A certificate's live status: the one module that assigns ``Certificate.status``.

The status is derived from the facts (the project's stages, conditions, dates, a chair's revocation) and
stored, so that every change is a moment with its audit event and a new signed status list. The order:

- revoked: a chair revoked it (with a reason), or a *revocation provider* names a cause (a stage rejected
  after the certificate was issued, the system retired), or a renewal superseded it (:func:`supersede`: an
  approved Operation review issued a newer certificate for the same subjects); final.
- expired: its ``valid_until`` date has passed; final.
- suspended: a *suspension provider* names a cause (a condition overdue, a stage reopened for re-review
  after a material change, a periodic re-review overdue, an open serious incident, from
  reviewboard.incidents.suspension); back to valid when every cause is gone.
- valid otherwise.

Providers are the seam for other capabilities: ``register_suspension_provider(fn)`` where
``fn(certificate, today) -> list[str]`` returns one sentence per cause (empty when none). The sentences are
shown to the project's members, chairs and auditors, never on public pages or in the status list (which say
only the status), so they may name the condition, stage or incident.

:func:`refresh_status` applies the transition (flushes, audits, asks for a new status list). It is called
on the events that can change a status (a stage decided or reopened, a condition closed or reopened, a chair's
revocation, an incident) and by the daily sweep for the time-based causes (overdue, expired).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.incidents.suspension import serious_incident_open
from reviewboard.models.base import iso, utcnow
from reviewboard.reviews.workflow import PASSED_STATES, StageState

from .labels import STATUS_LABELS
from .models import EXPIRED, FINAL_STATUSES, REVOKED, SUSPENDED, VALID, Certificate
from .reason_forms import (
    CONDITION_OVERDUE,
    REJECTED,
    REOPENED,
    RETIRED,
    REVIEW_DUE,
    REVOKED_BY,
    SUPERSEDED,
    VALID_UNTIL,
    english,
)

log = logging.getLogger("reviewboard.certificates")

Provider = Callable[[Certificate, date], list[str]]

DEPLOYMENT_CODE = "DEP"
OPERATION_CODE = "OPS"  # its approval (the periodic review) renews the certificate


# -- the causes ------------------------------------------------------------------------------------------

def _certified_stages(cert: Certificate):
    """The project's stages up to and including the one whose record the certificate was issued from."""
    position = cert.record.stage_review.position
    return [s for s in cert.project.stages if s.position <= position]


def condition_overdue(cert: Certificate, today: date) -> list[str]:
    return [english(CONDITION_OVERDUE, stage=stage.name, date=c.due_date.isoformat(), text=c.text[:120])
            for stage in cert.project.stages for c in stage.conditions if c.overdue_on(today)]


def reopened_for_rereview(cert: Certificate, today: date) -> list[str]:
    """A certified stage is no longer passed: reopened after a material change (a new version, a changed
    purpose ...) and waiting for its re-review. A rejection is a revocation instead."""
    return [english(REOPENED, stage=stage.name, state=stage.state.label.lower())
            for stage in _certified_stages(cert)
            if stage.state not in PASSED_STATES and stage.state != StageState.REJECTED]


def rereview_overdue(cert: Certificate, today: date) -> list[str]:
    """A periodic review date has passed without a new approval (an approval moves the date on)."""
    return [english(REVIEW_DUE, stage=stage.name, date=stage.next_review_on.isoformat())
            for stage in cert.project.stages if stage.next_review_on is not None and stage.next_review_on < today]


def rejected_later(cert: Certificate, today: date) -> list[str]:
    return [english(REJECTED, stage=stage.name, date=stage.decided_at.date().isoformat())
            for stage in cert.project.stages
            if stage.state == StageState.REJECTED and stage.decided_at and stage.decided_at > cert.issued_at]


def retired(cert: Certificate, today: date) -> list[str]:
    """The system was retired (reviewboard.systems.services.on_system_retired stamps the project)."""
    at = cert.project.retired_at
    return [english(RETIRED, date=at.date().isoformat())] if at is not None else []


SUSPENSION_PROVIDERS: list[Provider] = [condition_overdue, reopened_for_rereview, rereview_overdue,
                                        serious_incident_open]
REVOCATION_PROVIDERS: list[Provider] = [rejected_later, retired]


def register_suspension_provider(provider: Provider) -> Provider:
    """Add a cause of suspension (usable as a decorator); registering one twice keeps one."""
    if provider not in SUSPENSION_PROVIDERS:
        SUSPENSION_PROVIDERS.append(provider)
    return provider


def register_revocation_provider(provider: Provider) -> Provider:
    if provider not in REVOCATION_PROVIDERS:
        REVOCATION_PROVIDERS.append(provider)
    return provider


def evaluate(cert: Certificate, today: date) -> tuple[str, list[str]]:
    """What the certificate's status should be today, and why (reads only)."""
    if cert.status == REVOKED or cert.revoked_by_id is not None:
        return REVOKED, list(cert.status_reasons or [])
    if cert.status == EXPIRED:
        return EXPIRED, list(cert.status_reasons or [])
    revoked = [reason for provider in REVOCATION_PROVIDERS for reason in provider(cert, today)]
    if revoked:
        return REVOKED, revoked
    if today > cert.valid_until:
        return EXPIRED, [english(VALID_UNTIL, date=cert.valid_until.isoformat())]
    suspended = [reason for provider in SUSPENSION_PROVIDERS for reason in provider(cert, today)]
    if suspended:
        return SUSPENDED, suspended
    return VALID, []


# -- the transitions ---------------------------------------------------------------------------------------

def _apply(actor, cert: Certificate, status: str, reasons: list[str], *, reason: str | None = None) -> None:
    before = {"status": cert.status, "reasons": cert.status_reasons}
    moved = status != cert.status
    cert.status = status
    cert.status_reasons = reasons
    if moved:
        cert.status_changed_at = utcnow()
    db.session.flush()
    # the same status for other reasons (a second cause of suspension) is audited too, under its own name
    event = record_event(actor, "certificate.status_changed" if moved else "certificate.status_reasons_changed",
                         "certificate", cert.id, before=before,
                         after={"certificate": cert.public_id, "status": status, "reasons": reasons,
                                "at": iso(utcnow())}, reason=reason)
    log.info("certificate %s: %s -> %s (%s)", cert.public_id, before["status"], status, "; ".join(reasons))
    if moved:  # the list says only the status
        from .statuslist import request_status_list

        request_status_list(f"audit {event.seq}")


def refresh_status(actor, cert: Certificate, today: date | None = None) -> bool:
    """Bring the stored status in line with the facts; returns whether it changed (flushes, audits, and asks
    for a new status list when it did). A revoked or expired certificate stays so."""
    if cert.status in FINAL_STATUSES:
        return False
    status, reasons = evaluate(cert, today or utcnow().date())
    if status == cert.status and reasons == list(cert.status_reasons or []):
        return False
    _apply(actor, cert, status, reasons)
    return True


def supersede(actor, old: Certificate, new: Certificate, stage_name: str) -> bool:
    """A renewal: ``new`` replaces ``old``, which is revoked as superseded (flushes, audits, asks for a new
    status list). Returns False when ``old`` is already revoked or expired (it stays so)."""
    if old.status in FINAL_STATUSES:
        return False
    because = english(SUPERSEDED, id=new.public_id, stage=stage_name)
    _apply(actor, old, REVOKED, [because], reason=f"superseded by certificate {new.public_id}")
    return True


def live_certificates(project_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.project_id == project_id,
                                                             Certificate.status.not_in(FINAL_STATUSES))
                                   .order_by(Certificate.id)))


def refresh_project(actor, project, today: date | None = None) -> list[Certificate]:
    """Refresh every live certificate of ``project`` (a stage decided or reopened, a condition changed, an
    incident opened or closed); returns those whose status changed."""
    return [cert for cert in live_certificates(project.id) if refresh_status(actor, cert, today)]


def sweep(today: date, actor=None) -> list[Certificate]:
    """The daily pass for the causes that come with time (a condition or re-review overdue, expiry)."""
    changed = [cert for cert in db.session.scalars(select(Certificate)
                                                   .where(Certificate.status.not_in(FINAL_STATUSES))
                                                   .order_by(Certificate.id)).all()
               if refresh_status(actor, cert, today)]
    from .statuslist import refresh_if_stale

    refresh_if_stale()
    return changed


def revoke(actor, cert: Certificate, reason: str) -> Certificate:
    """A chair's revocation (final). Raises NotPermitted for anyone else, ServiceError without a reason,
    Conflict when the certificate is already revoked or expired."""
    from .permissions import can_revoke_certificate

    if not can_revoke_certificate(actor, cert):
        raise NotPermitted(_("Only a chair may revoke a certificate."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_("Say why the certificate is revoked."), field="reason")
    if cert.status in FINAL_STATUSES:
        raise Conflict(_("Certificate %(id)s is already %(status)s.", id=cert.public_id,
                         status=STATUS_LABELS[cert.status].lower()))
    cert.revoked_by_id = actor.id
    cert.revoked_reason = reason
    _apply(actor, cert, REVOKED, [english(REVOKED_BY, name=actor.name, reason=reason)], reason=reason)
    return cert
