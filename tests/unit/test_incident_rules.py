"""The incident rules (reviewboard/incidents/data/incident-rules-<version>.yaml) without a database: the rules in
force give every text a person reads in English and Chinese with the same ids, days and duties, a text missing a
language is refused by its place in the file, and the published 1.0.0 stays readable for incidents reported
under it."""

from __future__ import annotations

import copy
import re
from importlib import resources

import pytest
import yaml

from reviewboard.incidents.rules import RULES_FILE, IncidentRulesError, load_rules, parse_rules

CJK = re.compile(r"[\u4e00-\u9fff]")


def shipped() -> dict:
    return yaml.safe_load(resources.files("reviewboard.incidents").joinpath(f"data/{RULES_FILE}").read_text("utf-8"))


def test_every_text_a_person_reads_is_given_in_chinese_and_only_the_words_differ():
    english, chinese = load_rules(), load_rules(language="zh-Hans")
    assert english.version == "1.1.0" and english.languages == ("en", "zh-Hans") and chinese.language == "zh-Hans"
    pairs = []
    for en, zh in zip(english.severities, chinese.severities, strict=True):
        assert (en.id, en.serious) == (zh.id, zh.serious)
        pairs += [(en.label, zh.label), (en.name, zh.name)]
    pairs += [(en.label, zh.label) for en, zh in zip(english.categories, chinese.categories, strict=True)]
    for en, zh in zip(english.deadlines, chinese.deadlines, strict=True):
        assert (en.id, en.severities, en.categories, en.widespread, en.days, en.duty, en.verified) == \
            (zh.id, zh.severities, zh.categories, zh.widespread, zh.days, zh.duty, zh.verified)
        pairs += [(en.text, zh.text), (en.source, zh.source)]
    assert len(pairs) == 23  # 3 severities (label, name), 5 categories, 6 deadline rules (text, source)
    for en, zh in pairs:
        assert not CJK.search(en) and CJK.search(zh), (en, zh)
    assert (chinese.suspend_certificate, chinese.reopens) == (english.suspend_certificate, english.reopens)
    assert chinese.severity("serious").name == "严重" and chinese.category("health").label == "对人员健康造成严重损害"
    # what incidents store and records print: the English, whatever the reader
    assert english.severity("serious").label == "Serious incident (EU AI Act Art. 3(49))"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["severities"][0]["label"].pop("zh-Hans"), "severities[0].label is missing its zh-Hans text"),
    (lambda d: d["severities"][2]["name"].update({"zh-Hans": " "}), "severities[2].name is missing its zh-Hans"),
    (lambda d: d["categories"][1].update(label="Harm to health"),
     "categories[1].label: give the text in each language of the file (en, zh-Hans)"),
    (lambda d: d["deadlines"][3]["text"].update(fr="Un décès"),
     "deadlines[3].text: language 'fr' is not one of the file's languages"),
    (lambda d: d["deadlines"][0]["source"].pop("en"), "deadlines[0].source is missing its en text"),
    (lambda d: d.update(languages=["zh-Hans", "en"]), "languages: list the file's languages, en first"),
])
def test_a_text_missing_a_language_is_refused_naming_its_place(change, message):
    data = copy.deepcopy(shipped())
    parse_rules(copy.deepcopy(data))  # the shipped file itself loads
    change(data)
    with pytest.raises(IncidentRulesError) as caught:
        parse_rules(data)
    assert any(message in e for e in caught.value.errors), caught.value.errors


def test_the_published_1_0_0_stays_readable_for_incidents_reported_under_it():
    old, new = load_rules("1.0.0"), load_rules()
    assert old.version == "1.0.0" and old.languages == ("en",)
    assert load_rules("1.0.0", "zh-Hans") is old  # an English-only file reads in English
    assert old.deadlines == new.deadlines and old.categories == new.categories
    assert [(s.id, s.label, s.serious, s.name) for s in old.severities] == \
        [(s.id, s.label, s.serious, s.name) for s in new.severities]  # 1.0.0's short names: the ids, capitalised
    with pytest.raises(IncidentRulesError, match="no incident rules incident-rules-9.9.9.yaml is shipped"):
        load_rules("9.9.9")
