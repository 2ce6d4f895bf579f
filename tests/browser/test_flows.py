"""The three flows people come for, driven in headless Chromium: what they do, and what they see.

1. A submitter registers a project (after one mistake), sees its tier explained, attaches evidence to
   the Design stage and submits it.
2. Two reviewers (the second a chair) find the stage in their queue, record verdicts and sign (one wrong
   password first).
3. The submitter downloads the signed PDF record; anyone can check it on the public verification page.

Each flow is walked twice: by English-speaking people, and by Chinese-speaking ones whose profiles and
browsers ask for zh-Hans (the ``tongue`` fixture, tests/browser/tongues.py). The Chinese walk finds every
button and label by its Chinese text and checks each page it visits for English left on it.

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
from tests.browser.tongues import ENGLISH, Tongue

pytestmark = pytest.mark.browser

# a signature's meaning is signed text, kept in English (the PDF's signature section prints it); pages show it in
# the reader's language, rebuilt from its parts (reviews/labels.py)
MEANING = "Approved as ethics reviewer, stage Design"
CHAIR_MEANING = "Approved as committee chair, stage Design"
ROLES = {MEANING: "Ethics reviewer", CHAIR_MEANING: "Committee chair"}


def shown_meaning(tongue: Tongue, meaning: str) -> str:
    """A signed meaning as a page in ``tongue`` shows it."""
    if tongue.source:
        return meaning
    return tongue.t("%(outcome)s as %(role)s, stage %(stage)s", outcome=tongue.t("Approved"),
                    role=tongue.t(ROLES[meaning]), stage=tongue.stage("Design"))
NOT_SIGNED = "The password is not correct. Nothing was signed."

# Questionnaire answers (question id: option id); the walk finds each by its label in the walker's language.
SELECTS = {"system_type": "classifier", "deployment_context": "business", "autonomy_level": "human_in_loop",
           "scale": "organisation"}
DATA_CATEGORIES = ["personal", "sensitive"]
YES_NO = {"affects_rights": "yes", "safety_critical": "no", "public_content": "no", "manipulation": "no",
          "social_scoring": "no", "remote_biometric_public": "no"}


# What people type about their projects, by language (Tongue.texts picks the walker's).
TRIAGE = {
    "en": dict(name="Emergency triage assistant", intended_users="Triage nurses in the emergency department.",
               purpose="Suggests an urgency level for incoming patients; nurses decide.",
               scenario="Beside the triage desk; each suggestion is shown with the factors behind it."),
    "zh-Hans": dict(name="急诊分诊辅助系统", purpose="为新到的病人建议紧急程度，由护士决定。",
                    intended_users="急诊科的分诊护士。", scenario="在分诊台旁使用；每条建议都附有其依据的因素。"),
}
BENEFITS = {
    "en": dict(name="Benefits eligibility pre-check", intended_users="Caseworkers at the regional benefits office.",
               purpose="Flags benefit applications with missing or inconsistent documents before a caseworker decides.",
               scenario="Runs when an application is filed; the caseworker sees each flag with the document behind"
                        " it."),
    "zh-Hans": dict(name="社会救助资格预审", purpose="在经办人员作出决定前，标记材料缺失或不一致的救助申请。",
                    intended_users="地区社会救助经办机构的经办人员。",
                    scenario="申请提交时运行；经办人员能看到每个标记及其所依据的材料。"),
}


# ------------------------------------------------------------------------------------------------ helpers


def person(live: LiveServer, tongue: Tongue, names: tuple[str, str], *roles: str) -> Person:
    """An account named in the walk's language (English, Chinese), its profile set to that language."""
    return live.add_user(tongue.pick(*names), *roles, language=tongue.code)


def sign_in(page: Page, person: Person, tongue: Tongue = ENGLISH, *user_text: str) -> None:
    """Sign in on the sign-in page and land on the dashboard, both read in ``tongue`` (``user_text``: what
    the dashboard shows that people typed, such as project names)."""
    t = tongue.t
    page.goto("/login")
    tongue.read(page, "sign-in page")
    page.get_by_label(t("E-mail"), exact=True).fill(person.email)
    page.get_by_label(t("Password"), exact=True).fill(person.password)
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("heading", name=t("Welcome, %(name)s", name=person.name))).to_be_visible()
    page.wait_for_load_state("load")  # style sheets applied: a loaded machine can show the heading before them
    tongue.read(page, "dashboard", person.name, *user_text)


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


def high_risk_project(live: LiveServer, owner: Person, waiting_days: int = 2, pipeline_id: int | None = None,
                      **fields) -> tuple[int, int]:
    """A high-tier project whose Design stage has evidence and has been in review for ``waiting_days`` (as in
    a committee's queue, not all submitted this minute), under the default pipeline unless ``pipeline_id`` names
    another. Returns (project id, stage id)."""
    from datetime import timedelta

    from reviewboard.auth.models import User
    from reviewboard.models.base import clock_at, utcnow
    from reviewboard.pipelines.models import Pipeline
    from tests.support.factories import Factory

    with live.session() as session, clock_at(utcnow() - timedelta(days=waiting_days, hours=3)):
        make = Factory(session)
        user = session.get(User, owner.id)
        pipeline = session.get(Pipeline, pipeline_id) if pipeline_id else None
        project = make.project(user, answers={"affects_rights": "yes"}, pipeline=pipeline, **fields)
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


def test_submitter_registers_project_and_submits_design_stage(live_server, new_page, shot, tongue, walk_pipeline):
    t, pick = tongue.t, tongue.pick
    name = pick("Loan pre-screening assistant", "个人贷款预审助手")
    purpose = pick("Ranks incoming loan applications so that credit officers review the riskiest first.",
                   "对新收到的贷款申请排序，让信贷员先审查风险最高的申请。")
    users = pick("Credit officers in the retail bank's back office.", "零售银行后台的信贷员。")
    scenario = pick("Batch ranking every morning; officers see the score and the factors behind it.",
                    "每天早上批量排序；信贷员能看到评分及其依据的因素。")
    sam = person(live_server, tongue, ("Sam Submitter", "孙晓梅"), "submitter")
    design, high = tongue.stage("Design"), tongue.tier("high")
    typed = (name, purpose, users, scenario, sam.name)
    page = new_page(locale=tongue.browser_locale)

    sign_in(page, sam, tongue)
    shot(page, "submit-signed-in")
    page.get_by_role("link", name=t("Register a project"), exact=True).click()
    expect(heading(page)).to_have_text(t("Register an AI project"))
    tongue.read(page, "project form")

    # Fill in everything as a person would, then clear the name by mistake and save.
    page.get_by_label(t("Project name"), exact=True).fill(name)
    page.get_by_label(t("Purpose"), exact=True).fill(purpose)
    page.get_by_label(t("Intended users"), exact=True).fill(users)
    page.get_by_label(t("Application scenario"), exact=True).fill(scenario)
    if walk_pipeline:  # the pipelines' names are checked by read()
        page.get_by_label(t("Review pipeline"), exact=True).select_option(value=str(walk_pipeline))
    for question, option in SELECTS.items():  # each option's text is on the page: read() checks it
        page.get_by_label(tongue.question(question), exact=True).select_option(value=option)
    for category in DATA_CATEGORIES:
        page.get_by_label(tongue.answer("data_categories", [category]), exact=True).check()
    for question, answer in YES_NO.items():
        choice(page, tongue.question(question), tongue.answer(question, answer)).check()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "submit-form-complete", readme=tongue.readme("02-register-project"))
    page.get_by_label(t("Project name"), exact=True).clear()
    page.get_by_role("button", name=t("Save project")).click()

    # The form comes back with an error beside the name, and keeps everything else that was typed.
    expect(field_error(page, "name")).to_have_text(t("This field is required."))
    expect(page.get_by_label(t("Project name"), exact=True)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label(t("Purpose"), exact=True)).to_have_value(purpose)
    expect(page.get_by_label(tongue.question("scale"), exact=True)).to_have_value("organisation")
    for category in DATA_CATEGORIES:
        expect(page.get_by_label(tongue.answer("data_categories", [category]), exact=True)).to_be_checked()
    for question, answer in YES_NO.items():
        expect(choice(page, tongue.question(question), tongue.answer(question, answer))).to_be_checked()
    expect(page.locator(".invalid-feedback")).to_have_count(1)  # only the name is wrong
    tongue.read(page, "project form with an error", *typed)
    shot(page, "submit-name-missing")

    page.get_by_label(t("Project name"), exact=True).fill(name)
    page.get_by_role("button", name=t("Save project")).click()

    # The project page: tier badge, and the rules that set it with the answers behind them.
    expect(flash(page, tongue.pattern("Project registered with tier %(tier)s. Registration duties: %(duties)s "
                                      "(see below).", tier=high))).to_be_visible()
    expect(heading(page)).to_have_text(name)
    expect(page.locator("h1 + div .badge")).to_have_text(tongue.pattern("%(tier)s risk", tier=high))
    why = t("Why the tier is %(tier)s", tier=high.lower())
    expect(page.get_by_role("heading", name=why)).to_be_visible()
    rules = page.locator("h2", has_text=why).locator("+ .table-responsive table")
    expect(rules.get_by_role("row").filter(has_text="T-HIGH-RIGHTS")).to_contain_text(
        tongue.answer("affects_rights", "yes"))
    expect(rules.get_by_role("row").filter(has_text="T-MEDIUM-PERSONAL")).to_be_visible()
    tongue.read(page, "project page", *typed)
    shot(page, "submit-project-tier", readme=tongue.readme("03-project-tier"))

    # Design stage: attach evidence on the criterion's own card and see its SHA-256.
    stage = page.locator(".rb-stages li", has_text=design)
    expect(stage).to_contain_text(t("Draft"))
    stage.get_by_role("link", name=t("Open stage")).click()
    expect(heading(page)).to_contain_text(tongue.pattern("%(stage)s review", stage=design))
    expect(heading(page)).to_contain_text(t("Draft"))
    tongue.read(page, "stage page (draft)", *typed)
    evidence = b"# Impact assessment\n\nWho is affected, how, and what we do about it.\n"
    digest = hashlib.sha256(evidence).hexdigest()
    card = page.locator("#c-RB-DES-01")
    attach = t("Attach evidence to %(code)s", code="RB-DES-01")
    card.locator("summary", has_text=attach).click()
    card.get_by_label(t("Evidence file"), exact=True).set_input_files(
        {"name": "impact-assessment.md", "mimeType": "text/markdown", "buffer": evidence})
    card.get_by_role("button", name=tongue.pattern('Attach<span class="visually-hidden"> evidence to %(code)s</span>',
                                                   code="RB-DES-01")).click()
    expect(flash(page, t("Attached %(file)s to %(code)s (SHA-256 %(sha)s…).", file="impact-assessment.md",
                         code="RB-DES-01", sha=digest[:16]))).to_be_visible()
    expect(card.get_by_role("link", name="impact-assessment.md")).to_be_visible()
    expect(card.locator("code.rb-hash")).to_have_text(digest)
    tongue.read(page, "stage page (evidence attached)", *typed)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "submit-evidence-attached", readme=tongue.readme("04-stage-evidence"))

    page.get_by_label(t("Note to reviewers (optional)"), exact=True).fill(pick("Impact assessment attached.",
                                                                               "已附影响评估。"))
    page.get_by_label(t("Submit without evidence for the criteria listed above")).check()  # the others come later
    page.get_by_role("button", name=t("Submit stage for review")).click()
    submitted = tongue.pattern("%(stage)s submitted for review (round %(round)s).", stage=design, round=1)
    expect(flash(page, submitted)).to_be_visible()
    expect(heading(page)).to_contain_text(t("In review"))
    expect(page.get_by_text(attach)).to_have_count(0)
    expect(page.get_by_text(tongue.opening("<strong>Round %(n)s</strong> · submitted %(at)s by %(name)s", n=1,
                                           name=sam.name))).to_contain_text(sam.name)
    tongue.read(page, "stage page (in review)", *typed)
    shot(page, "submit-in-review")

    page.get_by_role("link", name=t("Dashboard"), exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    expect(row).to_contain_text(tongue.pattern("%(tier)s risk", tier=high))
    expect(row).to_contain_text(design)
    expect(row).to_contain_text(t("In review"))
    tongue.read(page, "dashboard", *typed)
    shot(page, "submit-dashboard", readme=tongue.readme("01-dashboard"))


# ------------------------------------------------------------------------------- 2. review queue and sign


def _review_and_sign(page: Page, shot, tongue: Tongue, reviewer: Person, project: str, live: LiveServer,
                     stage_id: int, wrong_password_first: bool, signed_before: int, meaning: str = MEANING) -> None:
    t, tag = tongue.t, f"{tongue.code}-{reviewer.id}"
    design = tongue.stage("Design")
    rationale = tongue.pick("The stop procedure is described, but nobody is named to act on drift alerts.",
                            "已说明停机流程，但没有指定由谁处理模型漂移告警。")
    typed = (reviewer.name, project, rationale)
    sign_in(page, reviewer, tongue, *typed)
    page.get_by_role("link", name=t("Review queue"), exact=True).click()
    expect(heading(page)).to_have_text(t("Review queue"))
    page.get_by_label(t("Tier"), exact=True).select_option(value="high")
    page.get_by_role("button", name=t("Filter")).click()
    expect(page).to_have_url(re.compile(r"[?&]tier=high\b"))
    expect(page.get_by_label(t("Tier"), exact=True)).to_have_value("high")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=project))
    expect(row).to_contain_text(design)
    expect(row).to_contain_text(tongue.pattern("%(tier)s risk", tier=tongue.tier("high")))
    expect(row).to_contain_text(t("%(signed)s of %(quorum)s", signed=signed_before, quorum=2))
    tongue.read(page, "review queue", *typed)
    shot(page, f"review-{tag}-queue", readme=tongue.readme("05-review-queue") if signed_before == 0 else None)

    row.get_by_role("link", name=project).click()
    expect(heading(page)).to_contain_text(tongue.pattern("%(stage)s review", stage=design))
    expect(heading(page)).to_contain_text(t("In review"))
    tongue.read(page, "stage page (conflict declaration)", *typed)
    # Before the submission itself: the conflict-of-interest declaration (tests/browser/test_conflict_declaration.py)
    choice(page, t("Do you have a conflict of interest with this project or its team?"),
           t("No conflict of interest")).check()
    page.get_by_role("button", name=t("Declare")).click()
    expect(flash(page, t("Thank you: you declared no conflict of interest and can now review."))).to_be_visible()
    tongue.read(page, "stage page (review form)", *typed)
    criteria = page.locator("article.rb-criterion")
    count = criteria.count()
    assert count >= 2, "a high-tier Design stage has several criteria"
    codes = [c.get_attribute("id").removeprefix("c-") for c in criteria.all()]
    partial = codes[-1]
    for code in codes[:-1]:
        choice(page, t("Verdict on %(code)s", code=code), t("Meets")).check()
    choice(page, t("Verdict on %(code)s", code=partial), t("Partially meets")).check()
    page.get_by_label(t("Rationale for %(code)s", code=partial)).fill(rationale)
    choice(page, t("Your decision"), t("Approve")).check()
    # Frame the last verdict, its rationale and the decision block (the README picture).
    page.locator(f"#c-{partial} .rb-verdict").evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, f"review-{tag}-verdicts", readme=tongue.readme("06-review-form") if signed_before == 0 else None)

    password = page.get_by_label(t("Your password (required to sign)"), exact=True)
    email = page.get_by_label(t("Your e-mail"), exact=True)
    # 21 CFR 11.200(a): the first signature of a session asks for the e-mail as well
    expect(email).to_be_visible()
    email.fill(reviewer.email)
    if wrong_password_first:
        password.fill("not my password at all")
        page.get_by_role("button", name=t("Sign decision")).click()
        expect(field_error(page, "password")).to_have_text(t(NOT_SIGNED))
        expect(heading(page)).to_contain_text(t("In review"))
        expect(page.locator(".rb-signature")).to_have_count(signed_before)
        assert signoff_count(live, stage_id) == signed_before
        # What the reviewer chose is still there; only the password must be typed again.
        expect(choice(page, t("Verdict on %(code)s", code=partial), t("Partially meets"))).to_be_checked()
        expect(page.get_by_label(t("Rationale for %(code)s", code=partial))).to_have_value(rationale)
        expect(choice(page, t("Your decision"), t("Approve"))).to_be_checked()
        expect(password).to_have_value("")
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link", name=t(NOT_SIGNED))).to_be_visible()
        tongue.read(page, "stage page (signature refused)", *typed, reviewer.email)
        shot(page, f"review-{tag}-wrong-password")
        email.fill(reviewer.email)

    password.fill(reviewer.password)
    page.get_by_role("button", name=t("Sign decision")).click()
    expect(flash(page, t("Your decision is signed."))).to_be_visible()
    signature = page.locator(".rb-signature", has_text=reviewer.name)
    expect(signature).to_contain_text(shown_meaning(tongue, meaning))
    assert signoff_count(live, stage_id) == signed_before + 1
    if signed_before == 0:  # not yet decided: the page says so instead of offering the form again
        expect(page.get_by_text(tongue.opening("You signed this round on %(at)s: “%(meaning)s”. The stage is decided "
                                               "when %(quorum)s reviewers have signed (%(signed)s so far).")
                                )).to_be_visible()
        expect(page.get_by_role("button", name=t("Sign decision"))).to_have_count(0)
        tongue.read(page, "stage page (signed, not decided)", *typed)


def test_reviewers_find_stage_in_queue_and_sign(live_server, new_page, shot, tongue, walk_pipeline):
    t = tongue.t
    texts = tongue.texts(TRIAGE)
    project = texts["name"]
    owner = person(live_server, tongue, ("Alice Submitter", "刘丽"), "submitter")
    rita = person(live_server, tongue, ("Rita Reviewer", "王芳"), "reviewer")
    chair = person(live_server, tongue, ("Carl Chair", "陈主任"), "chair", "reviewer")
    _, stage_id = high_risk_project(live_server, owner, waiting_days=9, pipeline_id=walk_pipeline,
                                    system_type="decision_support",
                                    data_categories=["personal", "sensitive"], autonomy_level="human_in_loop",
                                    scale="organisation", **texts)
    typed = (project, owner.name, rita.name, chair.name)

    first = new_page(locale=tongue.browser_locale)
    _review_and_sign(first, shot, tongue, rita, project, live_server, stage_id, wrong_password_first=True,
                     signed_before=0)
    expect(heading(first)).to_contain_text(t("In review"))  # one signature of two: not decided yet
    expect(first.get_by_role("link", name=re.compile(re.escape(t("Download signed record v%(version)s (PDF)",
                                                                    version=1))))).to_have_count(0)
    shot(first, f"review-{tongue.code}-rita-signed")

    second = new_page(locale=tongue.browser_locale)
    _review_and_sign(second, shot, tongue, chair, project, live_server, stage_id, wrong_password_first=False,
                     signed_before=1, meaning=CHAIR_MEANING)
    expect(heading(second)).to_contain_text(t("Approved"))
    expect(second.get_by_role("link", name=t("Download signed record v%(version)s (PDF)", version=1))).to_be_visible()
    expect(second.locator(".rb-signature")).to_have_count(2)
    expect(second.get_by_text(tongue.opening("<strong>Round %(n)s</strong> · submitted %(at)s by %(name)s", n=1,
                                             name=owner.name))).to_contain_text(t("Approved"))
    tongue.read(second, "stage page (decided)", *typed)
    second.evaluate("window.scrollTo(0, 0)")
    shot(second, "review-decided", readme=tongue.readme("07-signed-record"))

    # The queue no longer offers the decided stage.
    second.goto("/queue?status=all")
    expect(second.get_by_role("link", name=project)).to_have_count(0)


# ------------------------------------------------------------------------ 3. download and verify the PDF


@pytest.mark.real_records
def test_submitter_downloads_signed_record_and_anyone_verifies_it(live_server, new_page, shot, signing_dir,
                                                                   tmp_path, tongue, walk_pipeline):
    from reviewboard.auth.models import User
    from reviewboard.records.models import Record
    from reviewboard.records.signing import verify_pdf
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.models import StageReview
    from reviewboard.reviews.workflow import Outcome, VerdictValue

    t, pick = tongue.t, tongue.pick
    texts = tongue.texts(BENEFITS)
    project = texts["name"]
    appeal = pick("The appeal route for a wrong flag is not yet tested.", "对错误标记的申诉渠道尚未经过测试。")
    owner = person(live_server, tongue, ("Bob Builder", "赵建国"), "submitter")
    rita = person(live_server, tongue, ("Rita Reviewer", "王芳"), "reviewer")
    ravi = person(live_server, tongue, ("Ravi Reviewer", "张伟"), "reviewer")
    _, stage_id = high_risk_project(live_server, owner, pipeline_id=walk_pipeline, system_type="classifier",
                                    deployment_context="public_sector",
                                    data_categories=["personal", "sensitive"], autonomy_level="human_in_loop",
                                    scale="large", **texts)
    typed = (project, owner.name)
    design = tongue.stage("Design")

    def both_reviewers_approve():  # issues the signed record (pyHanko): off Playwright's event loop
        with live_server.session() as session:
            for reviewer, partial in ((rita, False), (ravi, True)):
                user = session.get(User, reviewer.id)
                stage = session.get(StageReview, stage_id)
                criteria = stage.applicable_criteria()
                entries = [reviews.VerdictEntry(c.id, VerdictValue.MEETS, "") for c in criteria]
                if partial:
                    entries[-1] = reviews.VerdictEntry(criteria[-1].id, VerdictValue.PARTIALLY_MEETS, appeal)
                reviews.save_verdicts(user, stage, entries)
                reviews.sign_decision(user, stage, Outcome.APPROVE, reviewer.password)

    outside_event_loop(both_reviewers_approve)
    with live_server.session() as session:
        public_id = session.query(Record).filter_by(stage_review_id=stage_id).one().public_id

    page = new_page(locale=tongue.browser_locale)
    sign_in(page, owner, tongue, *typed)
    # the dashboard says what was decided since the last visit, with the record
    decided = page.locator("section[aria-labelledby=h-decided]")
    expect(decided.get_by_role("link", name=tongue.pattern("%(project)s — %(stage)s", project=project, stage=design))
           ).to_be_visible()
    expect(decided.get_by_role("link", name=t("record %(id)s v%(version)s (PDF)", id=public_id, version=1))
           ).to_be_visible()
    page.get_by_role("link", name=project, exact=True).click()
    tongue.read(page, "project page (decided)", *typed)
    stage = page.locator(".rb-stages li", has_text=design)
    expect(stage).to_contain_text(t("Approved"))
    expect(stage.get_by_role("link", name=t("Record %(id)s v%(version)s (PDF)", id=public_id, version=1))
           ).to_be_visible()
    stage.get_by_role("link", name=t("Open stage")).click()
    expect(heading(page)).to_contain_text(t("Approved"))
    download_link = page.get_by_role("link", name=t("Download signed record v%(version)s (PDF)", version=1))
    expect(download_link).to_be_visible()
    tongue.read(page, "stage page (decided)", *typed, rita.name, ravi.name, appeal)
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
    tongue.read(page, "stage page (record downloaded)", *typed, rita.name, ravi.name, appeal)
    page.get_by_role("link", name=t("Records"), exact=True).click()  # the navbar's list of signed records
    expect(heading(page)).to_have_text(t("Signed records"))
    expect(page.get_by_role("row").filter(has_text=public_id)).to_contain_text(project)
    tongue.read(page, "records page", *typed)
    with live_server.session() as session:
        stored = session.query(Record).filter_by(stage_review_id=stage_id).one()
        assert stored.version == 1 and stored.pdf == pdf
    text = pdf_text(pdf_path)
    assert project in text and appeal in text
    signatures = text[text.index("Signatures"):]  # the signature section, after the verdicts
    for expected in (rita.name, ravi.name, MEANING):
        assert expected in signatures, f"{expected!r} not in the PDF's signature section"
    assert signatures.count(MEANING) == 2

    # Anyone, signed in or not, can check the file on the public page.
    public = new_page(locale=tongue.browser_locale)
    public.goto("/verify")
    expect(public.get_by_role("link", name=t("Sign in"))).to_be_visible()
    expect(heading(public)).to_have_text(t("Verify a signed record"))
    tongue.read(public, "verify page")
    public.get_by_label(t("Signed record (PDF)"), exact=True).set_input_files(str(pdf_path))
    public.get_by_role("button", name=t("Verify")).click()
    result = public.get_by_role("status").filter(has_text=t("Valid record"))
    expect(result).to_be_visible()
    expect(result).not_to_contain_text(t("Not valid"))
    facts = public.locator("dl.rb-dl")

    def fact(term: str):  # the value beside a term of the result
        return facts.locator("dt").filter(has_text=re.compile(f"^{re.escape(term)}$")).locator("+ dd")

    expect(fact(t("Matches ReviewBoard's copy"))).to_have_text(t("Yes: %(id)s v%(version)s", id=public_id, version=1))
    expect(fact(t("Record (as embedded)"))).to_have_text(t("%(id)s version %(version)s", id=public_id, version=1))
    expect(fact(t("File SHA-256 (this PDF)")).locator("code.rb-hash")).to_have_text(digest)
    tongue.read(public, "verify result", project, owner.name, rita.name, ravi.name)
    shot(public, "record-verified", readme=tongue.readme("08-verify-page"))

    # A copy altered by one byte is refused.
    tampered = bytearray(pdf)
    middle = len(tampered) // 2
    tampered[middle] = (tampered[middle] + 1) % 256
    public.get_by_label(t("Signed record (PDF)"), exact=True).set_input_files(
        {"name": "tampered.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)})
    public.get_by_role("button", name=t("Verify")).click()
    expect(public.get_by_role("status").filter(has_text=t("Not valid"))).to_be_visible()
    expect(public.get_by_text(t("Valid record"), exact=True)).to_have_count(0)
    tongue.read(public, "verify result")
    shot(public, "record-tampered")

    if readme_screenshots_wanted() and live_server.engine == "sqlite" and tongue.source:
        prefix = tmp_path / "record-page"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                        str(prefix)], check=True)
        save_readme_png(prefix.with_suffix(".png").read_bytes(), "09-record-pdf")
        assert (README_SHOTS / "09-record-pdf.png").exists()
