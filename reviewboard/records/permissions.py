"""Who may download a record: anyone who may see its project."""

from __future__ import annotations

from reviewboard.projects.permissions import can_view_project


def can_download_record(user, record) -> bool:
    return can_view_project(user, record.stage_review.project)
