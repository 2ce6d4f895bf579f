"""Configurable pipelines: versions, drafts, publishing (and its refusals), retiring, the criteria rule,
decision due times, YAML import/export and the diff between versions. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.pipelines import services as pipelines
from reviewboard.pipelines.diff import diff_versions
from reviewboard.pipelines.models import Pipeline
from reviewboard.pipelines.schema import PipelineFileError
from reviewboard.projects import services as projects
from reviewboard.reviews import lifecycle
from tests.support.factories import NO, project_fields


def _register(make, pipeline, owner=None, answers=None, **fields):
    owner = owner or make.user("submitter")
    return projects.create_project(owner, pipeline, project_fields(**fields), {**NO, **(answers or {})})


def _events(db_session, action):
    return db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_shipped_pipelines_are_published_and_standard_keeps_its_four_stages(db_session):
    current = pipelines.active_pipelines()
    assert [p.key for p in current][0] == "standard"
    assert {p.key for p in current} >= {"standard", "generative-ai", "internal-tool"}
    standard = pipelines.current_version("standard")
    assert standard.status == "published"
    assert [s.code for s in standard.stages] == ["DES", "DEV", "TST", "DEP"]
    genai = pipelines.current_version("generative-ai")
    ops = genai.stages[-1]
    assert ops.code == "OPS" and ops.recurrence == {"high": 6, "medium": 12, "low": 24}
    assert {"expertise": "external", "tiers": ["high"]} in genai.stages[0].required_roles
    assert pipelines.ensure_shipped_pipelines() == []  # idempotent


def test_a_running_review_keeps_its_version_and_a_later_project_gets_the_new_one(make, db_session):
    chair = make.user("chair")
    v1 = pipelines.current_version("standard")
    early = _register(make, v1)
    early_design = early.stages[0]

    draft = pipelines.new_version(chair, "standard")
    assert draft.version == v1.version + 1 and draft.status == "draft"
    pipelines.update_stage(chair, draft.stages[0], {"quorum": 3, "reviewers": 4})
    pipelines.set_stage_retired(chair, draft.stages[1], True)  # R&D: kept in history, skipped by new projects
    # a draft is not what new projects follow
    assert pipelines.current_version("standard").id == v1.id
    pipelines.publish(chair, draft)

    assert pipelines.current_version("standard").id == draft.id
    late = _register(make, pipelines.current_version("standard"))
    assert late.pipeline_id == draft.id
    assert [s.code for s in late.stages] == ["DES", "TST", "DEP"]
    assert late.stages[0].quorum == 3

    db_session.expire_all()
    assert early.pipeline_id == v1.id
    assert [s.code for s in early.stages] == ["DES", "DEV", "TST", "DEP"]
    assert early_design.quorum == 2 and early_design.pipeline_stage.reviewers == 2
    assert v1.stages[0].quorum == 2  # the published version itself never changed
    assert _events(db_session, "pipeline.published")


def test_only_a_draft_can_be_edited_and_only_by_a_chair(make, db_session):
    chair, reviewer, auditor = make.user("chair"), make.user("reviewer"), make.user("auditor")
    published = pipelines.current_version("standard")
    with pytest.raises(Conflict):
        pipelines.update_stage(chair, published.stages[0], {"quorum": 1})
    for person in (reviewer, auditor):
        with pytest.raises(NotPermitted):
            pipelines.new_version(person, "standard")
    draft = pipelines.new_version(chair, "standard")
    with pytest.raises(Conflict, match="already a draft"):
        pipelines.new_version(chair, "standard")
    with pytest.raises(NotPermitted):
        pipelines.update_stage(auditor, draft.stages[0], {"quorum": 1})


def test_stage_edits_are_refused_with_the_field_named(make, db_session):
    chair = make.user("chair")
    draft = pipelines.new_version(chair, "standard")
    with pytest.raises(ServiceError, match=r"<= reviewers \(2\)") as exc:
        pipelines.update_stage(chair, draft.stages[0], {"quorum": 3})
    assert exc.value.field == "quorum"
    with pytest.raises(ServiceError, match="RB-XXX-99 is not a criterion") as exc:
        pipelines.update_stage(chair, draft.stages[0], {"criteria": [{"code": "RB-XXX-99", "tiers": ["low"]}]})
    assert exc.value.field == "criteria"
    with pytest.raises(ServiceError) as exc:
        pipelines.add_role_rule(chair, draft.stages[0], "astrology", [], None)
    assert exc.value.message.startswith("Unknown expertise 'astrology'")
    db_session.refresh(draft.stages[0])
    assert draft.stages[0].quorum == 2 and draft.stages[0].criteria is None


def test_publish_refuses_an_invalid_draft_and_says_why(make, db_session):
    chair = make.user("chair")
    catalog = pipelines.current_version("standard").catalog
    empty = pipelines.create_pipeline(chair, "medical", "Medical devices", "", catalog)
    with pytest.raises(ServiceError, match="at least one stage"):
        pipelines.publish(chair, empty)
    assert empty.status == "draft"
    for key, message in (("medical", "exists already"), ("new", "reserved"), ("Not A Key!", "lower-case")):
        with pytest.raises(ServiceError, match=message):
            pipelines.create_pipeline(chair, key, "Another", "", catalog)

    draft = pipelines.new_version(chair, "standard")
    # a deprecated criterion slipped in (say, through an older file): publishing names it
    draft.stages[0].criteria = [{"code": "RB-DES-01", "tiers": ["low"]}]
    criterion = next(c for c in catalog.criteria if c.code == "RB-DES-01")
    criterion.deprecated = True
    db_session.flush()
    with pytest.raises(ServiceError, match=r"stages\[0\]\.criteria\[0\]\.code: RB-DES-01 is deprecated"):
        pipelines.publish(chair, draft)
    assert draft.status == "draft"


def test_criteria_rule_decides_a_stage_s_criteria_per_tier(make, db_session):
    chair = make.user("chair")
    draft = pipelines.new_version(chair, "standard")
    # RB-DES-04 applies to medium and high in the catalog; here it applies to low as well,
    # RB-DES-01 only to high, and no other design criterion at all
    pipelines.update_stage(chair, draft.stages[0], {"criteria": [{"code": "RB-DES-01", "tiers": ["high"]},
                                                                  {"code": "RB-DES-04", "tiers": ["low", "medium"]}]})
    pipelines.publish(chair, draft)
    low = _register(make, draft)
    assert low.tier == "low"
    assert [c.code for c in low.stages[0].applicable_criteria()] == ["RB-DES-04"]
    high = _register(make, draft, answers={"affects_rights": "yes"})
    assert high.tier == "high"
    assert [c.code for c in high.stages[0].applicable_criteria()] == ["RB-DES-01"]
    # without a rule: the catalog's own tiers (RB-DES-04 is not for low tier)
    plain = _register(make, pipelines.versions("standard")[-1])
    codes = [c.code for c in plain.stages[0].applicable_criteria()]
    assert "RB-DES-01" in codes and "RB-DES-04" not in codes


def test_submission_sets_the_decision_due_time(make, db_session):
    owner = make.user("submitter")
    project = _register(make, pipelines.current_version("internal-tool"), owner=owner)
    stage = project.stages[0]
    assert stage.due_at is None
    make.evidence(stage)
    round_ = lifecycle.submit_stage(owner, stage, "", stage.version)
    assert stage.due_at is not None
    assert abs(stage.due_at - (round_.submitted_at + timedelta(days=30))) < timedelta(seconds=5)
    standard = make.project(owner)
    standard.stages[0].pipeline_stage.due_days = None  # a pipeline may set no due time: none is shown
    make.evidence(standard.stages[0])
    lifecycle.submit_stage(owner, standard.stages[0], "", standard.stages[0].version)
    assert standard.stages[0].due_at is None


def test_every_shipped_pipeline_stage_has_a_decision_due_time(db_session):
    for key in ("standard", "generative-ai", "internal-tool"):
        assert all(s.due_days for s in pipelines.current_version(key).stages), key


def test_reorder_add_remove_and_audit(make, db_session):
    chair = make.user("chair")
    draft = pipelines.new_version(chair, "standard")
    pipelines.move_stage(chair, draft.stages[2], "up")  # TST before DEV
    assert [s.code for s in draft.stages] == ["DES", "TST", "DEV", "DEP"]
    pipelines.move_stage(chair, draft.stages[0], "up")  # already first: nothing changes
    assert [s.code for s in draft.stages] == ["DES", "TST", "DEV", "DEP"]
    pipelines.add_stage(chair, draft, "OPS", "Operation")
    with pytest.raises(ServiceError, match="already"):
        pipelines.add_stage(chair, draft, "OPS", "Operation again")
    pipelines.remove_stage(chair, draft.stages[2])
    assert [s.code for s in draft.stages] == ["DES", "TST", "DEP", "OPS"]
    for action in ("pipeline.draft_started", "pipeline.stage_moved", "pipeline.stage_added",
                   "pipeline.stage_removed"):
        assert _events(db_session, action), action


def test_diff_between_versions(make, db_session):
    chair = make.user("chair")
    v1 = pipelines.current_version("standard")
    draft = pipelines.new_version(chair, "standard")
    pipelines.update_stage(chair, draft.stages[0], {"quorum": 3, "reviewers": 3,
                                                    "criteria": [{"code": "RB-DES-02", "tiers": ["high"]}]})
    pipelines.add_role_rule(chair, draft.stages[0], "external", ["high"], None)
    pipelines.move_stage(chair, draft.stages[3], "up")
    pipelines.set_stage_retired(chair, draft.stages[1], True)
    pipelines.add_stage(chair, draft, "OPS", "Operation")
    diff = diff_versions(v1, draft)
    assert [s["code"] for s in diff["added"]] == ["OPS"]
    assert [s["code"] for s in diff["retired"]] == ["DEV"]
    assert diff["reordered"] and diff["order_after"] == ["DES", "DEV", "DEP", "TST", "OPS"]
    design = next(c for c in diff["changed"] if c["code"] == "DES")
    fields = {f["field"]: f for f in design["fields"]}
    assert set(fields) == {"quorum", "reviewers", "criteria", "required_roles"}
    assert fields["quorum"]["before"] == "2" and fields["quorum"]["after"] == "3"
    assert fields["criteria"]["before"] == "the catalog's own" and fields["criteria"]["after"] == "1 chosen"
    detail = fields["criteria"]["detail"]
    assert "RB-DES-02: low, medium, high → high" in detail
    assert "RB-DES-01: no longer applies (was low, medium, high)" in detail and len(detail) == 12
    assert fields["required_roles"]["after"] == "one external reviewer (high tier)"
    assert diff_versions(v1, v1)["empty"]


def test_retiring_a_pipeline_stops_new_projects_but_not_running_ones(make, db_session):
    chair = make.user("chair")
    internal = pipelines.current_version("internal-tool")
    running = _register(make, internal)
    pipelines.retire_pipeline(chair, "internal-tool")
    assert pipelines.current_version("internal-tool") is None
    assert "internal-tool" not in [p.key for p in pipelines.active_pipelines()]
    db_session.expire_all()
    assert running.pipeline.status == "retired" and len(running.stages) == 2  # low tier: no Deployment
    with pytest.raises(Conflict):
        pipelines.retire_pipeline(chair, "internal-tool")


def test_yaml_round_trip_and_import_as_draft(make, db_session):
    chair = make.user("chair")
    genai = pipelines.current_version("generative-ai")
    text = pipelines.export_pipeline(genai)
    assert "recurrence: {high: 6, medium: 12, low: 24}" in text
    imported = pipelines.import_pipeline(chair, text.replace("quorum: 2\n  reviewers: 2", "quorum: 1\n  reviewers: 2"),
                                         "genai.yaml")
    assert imported.status == "draft" and imported.version == genai.version + 1
    again = pipelines.pipeline_data(imported)
    original = pipelines.pipeline_data(genai)
    assert again["stages"][:4] == original["stages"][:4]
    assert again["stages"][4]["quorum"] == 1 and again["stages"][4]["recurrence"] == original["stages"][4]["recurrence"]
    with pytest.raises(Conflict, match="already has a draft"):
        pipelines.import_pipeline(chair, text, "genai.yaml")
    pipelines.discard_draft(chair, imported)
    published = pipelines.import_pipeline(chair, text, "genai.yaml", publish=True)
    assert pipelines.current_version("generative-ai").id == published.id
    assert diff_versions(genai, published)["empty"]


def test_import_reports_catalog_problems_with_their_lines(make, db_session):
    chair = make.user("chair")
    text = """key: research
name: Research prototypes
catalog: rb-tc260-lifecycle
stages:
  - code: DES
    name: Design
    tiers: [low, medium, high]
    quorum: 2
    criteria:
      - {code: RB-DES-01, tiers: [low]}
      - {code: RB-NOPE-01, tiers: [low]}
  - {code: ZZZ, name: Elsewhere, tiers: [low], quorum: 1}
"""
    with pytest.raises(PipelineFileError) as exc:
        pipelines.import_pipeline(chair, text, "research.yaml")
    assert exc.value.errors == [
        "research.yaml:11: stages[0].criteria[1].code: RB-NOPE-01 is not a criterion of catalog "
        "RB Lifecycle Criteria v1.0.0".replace("RB Lifecycle Criteria v1.0.0",
                                               pipelines.current_version("standard").catalog.label),
        "research.yaml:12: stages[1].code: catalog "
        f"{pipelines.current_version('standard').catalog.label} has no stage ZZZ (it has: DEP, DES, DEV, OPS, TST)",
    ]
    assert db_session.scalar(select(Pipeline).where(Pipeline.key == "research")) is None
    with pytest.raises(PipelineFileError, match="no catalog missing"):
        pipelines.import_pipeline(chair, text.replace("catalog: rb-tc260-lifecycle", "catalog: missing"), "r.yaml")


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_cli_export_then_import_makes_the_next_version(cli, db_session, tmp_path):
    out = tmp_path / "standard.yaml"
    result = cli("pipeline", "export", "standard", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "key: standard" in out.read_text() and "code: DEP" in out.read_text()
    assert cli("pipeline", "export", "standard", "--version", "1").output == out.read_text()

    assert "name: {en: Testing, zh-Hans: 测试}" in out.read_text()  # the name in both languages of the shipped file
    out.write_text(out.read_text().replace("en: Testing,", "en: Testing and evaluation,"))
    result = cli("pipeline", "import", str(out))
    assert result.exit_code == 0, result.output
    assert "as version 2 (draft)" in result.output
    draft = pipelines.versions("standard")[0]
    assert draft.status == "draft" and draft.stages[2].name == "Testing and evaluation"
    assert draft.stages[2].translations == {"zh-Hans": {"name": "测试"}}
    assert pipelines.current_version("standard").version == 1


def test_cli_import_lists_every_problem_with_file_and_line(cli, db_session, tmp_path):
    bad = tmp_path / "pipeline.yaml"
    bad.write_text("key: broken\nname: Broken\ncatalog: rb-tc260-lifecycle\nstages:\n"
                   "  - code: DES\n    name: Design\n    tiers: [low]\n    quorum: 3\n    reviewers: 2\n"
                   "  - {code: TST, name: Testing, tiers: [nope], quorum: 1}\n")
    result = cli("pipeline", "import", str(bad))
    assert result.exit_code != 0
    assert f"{bad}:8: stages[0].quorum: must be <= reviewers (2)" in result.output
    assert f"{bad}:10: stages[1].tiers: unknown tier 'nope' (allowed: low, medium, high)" in result.output
    assert "2 problem(s); nothing was imported." in result.output
    assert pipelines.versions("broken") == []
    assert cli("pipeline", "export", "nosuch").exit_code != 0


def test_migration_publishes_existing_pipelines_and_keeps_their_quorum_valid(engine_name, tmp_path, signing_dir):
    """Pipelines stored before versioning become published; a quorum above two gets as many reviewers."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from reviewboard.extensions import db
    from tests.conftest import make_app
    from tests.support.databases import fresh_database

    with fresh_database(engine_name, tmp_path, "pipemig") as url:
        app = make_app(url, tmp_path, signing_dir)
        with app.app_context():
            upgrade(revision="862016ed3c7e")
            db.session.execute(text(
                "INSERT INTO catalog (id, key, name, version, description, source_sha256, imported_at) "
                "VALUES (1, 'c', 'C', '1', '', :sha, CURRENT_TIMESTAMP)"), {"sha": "0" * 64})
            db.session.execute(text("INSERT INTO pipeline (id, key, name, version, catalog_id) "
                                    "VALUES (1, 'old', 'Old', 1, 1)"))
            db.session.execute(text("INSERT INTO pipeline_stage (pipeline_id, position, code, name, quorum, tiers) "
                                    "VALUES (1, 1, 'DES', 'Design', 3, :tiers)"), {"tiers": '["high"]'})
            db.session.commit()
            db.session.remove()
            upgrade(revision="a1c0ffee0001")
            row = db.session.execute(text("SELECT p.status, s.quorum, s.reviewers, s.retired, s.criteria "
                                          "FROM pipeline p JOIN pipeline_stage s ON s.pipeline_id = p.id")).one()
            assert (row.status, row.quorum, row.reviewers, bool(row.retired), row.criteria) == (
                "published", 3, 3, False, None)
            db.session.remove()
            with pytest.raises(Exception, match="quorum_within_reviewers"):
                db.session.execute(text("UPDATE pipeline_stage SET reviewers = 2"))
                db.session.flush()
            db.session.rollback()
            db.session.remove()
            downgrade(revision="862016ed3c7e")  # and back, with the rows in place
            upgrade(revision="a1c0ffee0001")
            assert db.session.execute(text("SELECT status FROM pipeline")).scalar_one() == "published"
            db.session.remove()
            db.engine.dispose()
