"""Checking a certificate's QR token (or a verification receipt) offline, with a saved copy
of /api/v1/keys.

Rule: a token is authentic iff its Ed25519 signature verifies with a key of the supplied set
whose publication window covers the token's `valid_from`, and, for a URL, the number in the
address is the number in the token. The window check is only against `not_after` (the key
was not yet retired when the certificate's validity began): certificates loaded from before
the register existed, or re-signed with a new key after a rotation, legitimately carry a
`valid_from` earlier than their key's `not_before`. A token cannot prove the certificate's
current status; the verdict says so in plain words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature

from registry.certificates import jws as jws_format
from registry.certificates.token import (
    FORMAT_VERSION,
    KeySetError,
    TokenClaims,
    TokenFormatError,
    load_jwks_entries,
    parse_payload,
    split_token,
)

AUTHENTIC, NOT_AUTHENTIC, UNUSABLE = 0, 1, 2
_VERIFY_PATH = re.compile(r"(?:.*/)?v/([^/]+)/?")


@dataclass(frozen=True)
class OfflineVerdict:
    """The answer of an offline check, with what it proves and what it cannot."""

    authentic: bool
    usable_input: bool
    claims: TokenClaims | None = None
    kid: str | None = None
    key_not_before: datetime | None = None
    key_not_after: datetime | None = None
    reason: str = ""
    proves: list[str] = field(default_factory=list)
    cannot_prove: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 authentic, 1 not authentic, 2 unusable input (as the `verify` command exits)."""
        if not self.usable_input:
            return UNUSABLE
        return AUTHENTIC if self.authentic else NOT_AUTHENTIC

    def as_text(self) -> str:
        """The verdict as the CLI prints it."""
        heading = {AUTHENTIC: "AUTHENTIC", NOT_AUTHENTIC: "NOT AUTHENTIC",
                   UNUSABLE: "UNUSABLE INPUT"}[self.exit_code]
        lines = [f"{heading}: {self.reason}" if self.reason else heading]
        lines += ["", "This proves:", *(f"  - {p}" for p in self.proves)] if self.proves else []
        if self.cannot_prove:
            lines += ["", "This cannot prove:", *(f"  - {c}" for c in self.cannot_prove)]
        return "\n".join(lines)


def _split_input(text: str) -> tuple[str, str | None, str | None]:
    """(token, number from the path or None, address to check online or None).

    Raises TokenFormatError when a URL is not a verify address with exactly one token.
    """
    text = text.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return text, None, None
    parts = urlsplit(text)
    match = _VERIFY_PATH.fullmatch(parts.path)
    tokens = parse_qs(parts.query).get("t", [])
    if not match or len(tokens) != 1:
        raise TokenFormatError("not a verify address <base>/v/<number>?t=<token>")
    online = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else None
    return tokens[0], unquote(match.group(1)), online


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "no end date"


def _not_authentic(reason: str, claims: TokenClaims | None = None) -> OfflineVerdict:
    return OfflineVerdict(
        authentic=False, usable_input=True, kid=claims.kid if claims else None, reason=reason,
        cannot_prove=[
            "anything about this certificate: no published registry key vouches for this "
            "token, so its content may be forged or altered"
            + (f" (it claims certificate {claims.number})" if claims else "")
        ],
    )


def verify_offline(url_or_token: str, jwks: dict, today: date | None = None) -> OfflineVerdict:
    """Check a verify URL (``<base>/v/<number>?t=<token>``) or a bare token against a JWK set."""
    today = today or date.today()
    try:
        keys = load_jwks_entries(jwks)
    except KeySetError as exc:
        return OfflineVerdict(False, False, reason=f"the key set is unreadable: {exc}")
    try:
        token, path_number, online = _split_input(url_or_token)
        payload, signature = split_token(token)
    except TokenFormatError as exc:
        return OfflineVerdict(False, False, reason=f"no token could be read: {exc}")
    try:
        claims = parse_payload(payload)
    except TokenFormatError as exc:
        version = payload.split(b"|", 1)[0]
        if re.fullmatch(rb"v[0-9]{1,3}", version) and version != FORMAT_VERSION.encode():
            # A later format this tool cannot read: no verdict rather than a wrong one.
            return OfflineVerdict(False, False, reason=f"token format {version.decode()} is "
                                  "newer than this tool: update it")
        # The registry signs only payloads it can parse: a malformed one was never signed.
        return _not_authentic(f"the token's content is not in the registry's format ({exc})")
    key = keys.get(claims.kid)
    if key is None:
        return _not_authentic(f"key {claims.kid} is not in the key set", claims)
    try:
        key.public_key.verify(signature, payload)
    except InvalidSignature:
        return _not_authentic("the signature does not match the token's content", claims)
    if key.not_after is not None and claims.valid_from > key.not_after.date():
        return _not_authentic(
            f"key {claims.kid} was retired on {_day(key.not_after)}, before the certificate's "
            f"validity began on {claims.valid_from.isoformat()}", claims)
    if path_number is not None and path_number != claims.number:
        return _not_authentic(
            f"the address names {path_number} but the token was signed for {claims.number}",
            claims)
    return OfflineVerdict(
        authentic=True, usable_input=True, claims=claims, kid=claims.kid,
        key_not_before=key.not_before, key_not_after=key.not_after,
        reason=f"signed by the registry's key {claims.kid}",
        proves=_proves(claims, key.not_before, key.not_after, path_number, today),
        cannot_prove=_cannot_prove(claims, online),
    )


def _proves(claims: TokenClaims, not_before: datetime, not_after: datetime | None,
            path_number: str | None, today: date) -> list[str]:
    start, end = claims.valid_from.isoformat(), claims.valid_until.isoformat()
    proves = [
        f"the registry's key {claims.kid} signed: certificate {claims.number}, partita IVA "
        f"{claims.vat_number}, valid {start} to {end}, scheme {claims.scheme_version}, "
        f"level {claims.level}",
        f"key {claims.kid} is in the key set you supplied, published from {_day(not_before)} "
        f"until {_day(not_after)}",
    ]
    if path_number is not None:
        proves.append(f"the address and the token name the same certificate ({claims.number})")
    if today < claims.valid_from:
        proves.append(f"today ({today.isoformat()}) is before the signed validity ({start}): "
                      "the certificate is not yet valid")
    elif today > claims.valid_until:
        proves.append(f"today ({today.isoformat()}) is after the signed end date ({end}): "
                      "the certificate has expired")
    else:
        proves.append(f"today ({today.isoformat()}) falls within the signed validity dates")
    return proves


def _cannot_prove(claims: TokenClaims, online: str | None) -> list[str]:
    where = online or f"the registry's verification page /v/{claims.number}"
    return [
        "whether the certificate is still valid today: it may have been suspended, withdrawn "
        f"or superseded — check {where} online",
        "the firm's name, operating sites and area results: they are not in the token; the "
        "verification page shows them",
        "that the firm showing you this code is the firm certified: a QR code can be copied; "
        f"compare the partita IVA {claims.vat_number} with the firm's",
        "that the key set itself is the registry's: take it from /api/v1/keys over HTTPS",
    ]


# Verification receipts ----------------------------------------------------------------------

RECEIPT_TYPE = "bollino-blu/verification-receipt"
_RECEIPT_ID = re.compile(r"R-[A-Z2-7]{24}")


def _receipt_claims(payload: bytes) -> dict:
    """The receipt's statement, if it has the registry's shape; TokenFormatError if not."""
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise TokenFormatError("the receipt is not JSON") from exc
    if not isinstance(data, dict) or data.get("type") != RECEIPT_TYPE:
        raise TokenFormatError("not a verification receipt")
    if data.get("version") != 1:
        raise TokenFormatError(f"receipt version {data.get('version')!r} is newer than this tool")
    if not _RECEIPT_ID.fullmatch(str(data.get("id"))) or not isinstance(data.get("items"), list):
        raise TokenFormatError("the receipt has no id or no items")
    try:
        data["issued"] = datetime.fromisoformat(str(data.get("issued_at")).replace("Z", "+00:00"))
    except ValueError as exc:
        raise TokenFormatError("the receipt has no issue time") from exc
    return data


def _item_text(item: dict) -> str:
    cert, firm, error = item.get("certificate"), item.get("firm"), item.get("error")
    head = f"row {item.get('row')} ({item.get('query')!s:.40}): "
    if error and not item.get("verdict"):
        return head + f"not checked ({error.get('code')})"
    if not cert:
        return head + f"{item.get('verdict')}, no certificate in the register"
    return head + (f"{item.get('verdict')} — certificate {cert.get('number')}, "
                   f"{firm.get('name') if firm else ''} (partita IVA "
                   f"{firm.get('vat_number') if firm else ''}), level {cert.get('level')}, "
                   f"valid {cert.get('valid_from')} to {cert.get('valid_until')}, scheme "
                   f"{(cert.get('scheme') or {}).get('version')}")


def verify_receipt_offline(text: str, jwks: dict) -> OfflineVerdict:
    """Check a receipt's compact JWS against a JWK set: authentic iff a key of the set, not
    retired before the receipt was issued, signed exactly this statement."""
    try:
        keys = load_jwks_entries(jwks)
    except KeySetError as exc:
        return OfflineVerdict(False, False, reason=f"the key set is unreadable: {exc}")
    try:
        header, payload, signature, signing_input = jws_format.decode(text)
    except jws_format.JwsFormatError as exc:
        return OfflineVerdict(False, False, reason=f"no receipt could be read: {exc}")
    key = keys.get(header["kid"])
    if key is None:
        return _not_authentic_receipt(f"key {header['kid']} is not in the key set")
    try:
        key.public_key.verify(signature, signing_input)
    except InvalidSignature:
        return _not_authentic_receipt("the signature does not match the receipt's content")
    try:
        data = _receipt_claims(payload)
    except TokenFormatError as exc:
        return _not_authentic_receipt(f"the signed content is not a receipt ({exc})")
    if key.not_after is not None and data["issued"] > key.not_after:
        return _not_authentic_receipt(f"key {key.kid} was retired on {_day(key.not_after)}, "
                                      f"before the receipt was issued")
    items = data["items"]
    return OfflineVerdict(
        authentic=True, usable_input=True, kid=key.kid, key_not_before=key.not_before,
        key_not_after=key.not_after,
        reason=f"receipt {data['id']} signed by the registry's key {key.kid}",
        proves=[f"the registry issued receipt {data['id']} ({data.get('kind')} check) on "
                f"{data.get('issued_at')} and answered, for {len(items)} value(s):",
                *(_item_text(item) for item in items[:50]),
                *([f"… and {len(items) - 50} more rows"] if len(items) > 50 else []),
                f"key {key.kid} is in the key set you supplied"],
        cannot_prove=[
            "what the register answers today: a suspension or withdrawal after "
            f"{data.get('issued_at')} is not in the receipt — open {data.get('url')}",
            "that the key set itself is the registry's: take it from /api/v1/keys over HTTPS"])


def _not_authentic_receipt(reason: str) -> OfflineVerdict:
    return OfflineVerdict(
        authentic=False, usable_input=True, reason=reason,
        cannot_prove=["anything: no published registry key vouches for this receipt, so its "
                      "content may be forged or altered"])


def verify_any_offline(text: str, jwks: dict, today: date | None = None) -> OfflineVerdict:
    """A receipt (compact JWS) or a QR token / verify URL, whichever `text` is."""
    if jws_format.looks_like_jws(text):
        return verify_receipt_offline(text.strip(), jwks)
    return verify_offline(text, jwks, today)
