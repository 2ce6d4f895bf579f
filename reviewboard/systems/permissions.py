"""Who may see and add a system's versions. Used by views, services and templates alike."""

from __future__ import annotations

from reviewboard.projects.permissions import can_view_project, is_contributor


def can_view_versions(user, project) -> bool:
    return can_view_project(user, project)


def can_add_version(user, project) -> bool:
    """The project's members, while the system is not retired (a retired system gets no new version)."""
    return is_contributor(user, project) and user.active and not project.retired
