"""The verify page and the certificate API: every verdict, on the page and in JSON.

The certificates are inserted as rows with real signed tokens (tests/rows.py): these tests
read them. How a certificate is issued and numbered is tested with the workflow
(tests/public/test_issuance_atomic.py)."""

import datetime as dt

import pytest

from registry.accounts.models import User
from registry.certificates import keys, lifecycle
from registry.certificates import token as tokens
from registry.certificates.issuance import claims_of
from registry.certificates.models import Certificate, StatusChange
from registry.db import today_in_rome
from registry.extensions import db
from tests import factories


@pytest.fixture
def certified(certified_firm):
    """Two certified firms with signed tokens (the first issued 100 days ago); their
    (number, token, id)."""
    first = certified_firm("Prima S.r.l.", signed=True,
                           valid_from=today_in_rome() - dt.timedelta(days=100))
    second = certified_firm("Seconda S.r.l.", signed=True)
    return ((first.number, first.token, first.certificate_id),
            (second.number, second.token, second.certificate_id))


def verdict_of(client, number, **params):
    page = client.get(f"/v/{number}", query_string=params)
    api = client.get(f"/api/v1/certificates/{number}", query_string=params)
    marker = page.get_data(as_text=True).split('data-verdict="')[1].split('"')[0]
    api_verdict = api.get_json()["verdict"] if api.status_code == 200 else \
        api.get_json()["error"]["code"]
    return marker, api_verdict


def test_genuine(client, certified):
    (number, token, _), _ = certified
    assert verdict_of(client, number, t=token) == ("valid", "valid")
    assert verdict_of(client, number) == ("valid", "valid")


def test_token_altered_by_one_character(client, certified):
    (number, token, _), _ = certified
    index = len(token) // 2
    altered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
    assert verdict_of(client, number, t=altered) == ("not_authentic", "not_authentic")


def test_number_swapped_to_another_real_certificate(client, certified):
    (_number, token, _), (other_number, _other_token, _) = certified
    assert verdict_of(client, other_number, t=token) == ("not_authentic", "not_authentic")


def test_token_signed_by_unpublished_key(app, client, certified):
    (number, _token, cert_id), _ = certified
    with app.app_context():

        claims = claims_of(db.session.get(Certificate, cert_id))
        forged = tokens.sign_token(claims, tokens.generate_key())
    assert verdict_of(client, number, t=forged) == ("not_authentic", "not_authentic")


@pytest.mark.parametrize("status,expected", [("suspended", "suspended"),
                                             ("withdrawn", "withdrawn")])
def test_status_changes(app, client, certified, status, expected):
    (number, token, cert_id), _ = certified
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        cert.status = status
        db.session.add(StatusChange(certificate=cert, status=status,
                                    effective_on=today_in_rome(), public_reason="Verifica"))
        db.session.commit()
    assert verdict_of(client, number, t=token) == (expected, expected)
    yesterday = (today_in_rome() - dt.timedelta(days=1)).isoformat()
    assert verdict_of(client, number, t=token, at=yesterday) == ("valid", "valid")


def test_expired_and_not_yet_valid(app, client, certified):
    (number, token, cert_id), _ = certified
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        after = (cert.valid_until + dt.timedelta(days=1)).isoformat()
        before = (cert.valid_from - dt.timedelta(days=1)).isoformat()
    assert verdict_of(client, number, t=token, at=after) == ("expired", "expired")
    assert verdict_of(client, number, t=token, at=before) == ("not_yet_valid", "not_yet_valid")


def test_unknown_number(client, certified):
    page = client.get("/v/BB-2026-99999")
    assert page.status_code == 404 and 'data-verdict="not_found"' in page.get_data(as_text=True)
    api = client.get("/api/v1/certificates/BB-2026-99999")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    assert client.get("/v/garbage").status_code == 404


def test_bad_date_is_400(client, certified):
    (number, _t, _), _ = certified
    assert client.get(f"/v/{number}?at=yesterday").status_code == 400
    api = client.get(f"/api/v1/certificates/{number}?at=2026-13-01")
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"


def test_verify_page_sets_no_cookie_and_api_shape(client, certified):
    (number, token, _), _ = certified
    response = client.get(f"/v/{number}?t={token}")
    assert "Set-Cookie" not in response.headers
    data = client.get(f"/api/v1/certificates/{number}?t={token}").get_json()
    for key in ("number", "status", "verdict", "firm", "scheme", "level", "valid_from",
                "valid_until", "areas", "history", "pdf_url", "verify_url"):
        assert key in data
    assert data["verify_url"].endswith(f"/v/{number}?t={token}")
    assert {"code", "band"} <= set(data["areas"][0])


def test_keys_are_published_as_jwks(app, client, certified):
    (_n, token, _), _ = certified
    jwks = client.get("/api/v1/keys").get_json()
    assert jwks["keys"][0]["kty"] == "OKP" and jwks["keys"][0]["crv"] == "Ed25519"
    published = tokens.load_jwks(jwks)
    assert tokens.verify_token(token, {k: v.public_key if hasattr(v, "public_key") else v
                                       for k, v in published.items()})


def test_rotation_keeps_old_tokens_valid(app, client, certified):
    (number, token, _), _ = certified
    with app.app_context():
        keys.create_key()
        db.session.commit()
    assert len(client.get("/api/v1/keys").get_json()["keys"]) == 2
    assert verdict_of(client, number, t=token) == ("valid", "valid")


def test_cached_page_follows_every_change(app, client, certified):
    """The verify page is kept for anonymous visitors, yet a suspension, a reinstatement
    (same status as before, new reason) or a change written straight into the database
    shows at the very next request; another language gets its own page, and no cookie."""

    (number, token, cert_id), _ = certified
    assert verdict_of(client, number, t=token) == ("valid", "valid")
    with app.app_context():
        officer_id = factories.make_user("officer").id
        cert = db.session.get(Certificate, cert_id)
        lifecycle.change_status(cert, "suspend", db.session.get(User,
                                                                officer_id),
                                public_reason="DURC in verifica")
        db.session.commit()
    assert verdict_of(client, number, t=token) == ("suspended", "suspended")
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        officer = db.session.get(User, officer_id)
        lifecycle.change_status(cert, "reinstate", officer, public_reason="DURC regolare")
        db.session.commit()
    page = client.get(f"/v/{number}", query_string={"t": token}).get_data(as_text=True)
    assert 'data-verdict="valid"' in page and "DURC regolare" in page
    with app.app_context():  # tampering in the database, not through any service
        db.session.execute(db.update(Certificate).where(Certificate.id == cert_id)
                           .values(level="L3"))
        db.session.commit()
    assert verdict_of(client, number, t=token) == ("not_authentic", "not_authentic")
    english = client.get(f"/v/{number}", query_string={"t": token, "lang": "en"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert "Set-Cookie" not in english.headers


def test_the_database_moves_a_certificates_version_on_every_change(app, client, certified):
    """The kept verify page is checked against the certificate's version, which the
    database's own triggers move: any change to the row or to its status changes, through
    the services or written straight into the database, moves that certificate's version
    and no other's; and the kept page follows a status change added straight in SQL."""
    (number, token, cert_id), (_, _, other_id) = certified

    def versions() -> tuple[int, int]:
        with app.app_context():
            rows = dict(db.session.execute(db.select(Certificate.id, Certificate.version)
                                           .where(Certificate.id.in_([cert_id, other_id]))).all())
            return rows[cert_id], rows[other_id]

    def write(statement) -> None:
        with app.app_context():
            db.session.execute(statement)
            db.session.commit()

    assert verdict_of(client, number, t=token) == ("valid", "valid")  # now kept
    seen = [versions()]
    write(db.update(Certificate).where(Certificate.id == cert_id).values(firm_name="Altra"))
    seen.append(versions())
    write(db.insert(StatusChange).values(certificate_id=cert_id, status="suspended",
                                         effective_on=today_in_rome(),
                                         public_reason="Scritto a mano"))
    seen.append(versions())
    page = client.get(f"/v/{number}", query_string={"t": token}).get_data(as_text=True)
    assert "Scritto a mano" in page  # the kept page was not served
    write(db.update(StatusChange).where(StatusChange.public_reason == "Scritto a mano")
          .values(public_reason="Corretto a mano"))
    seen.append(versions())
    write(db.delete(StatusChange).where(StatusChange.public_reason == "Corretto a mano"))
    seen.append(versions())
    with app.app_context():  # through the ORM, as the services write
        cert = db.session.get(Certificate, cert_id)
        cert.status = "suspended"
        db.session.add(StatusChange(certificate=cert, status="suspended",
                                    effective_on=today_in_rome(), public_reason="Verifica"))
        db.session.commit()
    seen.append(versions())
    mine = [v for v, _ in seen]
    assert mine == sorted(set(mine)), mine  # each step moved it forward
    assert len({other for _, other in seen}) == 1, seen
    assert verdict_of(client, number, t=token) == ("suspended", "suspended")
