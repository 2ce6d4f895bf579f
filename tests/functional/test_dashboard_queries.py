"""The dashboard reads each panel in one statement of what it shows (reviewboard/core/dashboard.py): a chair's and a
submitter's dashboards cost a small, fixed number of SQL statements with every panel filled, and each panel keeps
its rows (it cost a chair 20 statements and a submitter 10 at 1,000 projects before)."""

from __future__ import annotations

from datetime import timedelta

from reviewboard.audit.services import record_event
from reviewboard.models.base import utcnow
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome
from tests.support.http import login, logout
from tests.support.statements import view_statements

# the view's own statements (its panels' and its template's, not the request hooks'): one per panel shown, two for
# the projects (the projects, then their stages) and three for the recusals card when a recusal holds a stage up
CHAIR_STATEMENTS = 14  # the queue panel reads no delegations for a chair (they see every stage in review)
SUBMITTER_STATEMENTS = 5


def _dashboard(app, db_session, client) -> tuple[str, list[str]]:
    with view_statements(app, db_session, "core.dashboard") as seen:
        page = client.get("/dashboard")
    assert page.status_code == 200
    return page.get_data(as_text=True), seen


def _every_panel(make, db_session):
    """A submitter with a decided stage (a record, an open condition, a periodic review), a stage in review with a
    recused assigned reviewer, a prohibited project not yet cleared and a security alert about the submitter."""
    owner, chair = make.user("submitter"), make.user("chair")
    decided = make.submitted_stage(owner, name="Alpha decided")
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=10)).date()
    make.sign(a, decided, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card.", owner.id, due)])
    make.sign(b, decided)
    decided.next_review_on = utcnow().date() + timedelta(days=20)
    waiting = make.submitted_stage(owner, name="Beta waiting")
    recused = make.user("reviewer")
    reviews.assign_reviewer(chair, waiting, recused)
    make.declare(recused, waiting, "I advise the team.")
    prohibited = make.project(owner, name="Gamma prohibited")
    prohibited.tier = "prohibited"
    record_event(None, "security.alert", "user", str(owner.id), after={"reason": "signing blocked"})
    db_session.commit()
    return owner, chair


def test_a_chairs_and_a_submitters_dashboards_cost_a_few_statements_with_every_panel_filled(app, client, make,
                                                                                           db_session):
    owner, chair = _every_panel(make, db_session)
    login(client, chair)
    text, seen = _dashboard(app, db_session, client)
    for shown in ("Security alerts", "Beta waiting — Design", "Gamma prohibited", "Recently issued records",
                  "Publish the model card.", "Periodic reviews", "Alpha decided — Design", "Recusals needing"):
        assert shown in text, shown
    assert owner.name in text.split('id="h-alerts"', 1)[1].split("</section>", 1)[0]
    assert len(seen) == CHAIR_STATEMENTS, "\n".join(seen)
    logout(client)

    login(client, owner)
    text, seen = _dashboard(app, db_session, client)
    for shown in ("Decided in the last 30 days", "Alpha decided — Design", "Publish the model card.",
                  "Periodic reviews", "Your projects", "Gamma prohibited"):
        assert shown in text, shown
    for hidden in ("Security alerts", "Waiting for your decision", "Escalated projects", "Recently issued records"):
        assert hidden not in text, hidden
    assert len(seen) == SUBMITTER_STATEMENTS, "\n".join(seen)
