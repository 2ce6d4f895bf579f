"""Who lists a system on the public register: a chair (reading the register needs no sign-in)."""

from __future__ import annotations

from flask import current_app

from reviewboard.auth.models import Role


def register_enabled() -> bool:
    return bool(current_app.config["PUBLIC_REGISTER"])


def can_manage_listing(user, project) -> bool:
    return bool(user.is_authenticated and user.active and user.has_role(Role.CHAIR))
