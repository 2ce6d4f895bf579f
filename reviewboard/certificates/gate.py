"""The deployment gate: is this artifact covered by a valid certificate? Offline, without a database.

:func:`check` takes the certificate's DSSE envelope, the artifact's digest, a signed status list and the
trusted certificates, and either returns a one-line "OK ..." or raises :class:`Refused` naming the reason.
Nothing here reads the application's configuration or database: `reviewboard cert verify` runs it on a CI
machine with the two files (or the status list's URL) and the organisation's sealing certificate.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography import x509

from reviewboard.systems.digests import InvalidDigest
from reviewboard.systems.digests import parse_digest as normalise_digest

from . import dsse

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://reviewboard.dev/attestation/system-certificate/v1"
STATUS_LIST_PAYLOAD_TYPE = "application/vnd.reviewboard.status-list+json"
STATUS_LIST_TYPE = "https://reviewboard.dev/status-list/v1"
# a list dated a little ahead of this machine's clock is a clock difference, more is a forged date
CLOCK_SKEW = timedelta(minutes=5)
FETCH_TIMEOUT = 15
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


class Refused(Exception):
    """The gate says no; ``str(exc)`` is the reason, for a person reading a CI log."""


@dataclass
class Passed:
    certificate_id: str
    system: str
    version: str
    valid_until: str
    serial: int

    def __str__(self) -> str:
        return (f"OK: certificate {self.certificate_id} ({self.system}, version {self.version}) covers the artifact, "
                f"is valid until {self.valid_until}, and status list #{self.serial} says valid")


def parse_digest(text: str) -> str:
    """The artifact digest as 64 lowercase hex digits, read as the system register reads artifacts
    (``sha256:<hex>``, the bare hex of ``sha256sum``, or ``image@sha256:<hex>``). Raises Refused otherwise."""
    try:
        return normalise_digest(text).partition(":")[2]
    except InvalidDigest as exc:
        raise Refused(f"malformed digest {text[:80]!r}: {exc.message}") from None


def parse_max_age(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text or "")
    if not match:
        raise Refused(f"malformed --max-age {text!r}: expected a number and a unit, e.g. 24h, 90m, 2d")
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]:
                        int(match.group(1))})


def read_source(source: str, what: str) -> bytes:
    """A file's bytes, or an http(s) URL's body. Raises Refused for a missing file or a failed fetch."""
    if re.match(r"https?://", source, re.IGNORECASE):
        try:
            with urllib.request.urlopen(source, timeout=FETCH_TIMEOUT) as response:  # noqa: S310  # nosec B310 - http(s) only, checked above
                data = response.read(MAX_DOCUMENT_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise Refused(f"could not fetch the {what} from {source}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise Refused(f"could not fetch the {what} from {source}: {getattr(exc, 'reason', exc)}") from None
    else:
        try:
            with open(source, "rb") as fh:
                data = fh.read(MAX_DOCUMENT_BYTES + 1)
        except FileNotFoundError:
            raise Refused(f"the {what} file {source} does not exist") from None
        except OSError as exc:
            raise Refused(f"could not read the {what} file {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Refused(f"the {what} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB: not a ReviewBoard {what}")
    return data


def load_trust(paths: list[str]) -> list[x509.Certificate]:
    trusted = []
    for path in paths:
        try:
            trusted.extend(dsse.load_pem_certificates(Path(path).read_bytes()))
        except FileNotFoundError:
            raise Refused(f"the trusted certificate file {path} does not exist") from None
        except (OSError, ValueError) as exc:
            raise Refused(f"{path} is not a PEM or DER certificate: {exc}") from None
    if not trusted:
        raise Refused("no trusted certificate: pass --trust CERT.pem (the organisation's sealing certificate, "
                      "offered at /verify/seal-certificate.pem)")
    return trusted


def _json(data: bytes, what: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused(f"the {what} is not JSON") from None


def _open(document, trusted, payload_type: str, what: str) -> dict:
    try:
        payload, _cert = dsse.open_envelope(document, trusted, payload_type)
    except dsse.EnvelopeError as exc:
        raise Refused(f"the {what} is refused: {exc}") from None
    body = _json(payload, f"{what}'s signed payload")
    if not isinstance(body, dict):
        raise Refused(f"the {what}'s signed payload is not a JSON object")
    return body


def _time(value, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Refused(f"the {what} is not a time: {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        raise Refused(f"the {what} has no time zone")
    return parsed.astimezone(UTC)


def _state(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise Refused(f"the state file {path} is not the JSON this command writes; move it away to start "
                      "afresh (the highest serial seen would be forgotten)") from None
    return state if isinstance(state, dict) else {}


def _save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


def check(envelope_data: bytes, subject: str, status_list_data: bytes, trusted: list[x509.Certificate], *,
          max_age: timedelta = timedelta(hours=24), state_path: Path | None = None,
          now: datetime | None = None) -> Passed:
    """Pass only if every check passes; raises Refused with the first that does not."""
    now = now or datetime.now(UTC)
    wanted = parse_digest(subject)

    statement = _open(_json(envelope_data, "certificate"), trusted, dsse.IN_TOTO_PAYLOAD_TYPE, "certificate")
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") != PREDICATE_TYPE:
        raise Refused("the certificate is not a ReviewBoard system certificate (another statement or predicate type)")
    predicate = statement.get("predicate") or {}
    cert_id = predicate.get("certificate_id")
    covered = [s.get("digest", {}).get("sha256") for s in statement.get("subject") or [] if isinstance(s, dict)]
    if wanted not in covered:
        names = ", ".join(str(s.get("name")) for s in statement.get("subject") or [] if isinstance(s, dict))
        raise Refused(f"certificate {cert_id} is for another subject: it does not cover sha256:{wanted} "
                      f"(it certifies {names or 'nothing'})")
    try:
        until = date.fromisoformat(str(predicate.get("valid_until")))
    except ValueError:
        raise Refused(f"certificate {cert_id} has no valid_until date") from None
    if now.date() > until:
        raise Refused(f"certificate {cert_id} expired: it was valid until {until.isoformat()}")

    listing = _open(_json(status_list_data, "status list"), trusted, STATUS_LIST_PAYLOAD_TYPE, "status list")
    if listing.get("_type") != STATUS_LIST_TYPE or not isinstance(listing.get("entries"), dict):
        raise Refused("the status list is not a ReviewBoard status list")
    serial = listing.get("serial")
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise Refused("the status list has no serial number")
    issued = _time(listing.get("issued_at"), "status list's issue time")
    if issued - now > CLOCK_SKEW:
        raise Refused(f"the status list is dated in the future ({issued:%Y-%m-%d %H:%M} UTC): "
                      "check this machine's clock")
    age = now - issued
    if age > max_age:
        raise Refused(f"the status list is stale: issued {issued:%Y-%m-%d %H:%M} UTC, {_words(age)} ago, older "
                      f"than --max-age {_words(max_age)}; fetch the current one")
    state = _state(state_path)
    issuer = dsse.keyid(trusted[0]) if len(trusted) == 1 else "any"
    seen = state.get("highest_serial", {}).get(issuer, 0) if isinstance(state.get("highest_serial"), dict) else 0
    if serial < seen:
        raise Refused(f"the status list is a replay: its serial {serial} is lower than serial {seen} seen before "
                      f"(state file {state_path})")
    if state_path is not None and serial > seen:
        state.setdefault("highest_serial", {})[issuer] = serial
        _save_state(state_path, state)

    entry = listing["entries"].get(cert_id)
    if not isinstance(entry, dict):
        raise Refused(f"status list #{serial} does not list certificate {cert_id}")
    status = entry.get("status")
    if status != "valid":
        since = f" since {entry['since']}" if entry.get("since") else ""
        newer = entry.get("superseded_by")
        if isinstance(newer, str) and newer:
            raise Refused(f"certificate {cert_id} is {status}{since}: superseded by certificate {newer}, "
                          f"verify with that one (status list #{serial})")
        raise Refused(f"certificate {cert_id} is {status}{since} (status list #{serial})")
    return Passed(str(cert_id), str((predicate.get("system") or {}).get("name")),
                  str((predicate.get("version") or {}).get("label")), until.isoformat(), serial)


def _words(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size, from_ in (("d", 86400, 2 * 86400), ("h", 3600, 3600), ("m", 60, 60)):
        if seconds >= from_:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds}s"
