"""Re-review: a material change reopens only the affected passed stages, recurring operation stages get a
next review date by tier and come back when it arrives, and expired evidence reopens the criteria that
relied on it. Services on both engines."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.models.base import utcnow
from reviewboard.pipelines.models import Pipeline, PipelineStage
from reviewboard.projects import services as projects
from reviewboard.projects.models import PROJECT_FIELDS, project_state
from reviewboard.rereview import services as rereview
from reviewboard.rereview.rules import RulesError, load_rules, parse_rules
from reviewboard.reviews import lifecycle
from reviewboard.reviews.workflow import StageState
from tests.support.factories import NO, project_fields

_keys = itertools.count(1)
ALL_TIERS = ["low", "medium", "high"]


def pipeline_with(session, *codes, recurrence=None) -> Pipeline:
    """A published pipeline of the given stage codes, quorum 1, built for the test."""
    base = session.scalar(select(Pipeline).order_by(Pipeline.id).limit(1))
    pipeline = Pipeline(key=f"rereview-{next(_keys)}", name="Re-review test", version=1, catalog_id=base.catalog_id)
    if hasattr(Pipeline, "status"):
        pipeline.status = "published"
    for position, code in enumerate(codes, start=1):
        stage = PipelineStage(position=position, code=code, name=code.title(), quorum=1, tiers=list(ALL_TIERS))
        if hasattr(PipelineStage, "reviewers"):
            stage.reviewers = 1  # one reviewer assigned is enough
        if code == "OPS" and recurrence is not None:
            stage.recurrence = recurrence
        pipeline.stages.append(stage)
    session.add(pipeline)
    session.flush()
    return pipeline


def new_project(make, pipeline, owner=None, tier=None, **fields):
    owner = owner or make.user("submitter")
    project = projects.create_project(owner, pipeline, project_fields(**fields), dict(NO))
    if tier is not None:
        project.tier = tier
        make.session.flush()
    return project


def declare_no_conflict(reviewer, stage) -> None:
    """Committee mechanics: a reviewer declares (no conflict) before reviewing, when the schema asks for it."""
    try:
        from reviewboard.committee.services import declare
        from reviewboard.reviews import permissions as committee
    except ImportError:
        return
    if committee.must_declare(reviewer, stage) and committee.declaration(reviewer, stage) is None:
        declare(reviewer, stage, False)


def approve(make, stage, reviewer=None):
    """Submit ``stage`` (with one evidence file unless it has some) and have one reviewer approve it."""
    if not [e for e in stage.evidence if not e.withdrawn]:
        make.evidence(stage)
    lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    reviewer = reviewer or make.user("reviewer")
    declare_no_conflict(reviewer, stage)
    make.sign(reviewer, stage)
    make.session.refresh(stage)
    assert stage.state == StageState.APPROVED
    return stage


def edit(project, **changes):
    fields = {f: getattr(project, f) for f in PROJECT_FIELDS}
    fields.update(changes)
    answers = {k: v for k, v in project.answers.items() if k not in projects.QUESTIONNAIRE_FIELDS}
    return projects.update_project(project.owner, project, fields, answers, project.version)


def reopened_events(session, stage):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.reopened",
                                                    AuditEvent.object_id == str(stage.id))).all()


# -- material change ------------------------------------------------------------------------------
def test_material_change_reopens_only_the_affected_passed_stages(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV", "TST", "DEP")
    project = new_project(make, pipeline)
    des, dev, tst, dep = project.stages
    approve(make, des)
    approve(make, dev)
    assert tst.state == StageState.DRAFT and dep.state == StageState.LOCKED

    edit(project, scenario="Walk-in clinics as well as the emergency department.")  # rule: DES, DEP, OPS

    assert des.state == StageState.DRAFT and des.decided_at is None
    assert des.reopen_codes is None  # every criterion of the stage is re-reviewed
    assert dev.state == StageState.APPROVED  # scenario does not touch R&D
    assert tst.state == StageState.DRAFT and dep.state == StageState.LOCKED  # never touched
    [event] = reopened_events(db_session, des)
    assert '"trigger":"material_change"' in event.payload and '"fields":["scenario"]' in event.payload
    assert not reopened_events(db_session, dev)


def test_a_new_model_or_model_version_reopens_r_and_d_testing_and_deployment(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV", "TST")
    project = new_project(make, pipeline, model="Gradient-boosted trees v1")
    des, dev, tst = (approve(make, stage) for stage in project.stages)

    edit(project, model="Gradient-boosted trees v2, retrained on 2026 data")  # rule: DEV, TST, DEP

    assert des.state == StageState.APPROVED  # the design does not depend on the model version
    assert dev.state == StageState.DRAFT and tst.state == StageState.DRAFT  # both re-reviewed
    assert reopened_events(db_session, tst)
    [event] = reopened_events(db_session, dev)
    assert '"fields":["model"]' in event.payload and "AI models" in event.payload


def test_an_empty_model_is_left_out_of_the_snapshot_so_older_rounds_compare_equal(make, db_session):
    project = new_project(make, pipeline_with(db_session, "DES"))
    assert "model" not in project_state(project)
    project.model = "A model"
    assert project_state(project)["model"] == "A model"


def test_a_change_that_is_not_material_reopens_nothing(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV")
    project = new_project(make, pipeline)
    des = approve(make, project.stages[0])

    edit(project, name="A clearer project name")

    assert des.state == StageState.APPROVED and des.decided_at is not None
    assert not reopened_events(db_session, des)


def test_stages_in_review_or_locked_are_never_reopened(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV")
    project = new_project(make, pipeline)
    des, dev = project.stages
    make.evidence(des)
    lifecycle.submit_stage(project.owner, des, "", des.version)

    reopened = rereview.after_project_change(project.owner, project, ["purpose", "system_type"])

    assert reopened == []
    assert des.state == StageState.IN_REVIEW and dev.state == StageState.LOCKED


def test_rules_can_narrow_a_reopened_stage_to_criteria():
    rules = parse_rules({"material_changes": [
        {"fields": ["purpose"], "reason": "Purpose changed.", "reopens": ["DES"], "criteria": {"DES": ["RB-DES-01"]}},
        {"fields": ["scale"], "reason": "Scale changed.", "reopens": ["DES", "OPS"]},
    ], "recurrence": {}})
    assert rules.affected(["purpose"])["DES"].codes == ["RB-DES-01"]
    assert rules.affected(["purpose", "scale"])["DES"].codes is None  # a rule without criteria reopens all
    assert rules.affected(["name"]) == {}


def test_bad_rules_are_refused_with_their_place():
    with pytest.raises(RulesError) as caught:
        parse_rules({"material_changes": [{"fields": ["purpos"], "reopens": ["des"], "reason": ""}],
                     "recurrence": {"OPS": {"high": 0, "urgent": 3}}})
    text = "\n".join(caught.value.errors)
    assert "material_changes[0].fields: unknown project field 'purpos'" in text
    assert "material_changes[0].reopens: 'des' is not a stage code" in text
    assert "material_changes[0].reason" in text
    assert "recurrence.OPS: unknown tier 'urgent'" in text and "recurrence.OPS: high: months" in text


def test_shipped_rules_load():
    rules = load_rules()
    assert rules.recurrence["OPS"] == {"high": 6, "medium": 12, "low": 24}
    assert "OPS" in rules.affected(["purpose"])


# -- recurrence -----------------------------------------------------------------------------------
def test_add_months_clamps_to_the_end_of_the_month():
    assert lifecycle.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert lifecycle.add_months(date(2026, 11, 28), 12) == date(2027, 11, 28)
    assert lifecycle.add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)


@pytest.mark.parametrize(("tier", "months"), [("high", 6), ("medium", 12), ("low", 24), ("prohibited", 6)])
def test_an_approved_operation_stage_gets_its_next_review_date_by_tier(make, db_session, tier, months):
    pipeline = pipeline_with(db_session, "OPS")
    project = new_project(make, pipeline, tier=tier)
    if tier == "prohibited":
        project.escalation_cleared_by_id = make.user("chair").id  # cleared, still counted as high for recurrence
    ops = approve(make, project.stages[0])
    assert ops.next_review_on == lifecycle.add_months(ops.decided_at.date(), months)


def test_the_pipeline_stages_own_recurrence_wins_and_other_stages_do_not_recur(make, db_session):
    if not hasattr(PipelineStage, "recurrence"):
        pytest.skip("pipeline stages have no recurrence of their own in this schema")
    pipeline = pipeline_with(db_session, "DES", "OPS", recurrence={"high": 3})
    project = new_project(make, pipeline, tier="high")
    des, ops = project.stages
    approve(make, des)
    approve(make, ops)
    assert des.next_review_on is None
    assert ops.next_review_on == lifecycle.add_months(ops.decided_at.date(), 3)


# -- sweep ----------------------------------------------------------------------------------------
def test_sweep_reopens_a_recurring_stage_when_its_date_comes(make, db_session):
    pipeline = pipeline_with(db_session, "OPS")
    ops = approve(make, new_project(make, pipeline, tier="medium").stages[0])
    due = ops.next_review_on

    assert rereview.sweep(due - timedelta(days=1)).count == 0
    assert ops.state == StageState.APPROVED

    result = rereview.sweep(due)
    assert result.recurring == [ops]
    assert ops.state == StageState.DRAFT and ops.decided_at is None and ops.reopen_codes is None
    [event] = reopened_events(db_session, ops)
    assert '"trigger":"recurrence"' in event.payload
    assert rereview.sweep(due).count == 0  # a reopened stage is not reopened again


def test_sweep_reopens_the_criteria_that_relied_on_expired_evidence(make, db_session):
    pipeline = pipeline_with(db_session, "DES", "DEV")
    project = new_project(make, pipeline)
    des = project.stages[0]
    first, second = des.applicable_criteria()[:2]
    expires = utcnow().date() + timedelta(days=40)
    projects.add_evidence(project.owner, des, first.id, "dpia.md", b"# DPIA\n", expires_on=expires)
    projects.add_evidence(project.owner, des, second.id, "model-card.md", b"# Card\n")
    approve(make, des)

    assert rereview.sweep(expires - timedelta(days=1)).count == 0
    result = rereview.sweep(expires)

    assert result.expired_evidence == [des]
    assert des.state == StageState.DRAFT and des.decided_at is None
    assert des.reopen_codes == [first.code]
    [event] = reopened_events(db_session, des)
    assert '"trigger":"evidence_expired"' in event.payload and "dpia.md" in event.payload


def test_evidence_expiry_must_be_in_the_future(make, db_session):
    from reviewboard.core.errors import ServiceError

    project = new_project(make, pipeline_with(db_session, "DES"))
    stage = project.stages[0]
    criterion = stage.applicable_criteria()[0]
    with pytest.raises(ServiceError, match="expiry date must be in the future") as caught:
        projects.add_evidence(project.owner, stage, criterion.id, "old.md", b"x", expires_on=utcnow().date())
    assert caught.value.field == "expires_on"
    assert [e for e in stage.evidence] == []


# -- in the browser's HTML (CSRF on) --------------------------------------------------------------
def test_evidence_expiry_is_set_through_the_stage_form_and_checked(client, make, db_session):
    import io

    from tests.support.http import login, post_form

    project = new_project(make, pipeline_with(db_session, "DES"))
    stage = project.stages[0]
    criterion = stage.applicable_criteria()[0]
    url = f"/stages/{stage.id}"
    login(client, project.owner)
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    response = post_form(client, url, f"{url}/evidence", {"criterion_id": str(criterion.id), "expires_on": past,
                                                          "file": (io.BytesIO(b"# Audit\n"), "audit.md")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "An expiry date must be in the future." in response.get_data(as_text=True)

    until = (utcnow().date() + timedelta(days=365)).isoformat()
    response = post_form(client, url, f"{url}/evidence", {"criterion_id": str(criterion.id), "expires_on": until,
                                                          "file": (io.BytesIO(b"# Audit\n"), "audit.md")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert f"valid until {until}" in client.get(url).get_data(as_text=True)
    db_session.expire_all()
    [evidence] = stage.evidence
    assert evidence.expires_on.isoformat() == until


def test_next_review_date_is_shown_on_project_list_stage_and_dashboard(client, make, db_session):
    from tests.support.http import login

    project = new_project(make, pipeline_with(db_session, "OPS"), tier="high")
    ops = approve(make, project.stages[0])
    when = ops.next_review_on.isoformat()
    login(client, project.owner)
    for page in (f"/projects/{project.id}", "/projects", f"/stages/{ops.id}", "/dashboard"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert when in response.get_data(as_text=True), page


def test_a_member_edits_a_fully_approved_project_and_the_material_change_reopens_its_stages(client, make, db_session):
    from reviewboard.projects.models import Project
    from tests.functional.test_bad_input import _project_form, _shown, _text
    from tests.support.http import csrf_token, login

    project = new_project(make, pipeline_with(db_session, "DES", "DEV"))
    des, dev = (approve(make, stage) for stage in project.stages)
    login(client, project.owner)
    page = client.get(f"/projects/{project.id}/edit")
    assert page.status_code == 200  # every stage passed: the project is the submitter's to change again
    html = _text(page)
    assert "reopens the approved stages" in html  # said before anything is saved
    form = _project_form(name=project.name, purpose="Now also ranks patients for discharge.",
                         version=_shown(html, "version"))
    response = client.post(f"/projects/{project.id}/edit", data={**form, "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    db_session.expire_all()
    project = db_session.get(Project, project.id)
    assert [s.state for s in project.stages] != [StageState.APPROVED, StageState.APPROVED]
    assert StageState.DRAFT in [s.state for s in project.stages]
    assert reopened_events(db_session, project.stages[0])


# -- languages ------------------------------------------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_reason_is_given_in_chinese_and_the_published_1_0_0_stays_readable():
    english, chinese, old = load_rules(), load_rules(language="zh-Hans"), load_rules("1.0.0")
    assert english.version == "1.1.0" and english.languages == ("en", "zh-Hans") and len(english.material_changes) == 8
    for en, zh in zip(english.material_changes, chinese.material_changes, strict=True):
        assert (en.fields, en.reopens, en.criteria) == (zh.fields, zh.reopens, zh.criteria)  # only the words differ
        assert not CJK.search(en.reason) and CJK.search(zh.reason), (en.reason, zh.reason)
    # rules.yaml, published before versions had names, reads as 1.0.0: the same rules, in English only
    assert old.version == "1.0.0" and old.languages == ("en",) and load_rules("1.0.0", "zh-Hans") is old
    assert old.material_changes == english.material_changes and old.recurrence == english.recurrence
    with pytest.raises(RulesError, match="no re-review rules rules-9.9.9.yaml is shipped"):
        load_rules("9.9.9")


@pytest.mark.parametrize(("reason", "message"), [
    ({"en": "Purpose changed."}, "material_changes[0].reason is missing its zh-Hans text"),
    ("Purpose changed.", "material_changes[0].reason: give the text in each language of the file (en, zh-Hans)"),
    ({"en": "Purpose changed.", "zh-Hans": "用途变了。", "fr": "But changé."}, "language 'fr' is not one of the file"),
])
def test_a_reason_missing_a_language_is_refused_with_its_place(reason, message):
    with pytest.raises(RulesError) as caught:
        parse_rules({"version": "1.2.0", "languages": ["en", "zh-Hans"], "recurrence": {},
                     "material_changes": [{"fields": ["purpose"], "reason": reason, "reopens": ["DES"]}]})
    assert any(message in e for e in caught.value.errors), caught.value.errors


def test_a_reopened_stage_says_why_in_its_readers_language_and_the_audit_trail_keeps_english(client, make,
                                                                                           db_session):
    from tests.support.http import login

    project = new_project(make, pipeline_with(db_session, "DES"))
    des = approve(make, project.stages[0])
    edit(project, purpose="Now also ranks patients for discharge.", scale="large")  # the tier changes too
    assert des.state == StageState.DRAFT
    [event] = reopened_events(db_session, des)
    assert '"reason":"The intended purpose, users or scenario of use changed. The risk tier changed."' \
           in event.payload and '"rules_version":"1.1.0"' in event.payload  # two rules reopened DES
    login(client, project.owner)
    english = client.get(f"/stages/{des.id}").get_data(as_text=True)
    assert ("Reopened for re-review: The intended purpose, users or scenario of use changed. The risk tier "
            "changed.") in english
    project.owner.language = "zh-Hans"
    db_session.flush()
    chinese = client.get(f"/stages/{des.id}").get_data(as_text=True)
    assert "已重新开启以重新审查：系统的用途、预期用户或应用场景发生了变化。 风险等级发生了变化。" in chinese
    assert "The intended purpose" not in chinese


def test_a_stage_reopened_before_reasons_had_languages_shows_the_kept_reason_and_a_recurrence_is_translated(
        client, make, db_session):
    from tests.support.http import login

    project = new_project(make, pipeline_with(db_session, "DES", "OPS"), tier="medium")
    des, ops = (approve(make, stage) for stage in project.stages)
    lifecycle.reopen_stage(None, des, trigger="material_change", reason="The risk tier changed.",
                           details={"fields": ["tier"]})  # as 1.0.0 recorded it: no version, no rules
    rereview.sweep(ops.next_review_on)
    assert ops.state == StageState.DRAFT
    project.owner.language = "zh-Hans"
    db_session.flush()
    login(client, project.owner)
    assert "已重新开启以重新审查：The risk tier changed." in client.get(f"/stages/{des.id}").get_data(as_text=True)
    page = client.get(f"/stages/{ops.id}").get_data(as_text=True)
    assert "已重新开启以重新审查：定于 " in page and "的定期审查已到期。" in page and "periodic review due" not in page
