"""The stage page in Chromium at 1280 px: a refused upload opens at the error summary (focused, at the top of
the window, a link to the field in error), evidence attached from a criterion's card lands on that
criterion, and submitting with criteria left without evidence asks for a confirmation first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Person
from tests.browser.test_flows import flash, heading, sign_in

pytestmark = pytest.mark.browser


def draft_design_stage(live: LiveServer, owner: Person, name: str) -> tuple[int, list[str]]:
    """A high-tier project whose Design stage is a draft with no evidence: (stage id, criterion codes)."""
    from reviewboard.auth.models import User
    from tests.support.factories import Factory

    with live.session() as session:
        project = Factory(session).project(session.get(User, owner.id), answers={"affects_rights": "yes"}, name=name)
        stage = project.stages[0]
        return stage.id, [c.code for c in stage.applicable_criteria()]


def attach_on_card(page, stage_id: int, code: str, name: str, mime: str, data: bytes):
    """Open the stage page and send one file from the criterion card's own "attach evidence" form."""
    page.goto(f"/stages/{stage_id}")
    card = page.locator(f"#c-{code}")
    card.locator("summary", has_text=f"Attach evidence to {code}").click()
    card.get_by_label("Evidence file", exact=True).set_input_files({"name": name, "mimeType": mime, "buffer": data})
    card.get_by_role("button", name=f"Attach evidence to {code}").click()
    return card


def test_a_refused_upload_opens_at_the_error_summary_which_leads_to_the_field(live_server, page, shot):
    owner = live_server.add_user("Uma Uploader", "submitter")
    stage_id, codes = draft_design_stage(live_server, owner, "Parcel damage classifier")
    code = codes[5]  # far down the page
    sign_in(page, owner)
    card = attach_on_card(page, stage_id, code, "test-report.pdf", "application/pdf", b"MZ\x90\x00 a Windows program")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # announced by screen readers, and the window opens on it
    expect(summary).to_be_in_viewport(ratio=1)  # the message is where the page opens, not 3,700 px below
    assert page.url.endswith("#error-summary")
    link = summary.get_by_role("link", name=re.compile("content is not a PDF file"))
    expect(link).to_be_visible()
    shot(page, "stage-upload-refused", readme="10-error-summary")

    link.click()
    file_input = card.get_by_label("Evidence file", exact=True)
    expect(file_input).to_be_focused()
    expect(file_input).to_be_in_viewport(ratio=1)
    expect(card.locator(".invalid-feedback")).to_contain_text("The file is named .pdf but its content is not a PDF")


def test_evidence_attached_from_a_card_lands_on_that_criterion(live_server, page):
    owner = live_server.add_user("Cai Carder", "submitter")
    stage_id, codes = draft_design_stage(live_server, owner, "Invoice fraud scorer")
    code = codes[2]
    sign_in(page, owner)
    card = attach_on_card(page, stage_id, code, "data-sheet.md", "text/markdown", b"# Data sheet\n")

    expect(flash(page, f"Attached data-sheet.md to {code}")).to_be_visible()
    assert page.url.endswith(f"#c-{code}")
    expect(card.get_by_role("link", name="data-sheet.md")).to_be_visible()
    for other in (codes[0], codes[1], codes[3]):  # nothing landed on the first card (or any other)
        expect(page.locator(f"#c-{other}").get_by_role("link", name="data-sheet.md")).to_have_count(0)
    expect(card.locator("h3")).to_be_in_viewport(ratio=1)


def test_submitting_lists_the_criteria_without_evidence_and_waits_for_a_confirmation(live_server, page, shot):
    owner = live_server.add_user("Sol Submitter", "submitter")
    stage_id, codes = draft_design_stage(live_server, owner, "Shift rota optimiser")
    sign_in(page, owner)
    attach_on_card(page, stage_id, codes[0], "brief.md", "text/markdown", b"# Brief\n")
    expect(flash(page, "Attached brief.md")).to_be_visible()

    listed = page.get_by_role("note").filter(has_text="criteria have no evidence attached")
    expect(listed).to_contain_text(f"{len(codes) - 1} of {len(codes)} criteria")
    for code in codes[1:]:
        expect(listed.get_by_role("link", name=code, exact=True)).to_be_visible()
    expect(listed.get_by_role("link", name=codes[0], exact=True)).to_have_count(0)
    shot(page, "stage-submit-confirm")

    page.get_by_role("button", name="Submit stage for review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(heading(page)).to_contain_text("Draft")  # nothing was submitted
    summary.get_by_role("link", name=re.compile("no evidence")).click()
    confirm = page.get_by_label("Submit without evidence for the criteria listed above")
    expect(confirm).to_be_focused()
    confirm.check()
    page.get_by_role("button", name="Submit stage for review").click()
    expect(flash(page, "Design submitted for review (round 1).")).to_be_visible()
    expect(heading(page)).to_contain_text("In review")


def _decided_and_waiting_for_its_record(live_server, page, monkeypatch, name: str):
    """A stage of the signed-in owner, decided, its record job waiting for a worker; the owner's page open on it.
    Returns the stage's id and the page's "Record being issued" notice."""
    from reviewboard.auth.models import User
    from tests.support.factories import Factory

    monkeypatch.setitem(live_server.app.config, "JOBS_MODE", "outbox")  # the record waits for a worker
    owner = live_server.add_user(f"Owner of {name}", "submitter")
    with live_server.session() as session:
        make = Factory(session)
        stage = make.submitted_stage(session.get(User, owner.id), name=name)
        for reviewer in make.reviewers():
            make.sign(reviewer, stage)
        stage_id = stage.id
    sign_in(page, owner)
    page.goto(f"/stages/{stage_id}")
    notice = page.locator("[data-record-issuing]")
    expect(notice).to_contain_text("Record being issued")
    return stage_id, notice


def test_a_record_being_issued_is_announced_and_then_offered_without_a_reload(live_server, page, monkeypatch):
    """The deciding signature answers before the record exists: the page says it is being issued (a refresh
    link works without JavaScript), and with JavaScript the notice turns into "ready" once a worker issued it."""
    from sqlalchemy import select

    from reviewboard.jobs import outbox
    from reviewboard.jobs.models import Job
    from reviewboard.records.issuing import KIND

    stage_id, notice = _decided_and_waiting_for_its_record(live_server, page, monkeypatch, "Crop yield forecaster")
    expect(page.get_by_role("link", name=re.compile("Download signed record"))).to_have_count(0)

    with live_server.session() as session:
        job_id = session.scalar(select(Job.id).where(Job.kind == KIND, Job.key == f"stage {stage_id} round 1"))
        assert outbox.run_job(job_id) == "done"

    expect(notice).to_contain_text("The signed record is ready.", timeout=15_000)
    notice.get_by_role("link", name="Show it").click()
    expect(page.get_by_role("link", name="Download signed record v1 (PDF)")).to_be_visible()
    expect(page.locator("[data-record-issuing]")).to_have_count(0)


def test_a_record_that_cannot_be_issued_is_announced_instead_of_waiting_for_ever(live_server, page, monkeypatch):
    """The record job fails for good while the page waits: with JavaScript the notice says so and links to the
    page, which tells the owner plainly (no spinner for a job nobody will run)."""
    from sqlalchemy import select

    from reviewboard.jobs import outbox
    from reviewboard.jobs.models import Job
    from reviewboard.records import issuing

    monkeypatch.setitem(live_server.app.config, "JOB_MAX_ATTEMPTS", 1)
    stage_id, notice = _decided_and_waiting_for_its_record(live_server, page, monkeypatch, "Harvest planner")

    monkeypatch.setattr(issuing, "render_record", lambda *a, **k: (_ for _ in ()).throw(OSError("no fonts")))
    with live_server.session() as session:
        job_id = session.scalar(select(Job.id).where(Job.kind == issuing.KIND,
                                                     Job.key == f"stage {stage_id} round 1"))
        assert outbox.run_job(job_id) == "failed"

    expect(notice).to_contain_text("The record could not be issued.", timeout=15_000)
    notice.get_by_role("link", name="Show why").click()
    alert = page.locator("[data-record-failed]")
    expect(alert).to_contain_text("The record could not be issued.")
    expect(alert).to_contain_text("The committee chairs can see why")
    expect(page.locator("[data-record-issuing]")).to_have_count(0)


LONG_CHINESE_NAME = "面向三级甲等综合医院急诊科夜班的智能分诊优先级评估与辅助决策支持系统" * 4  # no space to break at


def test_a_long_chinese_project_name_wraps_on_the_stage_page_instead_of_overflowing(live_server, new_page):
    """Chinese has no spaces: a long name must break between its characters, at a phone's width as at a desktop's,
    and the page (in Chinese for a zh-Hans reader) must not scroll sideways."""
    from reviewboard.auth.models import User
    from tests.browser.conftest import PHONE
    from tests.browser.test_phone_width import scrolls_sideways

    owner = live_server.add_user("Wang Fang", "submitter")
    stage_id, _codes = draft_design_stage(live_server, owner, LONG_CHINESE_NAME)
    pages = {}
    for viewport in (PHONE, {"width": 1280, "height": 900}):
        pages[viewport["width"]] = page = new_page(viewport=viewport)
        sign_in(page, owner)
    with live_server.session() as session:  # signed in (the greeting is English), now reading Chinese
        from reviewboard.reviews.models import StageReview

        session.get(User, owner.id).language = "zh-Hans"
        stage_zh = session.get(StageReview, stage_id).pipeline_stage.translations["zh-Hans"]["name"]
    for width, page in pages.items():
        viewport = {"width": width}
        page.goto(f"/stages/{stage_id}")
        expect(page.locator(".breadcrumb-item.active")).to_have_text(stage_zh)
        assert not scrolls_sideways(page), f"the stage page scrolls sideways at {viewport['width']} px"
        crumb = page.locator(".breadcrumb a", has_text=LONG_CHINESE_NAME[:12])
        box = crumb.bounding_box()
        line = crumb.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || e.getClientRects()[0].height")
        assert box["x"] + box["width"] <= viewport["width"], "the project's name runs past the window's edge"
        assert box["height"] > 1.5 * line, "the long name stays on one line (cut off or overflowing)"
