"""What the per-process caches of the record renderer and signer must not change: each record stands alone,
and a replaced key file seals the next record."""

from __future__ import annotations

import os
import subprocess

import pytest

from reviewboard.records.keys import KeyPermissionError, init_keys, load_signer
from reviewboard.records.pdf import content_hash, render_record_pdf
from reviewboard.records.signing import sign_pdf, verify_pdf

pytestmark = pytest.mark.real_records


def pdf_text(tmp_path, pdf: bytes) -> str:
    target = tmp_path / "cache-text.pdf"
    target.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(target), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def other_record(record: dict) -> dict:
    """A second record with a different project, stage outcome and organisation."""
    record = {**record, "record_id": "REC-2026-0777", "version": 1, "organisation": "Second Org",
              "project": {**record["project"], "id": 777, "name": "Loan scoring pilot"},
              "stage": {**record["stage"], "outcome": "rejected"}}
    record["content_sha256"] = content_hash(record)
    return record


def test_two_records_rendered_in_one_process_are_each_valid_and_their_own(app_context, tmp_path, record_factory,
                                                                         signer, key_pair):
    first, second = record_factory(), other_record(record_factory())

    signed = [sign_pdf(render_record_pdf(data), signer, reason=f"record {data['record_id']}")
              for data in (first, second)]

    for data, pdf in zip((first, second), signed, strict=True):
        check = verify_pdf(pdf, [key_pair[1]])
        assert check.ok, check.reason
        assert check.embedded_record == data
    first_text, second_text = (pdf_text(tmp_path, pdf) for pdf in signed)
    assert "REC-2026-0042" in first_text and "REC-2026-0777" not in first_text
    assert "Loan scoring pilot" in second_text and "Triage assistant" not in second_text
    assert "REC-2026-0042" not in second_text
    # the first record renders to the same bytes after another record went through the same caches
    assert render_record_pdf(first) == render_record_pdf(first)
    assert signed[0].startswith(render_record_pdf(first))


def test_a_rotated_key_file_seals_the_next_record(app_context, tmp_path, record):
    key_path, cert_path = init_keys(tmp_path / "keys", "Before Rotation Org")
    before = load_signer(key_path, cert_path)
    old_cert = tmp_path / "old-cert.pem"
    old_cert.write_bytes(cert_path.read_bytes())
    unsigned = render_record_pdf(record)
    assert verify_pdf(sign_pdf(unsigned, before, reason="before"), [cert_path]).ok

    init_keys(tmp_path / "keys", "After Rotation Org", force=True)
    after = load_signer(key_path, cert_path)
    sealed = sign_pdf(unsigned, after, reason="after")

    check = verify_pdf(sealed, [cert_path])
    assert check.ok, check.reason
    assert "After Rotation Org" in check.signer
    assert not verify_pdf(sealed, [old_cert]).trusted


def test_a_key_file_made_readable_by_others_is_refused_even_when_already_loaded(tmp_path):
    key_path, cert_path = init_keys(tmp_path / "keys", "Permissions Org")
    load_signer(key_path, cert_path)

    os.chmod(key_path, 0o644)

    with pytest.raises(KeyPermissionError, match="private to its owner"):
        load_signer(key_path, cert_path)


def test_short_tables_keep_whole_headings_and_times_on_one_line(app_context, tmp_path, record_factory):
    """The criteria tables use a fixed layout for speed; the rounds, declarations and audit trail keep columns
    that fit their headings and times ("ROUND", never "ROUN" over "D")."""
    record = record_factory()
    record["declarations"] = [{"round": 1, "reviewer": "Ada Reviewer", "conflict": False,
                               "declared_at": "2026-11-21 09:30:00Z"}]
    record["content_sha256"] = content_hash(record)
    target = tmp_path / "layout.pdf"
    target.write_bytes(render_record_pdf(record))
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(target), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    lines = text.splitlines()

    for heading in ("ROUND", "DECLARED (UTC)", "TIME (UTC)", "SUBMITTED BY"):
        assert any(heading in line for line in lines), heading
    assert not any(line.strip() == "D" for line in lines)
    assert any("Ada Reviewer" in line and "2026-11-21 09:30:00 UTC" in line for line in lines)
