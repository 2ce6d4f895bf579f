"""Loading the object a URL names, for views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import abort
from flask_login import current_user

from reviewboard.extensions import db

Row = TypeVar("Row")


def load_or_404(model: type[Row], row_id: int, visible: Callable[[object, Row], bool] | None = None,
                options: Sequence = ()) -> Row:
    """The ``model`` row with ``row_id``; 404 when there is none or when ``visible(current_user, row)`` is
    false: what a person may not see is answered as if it did not exist. ``options``: loader options (what
    the page reads of the row's relationships, loaded with it)."""
    row = db.session.get(model, row_id, options=options)
    if row is None or (visible is not None and not visible(current_user, row)):
        abort(404)
    return row
