"""What the per-process caches of the record renderer and signer must not change: each record stands alone (also
when two threads render at once), a replaced key file seals the next record, and the garbage collector paused for a
render is back on after it."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import threading

import pytest
from jinja2.exceptions import UndefinedError

from reviewboard.records import keys
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
    """The criteria tables and the audit trail use a fixed layout for speed; the rounds and declarations keep
    columns that fit their headings and times ("ROUND", never "ROUN" over "D"), and the audit trail's columns fit a
    time and the longest action names on one line."""
    record = record_factory()
    record["declarations"] = [{"round": 1, "reviewer": "Ada Reviewer", "conflict": False,
                               "declared_at": "2026-11-21 09:30:00Z"}]
    record["audit_events"].append({"seq": 119, "at": "2026-11-28T10:00:00Z", "actor": "Grace Ethicist",
                                   "action": "record.timestamp_unavailable", "object": "stage_review 7"})
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
    assert any("2026-11-28 10:00:00 UTC" in line and "Grace Ethicist" in line and "record.timestamp_unavailable"
               in line for line in lines)


def test_records_rendered_in_two_threads_at_once_are_each_valid_and_their_own(app, tmp_path, record_factory, signer,
                                                                             key_pair):
    """The embedded worker's thread and a request's thread (JOBS_MODE inline) may render at the same moment."""
    records = [record_factory(), other_record(record_factory())]
    signed: dict[int, bytes] = {}
    start = threading.Barrier(2)

    def issue(index: int) -> None:
        with app.app_context():
            start.wait(timeout=30)
            data = records[index]
            signed[index] = sign_pdf(render_record_pdf(data), signer, reason=f"record {data['record_id']}")

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert sorted(signed) == [0, 1]
    for index, data in enumerate(records):
        check = verify_pdf(signed[index], [key_pair[1]])
        assert check.ok, check.reason
        assert check.embedded_record == data
    second_text = pdf_text(tmp_path, signed[1])
    assert "Loan scoring pilot" in second_text and "REC-2026-0042" not in second_text
    assert gc.isenabled()


def test_the_garbage_collector_is_on_again_after_a_render_even_a_failed_one(app_context, record):
    render_record_pdf(record)
    assert gc.isenabled()

    with pytest.raises(UndefinedError):  # a record without its issue time cannot be printed
        render_record_pdf({key: value for key, value in record.items() if key != "issued_at"})
    assert gc.isenabled()


def test_a_key_rotated_to_one_with_a_longer_chain_seals_the_next_record_in_one_go(app, tmp_path, record, caplog):
    """The signature's room is measured once per signer: a rotated key whose signature embeds more certificates
    gets room for them (no second signing pass)."""
    key_path, cert_path = init_keys(tmp_path / "keys", "Chain Rotation Org")
    intermediate = init_keys(tmp_path / "intermediate", "Intermediate Org")[1]
    app.config.update(SIGNING_KEY_PATH=str(key_path), SIGNING_CERT_PATH=str(cert_path), SIGNING_CHAIN_PATHS=[])
    try:
        with app.app_context():
            unsigned = render_record_pdf(record)
            assert verify_pdf(sign_pdf(unsigned, keys.current_signer(), reason="before"), [cert_path]).ok

            init_keys(tmp_path / "keys", "Chain Rotation Org Renewed", force=True)
            app.config["SIGNING_CHAIN_PATHS"] = [str(intermediate)]
            with caplog.at_level(logging.WARNING, logger="reviewboard.records.signing"):
                sealed = sign_pdf(unsigned, keys.current_signer(), reason="after")
    finally:
        for setting in ("SIGNING_KEY_PATH", "SIGNING_CERT_PATH", "SIGNING_CHAIN_PATHS"):
            app.config.pop(setting, None)

    check = verify_pdf(sealed, [cert_path])
    assert check.ok, check.reason
    assert "Chain Rotation Org Renewed" in check.signer
    assert not [r for r in caplog.records if "reserved" in r.getMessage()]
