"""Domain errors raised by services and mapped to HTTP answers by the views."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the request. ``field`` names the form field the message belongs beside."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(ServiceError):
    status = 403


class Conflict(ServiceError):
    """The request was based on a stale state (another user changed it first)."""

    status = 409
