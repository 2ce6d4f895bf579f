"""Loading what an API path names: 404 when absent or not visible to the token's person (as the pages do)."""

from __future__ import annotations

import base64
import binascii

from flask import abort

from reviewboard.api.blueprint import api_user
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db


def load(model, row_id: int, visible=None):
    row = db.session.get(model, row_id)
    if row is None or (visible is not None and not visible(api_user(), row)):
        abort(404)
    return row


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor continues after; a cursor not made by :func:`encode_cursor` is a 422 on ``cursor``."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        last = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last = None
    if last is None or kind != "id" or not 0 < last < 2**31:
        raise ServiceError("This cursor was not given by the API; start without one.", "cursor")
    return last


def page(rows: list, limit: int) -> tuple[list, str | None]:
    """The first ``limit`` of ``limit + 1`` rows read, and the cursor after them when there are more."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)
