"""Helpers shared by forms: copying service errors beside the right field."""

from __future__ import annotations

from reviewboard.core.errors import ServiceError


def attach_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors or []) + [error.message]
    else:
        form.form_errors.append(error.message)
