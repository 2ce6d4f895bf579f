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


def test_each_kind_of_security_event_is_one_line_with_time_user_address_and_request_id(client, make, app,
                                                                                        monkeypatch):
    from reviewboard.config import Defaults
    from reviewboard.extensions import limiter
    from tests.support.factories import PASSWORD
    from tests.support.http import login, logout

    handler = _Lines()
    logger = logging.getLogger("reviewboard.security")
    logger.addHandler(handler)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", Defaults.LOGIN_LIMIT_PER_ACCOUNT)
    limiter.reset()
    try:
        owner = make.user("submitter")
        stage = make.submitted_stage(owner)
        reviewer = make.user("reviewer")
        login(client, owner)                                                     # login.success
        assert client.get("/admin/users").status_code == 403                     # access.denied
        assert client.post("/projects/new", data={"name": "x"}).status_code == 400  # csrf.failure
        logout(client)
        login(client, reviewer)
        page = f"/stages/{stage.id}"
        post_form(client, page, f"{page}/declaration", {"conflict": "no"})
        data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
        response = post_form(client, page, f"{page}/review", {**data, "outcome": "approve", "sign": "Sign decision",
                                                               "password": "not my password", "email": reviewer.email})
        assert response.status_code == 422                                       # signature.failure
        logout(client)
        for _ in range(6):                                                       # rate_limit.exceeded
            last = post_form(client, "/login", "/login", {"email": owner.email, "password": "wrong"})
        assert last.status_code == 429
    finally:
        logger.removeHandler(handler)
        limiter.reset()
    entries = [json.loads(line) for line in handler.lines]
    kinds = {e["message"].split()[0]: e for e in entries}
    for kind in ("login.success", "access.denied", "csrf.failure", "signature.failure", "login.failure",
                 "rate_limit.exceeded"):
        assert kind in kinds, (kind, [e["message"] for e in entries])
        entry = kinds[kind]
        assert entry["time"].endswith("Z") and entry["address"] == "127.0.0.1" and entry.get("request_id"), entry
    assert kinds["access.denied"]["user"] == owner.id and kinds["signature.failure"]["user"] == reviewer.id
    assert PASSWORD not in " ".join(handler.lines) and "not my password" not in " ".join(handler.lines)
