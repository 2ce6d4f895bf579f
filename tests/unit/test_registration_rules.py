"""The registration ruleset (reviewboard/registration/data/duties-<version>.yaml) and the numbers people type for
the facts, without a database: every shipped duty cites its sources and says which are unverified, the rules
raise the duties the facts call for with their reasons, in English and Chinese, a published version stays
readable, and a bad ruleset (a text missing a language included) or number is refused by name."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from reviewboard.registration.quantities import parse_quantity
from reviewboard.registration.rules import (
    RULESET_FILE,
    RulesetError,
    evaluate,
    fact_value_label,
    parse_ruleset,
    ruleset,
)
from reviewboard.reviews import workflow
from reviewboard.reviews.workflow import Action, Facts, StageState


def shipped() -> dict:
    from importlib import resources

    return yaml.safe_load(resources.files("reviewboard.registration").joinpath(f"data/{RULESET_FILE}").read_text())


def codes(facts: dict) -> list[str]:
    return [d.code for d in evaluate(facts)]


def test_the_shipped_ruleset_loads_and_every_duty_cites_its_sources():
    rules = ruleset()
    assert rules.version == "1.1.0" and rules.languages == ("en", "zh-Hans")
    assert {d.code for d in rules.duties} == {"TC260-GENAI-FILING", "TC260-SECTOR-FILING", "EU-AIA-ART49-REGISTRATION",
                                              "EU-AIA-ART49-NATIONAL", "EU-AIA-ART52-GPAI-NOTIFICATION"}
    for duty in rules.duties:
        assert duty.sources and duty.required_before == "DEP"
    # what the research note could not check against the official text is marked as such
    eu = [s for d in rules.duties if d.code.startswith("EU-") for s in d.sources]
    assert eu and not any(s.verified for s in eu)
    assert "[unverified]" in evaluate({"training_flop": 2e25})[0].source


def test_no_facts_no_duty():
    assert evaluate({}) == []
    assert codes({"sector": "none", "public_service": True, "generative_public": False, "user_count": 10**7,
                  "training_flop": 1e24, "parameter_count": 7 * 10**9}) == []


@pytest.mark.parametrize(("facts", "expected"), [
    ({"generative_public": True}, ["TC260-GENAI-FILING"]),
    ({"sector": "health"}, ["TC260-SECTOR-FILING"]),
    ({"sector": "employment"}, ["EU-AIA-ART49-REGISTRATION"]),
    ({"sector": "critical_infrastructure"}, ["TC260-SECTOR-FILING", "EU-AIA-ART49-NATIONAL"]),
    ({"training_flop": 1e25}, []),  # the threshold is "greater than" 10^25
    ({"training_flop": 1.0000001e25}, ["EU-AIA-ART52-GPAI-NOTIFICATION"]),
])
def test_each_rule_raises_its_duty(facts, expected):
    assert codes(facts) == expected


def test_a_duty_lists_why_with_the_facts_it_read():
    [duty] = evaluate({"training_flop": 3.2e25})
    assert duty.reasons == ("The model was trained with more than 10^25 FLOP, the threshold above which systemic "
                            "risk is presumed. (Training compute: 3.2e+25 FLOP)",)
    assert duty.authority == "European Commission (AI Office)" and duty.required_before_stage == "DEP"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["duties"][0].update(code="bad code"), "duties[0].code: 'bad code' is not a duty code"),
    (lambda d: d["duties"][0].update(sources=[]), "duties[0].sources: cite at least one source"),
    (lambda d: d["duties"][0]["sources"][0].pop("verified"), "give ref and verified"),
    (lambda d: d["duties"][0]["rules"][0].update(when={"colour": "red"}), "unknown fact 'colour'"),
    (lambda d: d["duties"][1]["rules"][0].update(when={"sector": ["mars"]}), "unknown sector 'mars'"),
    (lambda d: d["duties"][4]["rules"][0].update(when={"training_flop": {"above": "1.0e25"}}),
     "is not a number (YAML needs a sign in an exponent"),
    (lambda d: d["duties"][0].update(required_before="deployment"), "is not a stage code"),
    (lambda d: d["duties"].append(copy.deepcopy(d["duties"][0])), "TC260-GENAI-FILING is used twice"),
    # a text missing one of the file's languages
    (lambda d: d["duties"][0]["title"].pop("zh-Hans"), "duties[0].title is missing its zh-Hans text"),
    (lambda d: d["duties"][2]["rules"][0]["why"].update({"zh-Hans": " "}), "duties[2].rules[0].why is missing its zh"),
    (lambda d: d["duties"][1]["sources"][0].update(ref="Framework §5.1"),
     "duties[1].sources[0].ref: give the text in each language of the file (en, zh-Hans)"),
    (lambda d: d["facts"]["sector"]["options"].update(health="Health care"),
     "facts.sector.options.health: give the text in each language"),
    (lambda d: d["facts"]["user_count"]["label"].update(fr="Utilisateurs"),
     "facts.user_count.label: language 'fr' is not one of the file's languages"),
    (lambda d: d.update(languages=["zh-Hans", "en"]), "languages: list the file's languages, en first"),
])
def test_a_bad_ruleset_is_refused_naming_the_place(change, message):
    data = shipped()
    change(data)
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(data)
    assert any(message in e for e in caught.value.errors), caught.value.errors


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_text_a_person_reads_is_given_in_chinese():
    english, chinese = ruleset(), ruleset(language="zh-Hans")
    texts = [(english.fact_labels, chinese.fact_labels), (english.fact_names, chinese.fact_names),
             (english.sectors, chinese.sectors)]
    pairs = [(e[key], c[key]) for e, c in texts for key in e]
    for en, zh in zip(english.duties, chinese.duties, strict=True):
        assert (en.code, en.required_before, [r.when for r in en.rules]) == \
            (zh.code, zh.required_before, [r.when for r in zh.rules])  # only the words differ
        pairs += [(en.title, zh.title), (en.authority, zh.authority)]
        pairs += [(a.ref, b.ref) for a, b in zip(en.sources, zh.sources, strict=True)]
        pairs += [(a.why, b.why) for a, b in zip(en.rules, zh.rules, strict=True)]
    assert len(pairs) >= 51  # 6 facts (name, label), 12 sectors, 5 duties (title, authority, sources, reasons)
    for en, zh in pairs:
        assert not CJK.search(en) and CJK.search(zh) and en != zh, (en, zh)


def test_a_duty_reads_in_chinese_with_its_reasons_facts_and_unverified_sources():
    zh = ruleset(language="zh-Hans")
    [duty] = evaluate({"training_flop": 3.2e25}, zh)
    assert duty.title == "就具有系统性风险的通用人工智能模型通知欧盟委员会"
    assert duty.reasons == ("该模型的训练算力超过 10^25 FLOP，超过此阈值即推定具有系统性风险。"
                            "（训练算力：3.2e+25 FLOP）",)
    assert duty.source.endswith("（达到阈值后两周内通知欧盟委员会）［未核实］") and "[unverified]" not in duty.source
    [genai] = evaluate({"generative_public": True}, zh)
    assert genai.reasons[0].endswith("（面向公众的生成内容：是）")
    assert fact_value_label("sector", "health", zh) == "医疗卫生"
    assert fact_value_label("user_count", None, zh) == "未提供"
    # English stays the default: what is kept on the project and audited
    assert evaluate({"generative_public": True})[0].reasons[0].endswith("(Generative content for the public: Yes)")


def test_the_published_1_0_0_stays_readable_for_what_was_recorded_under_it():
    old, new = ruleset("1.0.0"), ruleset()
    assert old.version == "1.0.0" and old.languages == ("en",)
    assert old.in_language("zh-Hans") is old  # an English-only file reads in English
    assert old.duties == new.duties and old.sectors == new.sectors and old.fact_labels == new.fact_labels
    with pytest.raises(RulesetError, match="no ruleset duties-9.9.9.yaml is shipped"):
        ruleset("9.9.9")


@pytest.mark.parametrize(("text", "whole", "value"), [
    ("1,200,000", True, 1_200_000), ("25k", True, 25_000), ("7B", True, 7_000_000_000), (" 12 000 ", True, 12_000),
    ("3.2e24", False, 3.2e24), ("10^25", False, 1e25), ("3 x 10^24", False, 3e24), ("1e+26", False, 1e26),
    ("", False, None),
])
def test_numbers_are_read_as_people_type_them(text, whole, value):
    assert parse_quantity(text, "number", whole=whole) == value


@pytest.mark.parametrize(("text", "whole", "message"), [
    ("lots", False, "Give the training compute as a number, such as 3.2e24 or 10^25"),
    ("1.5", True, "as a whole number"), ("10^400", False, "is not one"), ("1e30", True, "too large to be a count"),
])
def test_a_bad_number_is_refused_with_a_message(text, whole, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_quantity(text, "training compute", whole=whole)


def test_missing_filings_refuse_submission_and_approval_with_the_reason():
    facts = Facts(missing_filings=("File the generative AI service (TC260-GENAI-FILING, CAC)",))
    reason = workflow.refusal(StageState.DRAFT, Action.SUBMIT, facts)
    assert reason.startswith("required registration filings are missing: File the generative AI service")
    assert workflow.refusal(StageState.IN_REVIEW, Action.APPROVE, facts) == reason
    assert workflow.refusal(StageState.IN_REVIEW, Action.APPROVE_WITH_CONDITIONS, facts) == reason
    assert workflow.can(StageState.IN_REVIEW, Action.REQUEST_CHANGES, facts)  # changes and rejection stay open
    assert workflow.can(StageState.IN_REVIEW, Action.REJECT, facts)
