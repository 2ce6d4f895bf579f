"""Project teams in the service layer: owners and chairs add people by e-mail with a role, change roles and
remove members; a team keeps an owner; every change is audited; the roles decide who may work on the project,
and nobody on the team (nor a reviewer of the project joining it) breaks the independence rules."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.models.base import utcnow
from reviewboard.projects import permissions as perms
from reviewboard.reviews import permissions as review_perms
from reviewboard.reviews import services as reviews
from reviewboard.teams import services as teams
from reviewboard.teams.permissions import can_manage_team


def _events(db_session, project, action) -> list[dict]:
    return [json.loads(event.payload) for event in db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "project", AuditEvent.object_id == str(project.id)))]


def test_the_person_who_registers_a_project_is_its_first_owner(make):
    owner = make.user("submitter")
    project = make.project(owner=owner)
    assert [(m.user_id, m.role) for m in project.members] == [(owner.id, "owner")]
    assert can_manage_team(owner, project)


def test_an_owner_adds_people_with_a_role_and_each_change_is_audited(make, db_session):
    owner, colleague = make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    member = teams.add_member(owner, project, f"  {colleague.email.upper()} ", "viewer")
    assert project.role_of(colleague.id) == "viewer"
    teams.change_role(owner, project, member, "contributor")
    assert project.role_of(colleague.id) == "contributor"
    teams.remove_member(owner, project, member)
    assert project.role_of(colleague.id) is None and not perms.is_member(colleague, project)
    (added,) = _events(db_session, project, "project.member_added")
    assert added["after"] == {"user_id": colleague.id, "name": colleague.name, "role": "viewer"}
    (changed,) = _events(db_session, project, "project.member_role_changed")
    assert (changed["before"]["role"], changed["after"]["role"]) == ("viewer", "contributor")
    (removed,) = _events(db_session, project, "project.member_removed")
    assert removed["before"] == {"user_id": colleague.id, "name": colleague.name, "role": "contributor"}


def test_unknown_addresses_duplicates_and_unknown_roles_are_refused_beside_their_field(make):
    owner, colleague = make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    with pytest.raises(ServiceError, match="No account uses this e-mail address") as unknown:
        teams.add_member(owner, project, "nobody@example.org", "viewer")
    assert unknown.value.field == "email"
    teams.add_member(owner, project, colleague.email, "viewer")
    with pytest.raises(ServiceError, match="already on the team") as duplicate:
        teams.add_member(owner, project, colleague.email, "owner")
    assert duplicate.value.field == "email"
    with pytest.raises(ServiceError) as role:
        teams.add_member(owner, project, make.user("submitter").email, "admin")
    assert role.value.field == "role"
    assert len(project.members) == 2


def test_the_last_owner_can_be_neither_removed_nor_demoted(make):
    owner, colleague = make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    (mine,) = project.members
    with pytest.raises(ServiceError, match="last owner"):
        teams.remove_member(owner, project, mine)
    with pytest.raises(ServiceError, match="last owner"):
        teams.change_role(owner, project, mine, "viewer")
    assert project.role_of(owner.id) == "owner"
    teams.add_member(owner, project, colleague.email, "owner")
    teams.remove_member(owner, project, mine)  # another owner remains: the registrant may leave
    assert not perms.can_view_project(owner, project) and perms.is_involved(owner, project)


def test_contributors_and_viewers_cannot_manage_the_team_but_chairs_can(make):
    owner, contributor, viewer = make.user("submitter"), make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    teams.add_member(owner, project, contributor.email, "contributor")
    teams.add_member(owner, project, viewer.email, "viewer")
    for person in (contributor, viewer, make.user("reviewer")):
        with pytest.raises(NotPermitted):
            teams.add_member(person, project, make.user("submitter").email, "viewer")
    chair = make.user("chair")
    teams.add_member(chair, project, make.user("submitter").email, "viewer")
    assert len(project.members) == 4


def test_contributors_work_on_the_project_and_viewers_only_read(make):
    owner, contributor, viewer = make.user("submitter"), make.user("submitter"), make.user("submitter")
    project = make.project(owner=owner)
    teams.add_member(owner, project, contributor.email, "contributor")
    teams.add_member(owner, project, viewer.email, "viewer")
    stage = project.stages[0]
    for person, writes in ((owner, True), (contributor, True), (viewer, False)):
        assert perms.can_view_project(person, project)
        assert perms.can_edit_project(person, project) is writes
        assert perms.can_manage_evidence(person, stage) is writes
        assert perms.can_submit_stage(person, stage) is writes
    make.evidence(stage, actor=contributor)  # the service accepts a contributor's file
    outsider = make.user("submitter")
    assert not perms.can_view_project(outsider, project)


def test_a_team_member_of_any_role_cannot_be_assigned_or_sign(make):
    owner = make.user("submitter")
    stage = make.submitted_stage(owner=owner)
    viewer = make.user("reviewer", name="Vera Viewer")
    teams.add_member(owner, stage.project, viewer.email, "viewer")
    assert not review_perms.is_independent(viewer, stage)
    with pytest.raises(ServiceError, match="member of this project"):
        reviews.assign_reviewer(make.user("chair"), stage, viewer)
    with pytest.raises(NotPermitted):
        reviews.sign_decision(viewer, stage, reviews.Outcome.APPROVE, "irrelevant-password")


def test_a_reviewer_of_the_project_cannot_join_its_team(make):
    owner = make.user("submitter")
    stage = make.submitted_stage(owner=owner)
    reviewer = make.user("reviewer")
    reviews.assign_reviewer(make.user("chair"), stage, reviewer)
    with pytest.raises(ServiceError, match="reviews this project") as refused:
        teams.add_member(owner, stage.project, reviewer.email, "viewer")
    assert refused.value.field == "email" and stage.project.role_of(reviewer.id) is None


def test_condition_owners_may_be_any_member_of_the_team(make, db_session):
    owner = make.user("submitter")
    stage = make.submitted_stage(owner=owner)
    viewer = make.user("submitter", name="Vic Viewer")
    teams.add_member(owner, stage.project, viewer.email, "viewer")
    first, second = make.reviewers(2)
    make.sign(first, stage, reviews.Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card", viewer.id,
                                                 utcnow().date() + timedelta(days=30))])
    make.sign(second, stage)
    db_session.expire(stage, ["conditions"])
    assert [c.owner_id for c in stage.conditions] == [viewer.id]
