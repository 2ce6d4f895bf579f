"""Who may see a project's registration duties and filings, and who records a filing."""

from __future__ import annotations

from reviewboard.projects.permissions import can_view_project, is_contributor


def can_view_registration(user, project) -> bool:
    return can_view_project(user, project)


def can_view_filing(user, filing) -> bool:
    return can_view_project(user, filing.project)


def can_file(user, project) -> bool:
    """The project's members record filings (the submitter's organisation files), until the system is retired."""
    return is_contributor(user, project) and user.active and not project.retired
