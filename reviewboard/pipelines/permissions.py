"""Who may see and configure review pipelines: chairs configure, auditors read."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_view_pipelines(user) -> bool:
    return user.is_authenticated and user.active and bool(user.roles & {Role.CHAIR, Role.AUDITOR})


def can_configure_pipelines(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)
