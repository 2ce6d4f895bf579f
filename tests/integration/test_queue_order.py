"""The queue's order: oldest current submission first. The stage keeps its current round's submission time
(the queue reads it from one index), so a resubmission moves the stage to the back of the queue."""

from __future__ import annotations

from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome, StageState


def _queue(db_session, user) -> list[int]:
    return [stage.id for stage, _at in db_session.execute(reviews.queue_query(user, status="all"))]


def test_a_resubmitted_stage_goes_behind_the_stages_submitted_before_its_new_round(make, db_session):
    first, second = make.submitted_stage(), make.submitted_stage()
    reviewer = make.user("reviewer")
    assert first.submitted_at == first.current_round.submitted_at
    assert _queue(db_session, reviewer) == [first.id, second.id]

    for other in make.reviewers(2):
        make.sign(other, first, Outcome.REQUEST_CHANGES)
    assert first.state == StageState.CHANGES_REQUESTED and first.id not in _queue(db_session, reviewer)
    make.evidence(first, filename="answers.md", data=b"# Answers to the reviewers\n")
    lifecycle.submit_stage(first.project.owner, first, "Addressed comments", first.version)

    assert first.round_number == 2 and first.submitted_at == first.current_round.submitted_at
    assert first.submitted_at > second.submitted_at
    assert _queue(db_session, reviewer) == [second.id, first.id]
    rows = {stage: at for stage, at in db_session.execute(reviews.queue_query(reviewer, status="all"))}
    assert rows[first] == first.current_round.submitted_at  # the age the queue shows is the new round's


def test_the_apps_postgresql_connections_run_no_parallel_query_workers(db_session, engine_name):
    """A page's query reads an index and stops: starting parallel workers would cost more than the work."""
    import pytest
    from sqlalchemy import text

    if engine_name != "postgresql":
        pytest.skip("SQLite has no parallel query")
    assert db_session.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
