"""What an issued record carries about its stage: the whole audit trail and the submitter's note to reviewers."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from reviewboard.comments.services import post_comment
from reviewboard.records.models import Record
from reviewboard.records.signing import extract_embedded_record
from reviewboard.reviews import lifecycle
from reviewboard.reviews.services import SigningRefused
from reviewboard.reviews.workflow import Outcome

pytestmark = pytest.mark.real_records

NOTE = "Section 4 of the brief answers last round's question on override logging."


@pytest.fixture()
def issued(make, db_session):
    """A stage submitted with a note and two evidence files, a failed signing attempt, a committee-only and a
    shared comment, then signed by two reviewers; returns (record, record dict, stage)."""
    project = make.project()
    stage = project.stages[0]
    make.evidence(stage, filename="impact-assessment.md")
    make.evidence(stage, filename="dpia-summary.md")
    lifecycle.submit_stage(project.owner, stage, NOTE, stage.version)
    first, second = make.reviewers()
    make.verdicts(first, stage)
    with pytest.raises(SigningRefused):
        make.sign(first, stage, password="not the password")
    post_comment(first, stage, "Committee only: check the vendor contract.", "committee")
    shared = post_comment(first, stage, "Please keep the override log for a year.", "submitter")
    make.sign(first, stage, Outcome.APPROVE)
    make.sign(second, stage, Outcome.APPROVE)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    embedded = extract_embedded_record(record.pdf)  # what any reader of the PDF gets, not only our copy
    assert embedded == json.loads(record.record_json)
    return record, embedded, stage, shared


def test_the_record_carries_every_kind_of_stage_event(issued, db_session):
    record, data, stage, shared = issued
    events = data["audit_events"]
    actions = [e["action"] for e in events]

    for action in ("project.created", "stage.opened", "evidence.added", "stage.submitted", "verdict.recorded",
                   "signature.failed", "signoff.signed", "stage.decided", "comment.posted"):
        assert action in actions, action
    assert actions.count("evidence.added") == 2
    criteria = len(stage.applicable_criteria())
    assert actions.count("verdict.recorded") == 2 * criteria  # every verdict of both reviewers
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    evidence_details = [e["detail"] for e in events if e["action"] == "evidence.added"]
    assert any("impact-assessment.md" in d for d in evidence_details)
    assert any("dpia-summary.md" in d for d in evidence_details)
    # a committee-only comment is not even hinted at: only the shared comment's event is there
    assert [e["object"] for e in events if e["action"] == "comment.posted"] == [f"comment {shared.id}"]


def test_the_record_carries_the_submitters_note(issued):
    _, data, _, _ = issued

    assert data["rounds"][0]["note"] == NOTE


def test_failed_signing_on_another_stage_stays_out_of_this_record(make, db_session, issued):
    _, data, stage, _ = issued
    other = make.submitted_stage()
    reviewer = make.user("reviewer")
    make.verdicts(reviewer, other)
    with pytest.raises(SigningRefused):
        make.sign(reviewer, other, password="wrong again")
    from reviewboard.records.services import stage_audit_events

    ours = stage_audit_events(stage, [])
    assert [e for e in ours if e["action"] == "signature.failed"] == [
        e for e in data["audit_events"] if e["action"] == "signature.failed"]
    assert all(e["actor"] != reviewer.name for e in ours)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_pdf_prints_the_trail_and_the_note(issued, tmp_path):
    record, data, _, _ = issued
    path = tmp_path / "record.pdf"
    path.write_bytes(record.pdf)
    flat = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())

    assert "".join(NOTE.split()) in flat
    for event in data["audit_events"]:
        assert event["action"] in flat, event
    assert "impact-assessment.md" in flat


def test_a_record_issued_in_both_languages_prints_and_embeds_the_catalogs_chinese(app, make, db_session, tmp_path,
                                                                                  monkeypatch):
    from reviewboard.catalogs.schema import load_catalog_file, shipped_catalog_path

    monkeypatch.setitem(app.config, "RECORD_LANGUAGE", "both")
    project = make.project(name="智能分诊助手")
    stage = project.stages[0]
    # the stage's catalog as its bilingual edition gives it (same codes, same English): the Chinese beside it
    chinese = {c.id: c.translations for c in
               load_catalog_file(shipped_catalog_path("rb-tc260-lifecycle-1.3.0.yaml")).criteria}
    for criterion in stage.catalog.criteria:
        criterion.translations = chinese[criterion.code]
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    first, second = make.reviewers()
    make.verdicts(first, stage)
    make.sign(first, stage, Outcome.APPROVE)
    make.sign(second, stage, Outcome.APPROVE)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    data = extract_embedded_record(record.pdf)
    assert data["language"] == "both" and data["template_version"] == "record-v7"
    ethics = next(c for c in data["criteria"] if c["id"] == "RB-DES-03")
    assert ethics["title"] == "Ethics review at project initiation"
    assert ethics["translations"]["zh-Hans"]["title"] == "立项阶段的伦理审查"
    path = tmp_path / "record.pdf"
    path.write_bytes(record.pdf)
    flat = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert data["answers"][0]["translations"]["zh-Hans"]["question"] == "这是哪一类人工智能系统？"
    for text in ("Ethical review record", "伦理审查记录", "Ethics review at project initiation", "立项阶段的伦理审查",
                 "智能分诊助手", "What kind of AI system is it?", "这是哪一类人工智能系统？",
                 "决策支持（为人提供建议）"):
        assert text.replace(" ", "") in flat, text
    # each signature: the English that was signed, and its Chinese rebuilt from its parts beside it
    signature = data["signatures"][0]
    assert signature["meaning"] == "Approved as ethics reviewer, stage Design"
    assert signature["translations"]["zh-Hans"] == {"role": "伦理审查员",
                                                    "meaning": "以伦理审查员身份签署：已批准（阶段：设计）"}
    for text in ("Approved as ethics reviewer, stage Design", "以伦理审查员身份签署：已批准（阶段：设计）"):
        assert text.replace(" ", "") in flat, text
