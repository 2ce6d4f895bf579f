"""Verifying a record, on the public page and with ``reviewboard record verify``: one plain sentence for each
kind of tampering (no library traceback), and a page that cannot be flooded (a limit per address, an upload
cap checked before anything is read, non-PDFs refused before the PDF parser)."""

from __future__ import annotations

import io
import logging
import re
from html import unescape

import pytest
from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import select

from reviewboard.extensions import limiter
from reviewboard.records import signing
from reviewboard.records.keys import init_keys, load_signer
from reviewboard.records.models import Record
from reviewboard.records.signing import sign_pdf
from tests.support.http import post_form

BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)")


@pytest.fixture()
def issued(make, db_session) -> Record:
    stage = make.submitted_stage()
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    assert record is not None
    return record


@pytest.fixture(scope="session")
def look_alike_signer(tmp_path_factory):
    """A different self-signed key whose certificate carries the test organisation's very name."""
    return load_signer(*init_keys(tmp_path_factory.mktemp("look-alike"), "Test Organisation"))


def appended_annotation(pdf: bytes, _signer) -> bytes:
    """A sticky note added to page 1 in an incremental update after the signature, as a PDF editor does."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = writer.add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(40), FloatObject(40)]),
        NameObject("/Contents"): TextStringObject("Approved anyway")}))
    page[NameObject("/Annots")] = ArrayObject([*page.get("/Annots", []), note])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_by_look_alike(pdf: bytes, signer) -> bytes:
    """The same rendered record, sealed again with a key whose certificate has the organisation's name."""
    signature_starts = int(BYTE_RANGE.search(pdf).group(2))
    rendered = pdf[: pdf.rindex(b"%%EOF", 0, signature_starts) + len(b"%%EOF\n")]
    return sign_pdf(rendered, signer, reason="Record of a decided review stage")


def damaged_signature_value(pdf: bytes, _signer) -> bytes:
    """One hex digit changed inside the signature's /Contents (inside its certificate data)."""
    _, first_end, second_start, _ = (int(x) for x in BYTE_RANGE.search(pdf).groups())
    position = first_end + 1 + (second_start - first_end) // 3
    damaged = bytearray(pdf)
    damaged[position] = ord("1") if damaged[position] == ord("0") else ord("0")
    return bytes(damaged)


TAMPERING = {
    "appended annotation": (appended_annotation, "The file was changed after it was signed"),
    "look-alike key": (signed_by_look_alike,
                       "The signer's certificate is not trusted: it is not the organisation's signing certificate"),
    "damaged signature value": (damaged_signature_value, "The signature itself is damaged"),
}


def _verify_page(client, data: bytes, filename: str = "record.pdf", **kwargs):
    return post_form(client, "/verify", "/verify", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data", **kwargs)


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.mark.real_records
@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_told_in_one_plain_sentence_on_the_page_and_in_the_cli(case, app, client, issued,
                                                                              look_alike_signer, tmp_path, caplog):
    tamper, sentence = TAMPERING[case]
    data = tamper(issued.pdf, look_alike_signer)
    caplog.set_level(logging.DEBUG)

    response = _verify_page(client, data)
    assert response.status_code == 200
    page = _text(response)
    assert "Not valid" in page and sentence + "" in page
    verdict = page[page.index("Not valid"):]  # the page's own how-to names the pyhanko command
    for technical in ("Traceback", "Error", "NO_SIGNING_CERTIFICATE", "pyhanko", "AdES", "Reference("):
        assert technical not in verdict, technical

    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["record", "verify", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED:")]
    assert len(failed) == 1 and sentence[0].lower() + sentence[1:] in failed[0], result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    # pyHanko logs each of these problems as a warning with its whole traceback (13-34 lines in a terminal):
    # none may reach the root logger, which is where a terminal or the server log would print it
    loud = [r for r in caplog.records if r.name.startswith("pyhanko") or r.exc_info]
    assert loud == [], [(r.name, r.getMessage()[:80]) for r in loud]


@pytest.mark.real_records
def test_the_issued_record_itself_still_verifies_on_the_page(client, issued):
    response = _verify_page(client, issued.pdf)
    assert response.status_code == 200
    assert "Valid record" in _text(response)


# --------------------------------------------------------------------------------------- flooding the page

@pytest.fixture()
def three_per_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT_PER_ADDRESS", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_anonymous_uploads_are_limited_per_address_with_a_time_to_retry(client, three_per_minute):
    statuses = [_verify_page(client, b"not a pdf", "x.pdf").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]

    refused = _verify_page(client, b"not a pdf", "x.pdf")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    page = _text(refused)
    assert "Too many attempts" in page and "The limit is 3 per 1 minute" in page
    assert re.search(r"Try again in (\d+ seconds?|\d+ minutes?|\d+ min \d\d s) \(at \d\d:\d\d:\d\d UTC\)", page), page
    # reading the page is not limited, and another address has its own allowance
    assert client.get("/verify").status_code == 200
    other = _verify_page(client, b"not a pdf", "x.pdf", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_an_upload_over_the_cap_is_refused_before_it_is_read(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_MAX_BYTES", 64 * 1024)

    def must_not_run(_data):
        raise AssertionError("an oversized upload reached verification")

    monkeypatch.setattr("reviewboard.records.services.verify_record_bytes", must_not_run)
    for size in (64 * 1024 + 1, 400 * 1024):  # just over (read, then refused), far over (refused unread)
        response = _verify_page(client, b"%PDF-1.7\n" + b"0" * (size - 9))
        assert response.status_code == 413, size
        page = _text(response)
        assert "This file is larger than 64 KiB, so it is not a ReviewBoard record" in page
        assert "Verify a signed record" in page  # the verify page itself, ready for another file


def test_the_default_cap_is_far_below_the_evidence_limit(app):
    assert app.config["VERIFY_MAX_BYTES"] == 2 * 1024 * 1024 < app.config["MAX_CONTENT_LENGTH"]


@pytest.mark.parametrize(("data", "reason"), [
    (b"MZ\x90\x00" + bytes(1_900_000), "Not a PDF."),
    (b"%PDF-1.7\n" + b" " * 1_900_000, "Not a complete PDF: the file is truncated or damaged"),
], ids=["executable", "pdf-header-then-padding"])
def test_a_bad_file_is_refused_before_the_pdf_parser_reads_it(client, monkeypatch, data, reason):
    def must_not_parse(*_args, **_kwargs):
        raise AssertionError("pyHanko was asked to parse a file that is not a PDF")

    monkeypatch.setattr(signing, "PdfFileReader", must_not_parse)
    response = _verify_page(client, data)
    assert response.status_code == 200
    page = _text(response)
    assert "Not valid" in page and reason in page


def test_the_verdict_is_told_in_the_readers_language(client):
    """A Chinese-speaking visitor reads the reason in Chinese; the page's labels follow."""
    response = _verify_page(client, b"MZ\x90\x00" + bytes(1000), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    page = _text(response)
    assert "无效" in page and "不是 PDF 文件。" in page and "两种摘要，两种用途" in page
    assert "Not a PDF" not in page
