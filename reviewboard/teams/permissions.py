"""Who manages a project's team: its owners, and the committee chairs."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_manage_team(user, project) -> bool:
    """Add, re-role and remove members: an active owner of the project, or an active chair."""
    return (user.is_authenticated and user.active
            and (project.role_of(user.id) == "owner" or user.has_role(Role.CHAIR)))
