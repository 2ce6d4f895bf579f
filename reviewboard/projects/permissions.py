"""Who may see and change a project. Used by views, services and templates alike."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from reviewboard.auth.models import Role, User
from reviewboard.core.search import contains
from reviewboard.projects.models import WRITING_MEMBER_ROLES, Project, ProjectMember
from reviewboard.reviews.workflow import StageState


def is_member(user, project) -> bool:
    """On the project's team, whatever the role (reviewboard/teams): sees the project."""
    return user.is_authenticated and user.id in project.member_ids


def is_contributor(user, project) -> bool:
    """An owner or contributor: edits, attaches evidence, submits, answers conditions. A viewer only reads."""
    return user.is_authenticated and project.role_of(user.id) in WRITING_MEMBER_ROLES


def is_involved(user, project) -> bool:
    """On the team, or the person who registered the project (even after leaving the team): never independent
    of it, so never its reviewer, closer of its conditions or independent chair."""
    return user.is_authenticated and user.id in project.involved_ids


def can_view_project(user, project) -> bool:
    if not (user.is_authenticated and user.active):
        return False
    return is_member(user, project) or bool(user.roles & {Role.REVIEWER, Role.CHAIR, Role.AUDITOR})


def can_view_stage(user, stage) -> bool:
    return can_view_project(user, stage.project)


def can_view_evidence(user, evidence) -> bool:
    return can_view_project(user, evidence.stage_review.project)


def can_create_project(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.SUBMITTER)


def can_edit_project(user, project) -> bool:
    """Members edit while the current stage is with them (draft or changes requested), or once every stage
    has passed: a material change to an approved project then reopens the affected stages (re-review). A
    retired system is not edited."""
    stage = project.current_stage
    return (is_contributor(user, project) and user.active and stage is not None and project.retired_at is None
            and (stage.state in (StageState.DRAFT, StageState.CHANGES_REQUESTED) or stage.passed))


def can_manage_evidence(user, stage) -> bool:
    return (is_contributor(user, stage.project) and user.active
            and stage.state in (StageState.DRAFT, StageState.CHANGES_REQUESTED))


def can_submit_stage(user, stage) -> bool:
    return can_manage_evidence(user, stage)


def can_clear_escalation(user, project) -> bool:
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR)
            and not is_involved(user, project) and project.blocked_by_escalation)


def own_project_ids(user: User):
    """The ids of the projects ``user`` is on the team of (:func:`is_member` as a query), from the members'
    user index (the person who registered a project is its first owner, reviewboard/teams)."""
    return team_project_ids(user.id)


def team_project_ids(user_id):
    """:func:`own_project_ids` of the person ``user_id``: an id, or a bound parameter (a statement built once)."""
    return select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)


def visible_projects_query(user: User, search: str = ""):
    """The projects ``user`` may see (:func:`can_view_project` as a query), newest change first; ``search``
    filters on name and purpose."""
    stmt = _visible(select(Project), user)
    if search:
        stmt = stmt.where(or_(_name_has(search), _purpose_has(search)))
    return stmt.order_by(Project.updated_at.desc(), Project.id.desc())


def search_count_parts(user: User, search: str) -> list | None:
    """The ids of :func:`visible_projects_query`'s projects for ``search``, in two parts that never share a project,
    for its bounded count: those whose name has the words (on PostgreSQL ix_project_name_trgm finds them one at a
    time, so a count that has enough of them stops there), then the others, whose purpose has them. None without
    ``search``."""
    if not search:
        return None
    stmt, name = _visible(select(Project.id), user), _name_has(search)
    return [stmt.where(name), stmt.where(_purpose_has(search), ~name)]  # a name is never NULL: NOT is exact


def sees_every_project(user: User) -> bool:
    """A reviewer, chair or auditor: every project is visible to them (:func:`visible_projects_query` filters on
    nothing); anyone else sees the projects they are on the team of (:func:`own_project_ids`)."""
    return bool(user.roles & {Role.REVIEWER, Role.CHAIR, Role.AUDITOR})


def _visible(stmt, user: User):
    if not sees_every_project(user):
        stmt = stmt.where(Project.id.in_(own_project_ids(user)))
    return stmt


def _name_has(search: str):
    return contains(func.lower(Project.name), search)


def _purpose_has(search: str):
    return contains(func.lower(Project.purpose), search)
