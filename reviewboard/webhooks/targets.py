"""Where a webhook may be sent: http(s) URLs whose host resolves only to public addresses, unless the
configuration's allow-list (WEBHOOK_ALLOWED_TARGETS: "host" or "host:port" entries) names it. Checked when a
chair subscribes and again before each delivery (a name may have been pointed elsewhere since)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from reviewboard.core.errors import ServiceError

resolve = socket.getaddrinfo  # the resolver (tests that generate URLs replace it: no DNS look-up leaves them)


def check_target(url: str) -> None:
    """Raises ServiceError on field ``url`` when the URL may not be a webhook target."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ServiceError(_("Give a URL such as https://ci.example.org/hooks/reviewboard."), "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ServiceError(_("Give an http or https URL without a user name or password."), "url")
    host = parts.hostname.lower()
    allowed = {entry.lower() for entry in current_app.config.get("WEBHOOK_ALLOWED_TARGETS", ())}
    if host in allowed or f"{host}:{port}" in allowed:
        return
    try:
        infos = resolve(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ServiceError(_("The host %(host)s cannot be resolved.", host=host), "url") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ServiceError(_("%(host)s is a private, loopback or reserved address (%(address)s); only public "
                                 "targets are allowed unless the configuration's WEBHOOK_ALLOWED_TARGETS names it.",
                                 host=host, address=str(address)), "url")
