"""A person's own projects (owner or member) as one set of ids from two indexes: the submitter's project
list, the decisions since their last visit and the conditions they follow give the same rows as before."""

from __future__ import annotations

from datetime import timedelta

from reviewboard.core.dashboard import decided
from reviewboard.models.base import utcnow
from reviewboard.projects.models import ProjectMember
from reviewboard.projects.permissions import own_project_ids, visible_projects_query


def test_a_submitter_lists_the_projects_they_own_or_are_a_member_of_newest_change_first(make, db_session):
    me, other = make.user("submitter"), make.user("submitter")
    owned = make.project(me, name="Credit scoring owned")
    joined = make.project(other, name="Credit scoring joined")
    db_session.add(ProjectMember(project_id=joined.id, user_id=me.id))
    not_mine = make.project(other, name="Credit scoring not mine")
    owned.updated_at = utcnow() - timedelta(days=1)
    db_session.flush()

    assert set(db_session.scalars(own_project_ids(me))) == {owned.id, joined.id}
    assert list(db_session.scalars(visible_projects_query(me))) == [joined, owned]
    assert list(db_session.scalars(visible_projects_query(me, "credit scoring"))) == [joined, owned]
    assert not_mine in db_session.scalars(visible_projects_query(make.user("reviewer"))).all()


def test_a_member_hears_of_a_decision_on_a_project_they_joined(make, db_session):
    stage = make.submitted_stage()
    member, stranger = make.user("submitter"), make.user("submitter")
    db_session.add(ProjectMember(project_id=stage.project_id, user_id=member.id))
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)

    assert [d.stage_id for d in decided(member, None, "en")] == [stage.id]
    assert [d.stage_id for d in decided(stage.project.owner, None, "en")] == [stage.id]
    assert decided(stranger, None, "en") == []
