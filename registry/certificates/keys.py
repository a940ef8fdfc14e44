"""QR signing keys: created and rotated by CLI, private halves in the store as
`keys/qr-<kid>.pem` (instance/keys with mode 0600 locally; the shared object store when
several app servers run, so that a key created on one signs on the others).

Rotation makes a new key active; older keys stay published (and valid for what they signed),
so a certificate printed years ago still verifies.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask_babel import gettext as _

from registry import auditlog
from registry.certificates import token as tokens
from registry.certificates.models import SigningKey
from registry.db import utcnow
from registry.errors import DomainError
from registry.extensions import db
from registry.storage import KEYS, AlreadyStored, NotStored, get_store


def _private_key(kid: str) -> str:
    return f"{KEYS}/qr-{kid}.pem"


def create_key(actor=None) -> SigningKey:
    """Generate a key pair, store the private half, publish the public half, make it active."""
    private = tokens.generate_key()
    kid = tokens.key_id(private.public_key())
    try:
        get_store().put_bytes(_private_key(kid), tokens.private_key_to_pem(private),
                              exclusive=True)
    except AlreadyStored:  # a kid is a hash of the public key: never another key's name
        raise DomainError(f"private key {kid} already stored") from None
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
    if key is not None and get_store().exists(_private_key(key.kid)):
        return key
    return create_key()


def no_signing_key() -> DomainError:
    """Issuing needs a private key this server does not have (none yet, or a restore from a
    backup made without private keys): an administrator creates new keys."""
    return DomainError(_("Il certificato non può essere firmato: su questo server manca la "
                         "chiave di firma. Un amministratore deve creare nuove chiavi con "
                         "«flask --app registry keys init», poi si può riprovare."))


def active_private_key() -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key that sign new tokens."""
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.active.is_(True)))
    if key is None:
        raise no_signing_key()
    try:
        pem = get_store().read(_private_key(key.kid))
    except NotStored:
        raise no_signing_key() from None
    return key.kid, tokens.private_key_from_pem(pem)


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
