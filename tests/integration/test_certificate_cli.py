"""`reviewboard cert list / export / pdf / status-list`, then `cert verify` on what they wrote (the path a
deployment script takes), and the certificate PDF as issued for real (PDF/A, sealed, QR code)."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from reviewboard.certificates.commands import cert_cli
from reviewboard.records.signing import verify_pdf
from tests.records.test_pdf_signing import q, xmp_values
from tests.support.certificates import MODEL_DIGEST, certified


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


def test_export_then_verify_as_a_deployment_job_would(cli, make, tmp_path, signing_dir):
    project, cert, _ = certified(make)
    listed = cli("cert", "list")
    assert cert.public_id in listed.output and project.name[:28] in listed.output
    assert f"triage-model.onnx={MODEL_DIGEST}" in listed.output and "valid" in listed.output
    envelope, status_list, pdf = tmp_path / "cert.json", tmp_path / "list.json", tmp_path / "cert.pdf"
    assert cli("cert", "export", cert.public_id, "-o", str(envelope)).exit_code == 0
    assert envelope.read_text() == cert.envelope
    assert cli("cert", "pdf", str(cert.id), "-o", str(pdf)).exit_code == 0 and pdf.read_bytes() == cert.pdf
    assert cli("cert", "status-list", "-o", str(status_list)).exit_code == 0
    result = CliRunner().invoke(cert_cli, ["verify", str(envelope), "--subject", MODEL_DIGEST, "--status-list",
                                           str(status_list), "--trust", str(signing_dir / "signing-cert.pem")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: certificate {cert.public_id}")
    missing = cli("cert", "export", "RBC-nope", "-o", str(envelope))
    assert missing.exit_code != 0 and "No certificate 'RBC-nope'" in missing.output


@pytest.mark.real_records
@pytest.mark.slow
def test_the_certificate_pdf_is_a_sealed_pdf_a_with_its_status_address(make, signing_dir, tmp_path):
    _, cert, _ = certified(make)
    check = verify_pdf(cert.pdf, [signing_dir / "signing-cert.pem"])
    assert check.ok, check.reason
    xmp = xmp_values(cert.pdf)
    assert xmp[q("pdfaid", "part")] == "3" and xmp[q("pdfaid", "conformance")] == "B"
    assert xmp[q("dc", "title")] == f"ReviewBoard system certificate {cert.public_id}"
    text = subprocess.run(["pdftotext", "-", "-"], input=cert.pdf, capture_output=True, check=True).stdout.decode()
    assert cert.public_id in text and f"/c/{cert.public_id}" in text and "triage-model.onnx" in text
    target = tmp_path / "cert.pdf"
    target.write_bytes(cert.pdf)
    attached = subprocess.run(["pdfdetach", "-list", str(target)], capture_output=True, text=True, check=True).stdout
    assert "certificate.intoto.json" in attached  # the statement, machine-readable, as PDF/A-3 allows


def test_the_demo_shows_a_certified_a_suspended_and_a_revoked_system(cli, db_session, tmp_path, signing_dir):
    from sqlalchemy import select

    from reviewboard.certificates.models import Certificate
    from reviewboard.register.services import register_entries

    result = cli("demo")
    assert result.exit_code == 0, result.output
    certs = {c.project.name: c for c in db_session.scalars(select(Certificate))}
    assert {name: c.status for name, c in certs.items()} == {
        "Radiology report summariser": "valid", "Rota planning assistant": "suspended",
        "Discharge letter drafter": "revoked"}
    assert certs["Discharge letter drafter"].revoked_reason.startswith("Deployed to a second hospital")
    assert "overdue" in certs["Rota planning assistant"].status_reasons[0]
    assert [e["system"] for e in register_entries()] == ["Radiology report summariser", "Rota planning assistant"]
    assert cli("cert", "status-list", "-o", str(tmp_path / "list.json")).exit_code == 0
    for name, expected in (("Radiology report summariser", "OK: "), ("Rota planning assistant", "REFUSED: ")):
        cert = certs[name]
        (tmp_path / "cert.json").write_text(cert.envelope)
        digest = "sha256:" + cert.subjects[0]["digest"]["sha256"]
        verdict = CliRunner().invoke(cert_cli, ["verify", str(tmp_path / "cert.json"), "--subject", digest,
                                                "--status-list", str(tmp_path / "list.json"),
                                                "--trust", str(signing_dir / "signing-cert.pem")])
        assert (verdict.stdout + verdict.stderr).startswith(expected), verdict.output


def test_the_daily_sweep_moves_time_based_statuses(cli, make, db_session):
    from datetime import timedelta

    from reviewboard.models.base import utcnow
    from reviewboard.reviews.services import ConditionEntry

    project = make.project()
    due = utcnow().date() + timedelta(days=5)
    _, cert, _ = certified(make, project=project,
                           conditions=[ConditionEntry("Publish the model card", project.owner_id, due)])
    day = (due + timedelta(days=1)).isoformat()
    result = cli("rereview", "sweep", "--date", day)
    assert result.exit_code == 0, result.output
    assert f"certificate {cert.public_id} ({project.name}): suspended" in result.output
    db_session.refresh(cert)
    assert cert.status == "suspended"
    later = (cert.valid_until + timedelta(days=1)).isoformat()
    assert f"certificate {cert.public_id} ({project.name}): expired" in cli("remind", "--date", later).output
