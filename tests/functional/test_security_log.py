"""Security events are logged as one JSON object per line; user text cannot forge a line."""

from __future__ import annotations

import json
import logging

from reviewboard.core.security import JsonLineFormatter, RequestContextFilter
from tests.support.http import post_form


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.setFormatter(JsonLineFormatter())
        self.addFilter(RequestContextFilter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.extend(self.format(record).split("\n"))


def test_failed_sign_in_is_one_structured_line_and_user_text_cannot_forge_one(client, make, app):
    user = make.user("submitter")
    handler = _Lines()
    logger = logging.getLogger("reviewboard.security")
    logger.addHandler(handler)
    try:
        response = post_form(client, "/login", "/login", {"email": user.email, "password": "wrong password"})
        assert response.status_code == 200
        forged = 'x@example.test\r\n{"level": "INFO", "message": "login.success user=1"}'
        with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "127.0.0.9"}):
            logger.warning("login.failure account=%s", forged)  # even unquoted user text stays in its value
    finally:
        logger.removeHandler(handler)
    entries = [json.loads(line) for line in handler.lines]  # every line is one whole JSON object
    assert len(entries) == 2
    failures = [e for e in entries if e["message"].startswith("login.failure")]
    assert len(failures) == 2 and "\r\n" in failures[1]["message"]
    assert not any(e["message"].startswith("login.success") for e in entries)
    for entry in entries:
        assert entry["time"].endswith("Z") and entry["path"] == "/login" and entry["address"]
    assert failures[1]["address"] == "127.0.0.9"
