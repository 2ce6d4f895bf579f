"""Who may download a record: anyone who may see its project."""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import can_view_project


def can_download_record(user, record) -> bool:
    return can_view_project(user, record.stage_review.project)


def can_export_stage_pack(user, stage) -> bool:
    return can_export_pack(user, stage.project)


def can_export_pack(user, project) -> bool:
    """Chairs and auditors download evidence packs (the whole file set of a project)."""
    return (user.is_authenticated and user.active and bool(user.roles & {Role.CHAIR, Role.AUDITOR})
            and can_view_project(user, project))
