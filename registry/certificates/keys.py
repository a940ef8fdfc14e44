"""QR signing keys: created and rotated by CLI, private halves in instance/keys (mode 0600).

Rotation makes a new key active; older keys stay published (and valid for what they signed),
so a certificate printed years ago still verifies.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from registry import auditlog
from registry.certificates import token as tokens
from registry.certificates.models import SigningKey
from registry.db import utcnow
from registry.errors import DomainError
from registry.extensions import db


def _folder() -> Path:
    return Path(current_app.config["KEYS_FOLDER"])


def _private_path(kid: str) -> Path:
    return _folder() / f"qr-{kid}.pem"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create_key(actor=None) -> SigningKey:
    """Generate a key pair, store the private half, publish the public half, make it active."""
    private = tokens.generate_key()
    kid = tokens.key_id(private.public_key())
    _write_private(_private_path(kid), tokens.private_key_to_pem(private))
    for old in db.session.scalars(db.select(SigningKey).where(SigningKey.active.is_(True))):
        old.active, old.retired_at = False, utcnow()
    raw = private.public_key().public_bytes_raw()
    key = SigningKey(kid=kid, public_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
                     active=True)
    db.session.add(key)
    db.session.flush()
    auditlog.record("keys.created", "signing_key", kid, actor=actor)
    return key


def ensure_key() -> SigningKey:
    """The active key, created if there is none (make run, tests)."""
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.active.is_(True)))
    if key is not None and _private_path(key.kid).exists():
        return key
    return create_key()


def active_private_key() -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key that sign new tokens."""
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.active.is_(True)))
    if key is None:
        raise DomainError("no active QR signing key: run `flask --app registry keys init`")
    path = _private_path(key.kid)
    if not path.exists():
        raise DomainError(f"private key {key.kid} missing from {path.parent}")
    return key.kid, tokens.private_key_from_pem(path.read_bytes())


def _public(key: SigningKey) -> Ed25519PublicKey:
    padded = key.public_key + "=" * (-len(key.public_key) % 4)
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(padded))


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Every key ever used, by kid: what the online check verifies tokens against."""
    return {key.kid: _public(key) for key in db.session.scalars(db.select(SigningKey))}


def jwks() -> dict:
    """The JWK set published at /api/v1/keys."""
    keys = db.session.scalars(db.select(SigningKey).order_by(SigningKey.created_at)).all()
    return {"keys": [tokens.public_jwk(_public(k), k.kid, k.not_before, None) for k in keys]}
