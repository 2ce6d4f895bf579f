"""Renewal: an approved Operation review (the periodic review) issues a new certificate for the certified
version, through the same job and once per record, and the previous certificate is revoked as superseded, so a
deployment gate handed the old one refuses it naming the new one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography import x509
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.certificates import gate, services, statuslist
from reviewboard.certificates.models import Certificate
from reviewboard.jobs import outbox
from reviewboard.models.base import utcnow
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.support.certificates import MODEL_DIGEST, certified, pass_stage


@pytest.fixture()
def seal(signing_dir) -> x509.Certificate:
    return x509.load_pem_x509_certificate((signing_dir / "signing-cert.pem").read_bytes())


def gate_check(cert, seal):
    return gate.check(cert.envelope.encode(), MODEL_DIGEST, statuslist.newest().envelope.encode(), [seal])


def certificates_of(session, project):
    return session.scalars(select(Certificate).where(Certificate.project_id == project.id)
                           .order_by(Certificate.id)).all()


def certified_on_v2(make, db_session):
    """A project on standard pipeline v2 certified at Deployment, its certificate dated as if issued eleven
    months ago (valid for a few more weeks), so that the renewal's later valid_until is visible."""
    from reviewboard.pipelines.services import ensure_shipped_versions, find_version

    ensure_shipped_versions()
    v2 = find_version("standard", 2)
    project, cert, reviewers = certified(make, project=make.project(pipeline=v2))
    cert.valid_until = utcnow().date() + timedelta(days=30)
    db_session.flush()
    operation = next(s for s in project.stages if s.code == "OPS")
    return project, cert, reviewers, operation


@pytest.mark.parametrize("outcome", [Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS])
def test_an_approved_operation_review_renews_the_certificate(make, db_session, seal, outcome):
    project, old, reviewers, operation = certified_on_v2(make, db_session)
    conditions = ([ConditionEntry("Re-run the bias audit", project.owner_id, utcnow().date() + timedelta(days=60))]
                  if outcome == Outcome.APPROVE_WITH_CONDITIONS else None)
    pass_stage(make, operation, reviewers, outcome, conditions)

    first, new = certificates_of(db_session, project)
    assert first.id == old.id and new.id != old.id and new.public_id != old.public_id
    assert new.status == "valid" and new.valid_until > old.valid_until
    assert new.record.stage_review.code == "OPS" and new.version_id == old.version_id
    assert new.subjects == old.subjects
    predicate = services.statement_of(new)["predicate"]
    assert predicate["supersedes"] == old.public_id
    assert predicate["valid_until"] == new.valid_until.isoformat()
    ops = predicate["stages"][-1]
    assert (ops["code"], ops["outcome"]) == ("OPS", operation.state.value)
    assert ops["record_id"] == f"{new.record.public_id} v{new.record.version}"
    assert ops["record_file_sha256"] == new.record.pdf_sha256
    assert services.statement_of(new)["subject"] == services.statement_of(old)["subject"]

    assert old.status == "revoked"
    assert old.status_reasons == [f"Superseded by certificate {new.public_id} (renewed after {operation.name} "
                                  "was approved)"]
    changed = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.status_changed", AuditEvent.object_type == "certificate",
        AuditEvent.object_id == str(old.id))).all()
    assert [json.loads(e.payload)["after"]["status"] for e in changed] == ["revoked"]
    issued = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.issued", AuditEvent.object_id == str(new.id))).all()
    assert len(issued) == 1 and json.loads(issued[0].payload)["after"]["supersedes"] == old.public_id

    # the rebuilt status list: the old one revoked naming its successor, the new one valid
    entries = statuslist.entries()
    assert entries[old.public_id]["status"] == "revoked"
    assert entries[old.public_id]["superseded_by"] == new.public_id
    assert entries[new.public_id] == {"status": "valid", "since": entries[new.public_id]["since"]}
    with pytest.raises(gate.Refused, match=f"certificate {old.public_id} is revoked since .*: superseded by "
                                           f"certificate {new.public_id}, verify with that one"):
        gate_check(old, seal)
    assert str(gate_check(new, seal)).startswith(f"OK: certificate {new.public_id}")


def test_the_renewal_is_issued_once_under_a_duplicate_job(make, db_session, seal):
    project, old, reviewers, operation = certified_on_v2(make, db_session)
    pass_stage(make, operation, reviewers)
    _, new = certificates_of(db_session, project)
    serial = statuslist.newest().serial
    # a second worker, a retry: the same record's job again finds the certificate and issues nothing
    outbox.enqueue("certificate.issue", f"record {new.record_id}-again",
                   {"record_id": new.record_id, "actor_id": None})
    assert db_session.scalar(select(func.count(Certificate.id)).where(Certificate.project_id == project.id)) == 2
    assert old.status == "revoked" and new.status == "valid"
    assert statuslist.newest().serial == serial
    assert db_session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "certificate.status_changed", AuditEvent.object_id == str(old.id))) == 1


def test_a_second_periodic_review_renews_the_renewal(make, db_session, seal):
    from reviewboard.reviews import lifecycle

    project, old, reviewers, operation = certified_on_v2(make, db_session)
    pass_stage(make, operation, reviewers)
    lifecycle.reopen_stage(None, operation, trigger="recurrence", reason="The yearly review.")
    pass_stage(make, operation, reviewers)
    first, second, third = certificates_of(db_session, project)
    assert (first.status, second.status, third.status) == ("revoked", "revoked", "valid")
    assert statuslist.entries()[second.public_id]["superseded_by"] == third.public_id
    assert services.statement_of(third)["predicate"]["supersedes"] == second.public_id


def test_a_revoked_certificate_is_not_renewed(make, db_session):
    from reviewboard.certificates import status

    project, old, reviewers, operation = certified_on_v2(make, db_session)
    status.revoke(make.user("chair"), old, "The model was withdrawn.")
    pass_stage(make, operation, reviewers)
    assert certificates_of(db_session, project) == [old] and old.status == "revoked"
    withheld = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.withheld")
                                  .order_by(AuditEvent.seq.desc())).first()
    assert f"certificate {old.public_id} is revoked" in withheld.payload
