"""The ``/api/v1`` blueprint: bearer-token authentication, scopes, per-token limits and problem answers.

Only a personal access token authenticates here (``Authorization: Bearer rbp_...``): the session cookie is
never read, so a browser's cookie cannot make an API request on a person's behalf, and the blueprint is
exempt from the forms' CSRF check for that reason. Each view names the scope it needs with :func:`requires`;
the signed-in person is :func:`api_user`, passed to the same services and permission predicates the pages use.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.orm.exc import StaleDataError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, NotFound

from reviewboard.api.problems import field_errors, problem
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.reviews.workflow import IllegalTransition
from reviewboard.tokens import services as tokens
from reviewboard.tokens.models import Scope

log = logging.getLogger("reviewboard.api")
security_log = logging.getLogger("reviewboard.security")

class _StrictParser(FlaskParser):
    """Query and form fields the API does not know are refused (422, naming them), as unknown JSON fields are:
    a mistyped filter must not silently list everything."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _StrictParser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="ReviewBoard API, version 1")

PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}
# the documented answers for refused requests (components "Problem401" ...); see api.init_app
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429)


def requires(scope: Scope, *problems: int):
    """Mark a view with the token scope it needs and document its problem answers (400, 401, 403, 429 always)."""

    def decorate(view):
        view.api_scope = scope
        statuses = sorted({400, 401, 403, 429, *problems})
        return bp.doc(responses={str(s): f"Problem{s}" for s in statuses},
                      security=[{"bearerAuth": [scope.value]}])(view)

    return decorate


def api_user():
    return g.api_user


def _presented_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def token_rate_key() -> str:
    """The per-token limit's key: a digest of the presented secret (an unknown one is counted too)."""
    secret = _presented_secret() or ""
    return "api-token:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    secret = _presented_secret()
    token = tokens.authenticate(secret, request.remote_addr) if secret else None
    if token is None:
        if secret:
            security_log.warning("api.token_refused")
        return problem(401, "Send a valid personal access token: Authorization: Bearer rbp_...",
                       headers={"WWW-Authenticate": 'Bearer realm="reviewboard"'})
    needed = getattr(view, "api_scope", Scope.ADMIN)
    if not token.allows(needed):
        security_log.warning("access.denied method=%s scope=%s", request.method, needed.value)
        return problem(403, f"This token's scope ({token.top_scope}) does not include {needed.value}.")
    g.api_user = token.user
    g.api_token = token
    return None


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    if exc.status == 403:
        security_log.warning("access.denied method=%s", request.method)
    return problem(exc.status, exc.message, field=exc.field)


@bp.errorhandler(IllegalTransition)
def _illegal(exc):
    return problem(409, str(exc))


@bp.errorhandler(StaleDataError)
def _stale(_exc):
    db.session.rollback()
    return problem(409, "Someone else changed this first; read it again and retry.")


@bp.errorhandler(HTTPException)
def answer_http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 405 and not _path_exists():
        # an id out of range matches no rule, yet werkzeug may answer 405 for it: it names nothing, so 404
        return problem(404)
    data = getattr(exc, "data", None) or {}
    if status == 422 and data.get("messages"):
        errors = field_errors(data["messages"])
        return problem(422, "The request has invalid fields.", errors=errors)
    if status == 403:
        security_log.warning("access.denied method=%s", request.method)
    if status == 429:
        security_log.warning("rate_limit.exceeded limit=%s", exc.description)
        return problem(429, f"The limit is {exc.description}.", headers={"Retry-After": "60"})
    detail = data.get("message") or (exc.description if status not in (404, 500) else None)
    response = problem(status, detail)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _path_exists() -> bool:
    try:
        current_app.url_map.bind_to_environ(request.environ).match(method="GET")
    except NotFound:
        return False
    except HTTPException:
        return True
    return True


@bp.errorhandler(Exception)
def _unexpected(_exc):
    log.exception("unhandled API error")
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the answer must still be given
        log.exception("rollback after an unhandled API error failed")
    return problem(500, f"An unexpected error happened and nothing was saved (reference {g.get('request_id')}).")
