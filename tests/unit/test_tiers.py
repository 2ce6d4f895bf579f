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
