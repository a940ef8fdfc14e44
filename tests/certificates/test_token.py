"""The QR token: signing, strict decoding, tamper resistance, key sets."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from registry.certificates.qr import qr_matrix
from registry.certificates.token import (
    KeySetError,
    TokenClaims,
    TokenFormatError,
    TokenInvalid,
    claims_match,
    decode_token,
    generate_key,
    key_id,
    load_jwks,
    load_jwks_entries,
    private_key_from_pem,
    private_key_to_pem,
    public_jwk,
    sign_token,
    verify_token,
)

BASE_URL = "https://registro.bollinoblu.it"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def kid(key):
    return key_id(key.public_key())


@pytest.fixture(scope="module")
def claims(kid):
    return TokenClaims(number="BB-2026-00042", vat_number="01234567897",
                       valid_from=date(2026, 1, 1), valid_until=date(2028, 12, 31),
                       scheme_version="1.0", level="L2", kid=kid)


@pytest.fixture(scope="module")
def token(claims, key):
    return sign_token(claims, key)


@pytest.fixture(scope="module")
def keyset(kid, key):
    return {kid: key.public_key()}


def _wrap(payload: bytes, signature: bytes = b"\0" * 64) -> str:
    return base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode()


def test_round_trip(token, claims, keyset):
    assert verify_token(token, keyset) == claims
    decoded, payload, signature = decode_token(token)
    assert decoded == claims
    assert payload == claims.payload()
    assert payload.startswith(b"v1|BB-2026-00042|01234567897|20260101|20281231|1.0|L2|")
    assert len(signature) == 64


def test_token_needs_no_url_escaping(token):
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert quote(token, safe="") == token


def test_full_url_fits_a_small_qr_code(token):
    url = f"{BASE_URL}/v/BB-2026-00042?t={token}"
    version = (len(qr_matrix(url)) - 17) // 4
    assert version <= 11, (len(url), version)


@given(position=st.integers(min_value=0), replacement=st.sampled_from(B64URL + "=+/.~ %é"))
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_one_character_altered_anywhere_never_verifies(token, keyset, position, replacement):
    position %= len(token)
    assume(token[position] != replacement)
    altered = token[:position] + replacement + token[position + 1:]
    with pytest.raises((TokenInvalid, TokenFormatError)):
        verify_token(altered, keyset)


@pytest.mark.parametrize("position", [0, 50, 100, -2, -1])
def test_altered_characters_at_the_edges(token, keyset, position):
    # Explicit cases, including the last character whose low bits base64 leaves unused.
    index = position % len(token)
    for replacement in B64URL:
        if replacement != token[index]:
            altered = token[:index] + replacement + token[index + 1:]
            with pytest.raises((TokenInvalid, TokenFormatError)):
                verify_token(altered, keyset)


@given(
    number=st.from_regex(r"BB-20[2-9][0-9]-[0-9]{5}", fullmatch=True),
    vat=st.from_regex(r"[0-9]{11}", fullmatch=True),
    start=st.dates(min_value=date(1, 1, 1), max_value=date(9000, 1, 1)),
    days=st.integers(min_value=0, max_value=4000),
    version=st.from_regex(r"[0-9A-Za-z._-]{1,16}", fullmatch=True),
    level=st.sampled_from(["L1", "L2", "L3"]),
)
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_valid_claims_round_trip(key, kid, keyset, number, vat, start, days, version, level):
    end = date.fromordinal(start.toordinal() + days)
    claims = TokenClaims(number, vat, start, end, version, level, kid)
    assert verify_token(sign_token(claims, key), keyset) == claims


def test_signature_by_an_unknown_key_is_invalid(claims, keyset):
    impostor = generate_key()
    # Same kid as the registry's key: the signature itself must fail.
    with pytest.raises(TokenInvalid, match="signature"):
        verify_token(sign_token(claims, impostor), keyset)
    # Its own kid: not in the published set.
    own = dataclasses.replace(claims, kid=key_id(impostor.public_key()))
    with pytest.raises(TokenInvalid, match="unknown key"):
        verify_token(sign_token(own, impostor), keyset)


@pytest.mark.parametrize("name, value", [
    ("number", "BB-2026-00043"),
    ("vat_number", "01234567898"),
    ("valid_from", date(2026, 1, 2)),
    ("valid_until", date(2029, 12, 31)),
    ("scheme_version", "1.1"),
    ("level", "L3"),
    ("kid", "AAAAAAAAAAAAAAAA"),
])
def test_claims_match_detects_each_field(claims, name, value):
    assert claims_match(claims, dataclasses.replace(claims))
    assert not claims_match(claims, dataclasses.replace(claims, **{name: value}))


@pytest.mark.parametrize("bad", [
    {"number": "BB-26-42"}, {"vat_number": "IT01234567897"}, {"level": "gold"},
    {"scheme_version": "1|0"}, {"valid_until": date(2025, 1, 1)},
    {"valid_from": datetime(2026, 1, 1, tzinfo=UTC)}, {"kid": ""},
])
def test_claims_that_cannot_be_signed_are_refused(claims, bad):
    with pytest.raises(ValueError):
        dataclasses.replace(claims, **bad)


@pytest.mark.parametrize("token", [
    "",
    "A" * 1025,
    "not base64!",
    "abcde",  # impossible length for base64
    _wrap(b"v1|BB-2026-00042"),  # too few fields
    _wrap(b"v1|BB-2026-00042|01234567897|20260101|20281231|1.0|L2|kid|extra"),
    _wrap(b"v1|BB-2026-00042|01234567897|20260231|20281231|1.0|L2|kid"),  # 31 February
    _wrap(b"v1|BB-2026-00042|01234567897|2026-1-1|20281231|1.0|L2|kid"),
    _wrap(b"v2|BB-2026-00042|01234567897|20260101|20281231|1.0|L2|kid"),
    _wrap(b"v1|BB-2026-00042|0123456789\xc3|20260101|20281231|1.0|L2|kid"),
    _wrap(b"", b"\0" * 64),  # a signature and nothing signed
], ids=["empty", "too-long", "bad-chars", "bad-length", "few-fields", "many-fields",
        "impossible-date", "bad-date", "unknown-version", "not-ascii", "empty-payload"])
def test_malformed_tokens_raise_format_error(token, keyset):
    with pytest.raises(TokenFormatError):
        decode_token(token)
    with pytest.raises(TokenFormatError):
        verify_token(token, keyset)


def test_key_id_is_the_rfc7638_thumbprint():
    # RFC 8037, appendix A.3: the thumbprint of the example Ed25519 key.
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "="))
    assert key_id(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"[:16]


def test_jwk_round_trip(key, kid, token, claims):
    not_before = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    jwk = public_jwk(key.public_key(), kid, not_before, None)
    assert jwk == {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": jwk["x"], "use": "sig",
                   "not_before": "2026-01-01T09:30:00Z", "not_after": None}
    published = json.loads(json.dumps({"keys": [jwk]}))
    assert verify_token(token, load_jwks(published)) == claims
    entry = load_jwks_entries(published)[kid]
    assert entry.not_before == not_before and entry.not_after is None
    retired = public_jwk(key.public_key(), kid, not_before, datetime(2027, 1, 1))
    assert load_jwks_entries({"keys": [retired]})[kid].not_after == datetime(2027, 1, 1,
                                                                             tzinfo=UTC)


@pytest.mark.parametrize("mutate", [
    lambda jwk: None,
    lambda jwk: {"keys": "nope"},
    lambda jwk: {"keys": [jwk, jwk]},
    lambda jwk: {"keys": ["a string"]},
    lambda jwk: {"keys": [{**jwk, "kty": "RSA"}]},
    lambda jwk: {"keys": [{**jwk, "crv": "X25519"}]},
    lambda jwk: {"keys": [{**jwk, "use": "enc"}]},
    lambda jwk: {"keys": [{k: v for k, v in jwk.items() if k != "kid"}]},
    lambda jwk: {"keys": [{**jwk, "x": jwk["x"][:-4]}]},
    lambda jwk: {"keys": [{**jwk, "x": 42}]},
    lambda jwk: {"keys": [{**jwk, "not_before": "yesterday"}]},
    lambda jwk: {"keys": [{k: v for k, v in jwk.items() if k != "not_before"}]},
    lambda jwk: {"keys": [{**jwk, "not_after": "2020-01-01T00:00:00Z"}]},
], ids=["none", "keys-not-list", "duplicate-kid", "entry-not-object", "rsa", "x25519",
        "encryption-key", "no-kid", "short-x", "x-not-string", "bad-date", "no-not-before",
        "ends-before-start"])
def test_load_jwks_rejects_malformed_sets(key, kid, mutate):
    jwk = public_jwk(key.public_key(), kid, datetime(2026, 1, 1, tzinfo=UTC), None)
    with pytest.raises(KeySetError):
        load_jwks(mutate(jwk))


def test_private_key_pem_round_trip(key):
    assert private_key_from_pem(private_key_to_pem(key)).private_bytes_raw() == \
        key.private_bytes_raw()
    encrypted = private_key_to_pem(key, password=b"segreto")
    assert b"ENCRYPTED" in encrypted
    assert private_key_from_pem(encrypted, b"segreto").private_bytes_raw() == \
        key.private_bytes_raw()
    with pytest.raises(KeySetError):
        private_key_from_pem(encrypted, b"sbagliato")


def test_private_key_pem_must_be_ed25519():
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(KeySetError, match="Ed25519"):
        private_key_from_pem(other)
    with pytest.raises(KeySetError):
        private_key_from_pem(b"not a key")
