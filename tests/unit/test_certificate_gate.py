"""The deployment gate (`reviewboard cert verify`) without a database: each refusal names its reason.

The certificate and status list are signed here with a key made for the test, through the same DSSE code the
issuing job uses; tests/integration/test_certificates.py runs the gate on certificates ReviewBoard issued.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from reviewboard.certificates import dsse, gate
from reviewboard.records.keys import init_keys

DIGEST = "ab" * 32
OTHER = "cd" * 32
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Org:
    def __init__(self, directory: Path, name: str):
        key_path, cert_path = init_keys(directory, name)
        self.key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        self.cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        self.cert_path = cert_path

    def envelope(self, body: dict, payload_type: str) -> dict:
        return dsse.sign(dsse.canonical(body), payload_type, self.key, self.cert)


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> Org:
    return Org(tmp_path_factory.mktemp("org"), "Gate Test Organisation")


@pytest.fixture(scope="module")
def stranger(tmp_path_factory) -> Org:
    return Org(tmp_path_factory.mktemp("stranger"), "Someone Else")


def statement(valid_until="2027-06-01", subjects=(("model.onnx", DIGEST),)) -> dict:
    return {"_type": gate.STATEMENT_TYPE, "predicateType": gate.PREDICATE_TYPE,
            "subject": [{"name": n, "digest": {"sha256": d}} for n, d in subjects],
            "predicate": {"certificate_id": "RBC-000001-7", "system": {"id": 1, "name": "Triage"},
                          "version": {"id": 3, "label": "1.2.0"}, "valid_until": valid_until}}


def status_list(status="valid", serial=5, issued_at=NOW - timedelta(hours=1), cert_id="RBC-000001-7") -> dict:
    return {"_type": gate.STATUS_LIST_TYPE, "issuer": "Gate Test Organisation", "serial": serial,
            "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "entries": {cert_id: {"status": status, "since": "2026-11-29T10:00:00Z"}}}


def run(org, cert_env, list_env, subject=f"sha256:{DIGEST}", trusted=None, **kw):
    return gate.check(json.dumps(cert_env).encode(), subject, json.dumps(list_env).encode(),
                      trusted or [org.cert], now=NOW, **kw)


def refusal(org, cert_env, list_env, **kw) -> str:
    with pytest.raises(gate.Refused) as caught:
        run(org, cert_env, list_env, **kw)
    return str(caught.value)


def test_a_valid_certificate_with_a_fresh_list_passes(org):
    result = run(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                 org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert str(result).startswith("OK: certificate RBC-000001-7 (Triage, version 1.2.0)")


def _edit_payload(envelope: dict, change) -> dict:
    body = json.loads(base64.b64decode(envelope["payload"]))
    change(body)
    return {**envelope, "payload": base64.b64encode(dsse.canonical(body)).decode()}


def test_an_edited_predicate_is_refused(org):
    env = _edit_payload(org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                        lambda b: b["predicate"].update(valid_until="2099-01-01"))
    reason = refusal(org, env, org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert "signature does not verify" in reason and "changed after it was signed" in reason


def test_an_edited_subject_is_refused(org):
    env = _edit_payload(org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                        lambda b: b["subject"].append({"name": "other", "digest": {"sha256": OTHER}}))
    reason = refusal(org, env, org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE), subject=f"sha256:{OTHER}")
    assert "signature does not verify" in reason


def test_a_certificate_signed_by_an_unknown_key_is_refused(org, stranger):
    reason = refusal(org, stranger.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert "certificate is refused: signed by an unknown key" in reason


def test_a_status_list_signed_by_an_unknown_key_is_refused(org, stranger):
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     stranger.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert "status list is refused: signed by an unknown key" in reason


def test_an_expired_certificate_is_refused_even_if_the_list_says_valid(org):
    reason = refusal(org, org.envelope(statement(valid_until="2026-11-29"), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert reason == "certificate RBC-000001-7 expired: it was valid until 2026-11-29"


@pytest.mark.parametrize("status", ["suspended", "revoked", "expired"])
def test_a_certificate_the_list_does_not_call_valid_is_refused(org, status):
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(status=status), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert reason.startswith(f"certificate RBC-000001-7 is {status} since 2026-11-29T10:00:00Z")


def test_a_certificate_missing_from_the_list_is_refused(org):
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(cert_id="RBC-000009-9"), gate.STATUS_LIST_PAYLOAD_TYPE))
    assert "does not list certificate RBC-000001-7" in reason


def test_a_list_older_than_max_age_is_refused(org):
    old = org.envelope(status_list(issued_at=NOW - timedelta(hours=30)), gate.STATUS_LIST_PAYLOAD_TYPE)
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE), old)
    assert "status list is stale" in reason and "--max-age 24h" in reason
    assert run(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE), old, max_age=timedelta(hours=48))


def test_a_list_with_a_lower_serial_than_seen_before_is_refused(org, tmp_path):
    state = tmp_path / "gate-state.json"
    cert = org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE)
    run(org, cert, org.envelope(status_list(serial=8), gate.STATUS_LIST_PAYLOAD_TYPE), state_path=state)
    run(org, cert, org.envelope(status_list(serial=8), gate.STATUS_LIST_PAYLOAD_TYPE), state_path=state)  # same: fine
    reason = refusal(org, cert, org.envelope(status_list(serial=7), gate.STATUS_LIST_PAYLOAD_TYPE), state_path=state)
    assert "replay: its serial 7 is lower than serial 8 seen before" in reason
    run(org, cert, org.envelope(status_list(serial=9), gate.STATUS_LIST_PAYLOAD_TYPE), state_path=state)
    assert json.loads(state.read_text())["highest_serial"] == {dsse.keyid(org.cert): 9}


def test_a_certificate_for_another_subject_is_refused(org):
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE), subject=f"sha256:{OTHER}")
    assert reason == (f"certificate RBC-000001-7 is for another subject: it does not cover sha256:{OTHER} "
                      "(it certifies model.onnx)")


@pytest.mark.parametrize("subject", ["sha256:abc", "md5:" + "a" * 32, "", "sha256:" + "g" * 64, "latest"])
def test_a_malformed_digest_is_refused(org, subject):
    reason = refusal(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
                     org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE), subject=subject)
    assert reason.startswith("malformed digest")


def test_a_status_list_that_is_not_json_is_refused(org):
    with pytest.raises(gate.Refused, match="^the status list is not JSON$"):
        gate.check(json.dumps(org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE)).encode(), f"sha256:{DIGEST}",
                   b"<html>502 Bad Gateway</html>", [org.cert], now=NOW)


def test_a_certificate_passed_as_the_status_list_is_refused(org):
    cert = org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE)
    reason = refusal(org, cert, cert)
    assert "status list is refused" in reason and "payload type" in reason


def test_the_envelope_verifies_with_securesystemslib(org):
    """An independent DSSE implementation (not the one ReviewBoard signs with) accepts the envelope and
    rejects an edited one."""
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    key = SSlibKey.from_crypto(org.cert.public_key(), keyid=dsse.keyid(org.cert), scheme="rsa-pkcs1v15-sha256")
    env = org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE)
    parsed = Envelope.from_dict(json.loads(json.dumps(env)))
    assert set(parsed.verify([key], 1)) == {key.keyid}
    assert json.loads(parsed.pae()[parsed.pae().index(b"{"):])["predicate"]["certificate_id"] == "RBC-000001-7"
    edited = Envelope.from_dict(_edit_payload(env, lambda b: b["predicate"].update(valid_until="2099-01-01")))
    with pytest.raises(VerificationError):
        edited.verify([key], 1)


# -- the command, as a CI job runs it: no configuration, no database ---------------------------------------

def _cli(tmp_path, *args):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWBOARD_")}
    # nothing listens on port 9 (discard): a command that touched the database would fail loudly
    env.update(DATABASE_URL="postgresql://nobody@127.0.0.1:9/none", REVIEWBOARD_INSTANCE_PATH=str(tmp_path / "none"))
    return subprocess.run([str(Path(sys.executable).with_name("reviewboard")), "cert", "verify", *args],  # noqa: S603
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)


@pytest.fixture()
def files(org, tmp_path):
    cert = tmp_path / "cert.intoto.json"
    cert.write_text(json.dumps(org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE)))
    listing = tmp_path / "status-list.json"
    fresh = status_list(issued_at=datetime.now(UTC) - timedelta(minutes=5))
    listing.write_text(json.dumps(org.envelope(fresh, gate.STATUS_LIST_PAYLOAD_TYPE)))
    return cert, listing


@pytest.mark.slow
def test_cert_verify_runs_without_a_database_and_exits_0_only_when_valid(org, files, tmp_path):
    cert, listing = files
    ok = _cli(tmp_path, str(cert), "--subject", f"sha256:{DIGEST.upper()}", "--status-list", str(listing),
              "--trust", str(org.cert_path), "--state", str(tmp_path / "state.json"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: certificate RBC-000001-7")
    other = _cli(tmp_path, str(cert), "--subject", f"sha256:{OTHER}", "--status-list", str(listing),
                 "--trust", str(org.cert_path))
    assert other.returncode == 1 and "REFUSED: certificate RBC-000001-7 is for another subject" in other.stderr


@pytest.mark.parametrize("case, expected", [
    ("malformed digest", "REFUSED: malformed digest 'sha256:12': "),
    ("list not JSON", "REFUSED: the status list is not JSON"),
    ("missing certificate", "REFUSED: the certificate file missing.json does not exist"),
    ("missing trust", "REFUSED: the trusted certificate file nowhere.pem does not exist"),
    ("no trust", "REFUSED: no trusted certificate: pass --trust CERT.pem"),
    ("bad max-age", "REFUSED: malformed --max-age 'soon'"),
    ("unreachable URL", "REFUSED: could not fetch the status list from http://127.0.0.1:9/status-list.json"),
])
def test_cert_verify_bad_input_gets_a_message_and_no_traceback(org, files, tmp_path, case, expected):
    cert, listing = files
    (tmp_path / "page.html").write_text("<html>oops</html>")
    args = {"cert": str(cert), "subject": f"sha256:{DIGEST}", "list": str(listing),
            "trust": ["--trust", str(org.cert_path)], "extra": []}
    if case == "malformed digest":
        args["subject"] = "sha256:12"
    elif case == "list not JSON":
        args["list"] = "page.html"
    elif case == "missing certificate":
        args["cert"] = "missing.json"
    elif case == "missing trust":
        args["trust"] = ["--trust", "nowhere.pem"]
    elif case == "no trust":
        args["trust"] = []
    elif case == "bad max-age":
        args["extra"] = ["--max-age", "soon"]
    elif case == "unreachable URL":
        args["list"] = "http://127.0.0.1:9/status-list.json"
    argv = [args["cert"], "--subject", args["subject"], "--status-list", args["list"], *args["trust"], *args["extra"]]
    if case == "malformed digest":  # one of them in a process of its own, as CI runs it
        result = _cli(tmp_path, *argv)
        code, stderr, stdout = result.returncode, result.stderr, result.stdout
    else:
        from click.testing import CliRunner

        from reviewboard.certificates.commands import cert_cli

        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            result = CliRunner().invoke(cert_cli, ["verify", *argv])
        code, stderr, stdout = result.exit_code, result.stderr, result.stdout
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert code == 1
    assert stderr.startswith(expected), stderr
    assert "Traceback" not in stderr + stdout


@pytest.mark.parametrize("subject", [DIGEST, f"SHA256:{DIGEST.upper()}", f"registry.example/triage@sha256:{DIGEST}"])
def test_the_digest_is_read_as_the_system_register_reads_artifacts(org, subject):
    assert run(org, org.envelope(statement(), dsse.IN_TOTO_PAYLOAD_TYPE),
               org.envelope(status_list(), gate.STATUS_LIST_PAYLOAD_TYPE), subject=subject)


def test_the_gate_imports_neither_the_pdf_renderer_nor_the_database_layer():
    """A CI runner may lack Pango (WeasyPrint) and has no database: `cert verify` never loads them."""
    import subprocess
    import sys

    probe = ("import sys; from reviewboard.entry import main; from reviewboard.certificates import commands; "
             "print(sorted(m for m in ('weasyprint', 'sqlalchemy', 'pyhanko', 'reviewboard.cli') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_status_list_is_fetched_from_its_url(org, files, tmp_path):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    cert, listing = files

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        data = gate.read_source(f"{url}/{listing.name}", "status list")
        assert str(gate.check(cert.read_bytes(), f"sha256:{DIGEST}", data, [org.cert])).startswith("OK")
        with pytest.raises(gate.Refused, match="could not fetch the status list from .*: HTTP 404"):
            gate.read_source(f"{url}/missing.json", "status list")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
