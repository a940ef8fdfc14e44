"""The ten verification cases of the certificate issue, each on the verify page, the JSON API
and the offline verifier (which proves authenticity, never current status).

The two certificates are inserted as rows with real signed tokens (tests/rows.py); status
changes go through the lifecycle service, as an officer's would."""

import datetime as dt

import pytest

from registry.certificates import documents, keys, pdfsign
from registry.certificates import token as tokens
from registry.certificates.issuance import claims_of
from registry.certificates.lifecycle import change_status
from registry.certificates.models import Certificate
from registry.certificates.offline import verify_offline
from registry.db import today_in_rome as today
from registry.extensions import db


@pytest.fixture
def world(app, certified_firm):
    """A certificate issued 100 days ago and another one, both with signed tokens."""
    first = certified_firm("Prima S.r.l.", signed=True,
                           valid_from=today() - dt.timedelta(days=100))
    second = certified_firm("Seconda S.r.l.", signed=True)
    with app.app_context():
        return {"number": first.number, "token": first.token, "id": first.certificate_id,
                "other": second.number, "jwks": keys.jwks()}


def page_api_offline(client, jwks, number, token=None, at=None):
    params = {k: v for k, v in (("t", token), ("at", at)) if v}
    page = client.get(f"/v/{number}", query_string=params).get_data(as_text=True)
    page_verdict = page.split('data-verdict="')[1].split('"')[0]
    api = client.get(f"/api/v1/certificates/{number}", query_string=params).get_json()
    api_verdict = api.get("verdict") or api["error"]["code"]
    url = f"http://registry.test/v/{number}" + (f"?t={token}" if token else "")
    return page_verdict, api_verdict, verify_offline(url, jwks).exit_code


def set_status(app, cert_id, action):
    with app.app_context():
        certificate = db.session.get(Certificate, cert_id)
        change_status(certificate, action, None, public_reason="Test")
        db.session.commit()


def test_1_genuine(client, world):
    assert page_api_offline(client, world["jwks"], world["number"], world["token"]) == \
        ("valid", "valid", 0)


def test_2_token_altered_by_one_character(client, world):
    token = world["token"]
    for index in (5, len(token) // 2, len(token) - 2):
        altered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
        page, api, offline = page_api_offline(client, world["jwks"], world["number"], altered)
        assert (page, api) == ("not_authentic", "not_authentic") and offline != 0


def test_3_number_swapped_to_another_real_certificate(client, world):
    assert page_api_offline(client, world["jwks"], world["other"], world["token"]) == \
        ("not_authentic", "not_authentic", 1)


def test_4_token_signed_by_unpublished_key(app, client, world):
    with app.app_context():
        forged = tokens.sign_token(claims_of(db.session.get(Certificate, world["id"])),
                                   tokens.generate_key())
    assert page_api_offline(client, world["jwks"], world["number"], forged) == \
        ("not_authentic", "not_authentic", 1)


@pytest.mark.parametrize("action,verdict", [("suspend", "suspended"), ("withdraw", "withdrawn")])
def test_5_6_suspended_and_withdrawn(app, client, world, action, verdict):
    set_status(app, world["id"], action)
    # Offline, the token is still authentic: the verifier says it cannot prove the status.
    assert page_api_offline(client, world["jwks"], world["number"], world["token"]) == \
        (verdict, verdict, 0)
    result = verify_offline(f"http://registry.test/v/{world['number']}?t={world['token']}",
                            world["jwks"])
    assert any("online" in line or "suspended" in line for line in result.cannot_prove)


def test_7_expired(app, client, world):
    with app.app_context():
        after = (db.session.get(Certificate, world["id"]).valid_until
                 + dt.timedelta(days=1)).isoformat()
    assert page_api_offline(client, world["jwks"], world["number"], world["token"], after) \
        == ("expired", "expired", 0)


def test_8_not_yet_valid(app, client, world):
    with app.app_context():
        before = (db.session.get(Certificate, world["id"]).valid_from
                  - dt.timedelta(days=1)).isoformat()
    assert page_api_offline(client, world["jwks"], world["number"], world["token"], before) \
        == ("not_yet_valid", "not_yet_valid", 0)


def test_9_unknown_number(client, world):
    page, api, offline = page_api_offline(client, world["jwks"], "BB-2019-00077")
    assert (page, api, offline) == ("not_found", "not_found", 2)


def test_10_pdf_with_one_byte_changed(app, client, world):
    data = bytearray(client.get(f"/certificates/{world['number']}.pdf").data)
    with app.app_context():
        root = documents.trust_root()
        assert pdfsign.validate_pdf(bytes(data), root).ok
        data[len(data) // 2] ^= 0x20
        check = pdfsign.validate_pdf(bytes(data), root)
    assert not check.intact and not check.ok
