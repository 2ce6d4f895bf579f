"""Files named in any script: uploaded over HTTP, shown under their own name, downloaded under it
(RFC 6266 ``filename*`` with an ASCII ``filename`` for old clients), and kept in evidence packs."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from markupsafe import escape
from sqlalchemy import select
from werkzeug.http import parse_options_header

from reviewboard.core.downloads import content_disposition
from reviewboard.projects.models import Evidence
from reviewboard.records.models import Record
from tests.support.http import login, post_form

NAMES = {
    "chinese": "分诊评估报告（第二版）.md",
    "en dash": "report – final.md",
    "curly quotes": "“Bias” review ‘v2’.txt",
    "cyrillic": "Отчёт о рисках.csv",
    "arabic": "تقرير المخاطر.json",
    "emoji": "results ✅ 🎉.txt",
    "accents": "Zoë Łukasz notes.md",
}


def _upload(client, stage, filename: str, data: bytes = b"# evidence\n"):
    page = f"/stages/{stage.id}"
    criterion = stage.applicable_criteria()[0]
    return post_form(client, page, f"{page}/evidence",
                     {"criterion_id": str(criterion.id), "file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data")


def _download_name(response) -> str:
    """The name a browser saves the file under: ``filename*`` when present (RFC 6266 section 4.3)."""
    header = response.headers["Content-Disposition"]
    assert header.isascii(), header
    assert "\r" not in header and "\n" not in header
    kind, params = parse_options_header(header)
    assert kind == "attachment"
    return params["filename"]


def _fallback(response) -> str:
    match = re.search(r'filename="((?:[^"\\]|\\.)*)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


@pytest.mark.parametrize("name", list(NAMES.values()), ids=list(NAMES))
def test_evidence_named_in_any_script_is_shown_and_downloaded_under_its_own_name(client, make, db_session, name):
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)

    assert _upload(client, stage, name).status_code == 302
    evidence = db_session.scalar(select(Evidence).where(Evidence.stage_review_id == stage.id))
    assert evidence.filename == name
    assert str(escape(name)) in client.get(f"/stages/{stage.id}").get_data(as_text=True)

    response = client.get(f"/evidence/{evidence.id}")
    assert response.status_code == 200
    assert response.data == b"# evidence\n"
    assert _download_name(response) == name
    fallback = _fallback(response)
    assert fallback.isascii() and fallback.isprintable() and re.search(r"[A-Za-z0-9]", fallback)
    assert fallback.endswith(name.rsplit(".", 1)[1])


def test_quotes_and_semicolons_in_a_stored_name_cannot_change_the_download_name(client, make, db_session):
    # browsers send '"' as %22 in the upload itself; a name with quotes can still arrive through the services
    project = make.project()
    name = 'a "b"; filename=evil.exe; c.md'
    evidence = make.evidence(project.stages[0], filename=name)
    login(client, project.owner)
    response = client.get(f"/evidence/{evidence.id}")
    assert response.status_code == 200
    assert _download_name(response) == name
    assert _fallback(response) == "a _b_; filename=evil.exe; c.md"


def test_a_line_break_in_a_name_cannot_add_a_header():
    header = content_disposition("evil\r\nSet-Cookie: session=stolen.txt")
    assert "\r" not in header and "\n" not in header
    assert parse_options_header(header)[1]["filename"] == "evil Set-Cookie: session=stolen.txt"


def test_a_plain_ascii_name_needs_no_encoded_form():
    assert content_disposition("RB-000001-DES-v1.pdf") == 'attachment; filename="RB-000001-DES-v1.pdf"'


def test_records_and_packs_of_evidence_named_in_many_scripts_download(client, make, db_session):
    from reviewboard.reviews.lifecycle import submit_stage

    project = make.project()
    stage = project.stages[0]
    for name in NAMES.values():
        make.evidence(stage, filename=name)
    submit_stage(project.owner, stage, "", stage.version)
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    assert record is not None
    chair = make.user("chair")
    login(client, chair)

    response = client.get(f"/records/{record.id}.pdf")
    assert response.status_code == 200 and response.data == record.pdf
    assert _download_name(response) == record.filename

    response = client.get(f"/stages/{stage.id}/pack.zip")
    assert response.status_code == 200
    assert _download_name(response).endswith(f"-{stage.code}.zip")
    entries = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    evidence_names = [entry.rsplit("/", 1)[1].split("-", 1)[1] for entry in entries
                      if entry.startswith("evidence/")]
    # letters of every script survive; only punctuation that is not a letter or digit becomes "_"
    for kept in ("分诊评估报告", "Отчёт_о_рисках.csv", "تقرير_المخاطر.json", "report_final.md",
                 "Zoë_Łukasz_notes.md"):
        assert kept in " ".join(evidence_names), (kept, evidence_names)
    assert all("/" not in n and "\\" not in n and '"' not in n for n in evidence_names)
