"""Pipeline pages over HTTP with CSRF on: a chair drafts, edits, reorders, publishes and imports;
auditors read; everyone else is refused; refusals show their reason and save nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from reviewboard.pipelines import services as pipelines
from reviewboard.pipelines.diff import diff_versions
from reviewboard.pipelines.models import Pipeline
from reviewboard.projects.models import Project
from tests.support.http import csrf_token, login, post_form, token_for


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _draft_for(client, key="standard") -> int:
    response = post_form(client, f"/pipelines/{key}", f"/pipelines/{key}/versions", {})
    assert response.status_code == 302, _text(response)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _stage_form(client, path: str) -> dict:
    """The stage form as the page fills it (text inputs, checked boxes and radios)."""
    html = client.get(path).get_data(as_text=True)
    form = html[:html.index('aria-label="Add a required reviewer rule"')]
    data: dict = {"csrf_token": csrf_token(form)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="(?:text|number)"[^>]*value="([^"]*)"', form):
        data[name] = value
    for tag in re.findall(r"<input[^>]*checked[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag).group(1)
        data.setdefault(name, [])
        if isinstance(data[name], list):
            data[name].append(value)
    data["criteria_mode"] = data.get("criteria_mode", ["catalog"])[0]
    return data


@pytest.fixture()
def chair(client, make):
    person = make.user("chair")
    login(client, person)
    return person


def test_chair_edits_a_draft_stage_reorders_and_publishes(client, chair, db_session):
    draft_id = _draft_for(client)
    draft = db_session.get(Pipeline, draft_id)
    design, rnd = draft.stages[0], draft.stages[1]
    path = f"/pipelines/drafts/{draft_id}/stages/{design.id}"

    # a quorum above the reviewers: refused beside the field, nothing saved
    data = {**_stage_form(client, path), "quorum": "3"}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "Must be <= reviewers (2)." in _text(response)
    db_session.expire_all()
    assert design.quorum == 2

    # 3 of 4, and a chosen criteria rule: RB-DES-04 also for low tier, RB-DES-01 left out
    data = {**_stage_form(client, path), "quorum": "3", "reviewers": "4", "due_days": "14",
            "criteria_mode": "custom", "c_RB_DES_04": ["low", "medium", "high"], "c_RB_DES_01": []}
    response = client.post(path, data=data)
    assert response.status_code == 302, _text(response)[:2000]
    db_session.expire_all()
    assert (design.quorum, design.reviewers, design.due_days) == (3, 4, 14)
    rule = {r["code"]: r["tiers"] for r in design.criteria}
    assert rule["RB-DES-04"] == ["low", "medium", "high"] and "RB-DES-01" not in rule

    # a required-role rule, then move R&D below Testing
    response = post_form(client, path, f"{path}/rules", {"rule-expertise": "external", "rule-rule_tiers": ["high"],
                                                         "rule-when": ""})
    assert response.status_code == 303
    response = post_form(client, f"/pipelines/drafts/{draft_id}",
                         f"/pipelines/drafts/{draft_id}/stages/{rnd.id}/move", {"direction": "down"})
    assert response.status_code == 303
    db_session.expire_all()
    assert [s.code for s in draft.stages] == ["DES", "TST", "DEV", "DEP"]

    # the confirmation page lists the changes; publishing makes it current
    confirm = client.get(f"/pipelines/drafts/{draft_id}/publish")
    assert "Changes from the current version (v1)" in _text(confirm)
    assert "one external reviewer (high tier)" in _text(confirm)
    response = post_form(client, f"/pipelines/drafts/{draft_id}/publish", f"/pipelines/drafts/{draft_id}/publish", {})
    assert response.status_code == 302
    db_session.expire_all()
    assert pipelines.current_version("standard").id == draft_id

    page = _text(client.get("/pipelines/standard/diff?from=1&to=2"))
    assert "Changes from version 1 to version 2" in page
    assert "DES → DEV → TST → DEP" in page and "DES → TST → DEV → DEP" in page
    assert "2 of 2" not in page and "<td><ins>3</ins></td>" in page
    # the published version cannot be edited any more
    response = post_form(client, "/pipelines/standard", path, {**data, "quorum": "1"})
    assert response.status_code == 409
    assert "only a draft can be changed" in _text(response)


def test_publishing_an_invalid_draft_is_refused_with_the_reason(client, chair, db_session):
    response = post_form(client, "/pipelines/new", "/pipelines/new",
                         {"key": "clinical", "name": "Clinical AI", "description": "",
                          "catalog_id": str(pipelines.current_version("standard").catalog_id)})
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = post_form(client, f"/pipelines/drafts/{draft_id}/publish", f"/pipelines/drafts/{draft_id}/publish", {})
    assert response.status_code == 422
    assert "at least one stage that is not retired" in _text(response)
    assert db_session.get(Pipeline, draft_id).status == "draft"
    # a duplicate key is refused beside the field
    response = post_form(client, "/pipelines/new", "/pipelines/new",
                         {"key": "clinical", "name": "Again", "catalog_id": str(
                             pipelines.current_version("standard").catalog_id)})
    assert response.status_code == 422 and "exists already" in _text(response)


def test_import_upload_shows_line_precise_errors_and_export_round_trips(client, chair, db_session):
    exported = client.get("/pipelines/internal-tool/v1.yaml")
    assert exported.status_code == 200 and exported.headers["Content-Disposition"].startswith("attachment")
    text = exported.get_data(as_text=True)
    broken = text.replace("quorum: 1, reviewers: 2", "quorum: 3, reviewers: 2", 1)
    if broken == text:  # block style
        broken = re.sub(r"quorum: 1\n(\s+)reviewers: 2", r"quorum: 3\n\1reviewers: 2", text, count=1)
    line = next(i for i, row in enumerate(broken.splitlines(), start=1) if "quorum: 3" in row)
    response = client.post("/pipelines/import", data={
        "csrf_token": token_for(client, "/pipelines/import"),
        "file": (io.BytesIO(broken.encode()), "internal.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert f"internal.yaml:{line}: stages[1].quorum: must be &lt;= reviewers (2)" in response.get_data(as_text=True)
    assert len(pipelines.versions("internal-tool")) == 1

    response = client.post("/pipelines/import", data={
        "csrf_token": token_for(client, "/pipelines/import"),
        "file": (io.BytesIO(text.encode()), "internal.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 302
    new = pipelines.versions("internal-tool")[0]
    assert new.version == 2 and new.status == "draft"
    assert diff_versions(pipelines.versions("internal-tool")[1], new)["empty"]


def test_registration_offers_published_pipelines_and_follows_the_choice(client, make, db_session):
    owner = make.user("submitter")
    login(client, owner)
    page = _text(client.get("/projects/new"))
    assert "Standard AI lifecycle review (v1)" in page and "Generative AI service (v1)" in page
    genai = pipelines.current_version("generative-ai")
    from tests.functional.test_bad_input import _project_form

    response = post_form(client, "/projects/new", "/projects/new", {**_project_form(name="Chat helper"),
                                                                    "pipeline_id": str(genai.id)})
    assert response.status_code == 302, _text(response)[:1500]
    project = db_session.scalar(select(Project).where(Project.name == "Chat helper"))
    assert project.pipeline_id == genai.id and [s.code for s in project.stages][-1] == "OPS"


def test_auditor_reads_but_cannot_change_and_submitter_is_refused(client, make, db_session):
    auditor = make.user("auditor")
    login(client, auditor)
    assert client.get("/pipelines").status_code == 200
    page = _text(client.get("/pipelines/standard"))
    assert "Version history" in page and "Start a new version" not in page
    token = token_for(client, "/pipelines/standard")
    assert client.post("/pipelines/standard/versions", data={"csrf_token": token}).status_code == 403
    assert client.get("/pipelines/import").status_code == 403
    assert len(pipelines.versions("standard")) == 1
    client.post("/logout", data={"csrf_token": token})
    login(client, make.user("submitter"))
    assert client.get("/pipelines").status_code == 403
    assert client.get("/pipelines/standard").status_code == 403


# every POST endpoint of the pipeline screens (the access-matrix test requires each to be listed)
PIPELINE_POSTS = {
    "pipelines.create": "/pipelines/new",
    "pipelines.import_file": "/pipelines/import",
    "pipelines.new_version": "/pipelines/standard/versions",
    "pipelines.retire": "/pipelines/standard/retire",
    "pipelines.update_details": "/pipelines/drafts/{draft}/details",
    "pipelines.add_stage": "/pipelines/drafts/{draft}/stages",
    "pipelines.edit_stage": "/pipelines/drafts/{draft}/stages/{stage}",
    "pipelines.move_stage": "/pipelines/drafts/{draft}/stages/{stage}/move",
    "pipelines.retire_stage": "/pipelines/drafts/{draft}/stages/{stage}/retire",
    "pipelines.remove_stage": "/pipelines/drafts/{draft}/stages/{stage}/remove",
    "pipelines.add_rule": "/pipelines/drafts/{draft}/stages/{stage}/rules",
    "pipelines.remove_rule": "/pipelines/drafts/{draft}/stages/{stage}/rules/0/remove",
    "pipelines.publish": "/pipelines/drafts/{draft}/publish",
    "pipelines.discard": "/pipelines/drafts/{draft}/discard",
}


@pytest.mark.parametrize("endpoint", list(PIPELINE_POSTS))
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, chair, db_session, endpoint):
    from reviewboard.audit.models import AuditEvent

    draft = pipelines.new_version(chair, "internal-tool")
    pipelines.add_role_rule(chair, draft.stages[0], "legal", [], None)
    path = PIPELINE_POSTS[endpoint].format(draft=draft.id, stage=draft.stages[0].id)
    events = db_session.scalar(select(func.count(AuditEvent.seq)))
    response = client.post(path, data={"direction": "down", "quorum": "1", "reviewers": "1", "name": "X",
                                       "key": "x", "code": "OPS"})
    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(select(func.count(AuditEvent.seq))) == events


def test_the_decision_due_date_from_the_pipeline_shows_on_the_stage_page_and_in_the_queue(client, chair, make,
                                                                                         db_session):
    stage = make.submitted_stage(pipeline=pipelines.current_version("internal-tool"))  # due_days: 30
    due = stage.due_at.date()
    assert (due - stage.current_round.submitted_at.date()).days == stage.pipeline_stage.due_days
    page = _text(client.get(f"/stages/{stage.id}"))
    assert f'data-decision-due="{due.isoformat()}"' in page
    assert "decision due" in page and "overdue" not in page
    queue = _text(client.get("/queue?status=all"))
    assert f'data-decision-due="{due.isoformat()}"' in queue

    # past its due date the stage page says by how many days
    stage.due_at = stage.due_at - timedelta(days=stage.pipeline_stage.due_days + 3)
    db_session.commit()
    page = _text(client.get(f"/stages/{stage.id}"))
    assert "3 days overdue" in page


def test_the_queue_filters_on_the_stage_codes_the_pipelines_define(client, chair, make, db_session):
    from tests.integration.test_rereview import pipeline_with

    pipeline_with(db_session, "DES", "AUD")  # a stage code no built-in pipeline has; its name is "Aud"
    db_session.commit()
    stage = make.submitted_stage(name="Queue filter project")
    page = _text(client.get("/queue?status=all"))
    options = re.findall(r'<option value="([A-Z]*)"[^>]*>([^<]*)</option>', page.split('id="tier"')[0])
    assert options == [("", "All stages"), *pipelines.stage_choices()]
    assert ("DES", "Design") in options and ("AUD", "Aud") in options  # the standard pipeline names DES first
    assert "Queue filter project" in _text(client.get(f"/queue?status=all&stage={stage.code}"))
    assert "Queue filter project" not in _text(client.get("/queue?status=all&stage=AUD"))
    assert '<option value="AUD" selected>' in _text(client.get("/queue?status=all&stage=AUD"))
    unknown = _text(client.get("/queue?status=all&stage=NOPE"))  # not a stage code: no filter
    assert "Queue filter project" in unknown and '<option value="" selected>' in unknown
