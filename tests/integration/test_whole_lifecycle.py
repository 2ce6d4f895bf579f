"""The whole lifecycle (issue 12, part 7) on both engines: version 2 of the standard pipeline adds Operation
(reviewed again by tier) and Retirement (catalog 1.2.0's RET criteria); projects registered under version 1
keep it; approving Retirement retires the system once: its reviews recur no more and nothing is added to it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.catalogs.services import catalog_versions, find_catalog
from reviewboard.core.errors import NotPermitted
from reviewboard.pipelines import services as pipelines
from reviewboard.projects import permissions as project_perms
from reviewboard.rereview import services as rereview
from reviewboard.reviews import lifecycle
from reviewboard.reviews.workflow import StageState
from reviewboard.systems.services import add_version

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
KEY = "rb-tc260-lifecycle"


@pytest.fixture()
def v2(db_session):
    pipelines.ensure_shipped_versions()  # version 3 follows it (tests/integration/test_bilingual_pipelines.py)
    return pipelines.find_version("standard", 2)


def test_version_2_of_the_standard_pipeline_adds_operation_and_retirement(v2, db_session):
    v1 = pipelines.find_version("standard", 1)
    assert [s.code for s in v1.stages] == ["DES", "DEV", "TST", "DEP"]
    assert (v2.key, v2.version, v2.status) == ("standard", 2, "published")
    assert [s.code for s in v2.stages] == ["DES", "DEV", "TST", "DEP", "OPS", "RET"]
    ops = v2.stages[4]
    assert ops.recurrence == {"high": 6, "medium": 12, "low": 24}
    assert v2.catalog.version == "1.2.0" and v2.status == "published"
    retirement = [c for c in v2.catalog.criteria if c.stage_code == "RET"]
    assert [c.code for c in retirement] == [f"RB-RET-0{i}" for i in range(1, 6)]
    assert all(any(r["framework"] == "TC260-1.0" for r in c.refs) for c in retirement)
    # 1.2.0 keeps every code of 1.0.0 unchanged (a later version adds, never renumbers)
    old, new = find_catalog(KEY, "1.0.0"), find_catalog(KEY, "1.2.0")
    assert {c.code: (c.title, c.question) for c in old.criteria}.items() <= \
           {c.code: (c.title, c.question) for c in new.criteria}.items()
    assert [c.version for c in catalog_versions(KEY)] == ["1.0.0", "1.2.0", "1.3.0"]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "pipeline.imported",
                                                       AuditEvent.object_id == str(v2.id)))
    assert '"source":"standard-v2.yaml"' in event.payload


def test_shipping_is_idempotent_and_leaves_a_chairs_later_version_alone(v2, make):
    assert pipelines.ensure_shipped_versions() == []
    pipelines.new_version(make.user("chair"), "generative-ai")  # unrelated drafts change nothing
    assert pipelines.ensure_shipped_versions() == []


def test_a_chair_who_already_made_version_2_keeps_it(make, db_session):
    chair = make.user("chair")
    draft = pipelines.new_version(chair, "standard")
    pipelines.publish(chair, draft)
    # neither the shipped version 2 nor version 3 (which follows the shipped 2) replaces the chair's own
    assert {p.key for p in pipelines.ensure_shipped_versions()} == {"generative-ai", "internal-tool"}
    assert pipelines.current_version("standard") == draft


def test_projects_keep_the_version_they_were_registered_under(make, db_session):
    old = make.project(pipeline=pipelines.current_version("standard"))
    pipelines.ensure_shipped_versions()
    new = make.project(pipeline=pipelines.current_version("standard"))
    assert [s.code for s in old.stages] == ["DES", "DEV", "TST", "DEP"]
    assert [s.code for s in new.stages] == ["DES", "DEV", "TST", "DEP", "OPS", "RET"]


def pass_stage(make, stage):
    make.evidence(stage)
    lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    make.session.refresh(stage)
    assert stage.state == StageState.APPROVED, stage.code


def test_operation_recurs_by_tier_and_approving_retirement_retires_the_system(v2, make, db_session):
    project = make.project(pipeline=v2, answers={"affects_rights": "yes"})  # a high tier: every 6 months
    add_version(project.owner, project, "1.0", "", [("model", "m.bin", HEX)])
    des, dev, tst, dep, ops, ret = project.stages
    for stage in (des, dev, tst, dep, ops):
        pass_stage(make, stage)
    assert project.tier == "high" and ops.next_review_on == lifecycle.add_months(ops.decided_at.date(), 6)
    assert ret.state == StageState.DRAFT and not project.retired

    pass_stage(make, ret)

    assert project.retired and ret.next_review_on is None
    assert ops.next_review_on is None  # a retired system is reviewed no more
    [retired] = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "system.retired")).all()
    assert retired.object_id == str(project.id) and '"version":"1.0"' in retired.payload
    cleared = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.next_review_scheduled",
                                                          AuditEvent.object_id == str(ops.id))).all()
    assert '"reason":"the system was retired"' in cleared[-1].payload
    # nothing comes back or is added: no periodic review, no edit, no new version
    assert rereview.sweep(date.today() + timedelta(days=3650)).count == 0
    assert ops.state == StageState.APPROVED
    assert not project_perms.can_edit_project(project.owner, project)
    with pytest.raises(NotPermitted, match="retired"):
        add_version(project.owner, project, "2.0", "", [("model", "m.bin", HEX)])


def test_retirement_waits_for_operation_to_pass(v2, make):
    project = make.project(pipeline=v2)
    for stage in project.stages[:4]:
        pass_stage(make, stage)
    ops, ret = project.stages[4:]
    assert ops.state == StageState.DRAFT and ret.state == StageState.LOCKED
