"""Pipeline files without a database: every problem reported at once, each with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewboard.pipelines.schema import CatalogInfo, PipelineFileError, dump_pipeline, parse_pipeline

DATA = Path(__file__).resolve().parents[2] / "reviewboard" / "pipelines" / "data"

CATALOG = CatalogInfo(label="Test catalog v1", version="1", stages=frozenset({"DES", "TST", "OPS"}),
                      criteria={"RB-DES-01": False, "RB-DES-02": True, "RB-TST-01": False})

GOOD = """\
key: research
name: Research prototypes
catalog: test
stages:
  - code: DES
    name: Design
    tiers: [low, medium, high]
    quorum: 2
    reviewers: 3
    due_days: 10
    criteria:
      - {code: RB-DES-01, tiers: [medium, high]}
    required_roles:
      - {expertise: external, tiers: [high]}
      - {expertise: legal, when: personal_data}
  - code: OPS
    name: Operation
    tiers: [high]
    quorum: 1
    recurrence: {high: 6}
"""


def lookup(key, version):
    return CATALOG if key == "test" else None


def errors(text: str, with_catalog: bool = True) -> list[str]:
    with pytest.raises(PipelineFileError) as exc:
        parse_pipeline(text, "pipeline.yaml", lookup if with_catalog else None)
    return exc.value.errors


def test_a_valid_file_reads_into_the_export_format():
    spec = parse_pipeline(GOOD, "pipeline.yaml", lookup)
    design, ops = spec.data["stages"]
    assert design["criteria"] == [{"code": "RB-DES-01", "tiers": ["medium", "high"]}]
    assert design["required_roles"][1] == {"expertise": "legal", "when": "personal_data"}
    assert ops["reviewers"] == 1  # defaults to the quorum
    assert ops["recurrence"] == {"high": 6} and ops["criteria"] is None
    assert spec.data["catalog_version"] == "1"
    # dumping and reading again gives the same pipeline
    assert parse_pipeline(dump_pipeline(spec.data), "again.yaml", lookup).data == spec.data


def test_quorum_above_reviewers_is_reported_on_its_line():
    text = GOOD.replace("    quorum: 2\n    reviewers: 3", "    quorum: 4\n    reviewers: 3")
    assert errors(text) == ["pipeline.yaml:8: stages[0].quorum: must be <= reviewers (3)"]


def test_every_rule_problem_is_reported_at_once_in_line_order():
    text = GOOD.replace("RB-DES-01, tiers: [medium, high]", "RB-DES-02, tiers: [medium, extreme]") \
               .replace("expertise: external", "expertise: astrologer") \
               .replace("when: personal_data", "when: full_moon") \
               .replace("code: OPS", "code: DEP") \
               .replace("recurrence: {high: 6}", "recurrence: {high: 600}")
    assert errors(text) == [
        "pipeline.yaml:12: stages[0].criteria[0].code: RB-DES-02 is deprecated in catalog Test catalog v1",
        "pipeline.yaml:12: stages[0].criteria[0].tiers: unknown tier 'extreme' (allowed: low, medium, high)",
        "pipeline.yaml:14: stages[0].required_roles[0].expertise: unknown expertise 'astrologer' "
        "(allowed: ethics, technical, legal, privacy, external, domain)",
        "pipeline.yaml:15: stages[0].required_roles[1].when: unknown condition 'full_moon' "
        "(allowed: personal_data, sensitive_data, affects_rights, public_content)",
        "pipeline.yaml:16: stages[1].code: catalog Test catalog v1 has no stage DEP (it has: DES, OPS, TST)",
        "pipeline.yaml:20: stages[1].recurrence.high: must be a number of months from 1 to 120",
    ]


def test_shape_problems_name_the_line_and_the_path():
    text = GOOD.replace("    quorum: 2\n", "    quorum: two\n").replace("    due_days: 10\n", "    due_dayz: 10\n")
    assert errors(text) == [
        "pipeline.yaml:8: stages[0].quorum: must be a whole number",
        "pipeline.yaml:10: stages[0]: unknown key 'due_dayz' (allowed: code, name, quorum, tiers, reviewers, "
        "due_days, criteria, required_roles, recurrence, retired)",
    ]


def test_yaml_syntax_errors_and_unknown_catalogs_are_located():
    assert errors("key: x\nname: [unclosed\n")[0].startswith("pipeline.yaml:3: ")
    assert errors(GOOD.replace("catalog: test", "catalog: other")) == [
        "pipeline.yaml:3: catalog: no catalog other (any version) is imported"]
    assert errors("") == ["pipeline.yaml:1: the file is empty"]


def test_a_pipeline_needs_a_stage_that_is_not_retired():
    text = "key: k\nname: K\ncatalog: test\nstages:\n  - {code: DES, name: D, tiers: [low], quorum: 1, retired: true}\n"
    assert errors(text) == ["pipeline.yaml:4: stages: a pipeline needs at least one stage that is not retired"]


@pytest.mark.parametrize("filename", ["standard.yaml", "generative-ai.yaml", "internal-tool.yaml"])
def test_shipped_pipelines_are_valid_files(filename):
    spec = parse_pipeline((DATA / filename).read_text(), filename)
    assert spec.data["stages"]


def test_a_name_in_two_languages_needs_both_and_round_trips_through_the_export_format():
    text = ("key: bilingual\nname: {en: Standard review, zh-Hans: 标准审查}\ncatalog: rb-tc260-lifecycle\nstages:\n"
            "  - {code: DES, name: {en: Design, zh-Hans: 设计}, tiers: [low], quorum: 1}\n")
    data = parse_pipeline(text).data
    assert (data["name"], data["translations"]) == ("Standard review", {"zh-Hans": {"name": "标准审查"}})
    assert (data["stages"][0]["name"], data["stages"][0]["translations"]) == ("Design", {"zh-Hans": {"name": "设计"}})
    assert parse_pipeline(dump_pipeline(data)).data == data
    with pytest.raises(PipelineFileError) as caught:
        parse_pipeline(text.replace(", zh-Hans: 设计}", "}"))
    assert caught.value.errors == ["pipeline.yaml:5: stages[0]: name is missing its zh-Hans text"]
