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


class RulesFileError(ValueError):
    """A rules file (re-review, registration duties, incidents) is malformed; ``errors`` lists every problem
    with its place in the file, so an author fixes them all in one pass."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors
