"""Risk tiers: one definition, and "prohibited or escalate" is reviewed as high everywhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reviewboard.pipelines.models import rule_applies
from reviewboard.projects.tiering import REVIEW_TIERS, TIER_LABELS, TIER_ORDER, Tier, review_tier


def test_tiers_lowest_first_with_their_labels():
    assert TIER_ORDER == ("low", "medium", "high", "prohibited")
    assert TIER_LABELS == {"low": "Low", "medium": "Medium", "high": "High",
                           "prohibited": "Prohibited or escalate"}
    assert REVIEW_TIERS == ("low", "medium", "high")


@pytest.mark.parametrize(("tier", "reviewed_as"), [
    ("low", "low"), ("medium", "medium"), ("high", "high"), ("prohibited", "high")])
def test_a_cleared_prohibited_project_is_reviewed_as_high(tier, reviewed_as):
    assert review_tier(tier) == reviewed_as
    assert Tier(tier).reviewed_as == reviewed_as


def test_required_roles_for_high_risk_apply_to_a_prohibited_project():
    project = SimpleNamespace(tier="prohibited", answers={})
    assert rule_applies({"expertise": "legal", "tiers": ["high"]}, project)
    assert not rule_applies({"expertise": "legal", "tiers": ["low"]}, project)


def test_the_questionnaire_gives_every_text_in_english_and_chinese_and_refuses_a_missing_one():
    from importlib import resources

    from reviewboard.projects.tiering import QuestionnaireError, assess, parse_questionnaire, questionnaire

    qn = questionnaire()
    assert qn.label("affects_rights", "zh-Hans").startswith("它是否为涉及个人获得就业")
    assert qn.answer_label("data_categories", ["personal", "minors"], "zh-Hans") == "个人信息、未成年人数据"
    assert qn.answer_label("safety_critical", "yes", "zh-Hans") == "是"
    assert qn.tier_names["high"] == {"en": "High", "zh-Hans": "高风险"}
    tier, reasons = assess({**{q.id: "no" for q in qn.questions if q.kind == "yesno"}, "affects_rights": "yes"})
    assert tier == "high"
    assert reasons[0]["translations"]["zh-Hans"]["explanation"] == "涉及获得基本服务或权利的决定需要最深入的审查。"
    text = resources.files("reviewboard.projects").joinpath("data/questionnaire.yaml").read_text()
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(text.replace(", zh-Hans: 个人信息}", "}", 1)
                            .replace("zh-Hans: 系统处理未成年人数据。", "fr: x"))
    assert "questions[data_categories].options.personal is missing its zh-Hans text" in str(caught.value)
    assert "rules[T-HIGH-MINORS].why: unknown language 'fr'" in str(caught.value)
