"""Comments over HTTP: each role sees what it may, internal comments never reach the team's page or the
record PDF, threads, and the refusals (forged visibility, outsiders, no CSRF token, empty text)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from reviewboard.comments.models import Comment
from reviewboard.records.models import Record
from reviewboard.records.signing import extract_embedded_record
from tests.support.http import login, logout, post_form

INTERNAL = "Committee aside: the fairness numbers look cherry-picked"
SHARED = "Please report accuracy per age group"
REPLY = "Added per-age-group accuracy to the test report"


@pytest.fixture()
def case(make, db_session):
    owner = make.user("submitter", name="Olive Owner")
    stage = make.submitted_stage(owner=owner)
    reviewer = make.user("reviewer", name="Rita Reviewer")
    make.declare(reviewer, stage)
    return {"owner": owner, "stage": stage, "reviewer": reviewer, "criterion": stage.applicable_criteria()[0]}


def _post(client, stage, data, criterion=None, parent=None):
    query = "&".join(f"{k}={v}" for k, v in (("criterion", criterion), ("parent", parent)) if v is not None)
    return post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/comments" + (f"?{query}" if query else ""),
                     data)


def _page(client, stage) -> str:
    response = client.get(f"/stages/{stage.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Comment.id)))


def _committee_posts_both_kinds(client, case):
    login(client, case["reviewer"])
    stage, cid = case["stage"], case["criterion"].id
    page = _page(client, stage)
    assert "No comments yet." in page and f'id="cf-{cid}"' in page and 'value="committee"' in page
    internal = _post(client, stage, {"body": INTERNAL, "visibility": "committee"}, criterion=cid)
    assert internal.status_code == 302 and "#comment-" in internal.headers["Location"]
    shared = _post(client, stage, {"body": SHARED, "visibility": "submitter"}, criterion=cid)
    assert shared.status_code == 302
    logout(client)


def test_each_role_sees_what_it_may(client, make, case, db_session):
    _committee_posts_both_kinds(client, case)
    stage = case["stage"]
    for person in (case["reviewer"], make.user("chair"), make.user("auditor")):
        login(client, person)
        page = _page(client, stage)
        assert INTERNAL in page and SHARED in page and "Committee only" in page
        logout(client)
    login(client, case["owner"])
    page = _page(client, stage)
    assert SHARED in page
    assert INTERNAL not in page and "cherry-picked" not in page
    assert 'value="committee"' not in page  # the team is not even offered the choice
    logout(client)
    login(client, make.user("reviewer"))  # has not declared conflicts for this round: sees no comment yet
    page = _page(client, stage)
    assert INTERNAL not in page and SHARED not in page
    logout(client)
    login(client, make.user("submitter"))
    assert client.get(f"/stages/{stage.id}").status_code == 404


def test_the_team_replies_in_the_thread(client, make, case, db_session):
    _committee_posts_both_kinds(client, case)
    stage, cid = case["stage"], case["criterion"].id
    shared = db_session.scalars(select(Comment).where(Comment.body == SHARED)).one()
    internal = db_session.scalars(select(Comment).where(Comment.body == INTERNAL)).one()
    login(client, case["owner"])
    page = _page(client, stage)
    assert f'id="cf-{cid}-r{shared.id}"' in page and f'id="cf-{cid}-r{internal.id}"' not in page
    response = _post(client, stage, {"body": REPLY, "visibility": "submitter"}, criterion=cid, parent=shared.id)
    assert response.status_code == 302
    reply = db_session.scalars(select(Comment).where(Comment.body == REPLY)).one()
    assert reply.parent_id == shared.id and reply.author_id == case["owner"].id
    page = _page(client, stage)
    thread = re.search(rf'<li class="rb-comment[^"]*" id="comment-{shared.id}">(.*?)</li>\s*</ul>', page, re.S)
    assert thread and REPLY in thread.group(1)  # drawn inside the comment it answers
    # a reply to the committee's aside is refused: the team cannot see that comment at all
    assert _post(client, stage, {"body": "peek", "visibility": "submitter"}, criterion=cid,
                 parent=internal.id).status_code == 404


def test_refusals(client, make, case, db_session):
    stage, cid = case["stage"], case["criterion"].id
    login(client, case["owner"])
    before = _count(db_session)
    forged = _post(client, stage, {"body": "for the committee only", "visibility": "committee"}, criterion=cid)
    assert forged.status_code == 403
    no_token = client.post(f"/stages/{stage.id}/comments", data={"body": "x", "visibility": "submitter"})
    assert no_token.status_code == 400
    empty = _post(client, stage, {"body": "   ", "visibility": "submitter"}, criterion=cid)
    assert empty.status_code == 422 and "Write a comment first." in empty.get_data(as_text=True)
    assert _post(client, stage, {"body": "x", "visibility": "submitter"}, criterion=999999).status_code == 422
    assert _count(db_session) == before
    logout(client)
    login(client, make.user("submitter"))  # another team: the stage does not exist for them
    assert _post_blind(client, stage).status_code == 404
    logout(client)
    login(client, make.user("auditor"))  # the committee's observers read but do not write
    assert _post(client, stage, {"body": "x", "visibility": "committee"}).status_code == 403
    logout(client)
    undeclared = make.user("reviewer")
    login(client, undeclared)
    assert _post(client, stage, {"body": "x", "visibility": "committee"}).status_code == 403
    assert _count(db_session) == before


def test_a_refused_comment_comes_back_with_its_text_and_the_reason(client, make, case, db_session):
    stage, cid = case["stage"], case["criterion"].id
    login(client, case["owner"])
    before = _count(db_session)
    text = "Our appeal route: " + "a" * 5000  # over the 5,000-character limit
    response = _post(client, stage, {"body": text, "visibility": "submitter"}, criterion=cid)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Field cannot be longer than 5000 characters." in html
    assert text in html  # nothing typed is lost: it is back in the composer, to shorten
    assert _count(db_session) == before


def _post_blind(client, stage):
    from tests.support.http import token_for

    token = token_for(client, "/dashboard")
    return client.post(f"/stages/{stage.id}/comments", data={"body": "x", "visibility": "submitter",
                                                              "csrf_token": token})


def _pdf_text(tmp_path, pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    target = tmp_path / "record.pdf"
    target.write_bytes(pdf)
    result = subprocess.run([tool, "-enc", "UTF-8", str(target), "-"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return "".join(result.stdout.split())


@pytest.mark.real_records
def test_the_record_prints_shared_comments_and_never_internal_ones(client, make, case, db_session, tmp_path):
    _committee_posts_both_kinds(client, case)
    stage = case["stage"]
    second = make.user("reviewer")
    make.declare(second, stage)
    make.sign(case["reviewer"], stage)
    make.sign(second, stage)
    record = db_session.scalars(select(Record).where(Record.stage_review_id == stage.id)).one()
    text = _pdf_text(tmp_path, record.pdf)
    assert "".join(SHARED.split()) in text
    assert "cherry-picked" not in text and "".join(INTERNAL.split()) not in text
    embedded = json.dumps(extract_embedded_record(record.pdf))  # the machine-readable copy inside the PDF
    assert SHARED in embedded and INTERNAL not in embedded
    login(client, case["owner"])
    download = client.get(f"/records/{record.id}.pdf")
    assert download.status_code == 200 and download.data == record.pdf
