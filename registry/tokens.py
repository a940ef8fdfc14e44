"""Signed, time-limited links (password reset, email confirmation, invitations).

A token carries a fingerprint of the state it is meant to change: a reset link names the
current password hash, so once the password changes the same link is refused (single use).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenExpired(Exception):
    """The link is authentic but too old."""


class TokenInvalid(Exception):
    """The link was altered, belongs to another purpose, or has already been used."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"registry-{purpose}")


def fingerprint(value: str) -> str:
    """A short, non-reversible digest of a piece of state."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_token(purpose: str, subject_id: int, state: str) -> str:
    """A URL-safe token for `purpose` about `subject_id`, valid while `state` is unchanged."""
    return _serializer(purpose).dumps({"id": subject_id, "fp": fingerprint(state)})


def read_token(purpose: str, token: str, max_age: int) -> tuple[int, str]:
    """Return (subject id, state fingerprint) or raise TokenExpired / TokenInvalid."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(data, dict) or "id" not in data or "fp" not in data:
        raise TokenInvalid
    return int(data["id"]), str(data["fp"])


def state_matches(fp: str, state: str) -> bool:
    return hmac.compare_digest(fp, fingerprint(state))
