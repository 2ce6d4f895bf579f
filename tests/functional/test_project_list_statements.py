"""The projects list, its search, the AI inventory and the project page send a fixed, small number of SQL
statements of their own, however many rows or team members they show, and the lists read none of the long texts
they do not show (issue 11: what a page costs at a million projects). Pinned exactly: one more statement is a
regression to explain, one fewer a number to update here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reviewboard.models.base import utcnow
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome
from reviewboard.teams.services import add_member
from tests.support.http import login
from tests.support.statements import view_statements


def _projects(make, owner, n: int) -> None:
    """``n`` projects in review, every other one approved with a condition at its first stage."""
    for i in range(n):
        stage = make.submitted_stage(owner)
        if i % 2 == 0:
            a, b = make.reviewers()
            due = (utcnow() + timedelta(days=10)).date()
            make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
                      conditions=[reviews.ConditionEntry("Publish the model card.", owner.id, due)])
            make.sign(b, stage)


def _page(app, client, db_session, endpoint: str, path: str, shows: str) -> list[str]:
    with view_statements(app, db_session, endpoint) as seen:
        response = client.get(path)
    assert response.status_code == 200 and shows in response.get_data(as_text=True)
    return list(seen)


# (endpoint, path, statements of the view): the list's page (the projects list: with its bounded count, in the same
# statement; the inventory: and its count), and its rows' facts for the whole page (the projects list: the stages;
# the inventory: pipeline names for the filter, stages, pipelines, open conditions, latest certificates)
LISTS = [("projects.index", "/projects", 2), ("projects.index", "/projects?q=triage", 2),
         ("inventory.index", "/inventory", 7), ("inventory.index", "/inventory?sort=tier&dir=asc", 7)]


@pytest.mark.parametrize(("endpoint", "path", "expected"), LISTS)
def test_a_list_page_sends_the_same_few_statements_for_2_rows_as_for_12(app, client, make, db_session, endpoint,
                                                                        path, expected):
    owner = make.user("submitter")
    _projects(make, owner, 2)
    login(client, make.user("chair"))
    few = _page(app, client, db_session, endpoint, path, "Project ")
    _projects(make, owner, 10)
    many = _page(app, client, db_session, endpoint, path, "Project ")
    assert len(few) == len(many) == expected, "\n".join(many)
    # what a list shows of a project is its name, tier, dates and owner: never the long texts or the owner's secrets
    # (the bounded count's subquery names every column; the database reads none of them)
    shown = [s.split(" FROM ", 1)[0] for s in many if not s.startswith("SELECT count(")]
    for column in ("project.purpose", "project.scenario", "project.answers", "project.tier_reasons",
                   "password_hash", "pipeline_stage.criteria"):
        assert not any(column in columns for columns in shown), (column, shown)


def test_the_project_page_sends_the_same_statements_for_a_team_of_1_as_of_4(app, client, make, db_session):
    """The project with its team (and the members' names), its stages, the stages' records and conditions,
    registration filings, system versions and incidents: one statement each."""
    owner = make.user("submitter")
    _projects(make, owner, 1)
    project = make.submitted_stage(owner).project
    login(client, make.user("chair"))
    path = f"/projects/{project.id}"
    alone = _page(app, client, db_session, "projects.show", path, owner.name)
    for i in range(3):
        add_member(owner, project, make.user("submitter", name=f"Member {i}").email, "contributor")
    team = _page(app, client, db_session, "projects.show", path, "Member 2")
    assert len(alone) == len(team) == 7, "\n".join(team)
