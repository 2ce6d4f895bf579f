"""Shipped data in the reader's language: the catalog's criteria, the pipeline's stage names, the tier names and the
risk questionnaire are written in English and Chinese, and every screen (and the daily digest) shows the reader's
language: a zh-Hans reader meets no English criterion or stage name, an English reader no Chinese one."""

from __future__ import annotations

import re
from datetime import date

from reviewboard.projects.tiering import questionnaire
from reviewboard.reviews import lifecycle
from tests.support.http import declare_no_conflict, login

ZH = "zh-Hans"


def _reader(make, db_session, *roles, language=ZH):
    person = make.user(*roles)
    person.language = language
    db_session.flush()
    return person


def _text(html: str) -> str:
    """The page's text, tags removed (a name split by markup still reads as one)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _zh(obj, field: str) -> str:
    return obj.translations[ZH][field]


BILINGUAL_PIPELINE = """
key: bilingual-review
name: {en: Bilingual review, zh-Hans: 双语审查}
description: A pipeline on the catalog version written in English and Chinese.
catalog: rb-tc260-lifecycle
catalog_version: "1.3.0"
stages:
  - {code: DES, name: {en: Design, zh-Hans: 设计}, tiers: [low, medium, high], quorum: 1, reviewers: 1, due_days: 30}
  - {code: TST, name: {en: Testing, zh-Hans: 测试}, tiers: [low, medium, high], quorum: 1, reviewers: 1, due_days: 30}
"""


def _bilingual_pipeline():
    """A pipeline on catalog 1.3.0, whose criteria carry Chinese (the tests' default pipeline pins 1.0.0)."""
    from reviewboard.catalogs.schema import shipped_catalog_path
    from reviewboard.catalogs.services import import_catalog_file
    from reviewboard.pipelines.services import import_pipeline

    import_catalog_file(None, shipped_catalog_path("rb-tc260-lifecycle-1.3.0.yaml"))
    return import_pipeline(None, BILINGUAL_PIPELINE, publish=True)


def _stage_for_review(make, db_session):
    owner = make.user("submitter")
    # high risk: the stage has a conditional criterion (RB-DES-12) as well as mandatory ones
    project = make.project(owner, pipeline=_bilingual_pipeline(), name="智能客服风险评估系统",
                           answers={"affects_rights": "yes"})
    stage = project.stages[0]
    make.evidence(stage)
    lifecycle.submit_stage(owner, stage, "", stage.version)
    reviewer = _reader(make, db_session, "reviewer")
    chair = make.user("chair")
    from reviewboard.reviews import services as reviews

    reviews.assign_reviewer(chair, stage, reviewer)
    db_session.commit()
    return stage, reviewer


def test_a_chinese_reviewer_reads_the_criteria_and_stage_names_in_chinese_on_the_stage_page_and_queue(
        client, make, db_session):
    stage, reviewer = _stage_for_review(make, db_session)
    criteria = stage.applicable_criteria()
    assert criteria and all(ZH in c.translations for c in criteria)
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    text = _text(page)
    assert 'name="v_' in page  # the review form is there: its criteria too are in Chinese
    assert "您已声明不存在利益冲突" in text and "no conflict of interest" not in text  # the declaration's flash
    assert any(c.applicability == "conditional" for c in criteria)
    assert '<span class="badge bg-light text-dark border">视情况适用</span>' in page and ">conditional<" not in page
    for c in criteria:
        assert _zh(c, "title") in text and _zh(c, "question") in text and _zh(c, "guidance") in text
        assert all(f"<li>{e}</li>" in page for e in _zh(c, "evidence_types"))
        assert c.title not in text and c.question not in text
        assert not any(f"<li>{e}</li>" in page for e in c.evidence_types)
    stage_zh = _zh(stage.pipeline_stage, "name")
    assert f'<li class="breadcrumb-item active" aria-current="page">{stage_zh}</li>' in page
    assert stage.pipeline_stage.name not in re.search(r"<h1.*?</h1>", page, re.S).group(0)

    queue = client.get("/queue?status=all").get_data(as_text=True)
    row = re.search(r"<tbody>.*?</tbody>", queue, re.S).group(0)
    assert f"<td>{stage_zh}</td>" in row and f"<td>{stage.pipeline_stage.name}</td>" not in row
    assert f'<option value="{stage.code}">{stage_zh}</option>' in queue  # the stage filter too
    assert _zh_tier(stage.project.tier) in row


def _zh_tier(tier: str) -> str:
    return questionnaire().tier_names[tier][ZH]


def test_an_english_reviewer_reads_the_same_stage_in_english(client, make, db_session):
    stage, reviewer = _stage_for_review(make, db_session)
    reviewer.language = "en"
    db_session.commit()
    login(client, reviewer)
    declare_no_conflict(client, stage.id)
    text = _text(client.get(f"/stages/{stage.id}").get_data(as_text=True))
    for c in stage.applicable_criteria():
        assert c.title in text and c.question in text and _zh(c, "title") not in text
        assert all(e in text for e in c.evidence_types)
    assert f"{stage.pipeline_stage.name} review" in text and _zh(stage.pipeline_stage, "name") not in text
    queue = _text(client.get("/queue?status=all").get_data(as_text=True))
    tier = stage.project.tier
    assert f" {stage.pipeline_stage.name} " in queue and _zh_tier(tier) not in queue
    assert f"{questionnaire().tier_name(tier)} risk" in queue


def test_tier_names_stage_names_and_the_questionnaire_are_in_chinese_on_the_project_screens(client, make, db_session):
    owner = _reader(make, db_session, "submitter")
    project = make.project(owner, name="城市交通信号优化")
    db_session.commit()
    login(client, owner)
    tier_zh, stage = _zh_tier(project.tier), project.stages[0]
    listing = _text(client.get("/projects").get_data(as_text=True))
    assert tier_zh in listing and "Low risk" not in listing and _zh(stage.pipeline_stage, "name") in listing
    shown = client.get(f"/projects/{project.id}").get_data(as_text=True)
    text = _text(shown)
    assert tier_zh in text and "Low risk" not in text
    names = [_zh(s.pipeline_stage, "name") for s in project.stages]
    assert all(f". {name} " in text for name in names)
    assert _zh(project.pipeline, "name") in text and project.pipeline.name not in text
    qn = questionnaire()
    assert qn.label("system_type", ZH) in text and qn.question("system_type").label not in text
    reason = project.tier_reasons[0]
    assert reason["translations"][ZH]["explanation"] in text and reason["explanation"] not in text

    # the questionnaire's part of the form (the registration facts after it are another catalogue's)
    form = _text(client.get("/projects/new").get_data(as_text=True).partition('name="sector"')[0])
    for qid in ("system_type", "affects_rights"):
        assert qn.label(qid, ZH) in form and qn.question(qid).label not in form
    assert all(option in form for option in qn.options("system_type", ZH).values())
    english = [option for option in qn.question("system_type").options.values() if option in form]
    assert not english, english


def test_the_dashboard_inventory_and_metrics_name_stages_and_tiers_in_chinese(client, make, db_session):
    chair = _reader(make, db_session, "chair")
    stage = make.submitted_stage()
    db_session.commit()
    login(client, chair)
    stage_zh, stage_en = _zh(stage.pipeline_stage, "name"), stage.pipeline_stage.name
    for path in ("/dashboard", "/inventory"):
        text = _text(client.get(path).get_data(as_text=True))
        assert f" {stage_zh} " in text and f" {stage_en} " not in text, path
        assert _zh_tier(stage.project.tier) in text, path
        assert "Changes requested" not in text and "In review" not in text, path  # the state filter and badges
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f" {stage_zh} " in _text(metrics) and f" {stage_en} " not in _text(metrics)
    pipeline = stage.project.pipeline  # the pipeline filters name each pipeline (its key stays the value)
    option = f'<option value="{pipeline.key}">{_zh(pipeline, "name")}</option>'
    assert option in metrics and option in client.get("/inventory").get_data(as_text=True)


def test_the_daily_digest_names_stages_in_its_readers_language(app, make, db_session):
    from reviewboard.notify.digest import build_digests
    from reviewboard.notify.services import render_message

    stage, reviewer = _stage_for_review(make, db_session)
    english = make.user("reviewer")
    from reviewboard.reviews import services as reviews

    reviews.assign_reviewer(make.user("chair"), stage, english)
    db_session.flush()
    digests = {d.user.id: d for d in build_digests(date.today())}
    stage_zh, stage_en = _zh(stage.pipeline_stage, "name"), stage.pipeline_stage.name
    chinese = render_message(digests[reviewer.id], date.today(), "rb@localhost")
    body = chinese.get_body(("plain",)).get_content()
    line = next(x for x in body.splitlines() if "智能客服风险评估系统" in x)
    assert stage_zh in line and stage_en not in body
    assert stage_zh in chinese.get_body(("html",)).get_content()
    plain = render_message(digests[english.id], date.today(), "rb@localhost").get_body(("plain",)).get_content()
    line = next(x for x in plain.splitlines() if "智能客服风险评估系统" in x)
    assert stage_en in line and "waiting for your verdict" in line and stage_zh not in plain


def test_what_changed_since_the_last_round_names_fields_answers_and_tiers_in_chinese(client, make, db_session):
    from reviewboard.projects import services as projects
    from reviewboard.reviews.workflow import Outcome
    from tests.support.factories import project_fields

    owner = _reader(make, db_session, "submitter")
    stage = make.submitted_stage(owner)
    first, second = make.reviewers()
    make.sign(first, stage)
    make.sign(second, stage, Outcome.REQUEST_CHANGES)
    project = stage.project
    before_tier = project.tier
    projects.update_project(owner, project, project_fields(name=project.name, purpose="只做分诊建议，从不决定。"),
                            {**project.answers, "affects_rights": "yes"}, project.version)
    assert project.tier != before_tier
    make.evidence(stage, filename="round-2.md")
    lifecycle.submit_stage(owner, stage, "", stage.version)
    db_session.commit()
    login(client, owner)
    page = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    diff = _text(re.search(r'<section class="card mb-4 rb-round-diff".*?</section>', page, re.S).group(0))
    qn = questionnaire()
    assert "用途" in diff and "风险等级" in diff and "Purpose" not in diff and "Risk tier" not in diff
    assert f"{_zh_tier(before_tier)} {_zh_tier(project.tier)}" in diff
    assert f"{qn.label('affects_rights', ZH)} 否 是" in diff and qn.question("affects_rights").label not in diff
