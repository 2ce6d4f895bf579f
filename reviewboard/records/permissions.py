"""Who may download a record (anyone who may see its project), export packs, and see why a record failed."""

from __future__ import annotations

from sqlalchemy import false, select

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import can_view_project, own_project_ids
from reviewboard.records.models import Record
from reviewboard.reviews.models import StageReview

COMMITTEE_ROLES = {Role.REVIEWER, Role.CHAIR, Role.AUDITOR}  # they see every project (can_view_project)


def can_download_record(user, record) -> bool:
    return can_view_project(user, record.stage_review.project)


def downloadable(user, *columns):
    """:func:`can_download_record` as a query: ``columns`` of the records ``user`` may download. The committee's
    roles see every record; anyone else those of the projects on whose team they are (:func:`own_project_ids`)."""
    stmt = select(*columns)
    if not (user.is_authenticated and user.active):
        return stmt.where(false())
    if not user.roles & COMMITTEE_ROLES:
        stmt = stmt.where(Record.stage_review_id.in_(
            select(StageReview.id).where(StageReview.project_id.in_(own_project_ids(user)))))
    return stmt


def can_export_stage_pack(user, stage) -> bool:
    return can_export_pack(user, stage.project)


def can_export_pack(user, project) -> bool:
    """Chairs and auditors download evidence packs (the whole file set of a project)."""
    return (user.is_authenticated and user.active and bool(user.roles & {Role.CHAIR, Role.AUDITOR})
            and can_view_project(user, project))


def can_see_record_failures(user) -> bool:
    """Chairs and auditors read why a stage's record could not be issued and how an administrator retries it;
    everyone else who sees the stage only reads that it is delayed."""
    return user.is_authenticated and user.active and bool(user.roles & {Role.CHAIR, Role.AUDITOR})


def can_retry_record(user, stage) -> bool:
    """Chairs send a failed record job of a stage they can see back to the workers (audited)."""
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR)
            and can_view_project(user, stage.project))
