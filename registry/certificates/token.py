"""The QR token: a compact Ed25519 signature over what a certificate claims.

Version 1 payload, ASCII, fields joined by ``|``:
``v1|<number>|<partita IVA>|<from YYYYMMDD>|<until YYYYMMDD>|<scheme version>|<level>|<kid>``.
The token is base64url (no padding, so nothing needs URL escaping) of the payload followed by
its 64-byte Ed25519 signature: 179 characters for a typical certificate, so the verify URL
fits a QR code of version 11 at level M. Key ids are RFC 7638 JWK thumbprints (SHA-256,
base64url) cut to their first 16 characters (96 bits): short for the QR, too long to collide.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat

from registry.certificates import jws

FORMAT_VERSION = "v1"
KID_LENGTH = 16
SIGNATURE_LENGTH = 64
# Real tokens are under 200 characters; refusing more bounds the work a request can cause.
MAX_TOKEN_LENGTH = 1024

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_FIELD_PATTERNS = {
    # Contract: BB-<year>-<5 digits>, never reused.
    "number": re.compile(r"BB-[0-9]{4}-[0-9]{5}"),
    "vat_number": re.compile(r"[0-9]{11}"),
    "scheme_version": re.compile(r"[0-9A-Za-z._-]{1,16}"),
    "level": re.compile(r"L[0-9]"),
    "kid": re.compile(r"[A-Za-z0-9_-]{1,43}"),
}
_DATE = re.compile(r"[0-9]{8}")


class TokenError(Exception):
    """Base class: the token cannot be accepted."""


class TokenFormatError(TokenError):
    """The token is not well formed (encoding, length, fields, dates)."""


class TokenInvalid(TokenError):
    """The token is well formed but no published key signed it."""


class KeySetError(ValueError):
    """A JWK set or a key file does not have the expected shape."""


@dataclass(frozen=True)
class TokenClaims:
    """What a token asserts about one certificate; every field is signed."""

    number: str
    vat_number: str
    valid_from: date
    valid_until: date
    scheme_version: str
    level: str
    kid: str

    def __post_init__(self) -> None:
        for name, pattern in _FIELD_PATTERNS.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise ValueError(f"{name} {value!r} cannot go into a token")
        for name in ("valid_from", "valid_until"):
            value = getattr(self, name)
            # A datetime is a date subclass but would make claims_match compare times.
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValueError(f"{name} must be a date, not {type(value).__name__}")
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")

    def payload(self) -> bytes:
        """The exact bytes that are signed."""
        # isoformat() always pads the year to four digits, unlike strftime("%Y").
        start, end = (d.isoformat().replace("-", "") for d in (self.valid_from, self.valid_until))
        fields = (FORMAT_VERSION, self.number, self.vat_number, start, end,
                  self.scheme_version, self.level, self.kid)
        return "|".join(fields).encode("ascii")


def _b64encode(data: bytes) -> str:
    return jws.b64encode(data)


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding (one owner: `jws.b64decode`); a token is never empty."""
    if not text:
        raise TokenFormatError("not base64url")
    try:
        return jws.b64decode(text)
    except jws.JwsFormatError as exc:
        raise TokenFormatError(str(exc)) from exc


def sign_token(claims: TokenClaims, private_key: Ed25519PrivateKey) -> str:
    """Sign the claims with the registry's key and return the token for the QR code."""
    payload = claims.payload()
    return _b64encode(payload + private_key.sign(payload))


def split_token(token: str) -> tuple[bytes, bytes]:
    """Unwrap the base64url: (payload bytes, signature); TokenFormatError if unusable."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise TokenFormatError("token missing or longer than 1 KB")
    data = _b64decode(token)
    if len(data) <= SIGNATURE_LENGTH:
        raise TokenFormatError("token too short to carry a signature")
    return data[:-SIGNATURE_LENGTH], data[-SIGNATURE_LENGTH:]


def _parse_date(text: str) -> date:
    try:
        if _DATE.fullmatch(text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        pass  # 20260231 and the like: fall through to the same error
    raise TokenFormatError(f"bad date {text!r}")


def parse_payload(payload: bytes) -> TokenClaims:
    """Read the claims out of a payload; TokenFormatError unless it is exactly what we sign."""
    try:
        fields = payload.decode("ascii").split("|")
    except UnicodeDecodeError as exc:
        raise TokenFormatError("payload is not ASCII") from exc
    if len(fields) != 8:
        raise TokenFormatError(f"payload has {len(fields)} fields, expected 8")
    if fields[0] != FORMAT_VERSION:
        raise TokenFormatError(f"unsupported token version {fields[0][:8]!r}")
    _, number, vat, start, end, version, level, kid = fields
    try:
        claims = TokenClaims(number, vat, _parse_date(start), _parse_date(end), version, level, kid)
    except ValueError as exc:
        raise TokenFormatError(str(exc)) from exc
    # One claim set, one spelling: reject anything we would not have produced ourselves.
    if claims.payload() != payload:
        raise TokenFormatError("payload is not in canonical form")
    return claims


def decode_token(token: str) -> tuple[TokenClaims, bytes, bytes]:
    """Parse a token without checking its signature: (claims, payload bytes, signature)."""
    payload, signature = split_token(token)
    return parse_payload(payload), payload, signature


def verify_token(token: str, public_keys: Mapping[str, Ed25519PublicKey]) -> TokenClaims:
    """The claims, if the key named by the token's kid in `public_keys` signed it.

    TokenFormatError for malformed input; TokenInvalid for an unknown kid or a bad signature.
    """
    claims, payload, signature = decode_token(token)
    key = public_keys.get(claims.kid)
    if key is None:
        raise TokenInvalid(f"unknown key id {claims.kid}")
    try:
        key.verify(signature, payload)
    except InvalidSignature as exc:
        raise TokenInvalid("signature does not verify") from exc
    return claims


def claims_match(claims: TokenClaims, expected: TokenClaims) -> bool:
    """Whether a verified token says exactly what the registry has on record, field by field.

    `expected` is rebuilt from the database (including the kid recorded at issue), so a
    genuine but outdated token, e.g. from before a level change, does not match.
    """
    return claims == expected


def generate_key() -> Ed25519PrivateKey:
    """A new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint of the key, base64url, first KID_LENGTH (16) characters."""
    # RFC 7638: required members only, sorted, no whitespace.
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64encode(_raw_public(public_key))},
        separators=(",", ":"), sort_keys=True,
    )
    return _b64encode(hashlib.sha256(canonical.encode("ascii")).digest())[:KID_LENGTH]


def _iso(moment: datetime) -> str:
    # Naive datetimes are taken as UTC: the registry stores UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def public_jwk(
    public_key: Ed25519PublicKey, kid: str, not_before: datetime, not_after: datetime | None
) -> dict:
    """The key as a JWK for /api/v1/keys, with its validity window in ISO 8601 (UTC)."""
    x = _b64encode(_raw_public(public_key))
    return {
        "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x, "use": "sig",
        "not_before": _iso(not_before), "not_after": _iso(not_after) if not_after else None,
    }


@dataclass(frozen=True)
class PublishedKey:
    """One key from a JWK set, with the window in which the registry used it."""

    kid: str
    public_key: Ed25519PublicKey
    not_before: datetime
    not_after: datetime | None


def _parse_moment(value: object, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise KeySetError(f"{name} {value!r} is not an ISO 8601 date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_jwk(entry: object) -> PublishedKey:
    if not isinstance(entry, dict):
        raise KeySetError("each key must be an object")
    if (entry.get("kty"), entry.get("crv"), entry.get("use", "sig")) != ("OKP", "Ed25519", "sig"):
        raise KeySetError("only OKP/Ed25519 signature keys are supported")
    kid, x = entry.get("kid"), entry.get("x")
    if not isinstance(kid, str) or not _FIELD_PATTERNS["kid"].fullmatch(kid):
        raise KeySetError("missing or malformed kid")
    try:
        raw = _b64decode(x)
        public_key = Ed25519PublicKey.from_public_bytes(raw)
    except (TokenFormatError, TypeError, ValueError) as exc:
        raise KeySetError(f"key {kid}: x is not a base64url Ed25519 public key") from exc
    not_before = _parse_moment(entry.get("not_before"), "not_before")
    not_after = entry.get("not_after")
    not_after = None if not_after is None else _parse_moment(not_after, "not_after")
    if not_after is not None and not_after < not_before:
        raise KeySetError(f"key {kid}: not_after is before not_before")
    return PublishedKey(kid, public_key, not_before, not_after)


def load_jwks_entries(data: object) -> dict[str, PublishedKey]:
    """Every key of a JWK set ``{"keys": [...]}`` with its window; KeySetError if malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise KeySetError('a key set is an object with a "keys" list')
    entries: dict[str, PublishedKey] = {}
    for entry in data["keys"]:
        key = _parse_jwk(entry)
        if key.kid in entries:
            raise KeySetError(f"duplicate kid {key.kid}")
        entries[key.kid] = key
    return entries


def load_jwks(data: object) -> dict[str, Ed25519PublicKey]:
    """The public keys of a JWK set by kid, for verify_token; KeySetError if malformed."""
    return {kid: key.public_key for kid, key in load_jwks_entries(data).items()}


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted when a password is given."""
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if password:
        encryption = serialization.BestAvailableEncryption(password)
    return private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)


def private_key_from_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PEM private key; KeySetError unless it is an Ed25519 key."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise KeySetError(f"unreadable private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeySetError("the private key is not an Ed25519 key")
    return key
