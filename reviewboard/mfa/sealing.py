"""TOTP secrets are kept encrypted (AES-256-GCM), never in clear: a copy of the database alone (a backup, a
read-only leak) does not give anyone a person's second factor.

The app has no encryption key of its own (records/keys.py holds the RSA signing key and the audit MAC key, neither
meant for encryption), so the key is ``MFA_ENCRYPTION_KEY`` when set, otherwise derived from ``SECRET_KEY`` with
HKDF-SHA256 under a label of its own. Both live outside the database. Changing the key makes every enrolled
authenticator unreadable (the person re-enrols through a recovery code); the README says so. The user's id is
the ciphertext's associated data: a sealed secret copied onto another account does not open.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

VERSION = "v1"


def _key() -> bytes:
    material = current_app.config.get("MFA_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"reviewboard totp secret v1").derive(material.encode())


def seal(user_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, secret.encode(), f"user:{user_id}".encode())
    return f"{VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(user_id: int, sealed: str) -> str:
    """The secret; raises cryptography's InvalidTag when the key changed or the row was tampered with."""
    version, _, payload = sealed.partition(":")
    if version != VERSION:
        raise ValueError(f"unknown sealing version {version!r}")
    raw = base64.urlsafe_b64decode(payload)
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], f"user:{user_id}".encode()).decode()
