"""A throw-away RFC 3161 timestamp authority for tests: ``openssl ts -reply`` behind a loopback HTTP server.

``LocalTSA`` makes a root CA and a TSA certificate (RSA 2048, extended key usage timeStamping, critical)
with ``cryptography`` in a temporary directory, writes an ``openssl ts`` configuration for them and serves
``POST application/timestamp-query`` on 127.0.0.1 (ephemeral port) from a daemon thread, answering
``application/timestamp-reply``. Nothing listens beyond loopback and nothing is fetched from the network.

    with LocalTSA() as tsa:
        app.config["TIMESTAMP_URL"] = tsa.url
        ...
        assert tsa.requests == 1
        trust = [tsa.ca_cert_path]

Records requirement P6 and section 3 (RFC 3161) of /work/shared/reference/records-security-reliability.md.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import ProxyHandler, Request, build_opener

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TSA_POLICY_OID = "1.3.6.1.4.1.55555.3161.1"  # a private-arc placeholder; nothing outside these tests relies on it
MAX_QUERY_BYTES = 64 * 1024
OPENSSL_TIMEOUT = 30

OPENSSL_TS_CONFIG = """\
# Written by tests/support/tsa.py for one test session; deleted with its directory.
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = {serial}
crypto_device = builtin
signer_cert = {tsa_cert}
certs = {ca_cert}
signer_key = {tsa_key}
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        raise RuntimeError("openssl is not installed; the local TSA needs `openssl ts`")
    return path


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ReviewBoard test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make_tsa_pki(directory: Path, *, key_size: int = 2048) -> dict[str, Path]:
    """Root CA and TSA certificate/key as PEM files in ``directory``; returns their paths."""
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = now - dt.timedelta(hours=1), now + dt.timedelta(days=2)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_name = _name("ReviewBoard Test TSA Root CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ReviewBoard Test TSA")).issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        # RFC 3161 section 2.3: exactly one extended key usage, timeStamping, marked critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    paths = {name: directory / f"{name.replace('_', '-')}.pem" for name in ("ca_cert", "tsa_cert", "tsa_key")}
    _write_cert(paths["ca_cert"], ca_cert)
    _write_cert(paths["tsa_cert"], tsa_cert)
    _write_key(paths["tsa_key"], tsa_key)
    return paths


class LocalTSA:
    """An RFC 3161 TSA on ``http://127.0.0.1:<port>/tsa`` for the lifetime of this object (or ``with`` block).

    ``requests`` counts timestamp queries received (valid or not); ``queries`` and ``replies`` keep the
    raw DER of each, in order. ``stop()`` shuts the server down and deletes the key material.
    """

    def __init__(self, *, key_size: int = 2048) -> None:
        self._openssl = openssl()
        self._tmp = tempfile.TemporaryDirectory(prefix="rb-local-tsa-")
        self.directory = Path(self._tmp.name)
        paths = make_tsa_pki(self.directory, key_size=key_size)
        self.ca_cert_path: Path = paths["ca_cert"]
        self.tsa_cert_path: Path = paths["tsa_cert"]
        self.tsa_key_path: Path = paths["tsa_key"]
        self.config_path = self.directory / "openssl-ts.cnf"
        serial = self.directory / "tsaserial"
        serial.write_text("01\n")
        self.config_path.write_text(OPENSSL_TS_CONFIG.format(
            serial=serial, tsa_cert=self.tsa_cert_path, ca_cert=self.ca_cert_path, tsa_key=self.tsa_key_path,
            policy=TSA_POLICY_OID))
        self.queries: list[bytes] = []
        self.replies: list[bytes] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()  # one `openssl ts -reply` at a time: they share the serial file
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-tsa", daemon=True)
        self._thread.start()
        self._stopped = False

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.queries)

    def reset(self) -> None:
        with self._lock:
            self.queries.clear()
            self.replies.clear()
            self.errors.clear()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._tmp.cleanup()

    def __enter__(self) -> LocalTSA:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # Signing one query ------------------------------------------------------------------------

    def reply(self, query: bytes) -> bytes:
        """``openssl ts -reply`` for one DER ``TimeStampReq``; returns the DER ``TimeStampResp``."""
        with self._lock:
            self.queries.append(query)
            self._counter += 1
            work = self.directory / f"q{self._counter}"
            query_file, reply_file = work.with_suffix(".tsq"), work.with_suffix(".tsr")
            query_file.write_bytes(query)
            result = subprocess.run(
                [self._openssl, "ts", "-reply", "-config", str(self.config_path), "-queryfile", str(query_file),
                 "-signer", str(self.tsa_cert_path), "-inkey", str(self.tsa_key_path),
                 "-chain", str(self.ca_cert_path), "-out", str(reply_file)],
                capture_output=True, text=True, timeout=OPENSSL_TIMEOUT, stdin=subprocess.DEVNULL,
            )
            if result.returncode != 0 or not reply_file.exists():
                self.errors.append(result.stderr)
                raise RuntimeError(f"openssl ts -reply failed ({result.returncode}): {result.stderr.strip()}")
            answer = reply_file.read_bytes()
            self.replies.append(answer)
            return answer

    def _handler_class(self):
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
                length = int(self.headers.get("Content-Length") or 0)
                if content_type != "application/timestamp-query":
                    return self._answer(415, "text/plain", b"expected application/timestamp-query\n")
                if not 0 < length <= MAX_QUERY_BYTES:
                    return self._answer(413, "text/plain", b"query missing or too large\n")
                try:
                    body = tsa.reply(self.rfile.read(length))
                except Exception as exc:  # report to the client; the test sees tsa.errors too
                    return self._answer(500, "text/plain", f"{exc}\n".encode())
                return self._answer(200, "application/timestamp-reply", body)

            def do_GET(self):  # noqa: N802
                self._answer(405, "text/plain", b"POST a timestamp query\n")

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    # Helpers for tests of the harness itself ---------------------------------------------------

    def post(self, query: bytes) -> bytes:
        """POST a DER query over HTTP (no proxies) and return the reply body."""
        request = Request(self.url, data=query, method="POST",
                          headers={"Content-Type": "application/timestamp-query"})
        with build_opener(ProxyHandler({})).open(request, timeout=OPENSSL_TIMEOUT) as response:
            assert response.headers.get("Content-Type") == "application/timestamp-reply"
            return response.read()

    def openssl_ts(self, *args: str | Path) -> subprocess.CompletedProcess:
        """Run ``openssl ts ARGS`` (text output, never raises on a non-zero exit)."""
        return subprocess.run([self._openssl, "ts", *map(str, args)], capture_output=True, text=True,
                              timeout=OPENSSL_TIMEOUT, stdin=subprocess.DEVNULL)
