"""Registration duties on both engines: judged at intake and whenever the facts change (audited when the set
changes), kept under the ruleset's version (an older one stays readable), read in English or Chinese, filings
recorded with checked evidence, and a required filing that is missing blocks the Deployment stage's submission
and approval with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.models.base import utcnow
from reviewboard.projects import services as projects
from reviewboard.registration.rules import ruleset
from reviewboard.registration.services import (
    add_filing,
    duties_for,
    facts_missing,
    facts_table,
    missing_required_filings,
    registration_state,
)
from reviewboard.reviews import lifecycle
from reviewboard.reviews.workflow import IllegalTransition, Outcome, StageState
from reviewboard.systems.services import on_system_retired
from tests.integration.test_rereview import approve, declare_no_conflict, edit, pipeline_with
from tests.support.factories import NO, project_fields

PDF = b"%PDF-1.4\n% receipt\n"
GENAI = "TC260-GENAI-FILING"


def duty_events(session):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == "registration.duties_changed")
                           .order_by(AuditEvent.seq)).all()


def file(project, code=GENAI, actor=None, **overrides):
    args = {"authority": "Cyberspace Administration of China", "reference": "Filing 110108-2026-001",
            "filed_on": utcnow().date(), "filename": "receipt.pdf", "data": PDF, **overrides}
    return add_filing(actor or project.owner, project, code, **args)


def test_duties_are_judged_at_intake_and_audited(make, db_session):
    project = make.project(generative_public=True, sector="health", training_flop=2e25, user_count=50_000)
    assert [d.code for d in duties_for(project)] == [GENAI, "TC260-SECTOR-FILING", "EU-AIA-ART52-GPAI-NOTIFICATION"]
    assert project.registration_duties["ruleset"] == "1.1.0"
    [event] = duty_events(db_session)
    assert '"duties":["TC260-GENAI-FILING","TC260-SECTOR-FILING","EU-AIA-ART52-GPAI-NOTIFICATION"]' in event.payload
    assert '"training_flop":2e+25' in event.payload or '"training_flop":2.0e+25' in event.payload


def test_a_change_of_facts_that_changes_the_duties_is_audited_and_one_that_does_not_is_not(make, db_session):
    project = make.project(sector="none")
    assert duties_for(project) == [] and duty_events(db_session) == []  # no duty at intake: nothing changed
    assert project.registration_duties == {"ruleset": "1.1.0", "duties": []}
    edit(project, user_count=10)
    assert duty_events(db_session) == []  # the set did not change
    edit(project, sector="education")
    [event] = duty_events(db_session)
    assert '"before":{"duties":[]}' in event.payload
    assert '"after":{"duties":["EU-AIA-ART49-REGISTRATION"]' in event.payload
    edit(project, sector="none")
    assert '"after":{"duties":[]' in duty_events(db_session)[-1].payload
    updated = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "project.updated")).all()
    assert any('"sector":"education"' in e.payload for e in updated)


def test_duties_recorded_under_1_0_0_stay_readable_and_move_to_the_new_version_unaudited(make, db_session):
    project = make.project(generative_public=True)
    # as kept on a project judged before 1.1.0 was shipped
    project.registration_duties = {"ruleset": "1.0.0", "duties": [
        {"code": GENAI, "reasons": ["Generated content (text, images, audio or video) is offered to members of the "
                                    "public. (Generative content for the public: Yes)"]}]}
    db_session.flush()
    db_session.expire_all()
    recorded = project.registration_duties
    old = ruleset(recorded["ruleset"])
    assert [old.definition(d["code"]).title for d in recorded["duties"]] == [
        "File the generative AI service offered to the public"]
    assert recorded["duties"][0]["reasons"] == list(duties_for(project)[0].reasons)  # the same words in English
    events = len(duty_events(db_session))
    edit(project, user_count=10)  # judged again under 1.1.0: the same duties, so nothing to audit
    assert project.registration_duties["ruleset"] == "1.1.0"
    assert [d["code"] for d in project.registration_duties["duties"]] == [GENAI]
    assert len(duty_events(db_session)) == events


def test_duties_and_facts_read_in_chinese_and_records_carry_both_languages(make, db_session):
    project = make.project(generative_public=True, sector="health", user_count=None)
    [genai, sector] = duties_for(project, "zh-Hans")
    assert genai.title == "为面向公众提供的生成式人工智能服务办理备案"
    assert sector.reasons == ("系统应用于框架列明的重点领域（政务、关键信息基础设施、公共安全或医疗卫生）。"
                              "（行业领域：医疗卫生）",)
    table = facts_table(project, "zh-Hans")
    assert ("行业领域", "医疗卫生") in table and ("用户数", "未提供") in table
    assert "用户数" in facts_missing(project, "zh-Hans") and "Users" in facts_missing(project)
    # the stage that waits for the filing names it in the reader's language
    assert [d.title for d in missing_required_filings(project, "DEP", "zh-Hans")] == [genai.title, sector.title]
    state = registration_state(project)  # English, with the Chinese beside it
    duty = state["duties"][0]
    assert duty["title"] == "File the generative AI service offered to the public"
    assert duty["translations"]["zh-Hans"]["title"] == genai.title
    assert duty["translations"]["zh-Hans"]["reasons"] == list(genai.reasons)
    assert "［未核实］" in duty["translations"]["zh-Hans"]["source"] and "[unverified]" in duty["source"]
    sector_fact = next(f for f in state["facts"] if f["fact"] == "Sector")
    assert sector_fact["value"] == "Health care"
    assert sector_fact["translations"] == {"zh-Hans": {"fact": "行业领域", "value": "医疗卫生"}}


@pytest.mark.parametrize(("facts", "field"), [
    ({"sector": "mars"}, "sector"), ({"training_flop": -1.0}, "training_flop"), ({"user_count": "many"}, "user_count"),
    ({"public_service": "perhaps"}, "public_service"), ({"training_flop": float("nan")}, "training_flop"),
    ({"parameter_count": 10**20}, "parameter_count"),
])
def test_bad_facts_are_refused_by_field(make, facts, field):
    owner = make.user("submitter")
    with pytest.raises(ServiceError) as caught:
        projects.create_project(owner, make.pipeline(), project_fields(**facts), dict(NO))
    assert caught.value.field == field


def test_a_filing_is_stored_with_its_evidence_and_audited(make, db_session):
    project = make.project(generative_public=True)
    assert [d.code for d in missing_required_filings(project, "DEP")] == [GENAI]
    filing = file(project)
    assert filing.sha256 and filing.content_type == "application/pdf" and filing.duty_code == GENAI
    assert missing_required_filings(project, "DEP") == []
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.filed"))
    assert '"reference":"Filing 110108-2026-001"' in event.payload and filing.sha256 in event.payload
    [duty] = registration_state(project)["duties"]
    assert duty["filing"]["reference"] == "Filing 110108-2026-001" and duty["reasons"]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"reference": "  "}, "reference", "Give the reference"),
    ({"authority": ""}, "authority", "Name the authority"),
    ({"filed_on": None}, "filed_on", "Give the date"),
    ({"filed_on": utcnow().date() + timedelta(days=2)}, "filed_on", "cannot be in the future"),
    ({"filename": "receipt.exe", "data": b"MZ\x90"}, "file", "are not accepted"),
    ({"filename": "receipt.pdf", "data": b"not a pdf"}, "file", "is not a PDF file"),
    ({"data": b""}, "file", "empty"),
])
def test_a_bad_filing_is_refused_by_field(make, db_session, overrides, field, message):
    project = make.project(generative_public=True)
    with pytest.raises(ServiceError, match=message) as caught:
        file(project, **overrides)
    assert caught.value.field == field
    assert missing_required_filings(project, "DEP")


def test_a_filing_for_a_duty_the_project_does_not_have_or_by_an_outsider_is_refused(make):
    project = make.project(generative_public=True)
    with pytest.raises(ServiceError, match="not one of the project's registration duties"):
        file(project, code="EU-AIA-ART49-REGISTRATION")
    with pytest.raises(NotPermitted):
        file(project, actor=make.user("chair"))
    on_system_retired(None, project)
    with pytest.raises(NotPermitted, match="retired"):
        file(project)


def test_required_filings_are_due_by_deployment_and_later_stages_only(make):
    project = make.project(generative_public=True)
    assert missing_required_filings(project, "TST") == []
    assert [d.code for d in missing_required_filings(project, "OPS")] == [GENAI]


def deployment_project(make, db_session, **facts):
    pipeline = pipeline_with(db_session, "TST", "DEP")
    owner = make.user("submitter")
    project = projects.create_project(owner, pipeline, project_fields(**facts), dict(NO))
    approve(make, project.stages[0])
    dep = project.stages[1]
    make.evidence(dep)
    return project, dep


def test_a_missing_filing_blocks_the_deployment_submission_with_the_reason(make, db_session):
    project, dep = deployment_project(make, db_session, generative_public=True)
    with pytest.raises(IllegalTransition) as caught:
        lifecycle.submit_stage(project.owner, dep, "", dep.version)
    assert "required registration filings are missing: File the generative AI service offered to the public" \
           in caught.value.reason and "TC260-GENAI-FILING" in caught.value.reason
    assert dep.state == StageState.DRAFT
    file(project)
    lifecycle.submit_stage(project.owner, dep, "", dep.version)
    assert dep.state == StageState.IN_REVIEW


def in_review_with_a_new_duty(make, db_session):
    """Deployment in review when a duty arises (here set directly, as a later ruleset would), and a reviewer who
    has declared and recorded verdicts: (project, stage, reviewer)."""
    project, dep = deployment_project(make, db_session)
    lifecycle.submit_stage(project.owner, dep, "", dep.version)
    project.generative_public = True
    db_session.flush()
    reviewer = make.user("reviewer")
    declare_no_conflict(reviewer, dep)
    make.verdicts(reviewer, dep)
    return project, dep, reviewer


def test_an_approval_is_refused_when_a_duty_arises_while_deployment_is_in_review(make, db_session):
    """Defence in depth: no reviewer can sign an approval, and the workflow refuses to decide one."""
    _project, dep, reviewer = in_review_with_a_new_duty(make, db_session)
    with pytest.raises(ServiceError, match="Dep cannot be approved: required registration filings are missing: "
                                           "File the generative"):
        make.sign(reviewer, dep, Outcome.APPROVE)
    assert dep.state == StageState.IN_REVIEW
    with pytest.raises(IllegalTransition, match="required registration filings are missing"):
        lifecycle.decide_if_quorum(reviewer, _signed_without_check(make, reviewer, dep))


def _signed_without_check(make, reviewer, dep):
    """The stage with an approving sign-off stored as if the signing check had been passed (a race)."""
    from reviewboard.reviews.models import SignOff

    round_ = dep.current_round
    round_.signoffs.append(SignOff(round_id=round_.id, reviewer_id=reviewer.id, outcome=Outcome.APPROVE, comment="",
                                   printed_name=reviewer.name, role_title="Reviewer", meaning="Approved",
                                   signed_at=utcnow(), content_sha256="0" * 64, signed_content="{}"))
    make.session.flush()
    return dep


def test_request_changes_is_still_possible_while_a_filing_is_missing(make, db_session):
    _project, dep, reviewer = in_review_with_a_new_duty(make, db_session)
    make.sign(reviewer, dep, Outcome.REQUEST_CHANGES)
    assert dep.state == StageState.CHANGES_REQUESTED


def test_a_resubmission_shows_a_changed_fact_in_words(make, db_session):
    from reviewboard.reviews.resubmission import current_diff

    project = projects.create_project(make.user("submitter"), pipeline_with(db_session, "DES"), project_fields(),
                                      dict(NO))
    stage = project.stages[0]
    make.evidence(stage)
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    reviewer = make.user("reviewer")
    declare_no_conflict(reviewer, stage)
    make.sign(reviewer, stage, Outcome.REQUEST_CHANGES)
    edit(project, training_flop=2e25)
    lifecycle.submit_stage(project.owner, stage, "Compute added.", stage.version)
    changes = {c.label: (c.before, c.after) for c in current_diff(stage).fields}
    assert changes["Training compute"] == ("—", "2e+25 FLOP")
