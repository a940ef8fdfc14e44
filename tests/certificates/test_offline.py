"""Offline verification of a QR URL or token against a saved JWK set."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, date, datetime

import pytest

from registry.certificates.offline import verify_offline
from registry.certificates.token import (
    TokenClaims,
    generate_key,
    key_id,
    public_jwk,
    sign_token,
)

BASE_URL = "https://registro.bollinoblu.it"
PUBLISHED_ON = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def claims(key):
    return TokenClaims(number="BB-2026-00042", vat_number="01234567897",
                       valid_from=date(2026, 3, 1), valid_until=date(2029, 2, 28),
                       scheme_version="1.0", level="L2", kid=key_id(key.public_key()))


@pytest.fixture(scope="module")
def token(claims, key):
    return sign_token(claims, key)


@pytest.fixture(scope="module")
def jwks(key, claims):
    return {"keys": [public_jwk(key.public_key(), claims.kid, PUBLISHED_ON, None)]}


def url_for(number: str, token: str) -> str:
    return f"{BASE_URL}/v/{number}?t={token}"


def test_genuine_url_is_authentic(token, jwks, claims):
    verdict = verify_offline(url_for("BB-2026-00042", token), jwks, today=date(2026, 6, 1))
    assert verdict.exit_code == 0
    assert verdict.authentic and verdict.usable_input
    assert verdict.claims == claims
    assert verdict.kid == claims.kid
    assert verdict.key_not_before == PUBLISHED_ON and verdict.key_not_after is None
    assert verdict.proves[0] == (
        f"the registry's key {claims.kid} signed: certificate BB-2026-00042, partita IVA "
        "01234567897, valid 2026-03-01 to 2029-02-28, scheme 1.0, level L2")
    assert any("falls within the signed validity dates" in p for p in verdict.proves)
    still_valid = verdict.cannot_prove[0]
    assert "suspended, withdrawn or superseded" in still_valid
    assert f"{BASE_URL}/v/BB-2026-00042" in still_valid
    text = verdict.as_text()
    assert text.startswith("AUTHENTIC") and "This cannot prove:" in text


def test_bare_token_is_authentic(token, jwks):
    verdict = verify_offline(f"  {token}\n", jwks, today=date(2026, 6, 1))
    assert verdict.exit_code == 0
    assert "/v/BB-2026-00042" in verdict.cannot_prove[0]


@pytest.mark.parametrize("today, words", [
    (date(2026, 2, 1), "not yet valid"),
    (date(2029, 3, 1), "has expired"),
])
def test_signed_dates_are_compared_with_today(token, jwks, today, words):
    verdict = verify_offline(token, jwks, today=today)
    assert verdict.exit_code == 0
    assert any(words in p for p in verdict.proves)


@pytest.mark.parametrize("index", [10, 100, 150])
def test_altered_token_is_not_authentic(token, jwks, index):
    altered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
    verdict = verify_offline(url_for("BB-2026-00042", altered), jwks)
    assert verdict.exit_code == 1
    assert not verdict.authentic and verdict.claims is None
    assert not verdict.proves


def test_number_in_path_must_match_the_token(token, jwks):
    verdict = verify_offline(url_for("BB-2026-00043", token), jwks)
    assert verdict.exit_code == 1
    assert "BB-2026-00043" in verdict.reason


def test_token_signed_by_an_unpublished_key(claims, jwks):
    rogue = generate_key()
    forged = dataclasses.replace(claims, kid=key_id(rogue.public_key()))
    assert verify_offline(sign_token(forged, rogue), jwks).exit_code == 1
    # Even claiming the published kid does not help.
    assert verify_offline(sign_token(claims, rogue), jwks).exit_code == 1


def test_key_retired_before_the_validity_began(key, claims, token):
    retired = {"keys": [public_jwk(key.public_key(), claims.kid, PUBLISHED_ON,
                                   datetime(2026, 2, 1, tzinfo=UTC))]}
    verdict = verify_offline(token, retired)
    assert verdict.exit_code == 1
    assert "retired" in verdict.reason


def test_key_published_after_valid_from_still_vouches(key, claims, token):
    # Certificates re-signed after a key rotation keep their original valid_from.
    later = {"keys": [public_jwk(key.public_key(), claims.kid,
                                 datetime(2027, 5, 1, tzinfo=UTC), None)]}
    assert verify_offline(token, later).exit_code == 0


def test_malformed_payload_with_valid_encoding_is_not_authentic(jwks):
    payload = b"v1|BB-2026-00042|0123|20260101|20281231|1.0|L2|kid"
    token = base64.urlsafe_b64encode(payload + b"\0" * 64).rstrip(b"=").decode()
    assert verify_offline(token, jwks).exit_code == 1


def test_newer_token_format_is_unusable_not_forged(jwks):
    payload = b"v2|something|new"
    token = base64.urlsafe_b64encode(payload + b"\0" * 64).rstrip(b"=").decode()
    verdict = verify_offline(token, jwks)
    assert verdict.exit_code == 2
    assert "update" in verdict.reason


@pytest.mark.parametrize("garbage", [
    "",
    "hello world",
    "abcde",
    "https://registro.bollinoblu.it/",
    "https://registro.bollinoblu.it/v/BB-2026-00042",
    "https://registro.bollinoblu.it/v/BB-2026-00042?t=",
    "https://registro.bollinoblu.it/v/BB-2026-00042?t=a&t=b",
    "https://registro.bollinoblu.it/v/BB-2026-00042?t=%%%",
    "A" * 2000,
])
def test_garbage_input_is_unusable(garbage, jwks):
    verdict = verify_offline(garbage, jwks)
    assert verdict.exit_code == 2
    assert not verdict.usable_input and not verdict.authentic
    assert verdict.as_text().startswith("UNUSABLE INPUT")


@pytest.mark.parametrize("bad_jwks", [
    None, [], {}, {"keys": None}, {"keys": [{"kty": "OKP"}]},
    {"keys": [{"kty": "RSA", "kid": "x", "n": "AQAB", "e": "AQAB"}]},
])
def test_bad_key_set_is_unusable(token, bad_jwks):
    verdict = verify_offline(token, bad_jwks)
    assert verdict.exit_code == 2
    assert "key set" in verdict.reason
