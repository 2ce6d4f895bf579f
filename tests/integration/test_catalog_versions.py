"""Catalog versions: import rules (deprecate rather than renumber), the diff service and CLI, both engines."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.catalogs.diff import diff_catalogs
from reviewboard.catalogs.models import Catalog
from reviewboard.catalogs.schema import CatalogError, default_catalog_path, parse_catalog
from reviewboard.catalogs.services import (
    catalog_versions,
    check_successor,
    find_catalog,
    import_catalog,
    import_catalog_file,
    version_key,
)

FIXTURE_1_1 = Path(__file__).resolve().parents[1] / "fixtures" / "rb-tc260-lifecycle-1.1.0.yaml"
KEY = "rb-tc260-lifecycle"


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def _shipped() -> str:
    return default_catalog_path().read_text()


def _as_version(text: str, version: str) -> str:
    return text.replace('version: "1.0.0"', f'version: "{version}"', 1)


def _drop_criterion(text: str, code: str) -> str:
    start = text.index(f"  - id: {code}\n")
    end = text.index("\n  - id: ", start + 1)
    return text[:start] + text[end + 1:]


def test_version_order_is_numeric():
    assert version_key("1.10.0") > version_key("1.9.0") > version_key("1.0.0")
    assert sorted(["2.0", "1.10", "1.2"], key=version_key) == ["1.2", "1.10", "2.0"]


def test_next_version_dropping_a_code_is_refused_with_the_line_and_the_fix(db_session):
    text = _drop_criterion(_as_version(_shipped(), "1.2.0"), "RB-OPS-04")
    criteria_line = text.splitlines().index("criteria:") + 1
    with pytest.raises(CatalogError) as caught:
        import_catalog(None, parse_catalog(text))
    [message] = caught.value.errors
    assert message.startswith(f"line {criteria_line}: ")
    assert "RB-OPS-04" in message and "1.0.0" in message and "deprecated: true" in message
    assert find_catalog(KEY, "1.2.0") is None


def test_dropping_a_code_is_refused_from_the_cli_too_and_nothing_is_imported(cli, db_session, tmp_path):
    path = tmp_path / "renumbered.yaml"
    path.write_text(_drop_criterion(_as_version(_shipped(), "1.2.0"), "RB-DES-03"))
    result = cli("catalog", "import", str(path))
    assert result.exit_code != 0
    assert "RB-DES-03" in result.output and "deprecated: true" in result.output and "line " in result.output
    assert db_session.scalar(select(Catalog).where(Catalog.version == "1.2.0")) is None


def test_a_code_keeps_its_stage(db_session):
    text = _as_version(_shipped(), "1.2.0")
    moved = text.replace("  - id: RB-DES-05\n    stage: DES", "  - id: RB-DES-05\n    stage: DEV", 1)
    with pytest.raises(CatalogError) as caught:  # the file itself is refused: an id carries its stage
        parse_catalog(moved)
    assert any("RB-DES-05" in e and "does not match stage 'DEV'" in e for e in caught.value.errors)
    # and the import rule holds on its own, should the id format ever stop carrying the stage
    spec = parse_catalog(text)
    criteria = tuple(dataclasses.replace(c, stage="DEV") if c.id == "RB-DES-05" else c for c in spec.criteria)
    [problem] = check_successor(dataclasses.replace(spec, criteria=criteria))
    line = next(c.line for c in spec.criteria if c.id == "RB-DES-05")
    assert problem.startswith(f"line {line}: criterion RB-DES-05 was stage DES in version 1.0.0")


def test_deprecating_instead_is_accepted_and_audited(db_session):
    catalog, created = import_catalog_file(None, FIXTURE_1_1)
    assert created and catalog.version == "1.1.0"
    ops09 = next(c for c in catalog.criteria if c.code == "RB-OPS-09")
    assert ops09.deprecated and not ops09.applies_to("high")
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "catalog.imported",
                                                        AuditEvent.object_id == str(catalog.id))).one()
    assert '"version":"1.1.0"' in event.payload
    assert [c.version for c in catalog_versions(KEY)] == ["1.0.0", "1.1.0"]


def test_an_older_version_imported_later_is_only_checked_against_older_ones(db_session):
    text = _drop_criterion(_as_version(_shipped(), "0.9.0"), "RB-OPS-11")
    catalog, created = import_catalog(None, parse_catalog(text))
    assert created and [c.version for c in catalog_versions(KEY)] == ["0.9.0", "1.0.0"]


def test_diff_reports_added_removed_reworded_refs_and_tiers(db_session):
    new, _ = import_catalog_file(None, FIXTURE_1_1)
    result = diff_catalogs(find_catalog(KEY, "1.0.0"), new)
    assert [c.code for c in result.added] == ["RB-OPS-13"]
    assert [c.code for c in result.removed] == ["RB-OPS-09"]
    assert [(r.code, [ch.field for ch in r.changes]) for r in result.reworded] == [
        ("RB-OPS-04", ["title", "question"])]
    assert result.reworded[0].changes[0].before == "Periodic audit"
    assert result.reworded[0].changes[0].after == "Periodic independent audit"
    [refs] = result.refs_changed
    assert refs.code == "RB-TST-12" and refs.added == (("ISO-IEC-42001-2023", "A.6.2.4", False),)
    assert refs.removed == ()
    [tiers] = result.tiers_changed
    assert (tiers.code, tiers.before, tiers.after) == ("RB-DES-04", ("medium", "high"), ("low", "medium", "high"))
    assert result.other_changed == [] and not result.empty


def test_a_version_compared_with_itself_has_no_changes(db_session):
    catalog = find_catalog(KEY, "1.0.0")
    assert diff_catalogs(catalog, catalog).empty


def test_catalog_diff_cli(cli, db_session):
    import_catalog_file(None, FIXTURE_1_1)
    result = cli("catalog", "diff", KEY, "1.0.0", "1.1.0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{KEY} 1.0.0 -> 1.1.0: 1 added, 1 removed")
    assert "added     RB-OPS-13  Energy use and environmental footprint" in lines
    assert "removed   RB-OPS-09  Societal and cognitive effects (deprecated)" in lines
    assert "reworded  RB-OPS-04  title, question" in lines
    assert "refs      RB-TST-12  +ISO-IEC-42001-2023 A.6.2.4" in lines
    assert "tiers     RB-DES-04  medium,high -> low,medium,high" in lines
    missing = cli("catalog", "diff", KEY, "1.0.0", "7.0.0")
    assert missing.exit_code != 0 and "No catalog rb-tc260-lifecycle version 7.0.0" in missing.output


def _bilingual() -> str:
    return Path(__file__).resolve().parents[2].joinpath(
        "reviewboard/catalogs/data/rb-tc260-lifecycle-1.3.0.yaml").read_text()


def test_a_bilingual_version_stores_both_texts_and_its_diff_shows_the_chinese_added(db_session):
    import_catalog(None, parse_catalog(_bilingual()))
    new = find_catalog(KEY, "1.3.0")
    stored = db_session.scalar(select(Catalog).where(Catalog.id == new.id))
    assert stored.translations["zh-Hans"]["name"] == "ReviewBoard 生命周期审查准则（源自 TC260）"
    ethics = next(c for c in stored.criteria if c.code == "RB-DES-03")
    assert ethics.title == "Ethics review at project initiation"
    assert ethics.translations["zh-Hans"]["title"] == "立项阶段的伦理审查"
    result = diff_catalogs(find_catalog(KEY, "1.0.0"), new)
    reworded = {r.code: r for r in result.reworded}
    assert [ch.field for ch in reworded["RB-DES-03"].changes] == [
        "title (zh-Hans)", "question (zh-Hans)", "guidance (zh-Hans)"]
    added = reworded["RB-DES-03"].changes[0]
    assert (added.before, added.after) == ("", "立项阶段的伦理审查")


def test_a_change_made_only_in_chinese_shows_in_the_diff_and_the_cli(cli, db_session):
    first = _bilingual()
    import_catalog(None, parse_catalog(first))
    second = first.replace('version: "1.3.0"', 'version: "1.3.1"', 1).replace(
        "zh-Hans: 立项阶段的伦理审查", "zh-Hans: 项目立项时的伦理审查", 1).replace(
        'zh-Hans: "人员通报记录"}', 'zh-Hans: "人员培训记录"}')
    import_catalog(None, parse_catalog(second))
    result = diff_catalogs(find_catalog(KEY, "1.3.0"), find_catalog(KEY, "1.3.1"))
    [item] = result.reworded
    assert item.code == "RB-DES-03" and [(ch.field, ch.before, ch.after) for ch in item.changes] == [
        ("title (zh-Hans)", "立项阶段的伦理审查", "项目立项时的伦理审查")]
    [other] = result.other_changed
    assert other.changes[0].field == "evidence_types (zh-Hans)" and other.changes[0].after[-1] == "人员培训记录"
    out = cli("catalog", "diff", KEY, "1.3.0", "1.3.1")
    assert out.exit_code == 0, out.output
    assert "reworded  RB-DES-03  title (zh-Hans)" in out.output.splitlines()
    assert "changed   RB-DES-03  evidence_types (zh-Hans)" in out.output.splitlines()
