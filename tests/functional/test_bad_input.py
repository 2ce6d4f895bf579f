"""Bad input over HTTP with CSRF on: a clear message beside the field, the typed values kept, nothing
saved, and never a 500. Covers empty and over-long fields, bad uploads, HTML and script in user text,
review and signing mistakes, missing CSRF tokens, junk ids, forged fields and stale forms."""

from __future__ import annotations

import io
import re
import subprocess
from html import unescape

import pytest
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import User
from reviewboard.projects.models import Evidence, Project
from reviewboard.records.models import Record
from reviewboard.reviews.models import ReviewAssignment, SignOff, StageReview, SubmissionRound, Verdict
from reviewboard.reviews.workflow import StageState
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, declare_no_conflict, login, logout, post_form, token_for

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT_SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_SHOWN = "&lt;img src=x onerror=alert(1)&gt;"


def _project_form(**overrides):
    data = {"name": "Loan pre-screening", "purpose": "Ranks loan applications for manual review.",
            "intended_users": "Credit officers.", "scenario": "Branch back office.", "system_type": "classifier",
            "data_categories": ["personal", "sensitive"], "deployment_context": "business",
            "autonomy_level": "human_in_loop", "scale": "organisation", "q_affects_rights": "yes",
            "q_safety_critical": "no", "q_public_content": "no", "q_manipulation": "no", "q_social_scoring": "no",
            "q_remote_biometric_public": "no"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def _text(response) -> str:
    return response.get_data(as_text=True)


def _feedback_beside(html: str, name: str) -> list[str]:
    """The error messages rendered right after the control named ``name``, before the next control."""
    start = html.index(f'name="{name}"')
    following = re.compile(rf'name="(?!{re.escape(name)}")')
    nxt = following.search(html, start)
    segment = html[start:nxt.start() if nxt else len(html)]
    return [unescape(m).strip() for m in re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]*)<', segment)]


def _shown(html: str, name: str):
    """What the rendered form shows for ``name``: a text value, or the selected/checked option values."""
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    if textarea:
        return unescape(textarea.group(1)).removeprefix("\r\n").removeprefix("\n")
    select_ = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select_:
        return [re.search(r'value="([^"]*)"', o).group(1) for o in re.findall(r"<option[^>]*>", select_.group(1))
                if re.search(r"\bselected\b", o)]
    inputs = [t for t in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in t]
    assert inputs, f"no control named {name}"
    if 'type="radio"' in inputs[0] or 'type="checkbox"' in inputs[0]:
        return [re.search(r'value="([^"]*)"', t).group(1) for t in inputs if re.search(r"\bchecked\b", t)]
    value = re.search(r'value="([^"]*)"', inputs[0])
    return unescape(value.group(1)) if value else ""


def _assert_kept(html: str, typed: dict, *, except_: str) -> None:
    for name, value in typed.items():
        if name == except_:
            continue
        expected = value if isinstance(value, list) else ([value] if name.startswith("q_") or name in (
            "system_type", "deployment_context", "autonomy_level", "scale") else value)
        assert _shown(html, name) == expected, f"{name} was not kept"


def _assert_no_traceback(html: str) -> None:
    assert "Traceback" not in html and "File \"" not in html and "sqlalchemy" not in html.lower()


# ------------------------------------------------------------------------------------ project registration

REQUIRED = [("name", ""), ("name", "   "), ("purpose", ""), ("intended_users", ""), ("scenario", ""),
            ("data_categories", None), ("system_type", None), ("deployment_context", None),
            ("autonomy_level", None), ("scale", None), ("q_affects_rights", None), ("q_remote_biometric_public", None)]


@pytest.mark.parametrize(("field", "value"), REQUIRED, ids=[f"{f}-{'blank' if v else 'missing'}" for f, v in REQUIRED])
def test_an_empty_required_field_is_named_beside_it_and_the_rest_is_kept(client, make, db_session, field, value):
    login(client, make.user("submitter"))
    before = _count(db_session, Project)
    typed = _project_form()
    response = post_form(client, "/projects/new", "/projects/new", _project_form(**{field: value}))
    assert response.status_code == 422
    html = _text(response)
    messages = _feedback_beside(html, field)
    assert messages, f"no message beside {field}"
    assert any(m in ("This field is required.", "Choose at least one data category.", "Answer this question.")
               for m in messages), messages
    for other in typed:  # only the empty field is flagged
        if other != field:
            assert not _feedback_beside(html, other), other
    _assert_kept(html, typed, except_=field)
    assert _count(db_session, Project) == before


@pytest.mark.parametrize(("field", "limit"), [("name", 200), ("purpose", 5000), ("intended_users", 5000),
                                              ("scenario", 5000), ("model", 5000)])
def test_over_long_text_is_refused_with_the_limit_and_nothing_is_created(client, make, db_session, field, limit):
    login(client, make.user("submitter"))
    before = _count(db_session, Project)
    too_long = "x" * (limit + 1)
    response = post_form(client, "/projects/new", "/projects/new", _project_form(**{field: too_long}))
    assert response.status_code == 422
    html = _text(response)
    assert _feedback_beside(html, field) == [f"Field cannot be longer than {limit} characters."]
    assert _shown(html, field) == too_long  # what the user typed is still there to shorten
    assert _count(db_session, Project) == before


def test_the_models_used_are_optional_saved_and_shown_on_the_project_page(client, make, db_session):
    login(client, make.user("submitter"))
    response = post_form(client, "/projects/new", "/projects/new", _project_form(name="No model yet", model=""))
    assert response.status_code == 302
    assert db_session.scalars(select(Project).where(Project.name == "No model yet")).one().model == ""
    model = "Llama 3.1 8B fine-tuned on past tickets, v2"
    response = post_form(client, "/projects/new", "/projects/new", _project_form(name="With a model", model=model))
    assert response.status_code == 302
    project = db_session.scalars(select(Project).where(Project.name == "With a model")).one()
    assert project.model == model
    assert model in _text(client.get(f"/projects/{project.id}"))


def test_text_exactly_at_the_limits_is_accepted(client, make, db_session):
    login(client, make.user("submitter"))
    name, purpose = "n" * 200, "p" * 5000
    response = post_form(client, "/projects/new", "/projects/new", _project_form(name=name, purpose=purpose))
    assert response.status_code == 302
    project = db_session.scalars(select(Project).where(Project.name == name)).one()
    assert project.purpose == purpose


# ------------------------------------------------------------------------------------------ evidence upload

def _upload(client, stage, filename, data):
    criterion = stage.applicable_criteria()[0]
    page = f"/stages/{stage.id}"
    return post_form(client, page, f"{page}/evidence",
                     {"criterion_id": str(criterion.id), "file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data")


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("empty.pdf", b"", "The file is empty (0 bytes). Choose the file again."),
    ("setup.exe", b"MZ\x90\x00binary", "Files of type '.exe' are not accepted."),
    ("README", b"# notes\n", "Files of type 'unknown' are not accepted."),
    ("report.pdf", b"This is plain text, renamed.\n", "The file is named .pdf but its content is not a PDF file."),
    ("diagram.png", b"%PDF-1.4 not an image", "The file is named .png but its content is not a PNG file."),
], ids=["empty", "exe", "no-extension", "text-renamed-pdf", "pdf-renamed-png"])
def test_a_bad_evidence_file_is_refused_beside_the_file_field(client, make, db_session, filename, data, message):
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)
    response = _upload(client, stage, filename, data)
    assert response.status_code == 422
    messages = _feedback_beside(_text(response), "file")
    assert len(messages) == 1 and messages[0].startswith(message), messages
    assert _count(db_session, Evidence, Evidence.stage_review_id == stage.id) == 0


def test_an_oversized_upload_gets_the_friendly_413_page_and_nothing_is_stored(client, make, db_session, app,
                                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)
    response = _upload(client, stage, "huge.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    assert response.status_code == 413
    html = _text(response)
    assert "<title>File too large" in html
    assert "Evidence files may be up to 1 MiB." in html
    _assert_no_traceback(html)
    assert _count(db_session, Evidence, Evidence.stage_review_id == stage.id) == 0
    # and the same person can carry on: a file under the limit goes through
    assert _upload(client, stage, "small.pdf", b"%PDF-1.4 small").status_code == 302
    assert _count(db_session, Evidence, Evidence.stage_review_id == stage.id) == 1


# --------------------------------------------------------------------------------- HTML and script in text

def _assert_escaped(html: str, where: str) -> None:
    assert SCRIPT not in html and IMG not in html, f"raw markup on {where}"
    own = '<script src="/static/app.js" defer></script>'  # the app's one script, from its own origin
    assert "<script" not in html.replace(own, "").lower(), f"a script element on {where}"
    assert SCRIPT_SHOWN in html and IMG_SHOWN in html, f"the text is missing from {where}"


def _review_data(stage, value="partially_meets", rationale="", **extra):
    data = {}
    for c in stage.applicable_criteria():
        data[f"v_{c.id}"] = value
        data[f"r_{c.id}"] = rationale
    data.update(extra)
    return data


@pytest.mark.real_records
def test_html_and_script_in_every_text_field_are_shown_as_text_on_pages_and_in_the_pdf(client, make, db_session):
    payload = f"{SCRIPT} {IMG}"
    owner = make.user("submitter", name=f"Sam {SCRIPT}")
    rita, ravi = make.reviewers()
    login(client, owner)
    response = post_form(client, "/projects/new", "/projects/new", _project_form(
        name=f"Triage {payload}", purpose=f"Purpose {payload}", intended_users=f"Users {payload}",
        scenario=f"Scenario {payload}", q_affects_rights="no"))
    assert response.status_code == 302
    project = db_session.scalars(select(Project).where(Project.owner_id == owner.id)).one()
    assert project.name == f"Triage {payload}"  # stored as typed, escaped only when shown
    stage = project.stages[0]
    stage_url = f"/stages/{stage.id}"
    response = _upload(client, stage, f"{IMG}.md", b"# evidence\n")
    assert response.status_code == 302
    flashed = client.get(stage_url)  # the flash message names the file
    assert "Attached &lt;img src=x onerror=alert(1)&gt;.md" in _text(flashed)
    for url in (f"/projects/{project.id}", f"/projects/{project.id}/edit", "/projects", "/dashboard", stage_url):
        _assert_escaped(_text(client.get(url)), url)
    response = post_form(client, stage_url, f"{stage_url}/submit",
                         {"note": f"Note {payload}", "version": str(stage.version), "confirm_missing": "y"})
    assert response.status_code == 302
    logout(client)

    for reviewer in (rita, ravi):
        login(client, reviewer)
        declare_no_conflict(client, stage.id)
        _assert_escaped(_text(client.get("/queue")), "the queue")
        response = post_form(client, stage_url, f"{stage_url}/review", _review_data(
            stage, rationale=f"Rationale {payload}", outcome="approve", comment=f"Comment {payload}",
            email=reviewer.email, password=PASSWORD, sign="Sign decision"))
        assert response.status_code == 302, _text(response)[:1000]
        logout(client)

    login(client, owner)
    page = _text(client.get(stage_url))
    _assert_escaped(page, "the decided stage")
    assert f"Rationale {SCRIPT_SHOWN}" in page and f"Comment {SCRIPT_SHOWN}" in page and f"Note {SCRIPT_SHOWN}" in page
    _assert_escaped(_text(client.get("/records")), "the records list")

    db_session.expire_all()
    record = db_session.scalars(select(Record).where(Record.stage_review_id == stage.id)).one()
    text = subprocess.run(["pdftotext", "-", "-"], input=record.pdf, capture_output=True, check=True).stdout.decode()
    # printed as the characters typed (neither dropped as markup nor shown as &lt; entities)
    assert f"Triage {payload}" in text
    for label in ("Purpose", "Users", "Scenario", "Rationale"):
        assert f"{label} {SCRIPT}" in text, label
    assert f"Sam {SCRIPT}" in text
    assert "&lt;" not in text


# ------------------------------------------------------------------------------------ review and signing

def test_partially_meets_without_rationale_is_flagged_beside_that_box_and_other_verdicts_stay(client, make,
                                                                                           db_session):
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    criteria = stage.applicable_criteria()
    assert len(criteria) >= 3
    first, second, third = criteria[:3]
    data = _review_data(stage, value="meets")
    data.update({f"v_{first.id}": "partially_meets", f"r_{first.id}": "  ",
                 f"v_{third.id}": "does_not_meet", f"r_{third.id}": "No test plan was attached.",
                 "outcome": "request_changes", "comment": "See the rationale.", "password": PASSWORD,
                 "email": reviewer.email, "sign": "Sign decision"})
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review", data)
    assert response.status_code == 422
    html = _text(response)
    assert _feedback_beside(html, f"r_{first.id}") == ["Give a rationale for anything but “Meets”."]
    assert not _feedback_beside(html, f"r_{third.id}")
    assert _shown(html, f"v_{first.id}") == ["partially_meets"]
    assert _shown(html, f"v_{second.id}") == ["meets"]
    assert _shown(html, f"v_{third.id}") == ["does_not_meet"]
    assert _shown(html, f"r_{third.id}") == "No test plan was attached."
    assert _shown(html, "outcome") == ["request_changes"]
    assert _shown(html, "comment") == "See the rationale."
    assert _count(db_session, SignOff) == 0
    assert _count(db_session, Verdict) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("r", "x" * 5001, "Field cannot be longer than 5000 characters."),
    ("comment", "x" * 5001, "Field cannot be longer than 5000 characters."),
    ("conditions-0-text", "x" * 1001, "Field cannot be longer than 1000 characters."),
    ("conditions-0-due_date", "31/12/2099", "Not a valid date value."),
], ids=["rationale", "comment", "condition", "due-date"])
def test_bad_review_fields_are_flagged_beside_them_and_nothing_is_signed(client, make, db_session, field, value,
                                                                         message):
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    criterion = stage.applicable_criteria()[0]
    data = _review_data(stage, value="meets", outcome="approve_with_conditions", password=PASSWORD,
                        email=reviewer.email, sign="Sign decision")
    data.update({"conditions-0-text": "Publish the model card", "conditions-0-owner_id": str(stage.project.owner_id),
                 "conditions-0-due_date": "2099-12-31"})
    name = f"r_{criterion.id}" if field == "r" else field
    if field == "r":
        data[f"v_{criterion.id}"] = "partially_meets"
    data[name] = value
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review", data)
    assert response.status_code == 422
    html = _text(response)
    assert any(message in m for m in _feedback_beside(html, name)), _feedback_beside(html, name)
    assert _shown(html, name) == value
    assert _count(db_session, SignOff) == 0 and _count(db_session, Verdict) == 0


def _sign_over_http(client, stage, password, email):
    data = _review_data(stage, value="meets", outcome="approve", password=password, email=email,
                        sign="Sign decision")
    return post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/review", data)


def _failures(db_session, user) -> int:
    return _count(db_session, AuditEvent, AuditEvent.action == "signature.failed",
                  AuditEvent.object_id == str(user.id))


def test_a_wrong_password_signs_nothing_but_the_attempt_is_audited(client, make, db_session):
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    response = _sign_over_http(client, stage, "not my password", reviewer.email)
    assert response.status_code == 422  # the form again, the password field in error
    html = _text(response)
    assert _feedback_beside(html, "password") == ["The password is not correct. Nothing was signed."]
    _assert_no_traceback(html)
    assert _count(db_session, SignOff) == 0
    assert _failures(db_session, reviewer) == 1
    db_session.expire_all()
    assert db_session.get(StageReview, stage.id).state == StageState.IN_REVIEW


def test_five_wrong_passwords_block_signing_even_with_the_right_one(client, make, db_session):
    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    for _ in range(5):
        response = _sign_over_http(client, stage, "guess", reviewer.email)
        assert "not correct" in " ".join(_feedback_beside(_text(response), "password"))
    assert _failures(db_session, reviewer) == 5
    assert _count(db_session, AuditEvent, AuditEvent.action == "security.alert") == 1
    response = _sign_over_http(client, stage, PASSWORD, reviewer.email)
    assert response.status_code == 422
    message = " ".join(_feedback_beside(_text(response), "password"))
    assert "Signing is blocked" in message
    assert _count(db_session, SignOff) == 0


# ----------------------------------------------------------------------------------------------------- CSRF

class _Case:
    """A state-changing request and a way to observe whether it had any effect."""

    def __init__(self, path, data, observe, *, page=None, multipart=False):
        self.path, self.data, self.observe, self.page, self.multipart = path, data, observe, page, multipart

    def send(self, client, with_token: bool):
        data = dict(self.data)
        if isinstance(data.get("file"), bytes | tuple):
            name, content = data["file"]
            data["file"] = (io.BytesIO(content), name)
        if with_token:
            data["csrf_token"] = token_for(client, self.page or self.path)
        kwargs = {"content_type": "multipart/form-data"} if self.multipart else {}
        return client.post(self.path, data=data, **kwargs)


def _csrf_case(name, client, make, db_session) -> _Case:
    def count(model, *where):
        return lambda: _count(db_session, model, *where)

    def signed_in():
        return client.get("/dashboard").status_code == 200

    if name == "login":
        user = make.user("submitter")
        return _Case("/login", {"email": user.email, "password": PASSWORD}, signed_in)
    if name == "admin user create":
        login(client, make.user("chair"))
        return _Case("/admin/users", {"name": "New Person", "email": "new.person@example.org",
                                      "roles": ["reviewer"], "password": "a long enough passphrase"}, count(User))
    if name == "deactivate user":
        login(client, make.user("chair"))
        target = make.user("reviewer")
        return _Case(f"/admin/users/{target.id}/active", {"active": "0"},
                     lambda: db_session.scalar(select(User.active).where(User.id == target.id)),
                     page="/admin/users")
    if name == "password change":
        user = make.user("submitter")
        login(client, user)
        return _Case("/account/password", {"current_password": PASSWORD, "new_password": "another long passphrase"},
                     lambda: db_session.scalar(select(User.password_hash).where(User.id == user.id)))
    if name == "logout":
        login(client, make.user("submitter"))
        return _Case("/logout", {}, signed_in, page="/dashboard")
    if name == "project create":
        login(client, make.user("submitter"))
        return _Case("/projects/new", _project_form(), count(Project))
    if name == "project edit":
        project = make.project()
        login(client, project.owner)
        path = f"/projects/{project.id}/edit"
        form = _project_form(name="Renamed", version=str(project.version))
        return _Case(path, form, lambda: db_session.scalar(select(Project.name).where(Project.id == project.id)))
    if name == "evidence upload":
        project = make.project()
        stage = project.stages[0]
        login(client, project.owner)
        criterion = stage.applicable_criteria()[0]
        return _Case(f"/stages/{stage.id}/evidence", {"criterion_id": str(criterion.id),
                                                      "file": ("brief.pdf", b"%PDF-1.4 brief")},
                     count(Evidence), page=f"/stages/{stage.id}", multipart=True)
    if name == "evidence withdraw":
        project = make.project()
        stage = project.stages[0]
        evidence = make.evidence(stage)
        login(client, project.owner)
        return _Case(f"/evidence/{evidence.id}/withdraw", {},
                     lambda: db_session.scalar(select(Evidence.withdrawn).where(Evidence.id == evidence.id)),
                     page=f"/stages/{stage.id}")
    if name == "submit":
        project = make.project()
        stage = project.stages[0]
        make.evidence(stage)
        login(client, project.owner)
        return _Case(f"/stages/{stage.id}/submit", {"note": "", "version": str(stage.version), "confirm_missing": "y"},
                     count(SubmissionRound, SubmissionRound.stage_review_id == stage.id), page=f"/stages/{stage.id}")
    if name == "review":
        stage = make.submitted_stage()
        (reviewer,) = make.reviewers(1)
        login(client, reviewer)
        declare_no_conflict(client, stage.id)
        data = _review_data(stage, value="meets", outcome="approve", password=PASSWORD, email=reviewer.email,
                            sign="Sign decision")
        return _Case(f"/stages/{stage.id}/review", data,
                     lambda: (_count(db_session, Verdict), _count(db_session, SignOff)), page=f"/stages/{stage.id}")
    if name == "assign":
        stage = make.submitted_stage()
        (reviewer,) = make.reviewers(1)
        login(client, make.user("chair"))
        return _Case(f"/stages/{stage.id}/assign", {"reviewer_id": str(reviewer.id)},
                     count(ReviewAssignment, ReviewAssignment.stage_review_id == stage.id), page=f"/stages/{stage.id}")
    if name == "escalation":
        project = make.project(answers={"social_scoring": "yes"})
        login(client, make.user("chair"))
        return _Case(f"/projects/{project.id}/escalation", {"tier": "high", "note": "Reviewed with legal."},
                     lambda: db_session.scalar(select(Project.escalation_cleared_by_id)
                                               .where(Project.id == project.id)),
                     page=f"/projects/{project.id}")
    raise AssertionError(name)


CSRF_ROUTES = ["login", "logout", "project create", "project edit", "evidence upload", "evidence withdraw", "submit",
               "review", "assign", "escalation", "admin user create", "deactivate user", "password change"]


@pytest.mark.parametrize("name", CSRF_ROUTES)
def test_a_post_without_csrf_token_is_refused_with_400_and_changes_nothing(client, make, db_session, name):
    case = _csrf_case(name, client, make, db_session)
    before = case.observe()
    response = case.send(client, with_token=False)
    assert response.status_code == 400
    html = _text(response)
    assert "The form expired or was not sent from ReviewBoard" in html
    _assert_no_traceback(html)
    db_session.expire_all()
    assert case.observe() == before
    # the very same request with its token does take effect, so the observation above can tell
    response = case.send(client, with_token=True)
    assert response.status_code == 302, _text(response)[:1000]
    db_session.expire_all()
    assert case.observe() != before


def test_a_forged_csrf_token_is_refused_too(client, make, db_session):
    login(client, make.user("submitter"))
    before = _count(db_session, Project)
    response = client.post("/projects/new", data={**_project_form(), "csrf_token": "forged." + "A" * 40})
    assert response.status_code == 400
    assert _count(db_session, Project) == before


# ------------------------------------------------------------------------------------ junk ids and forgery

@pytest.mark.parametrize("path", [
    "/projects/999999", "/projects/abc", "/projects/-1", "/projects/999999/edit", "/stages/abc", "/stages/999999",
    "/stages/1.5", "/evidence/999999", "/records/999999.pdf", "/records/abc.pdf", "/catalogs/999999",
    "/projects/99999999999999999999", "/stages/3000000000", "/evidence/99999999999999999999",
    "/records/99999999999999999999.pdf", "/catalogs/99999999999999999999",
])
def test_a_junk_id_gets_the_not_found_page_never_a_500(client, make, path):
    login(client, make.user("chair", "reviewer", "auditor"))
    response = client.get(path)
    assert response.status_code == 404
    html = _text(response)
    assert "<title>Not found" in html
    _assert_no_traceback(html)


@pytest.mark.parametrize("path", ["/stages/999999/submit", "/stages/99999999999999999999/review",
                                  "/evidence/999999/withdraw", "/admin/users/99999999999999999999/active"])
def test_a_post_to_a_junk_id_gets_the_not_found_page(client, make, path):
    login(client, make.user("chair", "submitter"))
    token = token_for(client, "/dashboard")
    response = client.post(path, data={"csrf_token": token, "version": "1", "active": "0"})
    assert response.status_code == 404
    _assert_no_traceback(_text(response))


def test_forged_fields_in_project_create_are_ignored(client, make, db_session):
    submitter, someone_else = make.user("submitter"), make.user("submitter")
    login(client, submitter)
    forged = _project_form(name="Forged fields", q_affects_rights="yes", status="approved", state="approved",
                           owner_id=str(someone_else.id), tier="low", tier_reasons="[]", id="1")
    response = post_form(client, "/projects/new", "/projects/new", forged)
    assert response.status_code == 302
    project = db_session.scalars(select(Project).where(Project.name == "Forged fields")).one()
    assert project.owner_id == submitter.id
    assert project.tier == "high"  # from the questionnaire (affects rights), not the forged field
    assert "T-HIGH-RIGHTS" in [r["rule"] for r in project.tier_reasons]
    assert project.stages[0].state == StageState.DRAFT


def test_forged_fields_in_project_edit_are_ignored(client, make, db_session):
    project = make.project(answers={"safety_critical": "yes"})
    owner, someone_else = project.owner, make.user("submitter")
    login(client, owner)
    page = client.get(f"/projects/{project.id}/edit")
    html = _text(page)
    form = _project_form(name="Edited name", q_affects_rights="no", q_safety_critical="yes", tier="low",
                         owner_id=str(someone_else.id), status="approved", version=_shown(html, "version"))
    response = client.post(f"/projects/{project.id}/edit", data={**form, "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    db_session.expire_all()
    project = db_session.get(Project, project.id)
    assert project.name == "Edited name"
    assert project.owner_id == owner.id
    assert project.tier == "high"
    assert project.current_stage.state == StageState.DRAFT


@pytest.mark.parametrize("version", ["abc", "", "²", "-1"])
def test_a_tampered_version_on_project_edit_is_treated_as_stale(client, make, db_session, version):
    project = make.project()
    login(client, project.owner)
    response = post_form(client, f"/projects/{project.id}/edit", f"/projects/{project.id}/edit",
                         _project_form(name="Should not be saved", version=version))
    assert response.status_code == 409
    html = _text(response)
    assert "Someone else changed this project while you were editing it." in html
    assert _shown(html, "name") == "Should not be saved"  # the user's changes are kept to compare
    db_session.expire_all()
    assert db_session.get(Project, project.id).name != "Should not be saved"


# ------------------------------------------------------------------------------------------------- stale

def test_submitting_a_stage_with_an_old_version_answers_409_and_changes_nothing(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    make.evidence(stage)
    login(client, project.owner)
    old_version = stage.version - 1
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/submit",
                         {"note": "", "version": str(old_version)})
    assert response.status_code == 409
    assert "This stage changed since you opened the page." in _text(response)
    db_session.expire_all()
    assert db_session.get(StageReview, stage.id).state == StageState.DRAFT
    assert _count(db_session, SubmissionRound, SubmissionRound.stage_review_id == stage.id) == 0


def test_submitting_twice_from_two_open_pages_answers_409_not_forbidden(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    make.evidence(stage)
    login(client, project.owner)
    page = _text(client.get(f"/stages/{stage.id}"))  # two tabs show the same form
    data = {"note": "", "version": _shown(page, "version"), "csrf_token": csrf_token(page), "confirm_missing": "y"}
    assert client.post(f"/stages/{stage.id}/submit", data=data).status_code == 302
    response = client.post(f"/stages/{stage.id}/submit", data=data)
    assert response.status_code == 409
    assert "changed" in _text(response)
    assert _count(db_session, SubmissionRound, SubmissionRound.stage_review_id == stage.id) == 1


def test_pages_left_open_after_submitting_answer_409_and_save_nothing(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    evidence = make.evidence(stage)
    login(client, project.owner)
    stage_page = _text(client.get(f"/stages/{stage.id}"))
    edit_page = _text(client.get(f"/projects/{project.id}/edit"))
    token = csrf_token(stage_page)
    submitted = client.post(f"/stages/{stage.id}/submit", data={
        "note": "", "version": _shown(stage_page, "version"), "csrf_token": token, "confirm_missing": "y"})
    assert submitted.status_code == 302
    criterion = stage.applicable_criteria()[0]
    late_upload = client.post(f"/stages/{stage.id}/evidence", content_type="multipart/form-data", data={
        "criterion_id": str(criterion.id), "file": (io.BytesIO(b"%PDF-1.4 late"), "late.pdf"), "csrf_token": token})
    late_withdraw = client.post(f"/evidence/{evidence.id}/withdraw", data={"csrf_token": token})
    late_edit = client.post(f"/projects/{project.id}/edit", data={
        **_project_form(name="Late edit", version=_shown(edit_page, "version")), "csrf_token": token})
    for response in (late_upload, late_withdraw, late_edit):
        assert response.status_code == 409
        assert "Nothing was saved." in _text(response)
    db_session.expire_all()
    assert _count(db_session, Evidence, Evidence.stage_review_id == stage.id) == 1
    assert db_session.get(Evidence, evidence.id).withdrawn is False
    assert db_session.get(Project, project.id).name != "Late edit"


def test_someone_outside_the_project_is_still_refused_not_told_it_is_stale(client, make, db_session):
    stage = make.submitted_stage()
    login(client, make.user("reviewer"))
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/submit",
                         {"note": "", "version": str(stage.version)})
    assert response.status_code == 403


# ---------------------------------------------------------------------------- characters nobody can type

def test_nul_characters_are_dropped_from_form_text_not_a_database_error(client, make, db_session):
    submitter = make.user("submitter")
    token = token_for(client, "/login")
    response = client.post("/login", data={"email": f"{submitter.email}\x00", "password": f"x\x00{PASSWORD}",
                                           "csrf_token": token})
    assert response.status_code == 200
    assert "The e-mail or password is not correct" in _text(response)
    login(client, submitter)
    response = post_form(client, "/projects/new", "/projects/new",
                         _project_form(name="Nul\x00 project", purpose="Pur\x00pose"))
    assert response.status_code == 302
    project = db_session.scalars(select(Project).where(Project.owner_id == submitter.id)).one()
    assert (project.name, project.purpose) == ("Nul project", "Purpose")
    for path in ("/projects?q=Nul%00", "/records?q=%00"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "Nul project" in _text(client.get("/projects?q=Nul%00"))


def test_control_characters_are_removed_from_uploaded_file_names(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)
    assert _upload(client, stage, "min\x00ut\x1bes.md", b"# minutes\n").status_code == 302
    assert _upload(client, stage, "invoice\u202etxt.pdf", b"%PDF-1.4 invoice").status_code == 302
    names = db_session.scalars(select(Evidence.filename).where(Evidence.stage_review_id == stage.id)
                               .order_by(Evidence.id)).all()
    assert names == ["minutes.md", "invoicetxt.pdf"]
    evidence = db_session.scalars(select(Evidence).where(Evidence.stage_review_id == stage.id)
                                  .order_by(Evidence.id)).first()  # the first upload (PostgreSQL has no row order)
    response = client.get(f"/evidence/{evidence.id}")
    assert response.status_code == 200 and response.data == b"# minutes\n"


def test_no_file_chosen_is_named_beside_the_file_field(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)
    criterion = stage.applicable_criteria()[0]
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/evidence",
                         {"criterion_id": str(criterion.id)}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert _feedback_beside(_text(response), "file") == ["Choose a file to upload."]


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0aSet-Cookie:%20a=b", "//evil.example",
                                    "/%5Cevil.example", "https://evil.example/", "/%20/evil.example"])
def test_sign_in_never_redirects_off_site_or_fails_on_a_forged_next(client, make, target):
    user = make.user("submitter")
    token = token_for(client, "/login")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD,
                                                          "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_sign_in_returns_to_the_page_asked_for(client, make):
    user = make.user("submitter")
    token = token_for(client, "/login")
    response = client.post("/login?next=/projects%3Fq%3Dloan", data={"email": user.email, "password": PASSWORD,
                                                                     "csrf_token": token})
    assert response.headers["Location"] == "/projects?q=loan"


def test_an_unexpected_database_error_gets_the_friendly_500_page(client, make, db_session, monkeypatch):
    from reviewboard.extensions import db
    from reviewboard.projects import views

    def broken_create(actor, pipeline, fields, answers):
        db.session.add(Project(name=None, owner_id=actor.id, pipeline_id=pipeline.id))  # NOT NULL refused
        db.session.flush()

    monkeypatch.setattr(views.services, "create_project", broken_create)
    login(client, make.user("submitter"))
    before = _count(db_session, Project)
    response = post_form(client, "/projects/new", "/projects/new", _project_form())
    assert response.status_code == 500
    html = _text(response)
    assert "<title>Something went wrong" in html and "with a reference you can quote" in html
    _assert_no_traceback(html)
    assert _count(db_session, Project) == before


def test_an_over_long_note_to_reviewers_is_flagged_and_the_stage_stays_with_the_submitter(client, make, db_session):
    project = make.project()
    stage = project.stages[0]
    make.evidence(stage)
    login(client, project.owner)
    note = "n" * 5001
    response = post_form(client, f"/stages/{stage.id}", f"/stages/{stage.id}/submit",
                         {"note": note, "version": str(stage.version)})
    assert response.status_code == 422
    html = _text(response)
    assert _feedback_beside(html, "note") == ["Field cannot be longer than 5000 characters."]
    assert _shown(html, "note") == note
    db_session.expire_all()
    assert db_session.get(StageReview, stage.id).state == StageState.DRAFT


@pytest.mark.parametrize(("filename", "data"), [("notes.txt", b"plain text"), ("empty.pdf", b""),
                                                ("forged.pdf", b"%PDF-1.7\n%%EOF\n")])
def test_the_public_verify_page_answers_not_valid_for_junk_never_a_500(client, filename, data):
    response = post_form(client, "/verify", "/verify", {"file": (io.BytesIO(data), filename)},
                         content_type="multipart/form-data")
    assert response.status_code == 200  # the file was checked: the answer is the verdict, not a form error
    html = _text(response)
    _assert_no_traceback(html)
    assert "Not valid" in html
