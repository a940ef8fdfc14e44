"""Staff log in with a password and a TOTP code (or a single-use recovery code); applicants
may add one. Codes come from pyotp, as an authenticator app computes them."""

import re

import pyotp

from registry.accounts.models import RecoveryCode, User, UserSession
from registry.accounts.second_factor import decrypt_secret, enrol
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests import factories
from tests.factories import PASSWORD, TOTP_SECRET
from tests.steps import log_in, log_in_with_password, totp


def _password(client, email):
    return client.post("/account/login", data={"email": email, "password": PASSWORD})


def _code(client, code):
    return client.post("/account/login/code", data={"code": code})


def _staff(app, role="officer", email="staff@registry.it", enrolled=True):
    with app.app_context():
        user = factories.make_user(role, email=email)
        if enrolled:
            factories.enrol_second_factor(user)
        return user.id


def _enrolled_with_codes(app, email="staff@registry.it", role="officer"):
    """A user enrolled through the service with the known secret; its recovery codes."""
    with app.app_context():
        user = factories.make_user(role, email=email)
        codes = enrol(user, TOTP_SECRET, totp(TOTP_SECRET, -1))
        db.session.commit()
        return user.id, codes


def test_staff_without_enrolment_must_enrol_before_anything_else(app, client):
    user_id = _staff(app, enrolled=False)
    response = _password(client, "staff@registry.it")
    assert response.headers["Location"] == "/account/two-factor/enrol"
    assert client.get("/dashboard").status_code == 302  # not logged in yet
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    assert "<svg" in page and "Il tuo ruolo richiede un secondo fattore" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    # the page keeps the same secret while the person scans it
    again = client.get("/account/two-factor/enrol").get_data(as_text=True)
    assert secret in again.replace(" ", "")
    wrong = client.post("/account/two-factor/enrol", data={"code": "000000"})
    assert wrong.status_code == 200 and "Il codice non è corretto" in wrong.get_data(
        as_text=True)
    assert client.get("/dashboard").status_code == 302
    done = client.post("/account/two-factor/enrol", data={"code": totp(secret)})
    codes = re.findall(r"<li>([A-Z2-9]{5}-[A-Z2-9]{5})</li>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.has_second_factor and secret not in user.totp_secret
        assert decrypt_secret(user.totp_secret) == secret  # encrypted at rest
        hashes = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not set(hashes) & {c.replace("-", "") for c in codes}
        assert db.session.scalar(db.select(UserSession.second_factor)) == "totp"
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "user.second_factor_enrolled"))


def test_enrolled_staff_log_in_with_a_code(app, client):
    _staff(app)
    response = _password(client, "staff@registry.it")
    assert response.headers["Location"] == "/account/login/code"
    assert client.get("/dashboard").status_code == 302
    wrong = _code(client, "123456" if totp(TOTP_SECRET) != "123456" else "654321")
    assert wrong.status_code == 200
    assert "Il codice non è corretto" in wrong.get_data(as_text=True)
    response = _code(client, totp(TOTP_SECRET))
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_next_is_kept_across_the_second_step(app, client):
    _staff(app)
    client.post("/account/login?next=/admin/users", data={"email": "staff@registry.it",
                                                           "password": PASSWORD})
    assert _code(client, totp(TOTP_SECRET)).headers["Location"] == "/admin/users"


def test_a_code_cannot_be_used_twice(app):
    _staff(app)
    first, second = app.test_client(), app.test_client()
    code = totp(TOTP_SECRET)
    _password(first, "staff@registry.it")
    assert _code(first, code).status_code == 302
    _password(second, "staff@registry.it")
    reused = _code(second, code)
    assert reused.status_code == 200
    assert "già stato usato" in reused.get_data(as_text=True)
    assert second.get("/dashboard").status_code == 302
    # the next step's code is fine
    assert _code(second, totp(TOTP_SECRET, 1)).status_code == 302


def test_recovery_code_works_once(app):
    _user_id, codes = _enrolled_with_codes(app)
    client = app.test_client()
    _password(client, "staff@registry.it")
    assert _code(client, codes[3].lower()).status_code == 302  # case and dash do not matter
    assert client.get("/dashboard").status_code == 200
    client.post("/account/logout")
    _password(client, "staff@registry.it")
    response = _code(client, codes[3])
    assert response.status_code == 200 and "non è corretto" in response.get_data(as_text=True)
    assert _code(client, codes[4].replace("-", "")).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.used_at.is_(None))) == 8
        events = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "user.recovery_code_used")).all()
        assert [e.after["left"] for e in events] == [9, 8]
        assert db.session.scalar(db.select(UserSession.second_factor).order_by(
            UserSession.id.desc()).limit(1)) == "recovery"


def test_applicant_second_factor_is_optional(app, client):
    with app.app_context():
        factories.make_user("applicant", email="owner@firm.it")
    assert _password(client, "owner@firm.it").headers["Location"] == "/dashboard"
    page = client.get("/account").get_data(as_text=True)
    assert "Non attiva." in page
    enrol_page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    assert "Il tuo ruolo richiede" not in enrol_page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', enrol_page).group(1).replace(" ", "")
    done = client.post("/account/two-factor/enrol", data={"code": totp(secret)})
    assert done.status_code == 200 and "Codici di recupero" in done.get_data(as_text=True)
    client.post("/account/logout")
    # from now on the applicant's login asks for the code too
    assert _password(client, "owner@firm.it").headers["Location"] == "/account/login/code"
    assert _code(client, totp(secret, 1)).status_code == 302
    # and they may turn it off again with their password
    refused = client.post("/account/two-factor/disable", data={"off-password": "wrong-one-1"},
                          follow_redirects=True)
    assert "La password non è corretta" in refused.get_data(as_text=True)
    client.post("/account/two-factor/disable", data={"off-password": PASSWORD})
    client.post("/account/logout")
    assert _password(client, "owner@firm.it").headers["Location"] == "/dashboard"


def test_staff_cannot_turn_the_second_factor_off(app):
    user_id = _staff(app)
    client = app.test_client()
    log_in(client, user_id)
    body = client.post("/account/two-factor/disable", data={"off-password": PASSWORD},
                       follow_redirects=True).get_data(as_text=True)
    assert "non puoi disattivarlo" in body
    with app.app_context():
        assert db.session.get(User, user_id).has_second_factor


def test_new_recovery_codes_replace_the_old_ones(app):
    user_id, old = _enrolled_with_codes(app)
    client = app.test_client()
    log_in(client, user_id)
    refused = client.post("/account/two-factor/recovery-codes", data={"rc-code": old[0]},
                          follow_redirects=True)
    assert "non un codice di recupero" in refused.get_data(as_text=True)
    page = client.post("/account/two-factor/recovery-codes",
                       data={"rc-code": totp(TOTP_SECRET)}).get_data(as_text=True)
    new = re.findall(r"<li>([A-Z2-9]{5}-[A-Z2-9]{5})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    _password(other, "staff@registry.it")
    assert _code(other, old[1]).status_code == 200
    assert _code(other, new[1]).status_code == 302


def test_admin_resets_a_second_factor(app, users, login):
    user_id = _staff(app)
    victim = app.test_client()
    log_in_with_password(victim, "staff@registry.it", PASSWORD, TOTP_SECRET)
    assert victim.get("/dashboard").status_code == 200
    page = login(users["admin"]).get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Reimposta il secondo fattore" in page
    response = login(users["admin"]).post(f"/admin/users/{user_id}/second-factor/reset",
                                          follow_redirects=True)
    assert "Secondo fattore reimpostato" in response.get_data(as_text=True)
    assert victim.get("/dashboard").status_code == 302  # their sessions ended
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.has_second_factor and user.totp_secret is None
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "user.second_factor_reset"))
        assert event.actor_id == users["admin"] and event.object_id == str(user_id)
        assert event.before == {"second_factor": True}
    # the next login goes through enrolment again
    assert _password(victim, "staff@registry.it").headers["Location"] == \
        "/account/two-factor/enrol"


def test_only_admins_reset_and_not_their_own(app, users, login):
    user_id = _staff(app)
    client = login(users["officer"])
    assert client.post(f"/admin/users/{user_id}/second-factor/reset").status_code == 403
    admin = login(users["admin"])
    body = admin.post(f"/admin/users/{users['admin']}/second-factor/reset",
                      follow_redirects=True).get_data(as_text=True)
    assert "Non puoi reimpostare il tuo secondo fattore" in body
    with app.app_context():
        assert db.session.get(User, user_id).has_second_factor


def test_codes_are_rate_limited(make_app):
    app = make_app(SECOND_FACTOR_LIMIT="3 per 15 minutes")
    _staff(app)
    client = app.test_client()
    _password(client, "staff@registry.it")
    wrong = "000000" if totp(TOTP_SECRET) != "000000" else "111111"
    for _ in range(3):
        assert _code(client, wrong).status_code == 200
    response = _code(client, totp(TOTP_SECRET))
    assert response.status_code == 429
    # from another address too: the code limit is per account
    other = app.test_client()
    other.post("/account/login", data={"email": "staff@registry.it", "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert other.post("/account/login/code", data={"code": "ABCDE-FGHJK"},
                      environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 429


def test_second_step_expires(make_app):
    app = make_app(LOGIN_PENDING_MAX_AGE=-1)
    _staff(app)
    client = app.test_client()
    _password(client, "staff@registry.it")
    response = _code(client, totp(TOTP_SECRET))
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    assert client.get("/dashboard").status_code == 302


def test_no_second_step_without_the_password(app, client):
    _staff(app)
    response = _code(client, totp(TOTP_SECRET))
    assert response.headers["Location"] == "/account/login"
    assert client.get("/account/two-factor/enrol").headers["Location"] == "/account/login"


def test_second_step_dies_with_a_password_change(app, client):
    user_id = _staff(app)
    _password(client, "staff@registry.it")
    with app.app_context():
        user = db.session.get(User, user_id)
        user.password_hash = "changed"
        db.session.commit()
    assert _code(client, totp(TOTP_SECRET)).headers["Location"] == "/account/login"


def test_unreadable_secret_says_so(app, make_app):
    _staff(app)
    other_key = make_app(SECOND_FACTOR_KEY="a-different-key-than-the-one-used-to-encrypt")
    client = other_key.test_client()
    _password(client, "staff@registry.it")
    response = _code(client, totp(TOTP_SECRET))
    assert response.status_code == 200
    assert "non è più leggibile" in response.get_data(as_text=True)


def test_a_code_is_valid_for_one_step_of_drift_only(app):
    with app.app_context():
        user = factories.make_user("officer", email="staff@registry.it")
        codes = enrol(user, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
        db.session.commit()
    assert len(codes) == 10
    client = app.test_client()
    _password(client, "staff@registry.it")
    assert _code(client, totp(TOTP_SECRET, 3)).status_code == 200  # 90 s ahead: refused
    assert _code(client, totp(TOTP_SECRET, 1)).status_code == 302
