"""The REST API, version 1 (issue 13): ``/api/v1``, described by its own OpenAPI 3.1 document.

flask-smorest builds the document from the marshmallow schemas the views parse and answer with, so the
document cannot drift from the code. Its own error pages are not used: refused requests are answered as
RFC 9457 problems by the blueprint (reviewboard.api.blueprint), and the web pages keep their HTML errors.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_smorest.spec import prepare_response

from reviewboard.api.problems import PROBLEM_TYPE

DESCRIPTION = """\
ReviewBoard's API: register projects and their questionnaire, attach evidence, submit stages, follow the
reviewers' queue, read verdicts, sign-offs and decisions, answer, close and reopen conditions, read signed
records, system versions, incidents and certificates, and (auditors and chairs) read and verify the audit trail.
It acts through the same services and permission rules as the web pages.

**Authentication.** A personal access token, created on the account page (*API tokens*) or with
`reviewboard token create EMAIL --scope read`, sent as `Authorization: Bearer rbp_...`. The session cookie
is never accepted here. Scopes: `read` (GET), `submit` (also create and change what a submitter can),
`admin` (also the chair's settings). A deactivated account's tokens stop at once. Each token is rate limited.

**Signing stays interactive.** Signing a decision needs the signer's password in the browser (21 CFR Part 11
style electronic signatures), so the API reads verdicts, decisions and records but cannot sign them.

**Errors** are `application/problem+json` (RFC 9457) with `field` naming the input at fault: 401 (no valid
token), 403 (the token's scope or the person's role does not allow it), 404 (absent or not visible to you),
409 (a stale `If-Match` or a state change the workflow refuses), 412/428 (`If-Match` missing), 422 (invalid input).
"""


class ReviewBoardApi(Api):
    """flask-smorest's Api with problem+json error responses, and without its app-wide error handler (which
    would answer the web pages' errors with JSON)."""

    ERROR_SCHEMA = None  # set in init_app (import order)
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own problem answers

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        from reviewboard.api.blueprint import PROBLEM_STATUSES
        from reviewboard.api.schemas import ProblemSchema

        super()._register_responses()
        for status in PROBLEM_STATUSES:
            response = {"description": _PROBLEM_DESCRIPTIONS.get(status, "Refused"), "schema": ProblemSchema}
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(f"Problem{status}", response)


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed request", 401: "No valid personal access token", 403: "Not allowed for this token or person",
    404: "Absent, or not visible to you", 409: "Stale If-Match, or a state change the workflow refuses",
    412: "If-Match does not match", 413: "Upload too large", 415: "Unsupported media type",
    422: "Invalid input; `field` names it", 428: "If-Match required", 429: "Rate limit reached",
}

api = ReviewBoardApi()


def init_app(app: Flask) -> None:
    from reviewboard.api import (  # noqa: F401  (each module registers its views on the blueprint)
        audit,
        certificates,
        docs,
        projects,
        records,
        register,
        reviews,
        stages,
        webhooks,
    )
    from reviewboard.api.blueprint import bp, token_rate_key
    from reviewboard.extensions import csrf, limiter

    app.config.setdefault("API_TITLE", "ReviewBoard API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "A personal access token (rbp_...)"}}},
    })
    api.init_app(app)
    from reviewboard.core.errors_web import MAX_ROW_ID, RowIdConverter

    # row ids as the routes take them (<int:...> is bounded to the INTEGER column's range)
    api.register_converter(RowIdConverter, lambda _converter: {"type": "integer", "minimum": 0,
                                                               "maximum": MAX_ROW_ID})
    # cookies never authenticate the API (see blueprint), so a forged cross-site form gains nothing here
    csrf.exempt(bp)
    limiter.limit(lambda: app.config["API_TOKEN_LIMIT"], key_func=token_rate_key)(bp)
    api.register_blueprint(bp)
    _route_errors_as_problems(app)


def _route_errors_as_problems(app: Flask) -> None:
    """An /api/v1 address no route matches (404) or a method it does not take (405) is answered before any
    blueprint is chosen, so the app's HTML handler would answer it: hand those to the API's handler."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    from reviewboard.api.blueprint import answer_http_error

    web_handler = app.error_handler_spec[None][None][HTTPException]

    def _http(exc):
        if request.path == "/api/v1" or request.path.startswith("/api/v1/"):
            return answer_http_error(exc)
        return web_handler(exc)

    app.register_error_handler(HTTPException, _http)
