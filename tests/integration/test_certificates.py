"""System certificates: issued once after the Deployment record, their statement, their live status and the
signed status list, checked with the gate (and with securesystemslib, an independent DSSE implementation)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography import x509
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.certificates import dsse, gate, services, status, statuslist
from reviewboard.certificates.models import Certificate, StatusList
from reviewboard.conditions import services as conditions
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.jobs import outbox
from reviewboard.models.base import utcnow
from reviewboard.records.models import Record
from reviewboard.reviews import lifecycle
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.support.certificates import IMAGE_DIGEST, MODEL_DIGEST, add_version, certified, pass_stage


@pytest.fixture()
def seal(signing_dir) -> x509.Certificate:
    return x509.load_pem_x509_certificate((signing_dir / "signing-cert.pem").read_bytes())


def events(session, action, cert):
    return session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "certificate",
        AuditEvent.object_id == str(cert.id)).order_by(AuditEvent.seq)).all()


def gate_check(cert, seal, today_offset=timedelta(0)):
    listing = statuslist.newest()
    return gate.check(cert.envelope.encode(), MODEL_DIGEST, listing.envelope.encode(), [seal],
                      now=utcnow() + today_offset)


def test_deployment_approval_issues_one_certificate_for_the_version(make, db_session, seal):
    project, cert, _ = certified(make)
    assert cert is not None and cert.status == "valid"
    statement = services.statement_of(cert)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == gate.PREDICATE_TYPE
    assert statement["subject"] == [{"name": "triage-model.onnx", "digest": {"sha256": MODEL_DIGEST[7:]}},
                                    {"name": "registry.example/triage@sha256", "digest": {"sha256": IMAGE_DIGEST[7:]}}]
    predicate = statement["predicate"]
    assert predicate["certificate_id"] == cert.public_id
    assert predicate["system"] == {"id": project.id, "name": project.name}
    assert predicate["version"]["label"] == "1.0.0" and predicate["tier"] == project.tier
    records = {r.stage_review.code: r for r in db_session.scalars(
        select(Record).join(Record.stage_review).where(Record.stage_review.has(project_id=project.id)))}
    assert [(s["code"], s["outcome"], s["record_id"], s["record_file_sha256"]) for s in predicate["stages"]] == [
        (code, "approved", f"{records[code].public_id} v1", records[code].pdf_sha256)
        for code in ("DES", "DEV", "TST", "DEP")]
    assert predicate["open_conditions"] == []
    assert predicate["valid_until"] == cert.valid_until.isoformat() > utcnow().date().isoformat()
    assert predicate["issuer"]["status_url"].endswith(f"/c/{cert.public_id}")
    assert cert.record.stage_review.code == "DEP"
    assert len(events(db_session, "certificate.issued", cert)) == 1
    # the envelope verifies under the organisation key; the status list says valid
    assert str(gate_check(cert, seal)).startswith(f"OK: certificate {cert.public_id}")
    # the same job again (a second worker, a retry) finds the certificate and issues nothing
    outbox.enqueue("certificate.issue", f"record {cert.record_id}-again", {"record_id": cert.record_id})
    assert db_session.scalar(select(func.count(Certificate.id)).where(Certificate.project_id == project.id)) == 1


def test_the_stored_envelope_verifies_with_securesystemslib(make, seal):
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    _, cert, _ = certified(make)
    key = SSlibKey.from_crypto(seal.public_key(), keyid=dsse.keyid(seal), scheme="rsa-pkcs1v15-sha256")
    envelope = Envelope.from_dict(json.loads(cert.envelope))
    assert envelope.payload_type == "application/vnd.in-toto+json"
    assert list(envelope.verify([key], 1)) == [key.keyid]
    assert json.loads(envelope.payload)["predicate"]["certificate_id"] == cert.public_id


def test_a_certificate_is_unique_per_record_in_the_database(make, db_session):
    _, cert, _ = certified(make)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(Certificate(public_id=cert.public_id + "x", project_id=cert.project_id,
                                   version_id=cert.version_id,
                                   record_id=cert.record_id, valid_until=cert.valid_until, subjects=[], envelope="{}",
                                   statement_sha256="0" * 64, pdf=b"", pdf_sha256="0" * 64, status_reasons=[]))
        db_session.flush()


def test_no_version_no_certificate_and_the_reason_is_audited(make, db_session):
    project = make.project()
    reviewers = make.reviewers()
    for stage in project.stages:
        pass_stage(make, stage, reviewers)
        if stage.code == "DEP":
            break
    assert db_session.scalar(select(func.count(Certificate.id)).where(Certificate.project_id == project.id)) == 0
    withheld = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.withheld")).all()
    assert withheld and "the system has no version" in withheld[-1].payload


def test_an_overdue_condition_suspends_and_closing_it_restores(make, db_session, seal):
    owner_due = utcnow().date() + timedelta(days=10)
    chair = make.user("chair")
    project = make.project()
    condition = ConditionEntry("Publish the model card", project.owner_id, owner_due)
    project, cert, reviewers = certified(make, project=project, conditions=[condition])
    predicate = services.statement_of(cert)["predicate"]
    assert predicate["open_conditions"][0]["text"] == "Publish the model card"
    assert predicate["open_conditions"][0]["due_date"] == owner_due.isoformat()
    serial_before = statuslist.newest().serial

    later = owner_due + timedelta(days=1)
    assert [c.id for c in status.sweep(later)] == [cert.id]
    assert cert.status == "suspended" and "is overdue: Publish the model card" in cert.status_reasons[0]
    changed = events(db_session, "certificate.status_changed", cert)
    assert json.loads(changed[-1].payload)["after"]["status"] == "suspended"
    listing = statuslist.newest()
    assert listing.serial > serial_before
    with pytest.raises(gate.Refused, match=f"certificate {cert.public_id} is suspended"):
        gate_check(cert, seal)

    condition = cert.record.stage_review.conditions[0]
    conditions.close(chair, condition, "Model card published.")
    assert cert.status == "valid" and cert.status_reasons == []
    assert statuslist.newest().serial > listing.serial
    assert str(gate_check(cert, seal)).startswith("OK")


def test_a_stage_reopened_for_rereview_suspends_and_a_later_rejection_revokes(make, db_session, seal):
    project, cert, reviewers = certified(make)
    dep = cert.record.stage_review
    lifecycle.reopen_stage(None, dep, trigger="material_change", reason="A new model version.")
    assert cert.status == "suspended"
    assert cert.status_reasons == ["Deployment was reopened for re-review (draft)"]
    pass_stage(make, dep, reviewers, Outcome.REJECT)
    assert cert.status == "revoked" and cert.status_reasons[0].startswith("Deployment was rejected on")
    with pytest.raises(gate.Refused, match="is revoked"):
        gate_check(cert, seal)
    # final: nothing brings it back
    assert status.refresh_status(None, cert) is False


def test_a_chair_revokes_with_a_reason_once(make, db_session, seal):
    _, cert, reviewers = certified(make)
    chair = make.user("chair")
    with pytest.raises(NotPermitted):
        status.revoke(reviewers[0], cert, "No.")
    with pytest.raises(ServiceError, match="Say why"):
        status.revoke(chair, cert, "   ")
    status.revoke(chair, cert, "The system was deployed outside the approved scope.")
    assert cert.status == "revoked" and cert.revoked_by_id == chair.id
    event = events(db_session, "certificate.status_changed", cert)[-1]
    assert json.loads(event.payload)["reason"] == "The system was deployed outside the approved scope."
    with pytest.raises(Conflict):
        status.revoke(chair, cert, "Again.")
    with pytest.raises(gate.Refused, match="is revoked"):
        gate_check(cert, seal)


def test_expiry_and_an_overdue_periodic_review(make, db_session):
    _, cert, _ = certified(make)
    dep = cert.record.stage_review
    dep.next_review_on = utcnow().date() + timedelta(days=3)  # as an approved recurring stage would have
    db_session.flush()
    status.sweep(utcnow().date() + timedelta(days=4))
    assert cert.status == "suspended" and cert.status_reasons[0].startswith("The periodic review of Deployment was due")
    status.sweep(cert.valid_until + timedelta(days=1))
    assert cert.status == "expired"


def test_another_capability_adds_a_cause_of_suspension(make, monkeypatch):
    _, cert, _ = certified(make)
    monkeypatch.setattr(status, "SUSPENSION_PROVIDERS", list(status.SUSPENSION_PROVIDERS))
    status.register_suspension_provider(lambda c, today: ["A serious incident is open"] if c.id == cert.id else [])
    assert status.refresh_status(None, cert) is True
    assert cert.status == "suspended" and cert.status_reasons == ["A serious incident is open"]


def test_the_status_list_serial_only_grows_and_an_unchanged_list_is_not_reissued(make, db_session, seal):
    _, cert, _ = certified(make)
    first = statuslist.newest()
    assert statuslist.publish() is None  # nothing changed
    forced = statuslist.publish(force=True)
    assert forced.serial == first.serial + 1
    body = json.loads(dsse.open_envelope(json.loads(forced.envelope), [seal], gate.STATUS_LIST_PAYLOAD_TYPE)[0])
    assert body["serial"] == forced.serial and body["entries"][cert.public_id]["status"] == "valid"
    assert db_session.scalar(select(func.count(StatusList.id))) >= 2


def test_a_new_version_reopens_deployment_and_its_approval_issues_a_second_certificate(make, db_session):
    project, first, reviewers = certified(make)
    add_version(project, "1.1.0", [("model", "triage-model.onnx", "sha256:" + "ef" * 32)])
    reopened = [s for s in project.stages if not s.passed]
    assert [s.code for s in reopened] == ["TST", "DEP"]  # the re-review rules for new artifacts
    assert first.status == "suspended"
    assert first.status_reasons == ["Testing was reopened for re-review (draft)",
                                    "Deployment was reopened for re-review (draft)"]
    for stage in reopened:
        pass_stage(make, stage, reviewers)
    second = services.latest_certificate(project)
    assert second.id != first.id and second.subjects[0]["digest"]["sha256"] == "ef" * 32
    assert services.statement_of(second)["predicate"]["version"]["label"] == "1.1.0"
    assert first.status == "valid"  # its stage passed again: the older version's certificate stands


def test_a_retired_system_revokes_its_certificate(make, seal):
    from reviewboard.systems.services import on_system_retired

    project, cert, _ = certified(make)
    on_system_retired(make.user("chair"), project)
    assert cert.status == "revoked" and cert.status_reasons[0].startswith("The system was retired on")
    with pytest.raises(gate.Refused, match="is revoked"):
        gate_check(cert, seal)


def test_a_worker_issues_the_certificate_after_the_deployment_record(make, db_session, app, monkeypatch, seal):
    """As in production: the deciding signature only enqueues the record job; the worker's record job enqueues
    the certificate job, which is dispatched after its commit (here: run at once, as a CLI worker does)."""
    from reviewboard.jobs.models import DONE, Job

    project = make.project()
    add_version(project)
    reviewers = make.reviewers()
    for stage in project.stages[:3]:
        pass_stage(make, stage, reviewers)
    monkeypatch.setitem(app.config, "JOBS_MODE", "after_commit")
    pass_stage(make, project.stages[3], reviewers)
    db_session.commit()
    record_job = db_session.scalar(select(Job).where(Job.kind == "record.issue").order_by(Job.id.desc()).limit(1))
    assert db_session.scalar(select(func.count(Certificate.id)).where(Certificate.project_id == project.id)) == 0
    outbox.dispatch_committed()  # what the request's commit hook does: runs the record job, then its follow-on
    db_session.expire_all()
    cert = services.latest_certificate(project)
    assert cert is not None and record_job.status == DONE
    kinds = {job.kind: job.status for job in db_session.scalars(select(Job).where(Job.id > record_job.id))}
    assert kinds == {"certificate.issue": DONE, "certificate.status_list": DONE}
    assert str(gate_check(cert, seal)).startswith("OK")


def test_the_predicate_carries_the_registration_duties_and_their_filings(make, db_session):
    from datetime import date

    from reviewboard.registration.services import add_filing

    project = make.project()
    project.generative_public = True  # a fact raising the TC260 filing of a public generative service
    db_session.flush()
    add_filing(project.owner, project, "TC260-GENAI-FILING", "Provincial cyberspace office", "GD-2026-0042",
               date(2026, 11, 2), "receipt.md", b"# Filing receipt\n")
    _, cert, _ = certified(make, project=project)
    [duty] = services.statement_of(cert)["predicate"]["registration"]
    assert duty["code"] == "TC260-GENAI-FILING"
    assert duty["title"] == "File the generative AI service offered to the public"
    assert duty["reasons"] and duty["filing"] == {"authority": "Provincial cyberspace office",
                                                  "reference": "GD-2026-0042", "date": "2026-11-02"}


def test_an_open_serious_incident_suspends_the_certificate(make, seal):
    from reviewboard.incidents.services import Report, report_incident

    project, cert, _ = certified(make)
    report_incident(project.owner, project, Report("Alarm missed", "The alarm was not shown to the nurse.",
                                                   "serious", utcnow().date(), category="health",
                                                   version_id=cert.version_id))
    assert cert.status == "suspended"
    assert any(r.startswith("Serious incident") and "is open: Alarm missed" in r for r in cert.status_reasons)
    with pytest.raises(gate.Refused, match="is suspended"):
        gate_check(cert, seal)


def test_approving_retirement_revokes_the_certificate(make, db_session):
    """The whole lifecycle (standard pipeline v2): Deployment certifies, Operation's approval renews it (the
    renewal supersedes it; tests/integration/test_certificate_renewal.py), Retirement's approval retires the
    system and revokes the renewed certificate."""
    from reviewboard.pipelines.services import ensure_shipped_versions, find_version

    ensure_shipped_versions()
    v2 = find_version("standard", 2)
    project = make.project(pipeline=v2)
    assert [s.code for s in project.stages][-2:] == ["OPS", "RET"]
    project, cert, reviewers = certified(make, project=project)
    operation, retirement = project.stages[-2:]
    pass_stage(make, operation, reviewers)
    renewed = services.latest_certificate(project)
    assert renewed.id != cert.id and renewed.status == "valid" and cert.status == "revoked"
    pass_stage(make, retirement, reviewers)
    cert = renewed
    assert cert.status == "revoked" and cert.status_reasons[0].startswith("The system was retired on")
    assert statuslist.entries()[cert.public_id]["status"] == "revoked"
