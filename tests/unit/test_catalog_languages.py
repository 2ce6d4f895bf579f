"""Catalog files in two languages: every text in English and Simplified Chinese, checked by the schema."""

import dataclasses
import re

import pytest

from reviewboard.catalogs.schema import CatalogError, load_catalog_file, parse_catalog, shipped_catalog_path
from reviewboard.core.language import LANGUAGES, translated

BILINGUAL = """\
catalog:
  key: test-catalog
  name: {en: Test catalog, zh-Hans: 测试目录}
  version: "0.1.0"
  languages: [en, zh-Hans]
  released: "2026-01-01"
  description: {en: A catalog used by the tests., zh-Hans: 测试所用的目录。}
  stages:
    - {code: DES, name: {en: Design, zh-Hans: 设计}}
criteria:
  - id: TC-DES-01
    stage: DES
    title: {en: Ethics review held, zh-Hans: 已进行伦理审查}
    question:
      en: Was an ethics review held?
      zh-Hans: 是否进行了伦理审查？
    guidance: {en: Expect minutes., zh-Hans: 应有会议纪要。}
    evidence_types:
      - {en: ethics review record, zh-Hans: 伦理审查记录}
    tiers: [low, medium, high]
    applicability: mandatory
    refs:
      - {framework: TC260-1.0, ref: "6.2(a)", verified: true}
"""


def test_a_bilingual_file_gives_english_and_chinese_side_by_side():
    spec = parse_catalog(BILINGUAL)
    [c] = spec.criteria
    assert (c.title, c.question, c.evidence_types) == ("Ethics review held", "Was an ethics review held?",
                                                       ("ethics review record",))
    assert c.translations == {"zh-Hans": {"title": "已进行伦理审查", "question": "是否进行了伦理审查？",
                                          "guidance": "应有会议纪要。", "evidence_types": ["伦理审查记录"]}}
    assert translated(c, "title", "zh-Hans") == "已进行伦理审查" and translated(c, "title", "en") == c.title
    assert spec.translations == {"zh-Hans": {"name": "测试目录", "description": "测试所用的目录。",
                                             "stages": {"DES": "设计"}}}
    assert spec.stages[0].translations == {"zh-Hans": {"name": "设计"}}


@pytest.mark.parametrize(("before", "after", "message"), [
    ("zh-Hans: 已进行伦理审查}", "}", "line 13: criterion TC-DES-01: title is missing its zh-Hans text"),
    ("guidance: {en: Expect minutes., zh-Hans: 应有会议纪要。}", "guidance: Expect minutes.",
     "line 17: criterion TC-DES-01: guidance must give its text in each language of the file (en, zh-Hans)"),
    ("- {en: ethics review record, zh-Hans: 伦理审查记录}", "- {en: ethics review record, zh-Hans: ''}",
     "criterion TC-DES-01: evidence_types entry 1 (zh-Hans) must not be empty"),
    ("{en: Design, zh-Hans: 设计}", "{en: Design, fr: Conception}",
     "stage DES: name: language 'fr' is not one of the file's languages (en, zh-Hans)"),
    ("zh-Hans: 测试所用的目录。}", "}", "line 7: catalog: description is missing its zh-Hans text"),
])
def test_a_text_missing_a_language_is_refused_naming_the_field(before, after, message):
    text = BILINGUAL.replace(before, after, 1)
    if before.startswith("zh-Hans"):
        text = text.replace(", }", "}", 1)
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text)
    assert any(problem.startswith(message) or message in problem for problem in caught.value.errors), \
        caught.value.errors


def test_a_file_declaring_an_unknown_language_is_refused():
    with pytest.raises(CatalogError) as caught:
        parse_catalog(BILINGUAL.replace("languages: [en, zh-Hans]", "languages: [en, zh-Hans, tlh]"))
    assert "line 5: catalog: unknown language 'tlh' (known: en, zh-Hans)" in caught.value.errors


def test_the_shipped_bilingual_catalog_adds_chinese_to_every_text_of_1_2_0_and_changes_no_english():
    old = load_catalog_file(shipped_catalog_path("rb-tc260-lifecycle-1.2.0.yaml"))
    new = load_catalog_file(shipped_catalog_path("rb-tc260-lifecycle-1.3.0.yaml"))
    assert new.languages == LANGUAGES == ("en", "zh-Hans")
    assert [dataclasses_without_translations(c) for c in new.criteria] == \
        [dataclasses_without_translations(c) for c in old.criteria]
    for c in new.criteria:
        zh = c.translations["zh-Hans"]
        assert set(zh) == {"title", "question", "guidance", "evidence_types"}, c.id
        assert len(zh["evidence_types"]) == len(c.evidence_types), c.id
        assert zh["question"].endswith("？") and all("\u4e00" <= ch <= "\u9fff" for ch in zh["title"][:1]), c.id
    assert [s.translations["zh-Hans"]["name"] for s in new.stages] == ["设计", "研发", "测试", "部署", "运行", "退役"]
    assert translated(new.criteria[2], "title", "zh-Hans") == "立项阶段的伦理审查"


def dataclasses_without_translations(spec):
    return (spec.id, spec.stage, spec.title, spec.question, spec.guidance, spec.evidence_types, spec.tiers,
            spec.applicability, spec.refs, spec.mit_codes, spec.deprecated)


def test_a_criterion_reads_in_the_interface_language_and_in_english_where_it_has_no_translation(app):
    from reviewboard.core.language import current_language

    spec = parse_catalog(BILINGUAL).criteria[0]
    legacy = dataclasses.replace(spec, translations={})
    with app.test_request_context(headers={"Accept-Language": "zh-CN,zh;q=0.9"}):
        assert current_language() == "zh-Hans"
        assert (translated(spec, "title"), translated(legacy, "title")) == ("已进行伦理审查", "Ethics review held")
    with app.test_request_context(headers={"Accept-Language": "en-GB"}):
        assert translated(spec, "title") == "Ethics review held"


PROSE_REF = ('{framework: TC260-2.0, ref: {en: "risk grading (scenario, scale)",'
             ' zh-Hans: 风险分级（应用场景、应用规模）}, verified: false}')


def test_a_ref_in_words_is_given_in_both_languages_and_a_clause_number_stays_plain():
    text = BILINGUAL.replace('- {framework: TC260-1.0, ref: "6.2(a)", verified: true}',
                             '- {framework: TC260-1.0, ref: "6.2(a)", verified: true}\n      - ' + PROSE_REF
                             + '\n      - {framework: EU-AI-Act, ref: "Art. 6", verified: false}')
    [c] = parse_catalog(text).criteria
    clause, prose, article = c.refs
    assert (clause.ref, clause.translations) == ("6.2(a)", {})
    assert (article.ref, article.translations) == ("Art. 6", {})
    assert prose.ref == "risk grading (scenario, scale)"
    assert prose.translations == {"zh-Hans": {"ref": "风险分级（应用场景、应用规模）"}}


@pytest.mark.parametrize(("ref", "message"), [
    ('"risk grading (scenario, scale)"', "line 23: criterion TC-DES-01: ref 'risk grading (scenario, scale)' is in "
     "words, so give it in each language of the file (en, zh-Hans)"),
    ('{en: "risk grading"}', "criterion TC-DES-01: ref is missing its zh-Hans text"),
])
def test_a_ref_in_words_missing_a_language_is_refused(ref, message):
    text = BILINGUAL.replace('ref: "6.2(a)"', f"ref: {ref}")
    with pytest.raises(CatalogError) as refused:
        parse_catalog(text)
    assert message in str(refused.value)


def test_an_english_only_file_keeps_its_refs_in_words_as_plain_strings():
    text = BILINGUAL.replace("  languages: [en, zh-Hans]\n", "")
    for texts in re.findall(r"\{en: [^{}]*?, zh-Hans: [^{}]*?\}", text):
        text = text.replace(texts, texts[5:texts.index(", zh-Hans:")])
    text = text.replace("question:\n      en: Was an ethics review held?\n      zh-Hans: 是否进行了伦理审查？",
                        "question: Was an ethics review held?")
    [c] = parse_catalog(text.replace('ref: "6.2(a)"', 'ref: "risk grading (scenario, scale)"')).criteria
    assert c.refs[0].ref == "risk grading (scenario, scale)" and c.refs[0].translations == {}
    for shipped in ("rb-tc260-lifecycle-1.0.0.yaml", "rb-tc260-lifecycle-1.2.0.yaml"):
        assert all(not r.translations for c in load_catalog_file(shipped_catalog_path(shipped)).criteria
                   for r in c.refs)


def test_a_diff_shows_a_reference_reworded_only_in_chinese():
    from reviewboard.catalogs.diff import diff_criteria

    first = BILINGUAL.replace('- {framework: TC260-1.0, ref: "6.2(a)", verified: true}',
                              '- {framework: TC260-1.0, ref: "6.2(a)", verified: true}\n      - ' + PROSE_REF)
    second = first.replace("风险分级（应用场景、应用规模）", "风险分级（场景、规模）")
    old, new = parse_catalog(first), parse_catalog(second)
    result = diff_criteria(old.version, old.criteria, new.version, new.criteria)
    assert result.refs_changed == [] and result.reworded == []  # the ref itself (its English) is the same
    [item] = result.other_changed
    assert [(c.field, c.before, c.after) for c in item.changes] == [
        ("refs (zh-Hans)", "风险分级（应用场景、应用规模）", "风险分级（场景、规模）")]
    assert diff_criteria(old.version, old.criteria, old.version, parse_catalog(first).criteria).empty
