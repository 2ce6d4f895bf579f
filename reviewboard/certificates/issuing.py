"""Issuing a system certificate after the Deployment record is stored (a follow-on of the record job).

When the record job stores the record of an approved Deployment stage it enqueues :data:`KIND`; this job
builds the in-toto statement (it needs every certified stage's record file SHA-256, so it cannot run
before), signs it in a DSSE envelope, renders and seals the PDF, and stores the certificate. The
certificate table's UNIQUE record_id makes it once per record whoever runs the job, however often.

Renewal: the record of an approved Operation stage (the periodic review, with or without conditions) asks for
the same job. When the project's newest certificate is for the version still current, the job issues a new
certificate over the same subjects, whose predicate carries the stages up to Operation (Operation's outcome,
record id and record SHA-256) and ``supersedes``, valid until the next re-review date; the previous certificate
is then revoked as superseded (status.supersede), so a gate handed it names the newer one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date

from cryptography import x509
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.models.base import utcnow
from reviewboard.records.keys import current_signer
from reviewboard.records.models import Record

from . import dsse, pdf, statement
from .models import REVOKED, VALID, Certificate
from .services import latest_certificate
from .status import DEPLOYMENT_CODE, OPERATION_CODE, refresh_status, supersede
from .statuslist import request_status_list
from .systems_facts import artifacts_of, registration_duties, version_to_certify

log = logging.getLogger("reviewboard.certificates")

KIND = "certificate.issue"


def after_record_stored(actor, record: Record) -> None:
    """Called by the record job: an approved Deployment's record asks for its certificate, an approved
    Operation's for the renewal of the project's certificate (flushes)."""
    stage = record.stage_review
    if stage.code in (DEPLOYMENT_CODE, OPERATION_CODE) and stage.passed:
        outbox.enqueue(KIND, f"record {record.id}", {"record_id": record.id,
                                                     "actor_id": actor.id if actor is not None else None})


@dataclass
class Prepared:
    public_id: str
    version_id: int | None
    statement: dict | None
    envelope: dict | None
    pdf: bytes | None
    valid_until: date | None
    issued_at: object = None
    withheld: str | None = None  # why no certificate can be issued (no version, no artifacts)
    supersedes_id: int | None = None  # a renewal: the certificate it replaces


def _prepare(payload: dict) -> Prepared | None:
    record = db.session.get(Record, payload["record_id"])
    if db.session.scalar(select(Certificate.id).where(Certificate.record_id == record.id)) is not None:
        return None
    stage = record.stage_review
    project = stage.project
    cert_id = statement.public_id(project.id, record.id)
    version = version_to_certify(project)
    previous = None
    if stage.code == OPERATION_CODE:
        previous = latest_certificate(project)  # the one to renew (None: the system was never certified)
        if previous is None:
            return None  # an Operation review of a system never certified: nothing to renew
        if previous.status == REVOKED:
            return Prepared(cert_id, None, None, None, None, None,
                            withheld=f"certificate {previous.public_id} is revoked; a renewal does not undo that")
        if version is None or version.id != previous.version_id:
            return Prepared(cert_id, None, None, None, None, None,
                            withheld=f"certificate {previous.public_id} is for another version than the current one; "
                                     "a Deployment approval certifies a new version")
    if version is None:
        return Prepared(cert_id, None, None, None, None, None, withheld="the system has no version")
    artifacts = artifacts_of(version)
    if not artifacts:
        return Prepared(cert_id, version.id, None, None, None, None,
                        withheld=f"version {version.label} lists no artifact to certify")
    issued_at = utcnow()
    stages = [s for s in project.stages if s.position <= stage.position]
    until = statement.valid_until(project, stage.decided_at.date())
    signer = current_signer()
    seal = x509.load_der_x509_certificate(signer.signing_cert.dump())
    body = statement.build_statement(cert_public_id=cert_id, project=project, version=version, artifacts=artifacts,
                                     duties=registration_duties(project), stages=stages, dep_record=record,
                                     issued_at=issued_at, until=until, seal_der=signer.signing_cert.dump(),
                                     subject=previous.subjects if previous else None,
                                     supersedes=previous.public_id if previous else None)
    envelope = dsse.sign(dsse.canonical(body), dsse.IN_TOTO_PAYLOAD_TYPE, signer.private_key, seal)
    document = pdf.render_certificate(body, signer)
    return Prepared(cert_id, version.id, body, envelope, document, until, issued_at,
                    supersedes_id=previous.id if previous else None)


def _store(payload: dict, prepared: Prepared) -> None:
    record = db.session.get(Record, payload["record_id"])
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    stage = record.stage_review
    if prepared.withheld:
        record_event(actor, "certificate.withheld", "stage_review", stage.id,
                     after={"record": record.public_id, "reason": prepared.withheld})
        log.warning("no certificate for %s: %s", record.public_id, prepared.withheld)
        return
    body = prepared.statement
    payload_bytes = dsse.canonical(body)
    cert = Certificate(public_id=prepared.public_id, project_id=stage.project_id, version_id=prepared.version_id,
                       record_id=record.id, issued_at=prepared.issued_at, valid_until=prepared.valid_until,
                       subjects=body["subject"], envelope=json.dumps(prepared.envelope),
                       statement_sha256=hashlib.sha256(payload_bytes).hexdigest(), pdf=prepared.pdf,
                       pdf_sha256=hashlib.sha256(prepared.pdf).hexdigest(), status=VALID, status_reasons=[],
                       supersedes_id=prepared.supersedes_id)
    db.session.add(cert)
    db.session.flush()
    event = record_event(actor, "certificate.issued", "certificate", cert.id,
                         after={"certificate": cert.public_id, "project_id": cert.project_id,
                                "version_id": cert.version_id, "record": f"{record.public_id} v{record.version}",
                                "subjects": [s["digest"] for s in cert.subjects],
                                "valid_until": cert.valid_until.isoformat(),
                                "statement_sha256": cert.statement_sha256, "pdf_sha256": cert.pdf_sha256,
                                "supersedes": body["predicate"].get("supersedes")})
    log.info("certificate %s issued for %s", cert.public_id, record.public_id)
    if prepared.supersedes_id is not None:
        supersede(actor, db.session.get(Certificate, prepared.supersedes_id), cert, stage.name)
    if not refresh_status(actor, cert):  # e.g. a condition already overdue: issued, then suspended at once
        request_status_list(f"audit {event.seq}")


outbox.handler(KIND, _prepare, _store)
