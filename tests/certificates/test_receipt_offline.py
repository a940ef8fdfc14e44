"""Offline check of a verification receipt's compact JWS against a saved JWK set (pure)."""

from datetime import UTC, datetime

import pytest

from registry.certificates import jws
from registry.certificates import token as tokens
from registry.certificates.offline import verify_any_offline, verify_receipt_offline

ISSUED = "2026-11-29T03:00:00Z"
STATEMENT = {"type": "bollino-blu/verification-receipt", "version": 1,
             "id": "R-ABCDEFGHIJKLMNOPQRSTUVWX", "kind": "single", "issued_at": ISSUED,
             "url": "https://registro.example/receipts/R-ABCDEFGHIJKLMNOPQRSTUVWX",
             "items": [{"row": 1, "query": "BB-2026-00001", "verdict": "valid",
                        "firm": {"id": 1, "name": "Prova S.r.l.", "vat_number": "01234567897"},
                        "certificate": {"number": "BB-2026-00001", "level": "L2",
                                        "valid_from": "2026-01-01", "valid_until": "2028-12-31",
                                        "scheme": {"code": "bb", "version": "1.0"}},
                        "error": None}]}


@pytest.fixture
def key():
    private = tokens.generate_key()
    return tokens.key_id(private.public_key()), private


def jwks_for(key, not_after=None):
    kid, private = key
    return {"keys": [tokens.public_jwk(private.public_key(), kid,
                                       datetime(2026, 1, 1, tzinfo=UTC), not_after)]}


def sign(key, statement=STATEMENT):
    kid, private = key
    return jws.sign(jws.canonical_json(statement), kid, private)


def test_genuine_receipt_is_authentic_and_says_what_it_proves(key):
    result = verify_any_offline(sign(key), jwks_for(key))
    assert result.exit_code == 0
    text = result.as_text()
    assert "R-ABCDEFGHIJKLMNOPQRSTUVWX" in text and "Prova S.r.l." in text
    assert "what the register answers today" in text


def test_key_retired_before_the_receipt_was_issued(key):
    retired = jwks_for(key, datetime(2026, 6, 1, tzinfo=UTC))
    assert verify_receipt_offline(sign(key), retired).exit_code == 1


def test_unknown_key_and_other_content(key):
    other = (tokens.key_id(tokens.generate_key().public_key()), tokens.generate_key())
    assert verify_receipt_offline(sign(key), jwks_for(other)).exit_code == 1
    not_a_receipt = sign(key, {"type": "something else", "items": []})
    assert verify_receipt_offline(not_a_receipt, jwks_for(key)).exit_code == 1


@pytest.mark.parametrize("garbage", ["a.b.c", "...", "x" * 10, "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_is_unusable(key, garbage):
    assert verify_any_offline(garbage, jwks_for(key)).exit_code == 2


def test_alg_none_is_refused(key):
    genuine = sign(key).split(".")
    header = jws.b64encode(jws.canonical_json({"alg": "none", "cty": jws.CONTENT_TYPE,
                                               "kid": key[0]}))
    assert verify_receipt_offline(f"{header}.{genuine[1]}.{genuine[2]}",
                                  jwks_for(key)).exit_code == 2
