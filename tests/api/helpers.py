"""API test helpers: a token for a person, and its Authorization header."""

from __future__ import annotations

from datetime import timedelta

from reviewboard.tokens.services import create_token


def bearer(user, scope: str = "read", lifetime: timedelta | None = timedelta(days=1)) -> dict:
    created = create_token(user, user, "tests", scope, lifetime)
    return {"Authorization": f"Bearer {created.secret}"}


def project_body(**overrides) -> dict:
    from tests.support.factories import NO, project_fields

    return {**project_fields(), "answers": dict(NO), **overrides}
