"""Compact JWS (RFC 7515) with EdDSA / Ed25519 (RFC 8037), for verification receipts.

The receipt's JSON is the payload, signed with the same Ed25519 keys as the QR tokens (the
ones published at /api/v1/keys), so anyone can check a receipt offline with the JWK set.
The header names the key (`kid`) and says what the payload is (`cty`). Pure: no Flask, no
database; only the algorithm we sign with (EdDSA) is accepted, never "none" or another one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CONTENT_TYPE = "bollino-blu-receipt+json"
# A bulk receipt of 1,000 rows is about 400 KB; more is not something the registry signed.
MAX_LENGTH = 2 * 1024 * 1024
_PART = re.compile(r"[A-Za-z0-9_-]*")


class JwsError(Exception):
    """The JWS cannot be accepted."""


class JwsFormatError(JwsError):
    """Not a compact JWS of the registry's shape."""


class JwsInvalid(JwsError):
    """Well formed, but no key of the set signed it."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    if not _PART.fullmatch(text) or len(text) % 4 == 1:
        raise JwsFormatError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwsFormatError("not base64url") from exc
    # Unused bits in the last character would let an altered string decode to the same bytes.
    if b64encode(data) != text:
        raise JwsFormatError("non-canonical base64url")
    return data


def canonical_json(data: object) -> bytes:
    """The one spelling of `data` that is signed and hashed (sorted keys, no spaces, UTF-8)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: bytes, kid: str, private_key: Ed25519PrivateKey) -> str:
    """`<header>.<payload>.<signature>`, each base64url without padding."""
    header = canonical_json({"alg": "EdDSA", "cty": CONTENT_TYPE, "kid": kid})
    signing_input = f"{b64encode(header)}.{b64encode(payload)}"
    return f"{signing_input}.{b64encode(private_key.sign(signing_input.encode('ascii')))}"


def looks_like_jws(text: str) -> bool:
    """Three base64url parts separated by dots (a QR token or a URL has none or other)."""
    parts = text.strip().split(".")
    return len(parts) == 3 and all(_PART.fullmatch(p) for p in parts)


def decode(jws: str) -> tuple[dict, bytes, bytes, bytes]:
    """(header, payload, signature, signing input) without checking the signature."""
    if not isinstance(jws, str) or len(jws) > MAX_LENGTH:
        raise JwsFormatError("missing or longer than 2 MB")
    parts = jws.strip().split(".")
    if len(parts) != 3:
        raise JwsFormatError("a compact JWS has three parts")
    try:
        header = json.loads(b64decode(parts[0]))
    except ValueError as exc:
        raise JwsFormatError("the header is not JSON") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" \
            or not isinstance(header.get("kid"), str) or header.get("cty") != CONTENT_TYPE:
        raise JwsFormatError("not a registry receipt (alg EdDSA, a kid, cty receipt)")
    if set(header) - {"alg", "cty", "kid"}:
        raise JwsFormatError("unexpected header fields")  # e.g. "crit", "b64"
    signature = b64decode(parts[2])
    if len(signature) != 64:
        raise JwsFormatError("an Ed25519 signature has 64 bytes")
    return header, b64decode(parts[1]), signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def verify(jws: str, public_keys: Mapping[str, Ed25519PublicKey]) -> tuple[str, bytes]:
    """(kid, payload) if the key named in the header signed it; JwsFormatError or JwsInvalid."""
    header, payload, signature, signing_input = decode(jws)
    key = public_keys.get(header["kid"])
    if key is None:
        raise JwsInvalid(f"unknown key id {header['kid']}")
    try:
        key.verify(signature, signing_input)
    except InvalidSignature as exc:
        raise JwsInvalid("signature does not verify") from exc
    return header["kid"], payload
