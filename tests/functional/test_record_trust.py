"""What a reader needs to trust a record: its two digests named apart on every page, and the verify page."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from html import unescape

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from reviewboard.records.models import Record
from reviewboard.records.signing import verify_pdf
from tests.support.http import login, post_form

pytestmark = pytest.mark.real_records


@pytest.fixture()
def record(make, db_session) -> Record:
    stage = make.submitted_stage()
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    db_session.flush()
    return db_session.query(Record).filter_by(stage_review_id=stage.id).one()


def _verify(client, data: bytes):
    response = post_form(client, "/verify", "/verify", {"file": (io.BytesIO(data), "record.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_verify_page_names_the_file_and_the_content_digest_and_says_which_is_which(client, record):
    html = _verify(client, record.pdf)

    assert "Valid record" in html
    assert f"File SHA-256 (this PDF)</dt><dd><code class=\"rb-hash\">{record.pdf_sha256}" in html
    assert f"Content SHA-256 (record data)</dt><dd><code class=\"rb-hash\">{record.content_sha256}" in html
    assert "Two digests, two purposes" in html and "sha256sum record.pdf" in html


def test_records_list_and_stage_page_label_the_file_digest(client, record):
    login(client, record.stage_review.project.owner)

    listing = client.get("/records").get_data(as_text=True)
    stage_page = client.get(f"/stages/{record.stage_review_id}").get_data(as_text=True)

    assert "<th>File SHA-256 (this PDF)</th>" in listing and record.pdf_sha256[:16] in listing
    assert "File SHA-256 (this PDF)" in stage_page and record.pdf_sha256 in stage_page
    download = client.get(f"/records/{record.id}.pdf")
    assert download.headers["X-File-SHA256"] == record.pdf_sha256 == hashlib.sha256(download.data).hexdigest()
    assert "X-Content-SHA256" not in download.headers  # the name of the other digest


def _fingerprint_on(html: str) -> str:
    return re.search(r'id="seal-fingerprint">([0-9A-F:]+)<', html).group(1)


@pytest.mark.parametrize("encoding", ["pem", "der"])
def test_anyone_can_download_the_seal_certificate_and_trust_the_record_with_it(client, record, signing_dir, encoding,
                                                                               tmp_path):
    """An anonymous visitor downloads the certificate; its fingerprint is the one the page and the record print,
    and pyHanko trusts the record with it (as with the organisation's own file)."""
    page = client.get("/verify").get_data(as_text=True)
    response = client.get(f"/verify/seal-certificate.{encoding}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f'filename="reviewboard-seal-certificate.{encoding}"' in response.headers["Content-Disposition"]
    der = response.data if encoding == "der" else x509.load_pem_x509_certificate(response.data).public_bytes(
        Encoding.DER)
    expected = x509.load_pem_x509_certificate((signing_dir / "signing-cert.pem").read_bytes())
    assert der == expected.public_bytes(Encoding.DER)
    shown = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    assert _fingerprint_on(page) == shown
    assert json.loads(record.record_json)["seal_certificate"]["sha256_fingerprint"] == shown
    downloaded = tmp_path / f"seal.{encoding}"
    downloaded.write_bytes(response.data)
    assert verify_pdf(record.pdf, [downloaded]).ok


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_record_prints_the_certificate_fingerprint_the_verify_page_shows(client, record, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(record.pdf)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    shown = _fingerprint_on(client.get("/verify").get_data(as_text=True))

    assert "Certificate SHA-256 fingerprint" in text
    assert shown.replace(":", "") in text.replace(":", "").replace(" ", "")
