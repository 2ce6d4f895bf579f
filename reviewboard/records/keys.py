"""Key material for sealing review records: generation, permission checks, loading.

The organisation seals each issued record with one RSA key. ``reviewboard keys init`` calls
:func:`init_keys` to make a self-signed demo root; production deployments point the config at a key
and certificate issued by their own CA (PEM files or a PKCS#12 bundle). :func:`current_signer` and
:func:`trust_roots` read that configuration; records, packs and audit checkpoints all sign and verify
through them.

Only RSA keys are accepted: with an ECDSA key pyHanko 0.38 declares the document PDF 2.0 and adds an
ISO 32002 extension, which breaks PDF/A-3 (records-security-reliability.md, finding 5b).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

KEY_FILENAME = "signing-key.pem"
CERT_FILENAME = "signing-cert.pem"
RSA_KEY_BITS = 3072
CERT_VALIDITY = dt.timedelta(days=5 * 365)


class KeyPermissionError(RuntimeError):
    """A private key file is readable or writable by its group or by others."""


def init_keys(directory: Path, organisation: str, *, force: bool = False) -> tuple[Path, Path]:
    """Write a new RSA-3072 key and a self-signed certificate for ``organisation``.

    Both files are created with mode 0600. Returns ``(key_path, cert_path)``.
    Raises FileExistsError if either file exists and ``force`` is false, ValueError on an empty
    organisation name.
    """
    organisation = " ".join(organisation.split())
    if not organisation:
        raise ValueError("organisation name is required for the signing certificate")
    directory = Path(directory)
    key_path, cert_path = directory / KEY_FILENAME, directory / CERT_FILENAME
    if not force:
        for path in (key_path, cert_path):
            if path.exists():
                raise FileExistsError(f"{path} already exists; pass force=True to replace it")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    # X.520 caps organizationName and commonName at 64 characters.
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation[:40]} record seal"),
    ])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_cert_sign=True,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, key_pem)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (never a moment with wider permissions)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask cannot widen 0600, but an inherited ACL default could
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_key_permissions(path: Path) -> None:
    """Raise KeyPermissionError if group or others have any permission on ``path``.

    A missing file raises FileNotFoundError.
    """
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyPermissionError(
            f"{path} has mode {stat.S_IMODE(mode):04o}; a signing key must be private to its owner "
            f"(chmod 600 {path})"
        )


class RecordSigner(SimpleSigner):
    """A SimpleSigner that parses its private key once.

    pyHanko's ``SimpleSigner.sign_raw`` loads the DER key into ``cryptography`` for every raw signature, and
    loading an RSA-3072 key checks it (about 0.2 s); a record takes two raw signatures (pyHanko's size
    estimate, then the seal), so that was most of the signing time.
    """

    @classmethod
    def of(cls, signer: SimpleSigner) -> RecordSigner:
        return cls(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                   cert_registry=signer.cert_registry)

    @functools.cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def load_signer(
    key_path: Path | None,
    cert_path: Path | None,
    chain_paths: Sequence[Path] = (),
    *,
    pkcs12_path: Path | None = None,
    pkcs12_password: bytes | None = None,
) -> RecordSigner:
    """Load the record-sealing signer from PEM/DER files or from a PKCS#12 bundle.

    ``chain_paths`` are intermediate (or root) certificates embedded in the signature so verifiers
    can build the path. Raises KeyPermissionError if the key (or PKCS#12) file is not private,
    FileNotFoundError if it is missing, ValueError if the material cannot be loaded or is not RSA.

    The signer is kept per process and loaded again when any of its files changes (a rotated key replaces
    the file: new inode, mtime or size); the permission check runs on every call.
    """
    if pkcs12_path is not None:
        check_key_permissions(Path(pkcs12_path))
    elif key_path is None or cert_path is None:
        raise ValueError("key_path and cert_path are required unless pkcs12_path is given")
    else:
        check_key_permissions(Path(key_path))
    return _load_signer(_file_state(key_path), _file_state(cert_path),
                        tuple(_file_state(path) for path in chain_paths), _file_state(pkcs12_path),
                        pkcs12_password)


def _file_state(path: Path | None) -> tuple | None:
    """What identifies one version of a file: its path, inode, size and modification time."""
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return (str(path), None)  # loading reports it
    return (str(path), info.st_ino, info.st_size, info.st_mtime_ns)


def forget_signers() -> None:
    """Drop the signers kept by this process: the next record reads its key and certificate again."""
    _load_signer.cache_clear()


@functools.lru_cache(maxsize=8)
def _load_signer(key: tuple | None, cert: tuple | None, chain_files: tuple, pkcs12: tuple | None,
                 pkcs12_password: bytes | None) -> RecordSigner:
    chain = [cert for state in chain_files for cert in load_certs_from_pemder([state[0]])]
    if pkcs12 is not None:
        signer = SimpleSigner.load_pkcs12_data(
            Path(pkcs12[0]).read_bytes(), other_certs=chain, passphrase=pkcs12_password
        )
    else:
        try:
            signing_key = load_private_key_from_pemder(key[0], passphrase=None)
            signing_cert = load_cert_from_pemder(cert[0])
        except (OSError, TypeError) as exc:
            raise ValueError(f"could not load signing key or certificate: {exc}") from exc
        signer = SimpleSigner(
            signing_cert=signing_cert,
            signing_key=signing_key,
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )
    algorithm = signer.signing_cert.public_key.algorithm
    if algorithm != "rsa":
        raise ValueError(
            f"the record signing key must be RSA (got {algorithm}): other key types make pyHanko "
            "declare PDF 2.0, which breaks PDF/A-3"
        )
    return RecordSigner.of(signer)


def sign_detached(signer: RecordSigner, data: bytes):
    """RSA PKCS#1 v1.5 / SHA-256 signature of ``data`` with the record key; returns (signature, certificate).
    Used for audit checkpoints and evidence-pack manifests."""
    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    return signer.private_key.sign(data, PKCS1v15(), hashes.SHA256()), cert


def verify_detached(cert, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        cert.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def is_trusted(cert, roots) -> bool:
    """``cert`` is one of ``roots`` or directly issued by one of them."""
    from cryptography.exceptions import InvalidSignature

    for root in roots:
        if cert == root:
            return True
        if cert.issuer == root.subject:
            try:
                cert.verify_directly_issued_by(root)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
    return False


# -- the organisation's key and trust roots, as configured ---------------------------------------------

def instance_path(name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def current_signer():
    cfg = current_app.config
    if cfg.get("SIGNING_PKCS12_PATH"):
        password = cfg.get("SIGNING_PKCS12_PASSWORD")
        return load_signer(None, None, pkcs12_path=instance_path(cfg["SIGNING_PKCS12_PATH"]),
                           pkcs12_password=password.encode() if password else None)
    return load_signer(instance_path(cfg["SIGNING_KEY_PATH"]), instance_path(cfg["SIGNING_CERT_PATH"]),
                       [instance_path(p) for p in cfg.get("SIGNING_CHAIN_PATHS") or ()])


def seal_certificate_der() -> bytes:
    """The certificate that seals records, DER-encoded: what a pdfsig or pyHanko user adds as trusted.

    Read from SIGNING_CERT_PATH (PEM or DER) without touching the private key; a PKCS#12 bundle is opened
    for its certificate. Raises FileNotFoundError or ValueError like :func:`load_signer`.
    """
    cfg = current_app.config
    if cfg.get("SIGNING_PKCS12_PATH"):
        return current_signer().signing_cert.dump()
    try:
        return load_cert_from_pemder(str(instance_path(cfg["SIGNING_CERT_PATH"]))).dump()
    except (OSError, TypeError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"could not load the signing certificate: {exc}") from exc


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint of a DER certificate as ``AB:CD:...``, the form openssl and certutil print."""
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def _configured_paths(setting: str) -> list[Path]:
    """A list setting, or a colon-separated string (from the environment), as instance-relative paths."""
    configured = current_app.config.get(setting) or ()
    if isinstance(configured, str):
        configured = [p for p in configured.split(":") if p]
    return [instance_path(p) for p in configured]


def timestamper():
    """The configured RFC 3161 timestamp authority (TIMESTAMP_URL) as a pyHanko client, or None."""
    url = current_app.config.get("TIMESTAMP_URL")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url)


def timestamp_trust_roots() -> list[Path] | None:
    """The TSA roots for B-T records (TIMESTAMP_TRUST_ROOT_PATHS); None means the record trust roots."""
    return _configured_paths("TIMESTAMP_TRUST_ROOT_PATHS") or None


def trust_roots() -> list[Path]:
    return _configured_paths("TRUST_ROOT_PATHS") or [instance_path(current_app.config["SIGNING_CERT_PATH"])]
