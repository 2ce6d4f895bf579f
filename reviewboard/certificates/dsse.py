"""DSSE envelopes (Dead Simple Signing Envelope, v1) signed with the organisation's record key.

Pure functions over bytes and ``cryptography`` objects: no Flask, no database, so ``reviewboard cert verify``
runs anywhere. The signature is over PAE(payloadType, payload) (DSSE's pre-authentication encoding), RSA
PKCS#1 v1.5 with SHA-256, the scheme the records' seal uses (records/keys.py: the key must be RSA). The keyid
is the SHA-256 of the signing certificate's SubjectPublicKeyInfo, so a verifier matches a signature to the
certificate it trusts without the envelope having to carry one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


class EnvelopeError(ValueError):
    """The envelope is malformed or no trusted key signed it; the message says which, for a person."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what is signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def keyid(cert: x509.Certificate) -> str:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: bytes, payload_type: str, private_key: rsa.RSAPrivateKey, cert: x509.Certificate) -> dict:
    """The envelope of ``payload`` signed by ``private_key`` (whose certificate is ``cert``)."""
    signature = private_key.sign(pae(payload_type, payload), padding.PKCS1v15(), hashes.SHA256())
    return {"payload": base64.b64encode(payload).decode(), "payloadType": payload_type,
            "signatures": [{"keyid": keyid(cert), "sig": base64.b64encode(signature).decode()}]}


def _b64(value, what: str) -> bytes:
    if not isinstance(value, str):
        raise EnvelopeError(f"the envelope's {what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        try:  # DSSE allows URL-safe base64 as well
            return base64.urlsafe_b64decode(value)
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeError(f"the envelope's {what} is not valid base64") from exc


def open_envelope(envelope: object, trusted: list[x509.Certificate],
                  payload_type: str) -> tuple[bytes, x509.Certificate]:
    """The payload of ``envelope`` if one of its signatures verifies under a ``trusted`` certificate.

    Returns (payload, the certificate that verified it). Raises EnvelopeError naming the problem: not an
    envelope, another payload type, no signature by a trusted key ("unknown key"), or a signature that does
    not verify (the payload or its type was edited after signing).
    """
    if not isinstance(envelope, dict) or not {"payload", "payloadType", "signatures"} <= envelope.keys():
        raise EnvelopeError("not a DSSE envelope (expected payload, payloadType and signatures)")
    if envelope["payloadType"] != payload_type:
        raise EnvelopeError(f"the envelope's payload type is {str(envelope['payloadType'])[:80]!r}, "
                            f"expected {payload_type!r}")
    payload = _b64(envelope["payload"], "payload")
    signatures = envelope["signatures"]
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("the envelope carries no signature")
    by_keyid = {keyid(cert): cert for cert in trusted}
    message = pae(envelope["payloadType"], payload)
    known = False
    for signature in signatures:
        if not isinstance(signature, dict):
            raise EnvelopeError("the envelope's signatures are malformed")
        candidates = [by_keyid[signature["keyid"]]] if signature.get("keyid") in by_keyid else (
            trusted if not signature.get("keyid") else [])
        sig = _b64(signature.get("sig"), "signature")
        for cert in candidates:
            known = True
            key = cert.public_key()
            if not isinstance(key, rsa.RSAPublicKey):
                continue
            try:
                key.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                continue
            return payload, cert
    if not known:
        raise EnvelopeError("signed by an unknown key: no signature is by a certificate you trust (--trust)")
    raise EnvelopeError("the signature does not verify: the envelope's content was changed after it was signed")


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM file (or the one in a DER file). Raises ValueError when there is none."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]
