"""A chair opens the committee metrics at 1280 px and at 390 px: every chart is an image that loaded (the
SVG drawn on the server) with its table under it, a filter is kept, and on a phone nothing scrolls sideways.
The 1280 px view is the README's picture of the metrics."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, VIEWPORT
from tests.browser.test_flows import heading, sign_in
from tests.browser.test_phone_width import scrolls_sideways

pytestmark = pytest.mark.browser

MARK = "Metrics tour: committee history"


def committee_history(live) -> None:
    """A year of a committee's work, once per server: rounds decided across the months in every stage and
    tier, stages waiting now, conditions and reviewers with sign-offs and a recusal."""
    from sqlalchemy import select

    from reviewboard.committee.models import ConflictDeclaration
    from reviewboard.models.base import utcnow
    from reviewboard.projects.models import Project
    from reviewboard.reviews.models import Condition, ReviewAssignment
    from reviewboard.reviews.workflow import Outcome, StageState
    from tests.integration.test_metrics import rounds, signoff
    from tests.support.factories import Factory

    with live.session() as session:
        if session.scalar(select(Project.id).where(Project.name == MARK)):
            return
        make, rng, now = Factory(session), random.Random(16), utcnow()
        reviewers = [make.user("reviewer", name=n) for n in ("Ana Ortiz", "Ben Okafor", "Chen Wei", "Dara Kim")]
        outcomes = [Outcome.APPROVE] * 5 + [Outcome.APPROVE_WITH_CONDITIONS] * 3 + [Outcome.REQUEST_CHANGES] * 3 + [
            Outcome.REJECT]
        for i in range(14):
            project = make.project(name=MARK if i == 0 else f"Metrics tour system {i}")
            project.tier = ("low", "medium", "high")[i % 3]
            for stage in project.stages[:3]:
                start = now - timedelta(days=rng.randint(5, 350))
                specs = []
                for _ in range(rng.choice((1, 1, 2, 3))):
                    decided = start + timedelta(days=rng.uniform(2, 8 + 6 * stage.position))
                    specs.append((start, decided, Outcome.REQUEST_CHANGES))
                    start = decided + timedelta(days=rng.randint(3, 10))
                specs[-1] = (*specs[-1][:2], rng.choice(outcomes[:8] + outcomes[-1:]))
                specs = [s for s in specs if s[1] < now]
                made = rounds(session, stage, *specs)
                for rnd in made:
                    sig = signoff(session, rnd, reviewers[(i + rnd.number) % 4], rnd.decided_at)
                    if rnd.outcome == Outcome.APPROVE_WITH_CONDITIONS:
                        due = (rnd.decided_at + timedelta(days=30)).date()
                        closed = rnd.decided_at + timedelta(days=rng.randint(10, 45))
                        done = closed < now and rng.random() < 0.7
                        session.add(Condition(stage_review_id=stage.id, signoff_id=sig.id, text="Model card",
                                              owner_id=project.owner_id, due_date=due,
                                              status="closed" if done else "open", closed_at=closed if done else None,
                                              extra={}))
            waiting = project.stages[3]
            if i % 2 == 0:
                waiting.state, waiting.submitted_at = StageState.IN_REVIEW, now - timedelta(days=3 + 6 * i)
                waiting.due_at = waiting.submitted_at + timedelta(days=30)
                for r in reviewers[i % 4:i % 4 + 2]:
                    session.add(ReviewAssignment(stage_review_id=waiting.id, reviewer_id=r.id, assigned_by_id=r.id))
                if i == 4:
                    session.add(ConflictDeclaration(stage_review_id=waiting.id, reviewer_id=reviewers[0].id,
                                                    round_number=1, has_conflict=True, nature="Former employer",
                                                    declared_at=now - timedelta(days=5)))


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_a_chair_reads_the_committee_metrics(live_server, new_page, shot, viewport):
    committee_history(live_server)
    chair = live_server.add_user("Cleo Chair", "chair")
    page = new_page(viewport=viewport)
    sign_in(page, chair)
    page.goto("/metrics")
    expect(heading(page)).to_have_text("Committee metrics")
    cycle = page.locator("section#cycle")
    expect(cycle.get_by_role("img")).to_be_visible()
    expect(cycle.locator("table caption")).to_contain_text("Review cycle time by stage")
    expect(cycle.locator("tbody th[scope=row]").first).to_have_text("Design")
    images = page.locator("figure.rb-chart img")
    assert images.count() >= 6
    # each chart decoded and drawn (an SVG the browser refused would have no natural width)
    assert page.evaluate("[...document.querySelectorAll('figure.rb-chart img')]"
                         ".every(i => i.complete && i.naturalWidth > 0)")
    assert not scrolls_sideways(page), "the metrics page scrolls sideways"
    # the README's picture: the figures and the first chart with the start of its table
    page.evaluate("window.scrollTo(0, document.querySelector('.rb-metrics-summary').offsetTop - 12)")
    shot(page, "metrics-" + ("phone" if viewport == PHONE else "desktop"),
         readme="metrics" if viewport == VIEWPORT else None)
    page.get_by_label("Risk tier").select_option("high")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Risk tier")).to_have_value("high")
    expect(page.locator("section#outcomes tbody")).not_to_contain_text("Low")
    assert not scrolls_sideways(page)
