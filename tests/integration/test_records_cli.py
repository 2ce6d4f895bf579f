"""The signed record end to end from the command line: demo, list, export, verify, tamper."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewboard.projects.models import Project
from reviewboard.records.models import Record
from reviewboard.records.signing import verify_pdf
from tests.conftest import cli_runner, shared_session

pytestmark = pytest.mark.real_records  # exports, verifies and tampers with the demo's signed records


@pytest.fixture()
def cli(app, db_session):
    return cli_runner(app)


@pytest.fixture(scope="module")
def demo_export(app, world_connection, demo_world, tmp_path_factory) -> tuple[int, Path]:
    """The demo's first record, exported once to a file: its id and the file."""
    with shared_session(app, world_connection) as session:
        record_id = session.scalar(select(Record.id).order_by(Record.id).limit(1))
        assert record_id is not None
        out = tmp_path_factory.mktemp("demo-record") / "record.pdf"
        exported = cli_runner(app)("record", "export", str(record_id), "-o", str(out))
        assert exported.exit_code == 0, exported.output
    return record_id, out


@pytest.fixture()
def demo_record(demo_export, db_session) -> tuple[Record, Path]:
    record_id, out = demo_export
    return db_session.get(Record, record_id), out


def test_demo_prints_sign_ins_and_is_idempotent(cli, demo_world, db_session):
    assert "alice@example.org" in demo_world and "demo-password-2026" in demo_world
    records = db_session.scalar(select(func.count()).select_from(Record))
    second = cli("demo", "--without-certificates")
    assert second.exit_code == 0
    assert "already present" in second.output
    # Design of the triage assistant, and Design, R&D and Testing of the story writer
    assert db_session.scalar(select(func.count()).select_from(Record)) == records == 4
    # the demo shows three pipelines at work, one project each at least
    followed = {p.name: p.pipeline.key for p in db_session.scalars(select(Project))}
    assert followed["Customer support chatbot"] == "generative-ai"
    assert followed["Warehouse demand forecast"] == "internal-tool"
    assert followed["Emergency triage assistant"] == "standard"
    # the system register: versions with artifacts, duties and filings, one missing filing blocking Deployment
    from reviewboard.registration.services import current_filings, missing_required_filings
    from reviewboard.reviews.lifecycle import filings_missing
    from reviewboard.reviews.workflow import StageState
    from reviewboard.systems.services import current_version

    by_name = {p.name: p for p in db_session.scalars(select(Project))}
    triage, writer = by_name["Emergency triage assistant"], by_name["Public story writer"]
    assert current_version(triage).label == "1.4.0" and len(current_version(triage).artifacts) == 3
    # registered before and after the later versions (3: criteria in English and Chinese)
    assert triage.pipeline.version == 1 and (writer.pipeline.version, writer.pipeline.catalog.version) == (3, "1.3.0")
    assert [s.code for s in writer.stages] == ["DES", "DEV", "TST", "DEP", "OPS", "RET"]
    deployment = writer.stages[3]
    assert deployment.state == StageState.DRAFT and list(current_filings(writer)) == ["TC260-GENAI-FILING"]
    assert [d.code for d in missing_required_filings(writer, "DEP")] == ["EU-AIA-ART52-GPAI-NOTIFICATION"]
    assert "EU-AIA-ART52-GPAI-NOTIFICATION" in filings_missing(deployment)[0]


def test_the_demo_history_is_spread_over_past_weeks_and_each_stage_in_review_has_its_due_date(cli, demo_world,
                                                                                                  db_session):
    from reviewboard.audit.services import verify_chain
    from reviewboard.models.base import utcnow
    from reviewboard.reviews.models import StageReview, SubmissionRound
    from reviewboard.reviews.workflow import StageState

    assert cli("demo", "--without-certificates").exit_code == 0
    now = utcnow()
    created = sorted(p.created_at for p in db_session.scalars(select(Project)))
    assert now - created[0] > timedelta(weeks=4) and len({c.date() for c in created}) == len(created)
    submitted = db_session.scalars(select(SubmissionRound.submitted_at)).all()
    assert all(timedelta(days=1) < now - at < timedelta(weeks=6) for at in submitted)  # nothing waits "0 h"
    in_review = db_session.scalars(select(StageReview).where(StageReview.state == StageState.IN_REVIEW)).all()
    assert {s.project.tier for s in in_review} >= {"high"}
    for stage in in_review:
        assert stage.due_at is not None, stage.project.name
        expected = stage.current_round.submitted_at + timedelta(days=stage.pipeline_stage.due_days)
        assert abs(stage.due_at - expected) < timedelta(seconds=5)
    # the oldest record: without an order PostgreSQL may return any of the four, and the later ones are recent
    record = db_session.scalar(select(Record).order_by(Record.issued_at, Record.id).limit(1))
    assert timedelta(weeks=3) < now - record.issued_at < timedelta(weeks=6)
    assert verify_chain().ok  # back-dated, the audit trail still reads in order


def test_record_list_shows_id_project_stage_and_hash(cli, demo_record):
    record, _ = demo_record
    result = cli("record", "list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if record.public_id in line)
    assert "Emergency triage assistant" in line and "Design" in line and record.pdf_sha256 in line
    assert "FILE SHA-256 (PDF)" in result.output.splitlines()[0]


def test_exported_demo_record_verifies_with_cli_and_pyhanko(cli, demo_record, signing_dir):
    record, path = demo_record
    assert path.read_bytes() == record.pdf
    result = cli("record", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert f"matches stored record {record.public_id} version 1" in result.output
    assert f"File SHA-256 (this PDF): {record.pdf_sha256}" in result.output
    assert f"Content SHA-256 (record data): {record.content_sha256}" in result.output
    check = verify_pdf(path.read_bytes(), [signing_dir / "signing-cert.pem"])
    assert check.intact and check.valid and check.trusted and check.covers_whole_file


def test_one_flipped_byte_makes_verify_fail(cli, demo_record, tmp_path):
    _, path = demo_record
    data = bytearray(path.read_bytes())
    byte_range = [int(x) for x in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data).groups()]
    position = byte_range[1] // 2  # inside the first signed range
    data[position] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = cli("record", "verify", str(tampered))
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "intact: False" in result.output and "valid: True" not in result.output


def test_appended_incremental_update_makes_verify_fail(cli, demo_record, tmp_path):
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _, path = demo_record
    writer = IncrementalPdfFileWriter(BytesIO(path.read_bytes()))
    writer.root[NameObject("/Lang")] = TextStringObject("fr")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(out.getvalue())
    result = cli("record", "verify", str(appended))
    assert result.exit_code == 1
    assert "FAILED" in result.output


def test_unknown_file_with_valid_signature_is_not_a_stored_record(cli, demo_record, db_session, tmp_path):
    """A validly signed PDF whose hash matches no stored record is refused (e.g. a superseded copy we lost)."""
    from reviewboard.records import pdf as render
    from reviewboard.records.services import build_record_data, current_signer
    from reviewboard.records.signing import sign_pdf

    record, _ = demo_record
    data = build_record_data(record.stage_review, 99, record.issued_at)
    other = sign_pdf(render.render_record_pdf(data), current_signer(), reason="test")
    path = tmp_path / "other.pdf"
    path.write_bytes(other)
    result = cli("record", "verify", str(path))
    assert result.exit_code == 1
    assert "matches no record" in result.output


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_every_font_is_embedded(demo_record):
    _, path = demo_record
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), f"font not embedded: {row}"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_text_has_every_signature_name_time_and_meaning(demo_record, db_session):
    record, path = demo_record
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    signoffs = [s for r in record.stage_review.rounds for s in r.signoffs]
    assert len(signoffs) == 2
    for s in signoffs:
        assert s.printed_name in flat
        assert s.meaning in flat
        assert s.signed_at.strftime("%Y-%m-%d %H:%M:%S") in flat or s.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ") in flat
    assert record.public_id in flat and record.content_sha256[:32] in flat.replace(" ", "")


def test_audit_trail_verifies_after_demo(cli, demo_record):
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output


def test_deleting_the_demos_newest_audit_rows_is_caught(cli, demo_record, db_session):
    """The demo ends with its trail anchored (its history is dated in the past, so the newest checkpoint is
    stale): deleting its newest rows straight from the database, triggers dropped, fails `audit verify`."""
    from sqlalchemy import text

    assert "Tail: none" in cli("audit", "verify").output
    head = db_session.scalar(text("SELECT max(seq) FROM audit_event"))
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_event_no_delete"))
    db_session.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": head - 3})
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"FAILED at seq {head - 2}:" in result.output and "newest rows dropped" in result.output


def test_user_create_reads_password_from_stdin(cli, demo_world, db_session):
    from reviewboard.auth.services import authenticate

    result = cli("user", "create", "New.Person@Example.org", "--name", "New Person", "--role", "reviewer",
                 "--role", "auditor", "--password-stdin", input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    user = authenticate("new.person@example.org", "a long enough passphrase")
    assert user is not None and {r.value for r in user.roles} == {"reviewer", "auditor"}
    again = cli("user", "create", "new.person@example.org", "--name", "Someone Else", "--role", "submitter",
                "--password-stdin", input="another passphrase!\n")
    assert again.exit_code != 0 and "never reused" in again.output
