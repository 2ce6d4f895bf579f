"""The three flows people come for, driven in headless Chromium: what they do, and what they see.

1. A submitter registers a project (after one mistake), sees its tier explained, attaches evidence to
   the Design stage and submits it.
2. Two reviewers find the stage in their queue, record verdicts and sign (one wrong password first).
3. The submitter downloads the signed PDF record; anyone can check it on the public verification page.

Each test builds its own people and projects (preconditions through the services, committed on the
live server's database), so the tests can run alone and in any order.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviewboard.reviews import lifecycle
from tests.browser.conftest import (
    README_SHOTS,
    LiveServer,
    Person,
    outside_event_loop,
    readme_screenshots_wanted,
    save_readme_png,
)

pytestmark = pytest.mark.browser

MEANING = "Approved as ethics reviewer, stage Design"
NOT_SIGNED = "The password is not correct. Nothing was signed."

# Questionnaire answers as a person reads them on the form: labels, not stored values.
SELECTS = {
    "What kind of AI system is it?": "Classification or scoring of people or cases",
    "Where will it be deployed?": "Offered to business customers",
    "How much does a person stay in control?": "A person approves each action the system proposes",
    "How many people will it affect?": "Up to 100,000 people",
}
DATA_CATEGORIES = ["Personal data", "Sensitive personal data (health, beliefs, ethnicity, sexuality)"]
YES_NO = {
    "Does it inform decisions about people's access to jobs, credit, education, benefits, housing or justice?": "Yes",
    "Could a failure cause physical harm to people?": "No",
    "Does it publish synthetic content that the public may take for real?": "No",
    "Could it influence people through techniques they are not aware of, or exploit their vulnerabilities?": "No",
    "Does it rate people's trustworthiness from their social behaviour for use in unrelated contexts?": "No",
    "Does it identify people remotely in real time in publicly accessible spaces?": "No",
}


# ------------------------------------------------------------------------------------------------ helpers


def sign_in(page: Page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {person.name}")).to_be_visible()
    page.wait_for_load_state("load")  # style sheets applied: a loaded machine can show the heading before them


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page, text: str):
    return page.locator(".alert", has_text=text)


def choice(page: Page, group: str, option: str):
    """A radio button as a person finds it: the option's label inside the fieldset with that legend."""
    return page.get_by_role("group", name=group, exact=True).get_by_label(option, exact=True)


def field_error(page: Page, field_id: str):
    """The error message rendered beside a form field (same form group as the control)."""
    return page.locator(f".mb-3:has(#{field_id}) .invalid-feedback")


def high_risk_project(live: LiveServer, owner: Person, waiting_days: int = 2, **fields) -> tuple[int, int]:
    """A high-tier project whose Design stage has evidence and has been in review for ``waiting_days`` (as in
    a committee's queue, not all submitted this minute). Returns (project id, stage id)."""
    from datetime import timedelta

    from reviewboard.auth.models import User
    from reviewboard.models.base import clock_at, utcnow
    from tests.support.factories import Factory

    with live.session() as session, clock_at(utcnow() - timedelta(days=waiting_days, hours=3)):
        make = Factory(session)
        user = session.get(User, owner.id)
        project = make.project(user, answers={"affects_rights": "yes"}, **fields)
        stage = project.stages[0]
        make.evidence(stage, actor=user, filename="use-case-brief.md",
                      data=f"# {project.name}\n\n{project.purpose}\n".encode())
        lifecycle.submit_stage(user, stage, "Design dossier, first submission.", stage.version)
        return project.id, stage.id


def signoff_count(live: LiveServer, stage_id: int) -> int:
    from sqlalchemy import func, select

    from reviewboard.reviews.models import SignOff, SubmissionRound

    with live.session() as session:
        return session.scalar(select(func.count(SignOff.id))
                              .join(SubmissionRound, SignOff.round_id == SubmissionRound.id)
                              .where(SubmissionRound.stage_review_id == stage_id))


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


# ------------------------------------------------------------------------------------ 1. submit a project


def test_submitter_registers_project_and_submits_design_stage(live_server, page, shot):
    name = "Loan pre-screening assistant"
    purpose = "Ranks incoming loan applications so that credit officers review the riskiest first."
    sam = live_server.add_user("Sam Submitter", "submitter")

    sign_in(page, sam)
    shot(page, "submit-signed-in")
    page.get_by_role("link", name="Register a project", exact=True).click()
    expect(heading(page)).to_have_text("Register an AI project")

    # Fill in everything as a person would, then clear the name by mistake and save.
    page.get_by_label("Project name", exact=True).fill(name)
    page.get_by_label("Purpose", exact=True).fill(purpose)
    page.get_by_label("Intended users", exact=True).fill("Credit officers in the retail bank's back office.")
    page.get_by_label("Application scenario", exact=True).fill(
        "Batch ranking every morning; officers see the score and the factors behind it.")
    for label, option in SELECTS.items():
        page.get_by_label(label, exact=True).select_option(label=option)
    for label in DATA_CATEGORIES:
        page.get_by_label(label, exact=True).check()
    for question, answer in YES_NO.items():
        choice(page, question, answer).check()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "submit-form-complete", readme="02-register-project")
    page.get_by_label("Project name", exact=True).clear()
    page.get_by_role("button", name="Save project").click()

    # The form comes back with an error beside the name, and keeps everything else that was typed.
    expect(field_error(page, "name")).to_have_text("This field is required.")
    expect(page.get_by_label("Project name", exact=True)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("Purpose", exact=True)).to_have_value(purpose)
    expect(page.get_by_label("How many people will it affect?", exact=True)).to_have_value("organisation")
    for label in DATA_CATEGORIES:
        expect(page.get_by_label(label, exact=True)).to_be_checked()
    for question, answer in YES_NO.items():
        expect(choice(page, question, answer)).to_be_checked()
    expect(page.locator(".invalid-feedback")).to_have_count(1)  # only the name is wrong
    shot(page, "submit-name-missing")

    page.get_by_label("Project name", exact=True).fill(name)
    page.get_by_role("button", name="Save project").click()

    # The project page: tier badge, and the rules that set it with the answers behind them.
    expect(flash(page, "Project registered with tier High.")).to_be_visible()
    expect(heading(page)).to_have_text(name)
    expect(page.locator("h1 + div .badge")).to_have_text("High risk")
    expect(page.get_by_role("heading", name="Why the tier is high")).to_be_visible()
    rules = page.locator("h2:has-text('Why the tier is high') + .table-responsive table")
    expect(rules.get_by_role("row").filter(has_text="T-HIGH-RIGHTS")).to_contain_text("Yes")
    expect(rules.get_by_role("row").filter(has_text="T-MEDIUM-PERSONAL")).to_be_visible()
    shot(page, "submit-project-tier", readme="03-project-tier")

    # Design stage: attach evidence on the criterion's own card and see its SHA-256.
    design = page.locator(".rb-stages li", has_text="Design")
    expect(design).to_contain_text("Draft")
    design.get_by_role("link", name="Open stage").click()
    expect(heading(page)).to_contain_text("Design review")
    expect(heading(page)).to_contain_text("Draft")
    evidence = b"# Impact assessment\n\nWho is affected, how, and what we do about it.\n"
    digest = hashlib.sha256(evidence).hexdigest()
    card = page.locator("#c-RB-DES-01")
    card.locator("summary", has_text="Attach evidence to RB-DES-01").click()
    card.get_by_label("Evidence file", exact=True).set_input_files(
        {"name": "impact-assessment.md", "mimeType": "text/markdown", "buffer": evidence})
    card.get_by_role("button", name="Attach evidence to RB-DES-01").click()
    expect(flash(page, f"Attached impact-assessment.md to RB-DES-01 (SHA-256 {digest[:16]}")).to_be_visible()
    expect(card.get_by_role("link", name="impact-assessment.md")).to_be_visible()
    expect(card.locator("code.rb-hash")).to_have_text(digest)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "submit-evidence-attached", readme="04-stage-evidence")

    page.get_by_label("Note to reviewers (optional)", exact=True).fill("Impact assessment attached.")
    page.get_by_label("Submit without evidence for the criteria listed above").check()  # the others come later
    page.get_by_role("button", name="Submit stage for review").click()
    expect(flash(page, "Design submitted for review (round 1).")).to_be_visible()
    expect(heading(page)).to_contain_text("In review")
    expect(page.get_by_text("Attach evidence to RB-DES-01")).to_have_count(0)
    expect(page.get_by_text("Round 1 · submitted")).to_contain_text("by Sam Submitter")
    shot(page, "submit-in-review")

    page.get_by_role("link", name="Dashboard", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    expect(row).to_contain_text("High risk")
    expect(row).to_contain_text("Design In review")
    shot(page, "submit-dashboard", readme="01-dashboard")


# ------------------------------------------------------------------------------- 2. review queue and sign


def _review_and_sign(page: Page, shot, reviewer: Person, project: str, live: LiveServer, stage_id: int,
                     wrong_password_first: bool, signed_before: int) -> None:
    tag = reviewer.name.split()[0].lower()
    sign_in(page, reviewer)
    page.get_by_role("link", name="Review queue", exact=True).click()
    expect(heading(page)).to_have_text("Review queue")
    page.get_by_label("Tier", exact=True).select_option(label="High")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]tier=high\b"))
    expect(page.get_by_label("Tier", exact=True)).to_have_value("high")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=project))
    expect(row).to_contain_text("Design")
    expect(row).to_contain_text("High risk")
    expect(row).to_contain_text(f"{signed_before} of 2")
    shot(page, f"review-{tag}-queue", readme="05-review-queue" if signed_before == 0 else None)

    row.get_by_role("link", name=project).click()
    expect(heading(page)).to_contain_text("Design review")
    expect(heading(page)).to_contain_text("In review")
    # Before the submission itself: the conflict-of-interest declaration (tests/browser/test_conflict_declaration.py)
    choice(page, "Do you have a conflict of interest with this project or its team?",
           "No conflict of interest").check()
    page.get_by_role("button", name="Declare").click()
    expect(flash(page, "you declared no conflict of interest")).to_be_visible()
    criteria = page.locator("article.rb-criterion")
    count = criteria.count()
    assert count >= 2, "a high-tier Design stage has several criteria"
    codes = [c.get_attribute("id").removeprefix("c-") for c in criteria.all()]
    partial = codes[-1]
    rationale = "The stop procedure is described, but nobody is named to act on drift alerts."
    for code in codes[:-1]:
        choice(page, f"Verdict on {code}", "Meets").check()
    choice(page, f"Verdict on {partial}", "Partially meets").check()
    page.get_by_label(f"Rationale for {partial}").fill(rationale)
    choice(page, "Your decision", "Approve").check()
    # Frame the last verdict, its rationale and the decision block (the README picture).
    page.locator(f"#c-{partial} .rb-verdict").evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, f"review-{tag}-verdicts", readme="06-review-form" if signed_before == 0 else None)

    password = page.get_by_label("Your password (required to sign)", exact=True)
    email = page.get_by_label("Your e-mail", exact=True)
    # 21 CFR 11.200(a): the first signature of a session asks for the e-mail as well
    expect(email).to_be_visible()
    email.fill(reviewer.email)
    if wrong_password_first:
        password.fill("not my password at all")
        page.get_by_role("button", name="Sign decision").click()
        expect(field_error(page, "password")).to_have_text(NOT_SIGNED)
        expect(heading(page)).to_contain_text("In review")
        expect(page.locator(".rb-signature")).to_have_count(signed_before)
        assert signoff_count(live, stage_id) == signed_before
        # What the reviewer chose is still there; only the password must be typed again.
        expect(choice(page, f"Verdict on {partial}", "Partially meets")).to_be_checked()
        expect(page.get_by_label(f"Rationale for {partial}")).to_have_value(rationale)
        expect(choice(page, "Your decision", "Approve")).to_be_checked()
        expect(password).to_have_value("")
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link", name=re.compile("The password is not correct"))).to_be_visible()
        shot(page, f"review-{tag}-wrong-password")
        email.fill(reviewer.email)

    password.fill(reviewer.password)
    page.get_by_role("button", name="Sign decision").click()
    expect(flash(page, "Your decision is signed.")).to_be_visible()
    signature = page.locator(".rb-signature", has_text=reviewer.name)
    expect(signature).to_contain_text(MEANING)
    assert signoff_count(live, stage_id) == signed_before + 1
    if signed_before == 0:  # not yet decided: the page says so instead of offering the form again
        expect(page.get_by_text("You signed this round")).to_be_visible()
        expect(page.get_by_role("button", name="Sign decision")).to_have_count(0)


def test_reviewers_find_stage_in_queue_and_sign(live_server, new_page, shot):
    project = "Emergency triage assistant"
    owner = live_server.add_user("Alice Submitter", "submitter")
    rita = live_server.add_user("Rita Reviewer", "reviewer")
    ravi = live_server.add_user("Ravi Reviewer", "reviewer")
    _, stage_id = high_risk_project(
        live_server, owner, waiting_days=9, name=project,
        purpose="Suggests an urgency level for incoming patients; nurses decide.",
        intended_users="Triage nurses in the emergency department.", system_type="decision_support",
        scenario="Beside the triage desk; each suggestion is shown with the factors behind it.",
        data_categories=["personal", "sensitive"], autonomy_level="human_in_loop", scale="organisation")

    first = new_page()
    _review_and_sign(first, shot, rita, project, live_server, stage_id, wrong_password_first=True, signed_before=0)
    expect(heading(first)).to_contain_text("In review")  # one signature of two: not decided yet
    expect(first.get_by_role("link", name=re.compile("Download signed record"))).to_have_count(0)
    shot(first, "review-rita-signed")

    second = new_page()
    _review_and_sign(second, shot, ravi, project, live_server, stage_id, wrong_password_first=False, signed_before=1)
    expect(heading(second)).to_contain_text("Approved")
    expect(second.get_by_role("link", name="Download signed record v1 (PDF)")).to_be_visible()
    expect(second.locator(".rb-signature")).to_have_count(2)
    expect(second.get_by_text("Round 1 · submitted")).to_contain_text("Approved")
    second.evaluate("window.scrollTo(0, 0)")
    shot(second, "review-decided", readme="07-signed-record")

    # The queue no longer offers the decided stage.
    second.goto("/queue?status=all")
    expect(second.get_by_role("link", name=project)).to_have_count(0)


# ------------------------------------------------------------------------ 3. download and verify the PDF


@pytest.mark.real_records
def test_submitter_downloads_signed_record_and_anyone_verifies_it(live_server, new_page, shot, signing_dir,
                                                                   tmp_path):
    from reviewboard.auth.models import User
    from reviewboard.records.models import Record
    from reviewboard.records.signing import verify_pdf
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.models import StageReview
    from reviewboard.reviews.workflow import Outcome, VerdictValue

    project = "Benefits eligibility pre-check"
    owner = live_server.add_user("Bob Builder", "submitter")
    rita = live_server.add_user("Rita Reviewer", "reviewer")
    ravi = live_server.add_user("Ravi Reviewer", "reviewer")
    _, stage_id = high_risk_project(
        live_server, owner, name=project,
        purpose="Flags benefit applications with missing or inconsistent documents before a caseworker decides.",
        intended_users="Caseworkers at the regional benefits office.", system_type="classifier",
        scenario="Runs when an application is filed; the caseworker sees each flag with the document behind it.",
        deployment_context="public_sector", data_categories=["personal", "sensitive"],
        autonomy_level="human_in_loop", scale="large")

    def both_reviewers_approve():  # issues the signed record (pyHanko): off Playwright's event loop
        with live_server.session() as session:
            for reviewer, partial in ((rita, False), (ravi, True)):
                user = session.get(User, reviewer.id)
                stage = session.get(StageReview, stage_id)
                criteria = stage.applicable_criteria()
                entries = [reviews.VerdictEntry(c.id, VerdictValue.MEETS, "") for c in criteria]
                if partial:
                    entries[-1] = reviews.VerdictEntry(criteria[-1].id, VerdictValue.PARTIALLY_MEETS,
                                                       "The appeal route for a wrong flag is not yet tested.")
                reviews.save_verdicts(user, stage, entries)
                reviews.sign_decision(user, stage, Outcome.APPROVE, reviewer.password)

    outside_event_loop(both_reviewers_approve)

    page = new_page()
    sign_in(page, owner)
    # the dashboard says what was decided since the last visit, with the record
    decided = page.locator("section[aria-labelledby=h-decided]")
    expect(decided.get_by_role("link", name=f"{project} — Design")).to_be_visible()
    expect(decided.get_by_role("link", name=re.compile(r"record RB-\d+-DES v1 \(PDF\)"))).to_be_visible()
    page.get_by_role("link", name=project, exact=True).click()
    design = page.locator(".rb-stages li", has_text="Design")
    expect(design).to_contain_text("Approved")
    expect(design.get_by_role("link", name=re.compile(r"Record RB-\d+-DES v1 \(PDF\)"))).to_be_visible()
    design.get_by_role("link", name="Open stage").click()
    expect(heading(page)).to_contain_text("Approved")
    download_link = page.get_by_role("link", name="Download signed record v1 (PDF)")
    expect(download_link).to_be_visible()
    shot(page, "record-stage-decided")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    digest = hashlib.sha256(pdf).hexdigest()

    check = outside_event_loop(verify_pdf, pdf, [signing_dir / "signing-cert.pem"])
    assert check.ok, check.reason
    expect(page.locator(".alert-success code.rb-hash")).to_have_text(digest)  # the hash shown is the file's
    with live_server.session() as session:
        stored = session.query(Record).filter_by(stage_review_id=stage_id).one()
        assert stored.version == 1 and stored.pdf == pdf
        public_id = stored.public_id
    text = pdf_text(pdf_path)
    assert project in text and "The appeal route for a wrong flag is not yet tested." in text
    signatures = text[text.index("Signatures"):]  # the signature section, after the verdicts
    for expected in (rita.name, ravi.name, MEANING):
        assert expected in signatures, f"{expected!r} not in the PDF's signature section"
    assert signatures.count(MEANING) == 2

    # Anyone, signed in or not, can check the file on the public page.
    public = new_page()
    public.goto("/verify")
    expect(public.get_by_role("link", name="Sign in")).to_be_visible()
    expect(heading(public)).to_have_text("Verify a signed record")
    public.get_by_label("Signed record (PDF)", exact=True).set_input_files(str(pdf_path))
    public.get_by_role("button", name="Verify").click()
    result = public.get_by_role("status").filter(has_text="Valid record")
    expect(result).to_be_visible()
    expect(result).not_to_contain_text("Not valid")
    facts = public.locator("dl.rb-dl")
    expect(facts.locator("dt:text-is(\"Matches ReviewBoard's copy\") + dd")).to_have_text(f"Yes: {public_id} v1")
    expect(facts.locator("dt:text-is('Record (as embedded)') + dd")).to_have_text(f"{public_id} version 1")
    expect(facts.locator("dt:text-is('File SHA-256 (this PDF)') + dd code.rb-hash")).to_have_text(digest)
    shot(public, "record-verified", readme="08-verify-page")

    # A copy altered by one byte is refused.
    tampered = bytearray(pdf)
    middle = len(tampered) // 2
    tampered[middle] = (tampered[middle] + 1) % 256
    public.get_by_label("Signed record (PDF)", exact=True).set_input_files(
        {"name": "tampered.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)})
    public.get_by_role("button", name="Verify").click()
    expect(public.get_by_role("status").filter(has_text="Not valid")).to_be_visible()
    expect(public.get_by_text("Valid record", exact=True)).to_have_count(0)
    shot(public, "record-tampered")

    if readme_screenshots_wanted() and live_server.engine == "sqlite":
        prefix = tmp_path / "record-page"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                        str(prefix)], check=True)
        save_readme_png(prefix.with_suffix(".png").read_bytes(), "09-record-pdf")
        assert (README_SHOTS / "09-record-pdf.png").exists()
