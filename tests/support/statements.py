"""Counting the SQL statements a page's own view sends (its queries and its template's), apart from what every
signed-in request costs (the session's user, its roles, the commit): a test can pin a page's statements without
depending on the request hooks."""

from __future__ import annotations

import contextlib

from flask_login import current_user
from sqlalchemy import event


@contextlib.contextmanager
def view_statements(app, db_session, endpoint: str):
    """Inside: the statements (each on one line) that the view ``endpoint`` sends while it runs, rendering
    included, its signed-in user already loaded before it starts."""
    seen: list[str] = []
    running = [False]
    view = app.view_functions[endpoint]

    def counted(*args, **kwargs):
        if current_user.is_authenticated:
            _ = current_user.roles  # the user and roles every signed-in request loads
        running[0] = True
        try:
            return view(*args, **kwargs)
        finally:
            running[0] = False

    def record(_conn, _cursor, statement, *_rest):
        if running[0]:
            seen.append(" ".join(statement.split()))

    connection = db_session.connection()
    app.view_functions[endpoint] = counted
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)
        app.view_functions[endpoint] = view


@contextlib.contextmanager
def statements_sent(db_session, note=None):
    """Inside: every statement sent through the test's connection (hooks, view and commit alike), each on one line,
    or what ``note(statement)`` makes of it."""
    seen: list = []

    def record(_conn, _cursor, statement, *_rest):
        seen.append(note(statement) if note else " ".join(statement.split()))

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)
