"""A project's team: adding people by e-mail with a role, changing a role, removing a member.

Owners manage the team, contributors do the work (edit, attach evidence, submit, answer conditions), viewers
read (reviewboard/projects/permissions.py). A team always keeps an owner. Nobody who reviews the project
(assigned to a stage, or who signed or gave verdicts on one) may join its team: the independence rules read
the membership (reviewboard/reviews/permissions.py).
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.auth.services import find_user_by_email
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.projects.models import MEMBER_ROLES, Project, ProjectMember
from reviewboard.reviews.models import ReviewAssignment, SignOff, StageReview, SubmissionRound, Verdict
from reviewboard.teams.permissions import can_manage_team

log = logging.getLogger("reviewboard.teams")

ROLE_TITLES = {"owner": _l("Owner"), "contributor": _l("Contributor"), "viewer": _l("Viewer")}


def _check_manager(actor: User, project: Project) -> None:
    if not can_manage_team(actor, project):
        raise NotPermitted("Only the project's owners and the chairs manage its team.")


def _check_role(role: str) -> None:
    if role not in MEMBER_ROLES:
        raise ServiceError(_("Choose owner, contributor or viewer."), "role")


def reviews_project(user: User, project: Project) -> bool:
    """The person is assigned to review a stage of the project, or signed or gave verdicts on one."""
    stages = select(StageReview.id).where(StageReview.project_id == project.id)
    rounds = select(SubmissionRound.id).where(SubmissionRound.stage_review_id.in_(stages))
    return any(db.session.scalar(stmt.limit(1)) is not None for stmt in (
        select(ReviewAssignment.id).where(ReviewAssignment.stage_review_id.in_(stages),
                                          ReviewAssignment.reviewer_id == user.id),
        select(SignOff.id).where(SignOff.round_id.in_(rounds), SignOff.reviewer_id == user.id),
        select(Verdict.id).where(Verdict.round_id.in_(rounds), Verdict.reviewer_id == user.id)))


def add_member(actor: User, project: Project, email: str, role: str) -> ProjectMember:
    """Add the person with this e-mail address to the team. Raises NotPermitted or ServiceError (field
    ``email`` or ``role``): unknown or deactivated account, already a member, a reviewer of the project."""
    _check_manager(actor, project)
    _check_role(role)
    user = find_user_by_email(email or "")
    if user is None:
        raise ServiceError(_("No account uses this e-mail address. An administrator creates accounts."), "email")
    if not user.active:
        raise ServiceError(_("The account of %(name)s is deactivated.", name=user.name), "email")
    current = project.role_of(user.id)
    if current is not None:
        raise ServiceError(_("%(name)s is already on the team (%(role)s).", name=user.name,
                             role=ROLE_TITLES[current].lower()), "email")
    if reviews_project(user, project):
        raise ServiceError(_("%(name)s reviews this project and cannot join its team.", name=user.name), "email")
    member = ProjectMember(user_id=user.id, role=role)
    project.members.append(member)
    db.session.flush()
    record_event(actor, "project.member_added", "project", project.id,
                 after={"user_id": user.id, "name": user.name, "role": role})
    log.info("project %s: %s added %s as %s", project.id, actor.id, user.id, role)
    return member


def _owners_left(project: Project, without: ProjectMember) -> int:
    return sum(1 for m in project.members if m.role == "owner" and m.id != without.id)


def change_role(actor: User, project: Project, member: ProjectMember, role: str) -> None:
    """Give a member another role. Raises NotPermitted or ServiceError (the last owner keeps the role)."""
    _check_manager(actor, project)
    _check_role(role)
    if member.role == role:
        return
    if member.role == "owner" and _owners_left(project, member) == 0:
        raise ServiceError(_("%(name)s is the project's last owner: make someone else an owner first.",
                             name=member.user.name),
                           "role")
    before = member.role
    member.role = role
    db.session.flush()
    record_event(actor, "project.member_role_changed", "project", project.id,
                 before={"user_id": member.user_id, "name": member.user.name, "role": before},
                 after={"user_id": member.user_id, "name": member.user.name, "role": role})
    log.info("project %s: %s made %s %s", project.id, actor.id, member.user_id, role)


def remove_member(actor: User, project: Project, member: ProjectMember) -> None:
    """Take a member off the team. Raises NotPermitted or ServiceError (the last owner stays)."""
    _check_manager(actor, project)
    if member.role == "owner" and _owners_left(project, member) == 0:
        raise ServiceError(_("%(name)s is the project's last owner and cannot be removed: make someone else an "
                             "owner first.", name=member.user.name))
    before = {"user_id": member.user_id, "name": member.user.name, "role": member.role}
    project.members.remove(member)
    db.session.delete(member)
    db.session.flush()
    record_event(actor, "project.member_removed", "project", project.id, before=before)
    log.info("project %s: %s removed %s", project.id, actor.id, before["user_id"])


def team_of(project: Project) -> list[ProjectMember]:
    """The team as shown and printed: owners first, then contributors and viewers, each by name."""
    order = {role: i for i, role in enumerate(MEMBER_ROLES)}
    return sorted(project.members, key=lambda m: (order[m.role], m.user.name.lower(), m.id))


def team_state(project: Project) -> list[dict]:
    """The team printed in a record (record-v6)."""
    return [{"name": m.user.name, "role": m.role} for m in team_of(project)]
