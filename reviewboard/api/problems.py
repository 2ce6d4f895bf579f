"""RFC 9457 problem details: every refused API request is answered ``application/problem+json``.

A problem names the field at fault where there is one (``field``, and ``errors`` with one entry per field),
so that a script can show the message beside its input as the pages do beside a form field.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import jsonify

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, detail: str | None = None, *, field: str | None = None,
            errors: list[dict] | None = None, headers: dict | None = None):
    """A Flask response with the problem document for ``status``."""
    body: dict = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if errors is None and field:
        errors = [{"field": field, "message": detail or body["title"]}]
    if errors:
        body["errors"] = errors
        body["field"] = field or errors[0]["field"]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages) -> list[dict]:
    """webargs/marshmallow messages ({"json": {"name": ["..."]}, "query": {...}}) as a flat list of
    {field, message}; a nested field is named with dots ("answers.scale")."""
    out: list[dict] = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out.extend({"field": prefix or "body", "message": m} for m in value)
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(f"{prefix}.{i}", inner)
        else:
            out.append({"field": prefix or "body", "message": str(value)})

    for location in (messages or {}).values():  # drop the location ("json", "query", "form", "files")
        walk("", location)
    return out
