"""PAdES B-T: with a timestamp authority (RFC 3161) configured, each record's seal carries a trusted token.

A local TSA (``openssl ts`` behind a loopback HTTP server, tests/support/tsa.py) stands in for a real
one. With ``TIMESTAMP_URL`` set, a decided stage gives a record whose signature holds that TSA's token:
intact, valid and trusted against the TSA's root, genTime within 5 s of the signing (requirement P6 of
/work/shared/reference/records-security-reliability.md), one TSA request per record, and the PDF says
"PAdES B-T". Without it the record is B-B and says so. The harness itself is checked with
``openssl ts -verify``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from reviewboard.records import signing
from reviewboard.records.keys import load_signer
from reviewboard.records.models import Record
from reviewboard.records.signing import sign_pdf, verify_pdf
from tests.support.tsa import TSA_POLICY_OID, LocalTSA

pytestmark = pytest.mark.real_records  # the records' signatures and their timestamps

CLOCK_TOLERANCE = timedelta(seconds=5)


@pytest.fixture(scope="module")
def local_tsa():
    with LocalTSA() as server:
        yield server


@pytest.fixture()
def tsa(local_tsa):
    """The module's TSA with its request log emptied for this test."""
    local_tsa.reset()
    return local_tsa


def pdf_text(tmp_path: Path, pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    target = tmp_path / "record.pdf"
    target.write_bytes(pdf)
    result = subprocess.run([tool, "-enc", "UTF-8", str(target), "-"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return "".join(result.stdout.split())  # whitespace-free, so wrapped table cells still match


def decide_stage(make):
    """Submit a stage and have two reviewers approve it; returns (stage, started, finished) in UTC."""
    stage = make.submitted_stage()
    first, second = make.reviewers()
    started = datetime.now(UTC)
    make.sign(first, stage)
    make.sign(second, stage)
    return stage, started, datetime.now(UTC)


def record_of(db_session, stage) -> Record:
    return db_session.scalars(select(Record).where(Record.stage_review_id == stage.id)).one()


def the_signature(pdf: bytes):
    [signature] = PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures
    return signature


def embedded_token(signature) -> cms.ContentInfo | None:
    """The RFC 3161 token in the CMS signer's unsigned attributes (signature-time-stamp-token)."""
    attributes = signature.signer_info["unsigned_attrs"]
    if attributes.native is None:
        return None
    tokens = [attr["values"][0] for attr in attributes if attr["type"].native == "signature_time_stamp_token"]
    assert len(tokens) <= 1
    return tokens[0] if tokens else None


def tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    return token["content"]["encap_content_info"]["content"].parsed


def imprint(query: bytes) -> bytes:
    return tsp.TimeStampReq.load(query)["message_imprint"]["hashed_message"].native


# 1. With a TSA: PAdES B-T --------------------------------------------------------------------

def test_decision_with_a_tsa_issues_a_b_t_record_with_a_trusted_token(
        app, db_session, make, signing_dir, tsa, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", tsa.url)

    stage, started, finished = decide_stage(make)
    record = record_of(db_session, stage)

    assert record.signature_level == "B-T"
    text = pdf_text(tmp_path, record.pdf)
    assert "PAdESB-T" in text and "RFC3161timestampauthority" in text
    assert "PAdESB-B" not in text
    assert tsa.requests == 1, f"expected one timestamp request for one record, the TSA saw {tsa.requests}"
    assert not tsa.errors

    signature = the_signature(record.pdf)
    signer_ctx = ValidationContext(trust_roots=[load_cert_from_pemder(str(signing_dir / "signing-cert.pem"))],
                                   allow_fetching=False)
    tsa_ctx = ValidationContext(trust_roots=[load_cert_from_pemder(str(tsa.ca_cert_path))], allow_fetching=False)
    status = validate_pdf_signature(signature, signer_ctx, ts_validation_context=tsa_ctx)

    assert status.bottom_line
    token_status = status.timestamp_validity
    assert token_status is not None, "the signature carries no timestamp token"
    assert (token_status.intact, token_status.valid, token_status.trusted) == (True, True, True)
    assert token_status.signing_cert.dump() == load_cert_from_pemder(str(tsa.tsa_cert_path)).dump()

    # genTime is the TSA's clock at signing: within 5 s of the server clock around the decision and of the
    # signer's own claim, and after the time the record says it was issued.
    gen_time = token_status.timestamp
    assert started - CLOCK_TOLERANCE <= gen_time <= finished + CLOCK_TOLERANCE
    # the record's issue time is taken before the render and the token after it: on a loaded machine the render
    # alone can take longer than the tolerance, so the two are held in order, not within 5 s of each other
    assert started - CLOCK_TOLERANCE <= record.issued_at <= gen_time + CLOCK_TOLERANCE
    assert abs(gen_time - status.signer_reported_dt) <= CLOCK_TOLERANCE

    # The embedded token is the one reply the TSA gave, over the hash of this signature's value.
    token = embedded_token(signature)
    assert token is not None
    assert token.dump() == tsp.TimeStampResp.load(tsa.replies[0])["time_stamp_token"].dump()
    info = tst_info(token)
    signature_digest = hashlib.sha256(signature.signer_info["signature"].native).digest()
    assert info["message_imprint"]["hashed_message"].native == signature_digest == imprint(tsa.queries[0])
    assert info["policy"].dotted == TSA_POLICY_OID
    assert info["nonce"].native == tsp.TimeStampReq.load(tsa.queries[0])["nonce"].native

    # An independent verifier agrees: openssl checks the token against the TSA root and the digest.
    (tmp_path / "token.der").write_bytes(token.dump())
    result = tsa.openssl_ts("-verify", "-token_in", "-in", tmp_path / "token.der", "-digest",
                            signature_digest.hex(), "-CAfile", tsa.ca_cert_path)
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stdout + result.stderr


def test_verify_pdf_needs_the_tsa_root_to_accept_a_b_t_record(app, db_session, make, signing_dir, tsa,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", tsa.url)
    record = record_of(db_session, decide_stage(make)[0])
    signing_cert = signing_dir / "signing-cert.pem"

    check = verify_pdf(record.pdf, [signing_cert], timestamp_trust_roots=[tsa.ca_cert_path])
    assert check.ok, check.reason
    assert check.timestamp_ok is True
    assert abs(check.timestamp - check.signing_time) <= CLOCK_TOLERANCE

    # One trust list holding both roots works too (TRUST_ROOT_PATHS with the TSA root added).
    assert verify_pdf(record.pdf, [signing_cert, tsa.ca_cert_path]).ok

    unknown_tsa = verify_pdf(record.pdf, [signing_cert])
    assert not unknown_tsa.ok and unknown_tsa.timestamp_ok is False
    assert "timestamp" in unknown_tsa.reason and "trusted" in unknown_tsa.reason
    assert (unknown_tsa.intact, unknown_tsa.valid, unknown_tsa.trusted) == (True, True, True)


def test_the_tsa_is_asked_once_per_record(app, db_session, make, tsa, monkeypatch):
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", tsa.url)

    records = [record_of(db_session, decide_stage(make)[0]) for _ in range(2)]

    assert tsa.requests == len(records) == 2
    imprints = {imprint(query) for query in tsa.queries}
    for record in records:
        signature = the_signature(record.pdf)
        assert hashlib.sha256(signature.signer_info["signature"].native).digest() in imprints
        assert record.signature_level == "B-T"


# 2. Without a TSA: PAdES B-B -----------------------------------------------------------------

def test_decision_without_a_tsa_issues_a_b_b_record(app, db_session, make, signing_dir, tsa, monkeypatch,
                                                    tmp_path):
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", None)

    record = record_of(db_session, decide_stage(make)[0])

    assert record.signature_level == "B-B"
    text = pdf_text(tmp_path, record.pdf)
    assert "PAdESB-B" in text and "notimestampauthorityconfigured" in text
    assert "PAdESB-T" not in text
    signature = the_signature(record.pdf)
    assert embedded_token(signature) is None
    roots = [load_cert_from_pemder(str(signing_dir / "signing-cert.pem"))]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots, allow_fetching=False))
    assert status.bottom_line and status.timestamp_validity is None
    check = verify_pdf(record.pdf, [signing_dir / "signing-cert.pem"])
    assert check.ok and check.timestamp is None and check.timestamp_ok is None
    assert tsa.requests == 0


# 3. Signing details and the harness itself ---------------------------------------------------

def small_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>timestamp probe</p>").write_pdf()


def test_a_token_larger_than_the_reserved_room_still_signs(signing_dir, tsa, monkeypatch):
    """If a TSA's token outgrows the local size estimate, signing falls back to pyHanko's own estimate."""
    monkeypatch.setattr(signing, "TIMESTAMP_TOKEN_ALLOWANCE", 0)
    signer = load_signer(signing_dir / "signing-key.pem", signing_dir / "signing-cert.pem")
    pdf = small_pdf()

    signed = sign_pdf(pdf, signer, reason="probe", timestamper=HTTPTimeStamper(tsa.url))

    assert signed.startswith(pdf)
    check = verify_pdf(signed, [signing_dir / "signing-cert.pem"], timestamp_trust_roots=[tsa.ca_cert_path])
    assert check.ok and check.timestamp_ok, check.reason
    assert tsa.requests == 3  # the first attempt, then pyHanko's sizing request and the real one


def test_openssl_verifies_a_local_tsa_token_and_rejects_changed_data(tsa, tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"ReviewBoard record RB-000001-DES v1\n" * 32)
    query = tmp_path / "query.tsq"
    made = tsa.openssl_ts("-query", "-data", data, "-sha256", "-cert", "-out", query)
    assert made.returncode == 0, made.stderr

    reply = tmp_path / "reply.tsr"
    reply.write_bytes(tsa.post(query.read_bytes()))
    assert tsa.requests == 1
    response = tsp.TimeStampResp.load(reply.read_bytes())
    assert response["status"]["status"].native == "granted"
    gen_time = tst_info(response["time_stamp_token"])["gen_time"].native
    assert abs(gen_time - datetime.now(UTC)) <= CLOCK_TOLERANCE

    accepted = tsa.openssl_ts("-verify", "-in", reply, "-data", data, "-CAfile", tsa.ca_cert_path)
    assert accepted.returncode == 0 and "Verification: OK" in accepted.stdout, accepted.stdout + accepted.stderr

    changed = bytearray(data.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    data.write_bytes(bytes(changed))
    rejected = tsa.openssl_ts("-verify", "-in", reply, "-data", data, "-CAfile", tsa.ca_cert_path)
    assert rejected.returncode != 0 and "Verification: FAILED" in rejected.stdout
    assert "message imprint mismatch" in rejected.stderr


def test_the_local_tsa_refuses_other_content_types_and_listens_on_loopback_only(tsa):
    from urllib.error import HTTPError
    from urllib.request import ProxyHandler, Request, build_opener

    assert tsa.url.startswith("http://127.0.0.1:")
    assert tsa._server.server_address[0] == "127.0.0.1"
    request = Request(tsa.url, data=b"not a query", method="POST", headers={"Content-Type": "text/plain"})
    with pytest.raises(HTTPError) as refused:
        build_opener(ProxyHandler({})).open(request, timeout=10)
    assert refused.value.code == 415
    refused.value.close()  # the error holds the open response
    assert tsa.requests == 0


def test_an_unreachable_tsa_does_not_block_the_decision(app, db_session, make, signing_dir, monkeypatch, tmp_path):
    """The TSA is down: the stage is still decided; the record is honestly B-B and the fallback is audited."""
    import socket

    from reviewboard.audit.models import AuditEvent
    from reviewboard.records.signing import verify_pdf

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", f"http://127.0.0.1:{port}/tsa")
    stage, _, _ = decide_stage(make)
    record = record_of(db_session, stage)
    assert record.signature_level == "B-B"
    assert "PAdESB-B" in pdf_text(tmp_path, record.pdf)
    assert verify_pdf(record.pdf, [signing_dir / "signing-cert.pem"]).ok
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(stage.id))).all()
    assert "record.timestamp_unavailable" in actions


# 5. Audit checkpoints carry the TSA's token too --------------------------------------------------

def _verify_trail(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_audit_checkpoint_is_timestamped_over_its_signature(app, db_session, tsa, monkeypatch):
    import base64

    from reviewboard.audit import anchors

    monkeypatch.setitem(app.config, "TIMESTAMP_URL", tsa.url)
    monkeypatch.setitem(app.config, "TIMESTAMP_TRUST_ROOT_PATHS", (str(tsa.ca_cert_path),))

    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    checkpoint = db_session.scalars(select(anchors.AuditCheckpoint).order_by(anchors.AuditCheckpoint.id.desc())).first()

    assert result.exit_code == 0 and "timestamped by the TSA" in result.output
    assert tsa.requests == 1 and not tsa.errors
    token = cms.ContentInfo.load(base64.b64decode(checkpoint.timestamp_token))
    signature = base64.b64decode(checkpoint.signature)
    assert tst_info(token)["message_imprint"]["hashed_message"].native == hashlib.sha256(signature).digest()
    assert abs(tst_info(token)["gen_time"].native - checkpoint.created_at) <= CLOCK_TOLERANCE
    verified = _verify_trail(app)
    assert verified.exit_code == 0, verified.output


def test_a_checkpoint_token_from_an_untrusted_tsa_or_altered_fails_audit_verify(app, db_session, tsa, monkeypatch):
    import base64

    from sqlalchemy import text

    from reviewboard.audit import anchors

    monkeypatch.setitem(app.config, "TIMESTAMP_URL", tsa.url)
    checkpoint = anchors.create_checkpoint("test")
    # the TSA's root is not among the trust roots: the token proves nothing
    untrusted = _verify_trail(app)
    assert untrusted.exit_code == 1 and "untrusted timestamp authority" in untrusted.output

    monkeypatch.setitem(app.config, "TIMESTAMP_TRUST_ROOT_PATHS", (str(tsa.ca_cert_path),))
    assert _verify_trail(app).exit_code == 0
    other = anchors.create_checkpoint("test")  # a genuine token, but over another checkpoint's signature
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_checkpoint_no_update"))
    db_session.execute(text("UPDATE audit_checkpoint SET timestamp_token = :t WHERE id = :i"),
                       {"t": other.timestamp_token, "i": checkpoint.id})
    db_session.expire_all()
    swapped = _verify_trail(app)
    assert swapped.exit_code == 1
    assert f"checkpoint {checkpoint.id} has a timestamp token that does not match its signature" in swapped.output
    assert base64.b64decode(other.timestamp_token)  # (the swapped-in token itself is well formed)


def test_a_checkpoint_is_still_signed_when_the_tsa_is_down(app, db_session, monkeypatch, caplog):
    import socket

    from reviewboard.audit import anchors

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "TIMESTAMP_URL", f"http://127.0.0.1:{port}/tsa")

    checkpoint = anchors.create_checkpoint("interval")

    assert checkpoint.timestamp_token is None
    assert anchors.checkpoint_problem(checkpoint, anchors.trust_root_certs()) is None
    assert "audit checkpoint without timestamp" in caplog.text
