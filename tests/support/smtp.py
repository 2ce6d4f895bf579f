"""A real SMTP server (aiosmtpd) on a free loopback port, for the tests of mail that ReviewBoard sends (reminder
digests, password-reset links). The ``smtp_server`` fixture (tests/conftest.py) points the app at it."""

from __future__ import annotations

from contextlib import contextmanager
from email import message_from_bytes, policy

from tests.support.live_server import free_port


class Inbox:
    def __init__(self):
        self.messages = []
        self.refuse = set()  # addresses answered with 550, to break a run half-way

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for rcpts, m in self.messages if address in rcpts]


@contextmanager
def running_smtp_server(app, monkeypatch):
    from aiosmtpd.controller import Controller

    from reviewboard.config import from_environment

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", from_environment({"REVIEWBOARD_SMTP_PORT": str(port)})["SMTP_PORT"])
    monkeypatch.setitem(app.config, "MAIL_FROM", "ReviewBoard <reviewboard@example.test>")
    try:
        yield inbox
    finally:
        controller.stop()
