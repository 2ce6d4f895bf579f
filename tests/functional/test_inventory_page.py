"""The AI inventory over HTTP: each person sees the systems they may see, with tier, pipeline, current stage,
last decision, open and overdue conditions; filters, search by name, sorting on columns and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from reviewboard.models.base import utcnow
from reviewboard.reviews.models import Condition
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.support.http import login, logout


def _names(html: str) -> list[str]:
    return re.findall(r'<tr data-project="\d+">\s*<td><a href="/projects/\d+">([^<]+)</a>', html)


def test_a_submitter_sees_only_their_systems_and_a_chair_sees_all(client, make, db_session):
    mine = make.project(name="Alpha Triage")
    make.project(name="Beta Scoring")
    db_session.commit()
    login(client, mine.owner)
    assert _names(client.get("/inventory").get_data(as_text=True)) == ["Alpha Triage"]
    logout(client)
    login(client, make.user("chair"))
    assert set(_names(client.get("/inventory").get_data(as_text=True))) >= {"Alpha Triage", "Beta Scoring"}


def test_a_row_shows_stage_last_decision_and_open_and_overdue_conditions(client, make, db_session):
    stage = make.submitted_stage(name="Gamma Forecast")
    first, second = make.reviewers(2)
    owner = stage.project.owner
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[ConditionEntry("Publish the model card", owner.id, utcnow().date() + timedelta(days=30)),
                          ConditionEntry("Add a bias audit", owner.id, utcnow().date() + timedelta(days=40))])
    make.sign(second, stage)
    late = stage.conditions[0].id
    db_session.execute(update(Condition).where(Condition.id == late)
                       .values(due_date=utcnow().date() - timedelta(days=2)))
    db_session.commit()
    login(client, make.user("auditor"))
    page = client.get("/inventory?q=Gamma").get_data(as_text=True)
    assert _names(page) == ["Gamma Forecast"]
    assert 'data-open="2" data-overdue="1"' in page and "1 overdue" in page
    assert f"{stage.name}: Approved with conditions" in page
    assert stage.project.pipeline.name in page


def test_filters_sorting_and_bad_input(client, make, db_session):
    make.project(name="Zeta Low")
    make.project(name="Eta Other")
    make.submitted_stage(name="Theta In Review")
    db_session.commit()
    login(client, make.user("chair"))
    by_name = _names(client.get("/inventory?sort=name&dir=asc&q=eta").get_data(as_text=True))
    assert by_name == sorted(by_name, key=str.lower) and len(by_name) == 3
    assert _names(client.get("/inventory?sort=name&dir=desc&q=eta").get_data(as_text=True)) == by_name[::-1]
    in_review = _names(client.get("/inventory?state=in_review&q=eta").get_data(as_text=True))
    assert in_review == ["Theta In Review"]
    for query in ("sort=evil", "dir=sideways", "tier=none", "state=%00", "pipeline=x" * 50, "page=-1",
                  "q=" + "x" * 1000, "sort=next_review", "sort=tier&dir=desc", "pipeline=standard"):
        response = client.get(f"/inventory?{query}")
        assert response.status_code == 200, query
    tiers = _names(client.get("/inventory?tier=low&q=eta").get_data(as_text=True))
    assert set(tiers) <= set(by_name)
