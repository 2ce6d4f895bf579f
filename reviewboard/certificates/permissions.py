"""Who may see and act on certificates. The public status page, badge and status list need no sign-in."""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import can_view_project


def can_view_certificate(user, cert) -> bool:
    """Project members, reviewers, chairs and auditors: whoever may see the project."""
    return can_view_project(user, cert.project)


def can_revoke_certificate(user, cert) -> bool:
    return bool(user.is_authenticated and user.active and user.has_role(Role.CHAIR))
