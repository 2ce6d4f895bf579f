"""The shipped pipeline versions on catalog 1.3.0 (criteria in English and Chinese), on both engines: the standard
pipeline's version 3 follows the shipped version 2 with the same stages and rules, the generative-ai and
internal-tool pipelines get a version 2 likewise; new projects review against bilingual criteria while projects
registered before keep their pipeline version and their reviews the catalog version they pinned."""

from __future__ import annotations

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.language import translated
from reviewboard.pipelines import services as pipelines
from reviewboard.reviews.workflow import StageState
from tests.integration.test_whole_lifecycle import pass_stage

RULES = ("code", "name", "tiers", "quorum", "reviewers", "due_days", "criteria", "required_roles", "recurrence",
         "retired", "translations")


def rules_of(pipeline) -> list[dict]:
    return [{k: v for k, v in pipelines.stage_data(s).items() if k in RULES} for s in pipeline.stages]


def test_later_shipped_versions_draw_on_the_bilingual_catalog_with_their_stages_unchanged(db_session):
    stored = pipelines.ensure_shipped_versions()
    assert [(p.key, p.version) for p in stored] == [("standard", 2), ("standard", 3), ("generative-ai", 2),
                                                     ("internal-tool", 2)]
    v2, v3 = pipelines.find_version("standard", 2), pipelines.find_version("standard", 3)
    assert (v3.status, v3.catalog.version, v2.catalog.version) == ("published", "1.3.0", "1.2.0")
    assert rules_of(v3) == rules_of(v2) and pipelines.current_version("standard") == v3
    for key in ("generative-ai", "internal-tool"):
        v1, later = pipelines.find_version(key, 1), pipelines.find_version(key, 2)
        assert later.catalog.version == "1.3.0" and rules_of(later) == rules_of(v1)
        assert pipelines.current_version(key) == later
    # every criterion new reviews read is written in Chinese too
    assert v3.catalog.criteria and all(c.translations["zh-Hans"]["title"] for c in v3.catalog.criteria)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "pipeline.imported",
                                                       AuditEvent.object_id == str(v3.id)))
    assert '"source":"standard-v3.yaml"' in event.payload
    assert pipelines.ensure_shipped_versions() == []  # once


def test_new_reviews_get_bilingual_criteria_and_running_ones_keep_their_catalog(make, db_session):
    pipelines.ensure_shipped_versions()
    before = make.project(pipeline=pipelines.find_version("standard", 2))
    after = make.project(pipeline=pipelines.current_version("standard"))
    assert after.pipeline.version == 3 and before.pipeline.version == 2
    [criterion, *_] = after.stages[0].applicable_criteria()
    assert after.stages[0].catalog.version == "1.3.0"
    assert translated(criterion, "title", "zh-Hans") != criterion.title
    assert translated(criterion, "title", "zh-Hans") == criterion.translations["zh-Hans"]["title"]
    # the earlier project's stages, those opened later included, stay on the catalog its pipeline version named
    pass_stage(make, before.stages[0])
    assert before.stages[1].state == StageState.DRAFT
    assert {s.catalog.version for s in before.stages} == {"1.2.0"}
    old = before.stages[0].applicable_criteria()[0]
    assert old.code == criterion.code and translated(old, "title", "zh-Hans") == old.title  # English only

