"""What a reader needs to trust a record: its two digests named apart on every page, and the verify page."""

from __future__ import annotations

import io
from html import unescape

import pytest

from reviewboard.records.models import Record
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
