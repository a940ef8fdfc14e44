"""Log in, log out, deactivation, password change and reset, sign-up, CSRF, rate limits."""

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from registry.accounts.models import User
from registry.accounts.services import update_user
from registry.extensions import db
from registry.tokens import make_token
from tests import factories
from tests.factories import PASSWORD
from tests.steps import log_in


def _post_login(client, email, password):
    return client.post("/account/login", data={"email": email, "password": password})


def test_login_with_right_password_redirects(app, client):
    with app.app_context():
        factories.make_user("applicant", email="Owner.Mixed@Example.it")
    response = _post_login(client, "owner.mixed@example.IT", PASSWORD)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_login_with_wrong_password_says_so(app, client):
    with app.app_context():
        factories.make_user("officer", email="o@example.it")
    response = _post_login(client, "o@example.it", "wrong-password-1")
    assert response.status_code == 200
    assert "Email o password non corretti" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_keeps_typed_email(app, client):
    body = _post_login(client, "nobody@example.it", "x").get_data(as_text=True)
    assert 'value="nobody@example.it"' in body


def test_login_next_must_be_local(app, client):
    with app.app_context():
        factories.make_user("applicant", email="o@example.it")
    response = client.post("/account/login?next=https://evil.example/x",
                           data={"email": "o@example.it", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_unconfirmed_email_cannot_log_in(app, client):
    with app.app_context():
        factories.make_user("applicant", email="new@example.it", confirmed=False)
    body = _post_login(client, "new@example.it", PASSWORD).get_data(as_text=True)
    assert "Conferma prima il tuo indirizzo email" in body


def test_deactivated_user_is_logged_out_on_next_request(app, client, users, login):
    login(users["officer"])
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        user = db.session.get(User, users["officer"])

        admin = db.session.get(User, users["admin"])
        update_user(user, name=user.name, roles=["officer"], active=False, actor=admin)
        db.session.commit()
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_deactivated_user_cannot_log_in(app, client):
    with app.app_context():
        user = factories.make_user("officer", email="gone@example.it")
        user.active = False
        db.session.commit()
    assert _post_login(client, "gone@example.it", PASSWORD).status_code == 200


def test_logout(app, client, users, login):
    login(users["auditor"])
    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_change_password_wrong_current(app, client, users, login):
    login(users["auditor"])
    body = client.post("/account/password", data={
        "current_password": "not-my-password", "password": "New-password-99",
        "confirm": "New-password-99"}).get_data(as_text=True)
    assert "La password attuale non è corretta" in body


def test_change_password_weak(app, client, users, login):
    login(users["auditor"])
    body = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "short", "confirm": "short"}
    ).get_data(as_text=True)
    assert "almeno 10 caratteri" in body


def test_change_password_mismatch(app, client, users, login):
    login(users["auditor"])
    body = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "New-password-99",
        "confirm": "Other-password-99"}).get_data(as_text=True)
    assert "non coincidono" in body


def test_change_password_ends_other_sessions(app, users, login):
    other = app.test_client()

    log_in(other, users["auditor"])
    client = login(users["auditor"])
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "New-password-99",
        "confirm": "New-password-99"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_password_reset_end_to_end_through_smtp(mail_app, smtp_server):
    client = mail_app.test_client()
    with mail_app.app_context():
        factories.make_user("officer", email="reset@example.it")
    response = client.post("/account/reset", data={"email": "RESET@example.it"})
    assert response.status_code == 302
    messages = smtp_server.wait(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "reset@example.it"
    link = re.search(r"http://registry\.test(/account/reset/\S+)", message.get_content()).group(1)
    assert client.get(link).status_code == 200
    new = "Brand-new-pass-7"
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert _post_login(client, "reset@example.it", "Brand-new-pass-7").status_code == 302
    client.post("/account/logout")
    # the same link is refused once used
    response = client.get(link, follow_redirects=True)
    assert "già stato usato" in response.get_data(as_text=True)


def test_password_reset_unknown_email_gets_no_link(mail_app, smtp_server):
    client = mail_app.test_client()
    response = client.post("/account/reset", data={"email": "nobody@example.it"})
    assert response.status_code == 302
    messages = smtp_server.wait(1)
    assert [m["To"] for m in messages] == ["nobody@example.it"]
    text = messages[0].get_content()
    assert "non corrisponde a nessun account attivo" in text
    assert "/account/reset/" not in text


def test_expired_reset_link(make_app):
    app = make_app(RESET_TOKEN_MAX_AGE=-1)
    with app.app_context():
        user = factories.make_user("officer", email="old@example.it")

        token = make_token("reset", user.id, user.password_hash)
    response = app.test_client().get(f"/account/reset/{token}", follow_redirects=True)
    assert "scaduto" in response.get_data(as_text=True)


def test_tampered_reset_link(client):
    response = client.get("/account/reset/not-a-real-token", follow_redirects=True)
    assert "non è valido" in response.get_data(as_text=True)


def test_signup_confirm_and_login(app, client):
    response = client.post("/account/signup", data={
        "name": "Carla Rossi", "email": "carla@callcenter.it", "password": "Buona-password-1",
        "confirm": "Buona-password-1"})
    assert response.status_code == 302
    outbox = list(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"))
    assert len(outbox) == 1
    text = message_from_bytes(outbox[0].read_bytes(), policy=default).get_content()
    path = re.search(r"http://registry\.test(/account/confirm/\S+)", text).group(1)
    assert _post_login(client, "carla@callcenter.it", "Buona-password-1").status_code == 200
    client.get(path)
    assert _post_login(client, "carla@callcenter.it", "Buona-password-1").status_code == 302


def test_signup_duplicate_email_tells_the_owner_not_the_page(app, client):
    with app.app_context():
        factories.make_user("applicant", email="dup@example.it")
    response = client.post("/account/signup", data={
        "name": "X", "email": "DUP@example.it", "password": "Buona-password-1",
        "confirm": "Buona-password-1"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Esiste già" not in body and "Ti abbiamo inviato un" in body
    outbox = list(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"))
    assert len(outbox) == 1
    message = message_from_bytes(outbox[0].read_bytes(), policy=default)
    assert message["To"] == "dup@example.it"
    assert "ha già un account" in message.get_content()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_csrf_is_required(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        factories.make_user("officer", email="o@example.it")
    response = client.post("/account/login", data={"email": "o@example.it", "password": PASSWORD})
    assert response.status_code == 400
    html = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/account/login", data={"email": "o@example.it", "password": PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 302


def test_rate_limit_per_account(app, client):
    with app.app_context():
        factories.make_user("officer", email="target@example.it")
    for _ in range(5):
        assert _post_login(client, "target@example.it", "wrong-guess-1").status_code == 200
    response = _post_login(client, "target@example.it", PASSWORD)
    assert response.status_code == 429
    assert "Troppi tentativi" in response.get_data(as_text=True)
    assert response.headers.get("Retry-After")


def test_rate_limit_per_address(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
                   LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    for n in range(3):
        assert _post_login(client, f"u{n}@example.it", "wrong-guess-1").status_code == 200
    assert _post_login(client, "u9@example.it", "wrong-guess-1").status_code == 429


def test_successful_logins_do_not_count_towards_limit(app, client):
    with app.app_context():
        factories.make_user("applicant", email="ok@example.it")
    for _ in range(8):
        assert _post_login(client, "ok@example.it", PASSWORD).status_code == 302
        client.post("/account/logout")
