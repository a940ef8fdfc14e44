"""Sessions end on the server: logout, password change, role change, deactivation and the
account page revoke them, and a copy of the cookie stops working."""

import datetime as dt
import re

from registry.accounts.models import User, UserSession
from registry.accounts.services import update_user
from registry.accounts.sessions import active_sessions, describe_agent, start_session
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests import factories
from tests.factories import PASSWORD
from tests.steps import log_in

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def _password_login(client, email, agent=FIREFOX):
    return client.post("/account/login", data={"email": email, "password": PASSWORD},
                       headers={"User-Agent": agent})


def _copy_of(client, app):
    """Another browser holding a copy of `client`'s session cookie (e.g. a stolen one)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_cookie_captured_before_logout_no_longer_opens_dashboard(app, client):
    with app.app_context():
        factories.make_user("applicant", email="owner@example.it")
    assert _password_login(client, "owner@example.it").status_code == 302
    thief = _copy_of(client, app)
    assert thief.get("/dashboard").status_code == 200  # the copy works while logged in
    assert client.post("/account/logout").status_code == 302
    response = thief.get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    with app.app_context():
        record = db.session.scalar(db.select(UserSession))
        assert record.revoked_at is not None


def test_session_token_is_stored_hashed(app, client):
    with app.app_context():
        factories.make_user("applicant", email="owner@example.it")
    _password_login(client, "owner@example.it")
    with client.session_transaction() as session:
        token = session["_user_id"]
    with app.app_context():
        record = db.session.scalar(db.select(UserSession))
        assert token not in (record.token_hash, str(record.user_id))
        assert len(token) >= 40 and len(record.token_hash) == 64
        assert record.ip_address == "127.0.0.1" and "Firefox" in record.user_agent
        assert record.second_factor is None  # applicants log in with a password only


def test_old_style_session_id_is_anonymous(app, client, users):
    with client.session_transaction() as session:
        session["_user_id"] = f"{users['applicant']}:1"
        session["_fresh"] = True
    assert client.get("/dashboard").status_code == 302


def test_staff_session_without_second_factor_is_anonymous(app, client, users):
    """Defence in depth: even a session row opened without a second factor (which the login
    never does for staff) opens nothing for a staff account."""
    with app.app_context():
        token = start_session(db.session.get(User, users["officer"]), ip_address=None,
                              user_agent=None, second_factor=None)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert client.get("/dashboard").status_code == 302


def test_password_change_ends_other_sessions_only(app, users, login):
    other = app.test_client()
    log_in(other, users["auditor"])
    client = login(users["auditor"])
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "New-password-99",
        "confirm": "New-password-99"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    with app.app_context():
        states = db.session.scalars(db.select(UserSession.revoked_at).where(
            UserSession.user_id == users["auditor"]).order_by(UserSession.id)).all()
        assert states[0] is not None and states[1] is None


def test_role_change_ends_sessions(app, users, login):
    client = login(users["auditor"])
    admin = app.test_client()
    log_in(admin, users["admin"])
    response = admin.post(f"/admin/users/{users['auditor']}", data={
        "name": "Auditor", "roles": ["auditor", "officer"], "active": "y"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert admin.get("/dashboard").status_code == 200


def test_name_change_keeps_sessions(app, users, login):
    client = login(users["auditor"])
    admin = app.test_client()
    log_in(admin, users["admin"])
    admin.post(f"/admin/users/{users['auditor']}", data={
        "name": "New name", "roles": ["auditor"], "active": "y"})
    assert client.get("/dashboard").status_code == 200


def test_admin_editing_own_roles_keeps_own_session(app, users, login):
    client = login(users["admin"])
    response = client.post(f"/admin/users/{users['admin']}", data={
        "name": "Admin", "roles": ["admin", "ministry"], "active": "y"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_deactivation_revokes_sessions(app, client, users, login):
    login(users["officer"])
    with app.app_context():
        user = db.session.get(User, users["officer"])
        update_user(user, name=user.name, roles=["officer"], active=False,
                    actor=db.session.get(User, users["admin"]))
        db.session.commit()
        assert db.session.scalar(db.select(UserSession.revoked_at).where(
            UserSession.user_id == users["officer"])) is not None
    assert client.get("/dashboard").status_code == 302


def test_account_page_lists_sessions_and_revokes_one(app, client):
    with app.app_context():
        factories.make_user("applicant", email="owner@example.it")
    phone = app.test_client()
    _password_login(phone, "owner@example.it", agent=SAFARI)
    _password_login(client, "owner@example.it", agent=FIREFOX)
    body = client.get("/account").get_data(as_text=True)
    assert "Firefox su Linux" in body and "Safari su iPhone" in body
    assert "questa sessione" in body and "127.0.0.1" in body
    with app.app_context():
        phone_session = db.session.scalar(db.select(UserSession.id).where(
            UserSession.user_agent == SAFARI))
    response = client.post(f"/account/sessions/{phone_session}/revoke")
    assert response.status_code == 302
    assert phone.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert "Safari su iPhone" not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "user.session_revoked"))


def test_log_out_everywhere_else(app, client):
    with app.app_context():
        factories.make_user("applicant", email="owner@example.it")
    others = [app.test_client() for _ in range(2)]
    for other in others:
        _password_login(other, "owner@example.it")
    _password_login(client, "owner@example.it")
    response = client.post("/account/sessions/revoke-others", follow_redirects=True)
    assert "Sessioni chiuse: 2" in response.get_data(as_text=True)
    assert [o.get("/dashboard").status_code for o in others] == [302, 302]
    assert client.get("/dashboard").status_code == 200


def test_revoking_this_session_logs_out(app, client, users, login):
    login(users["applicant"])
    with app.app_context():
        own = db.session.scalar(db.select(UserSession.id).where(
            UserSession.user_id == users["applicant"]))
    response = client.post(f"/account/sessions/{own}/revoke")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302


def test_someone_elses_session_is_not_found_and_stays(app, users, login):
    victim = app.test_client()
    log_in(victim, users["officer"])
    with app.app_context():
        theirs = db.session.scalar(db.select(UserSession.id).where(
            UserSession.user_id == users["officer"]))
    client = login(users["applicant"])
    assert client.post(f"/account/sessions/{theirs}/revoke").status_code == 404
    assert victim.get("/dashboard").status_code == 200


def test_revoke_forms_need_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user_id = factories.make_user("applicant").id
    client = app.test_client()
    log_in(client, user_id)
    assert client.post("/account/sessions/revoke-others").status_code == 400
    html = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/account/sessions/revoke-others", data={"csrf_token": token})
    assert response.status_code == 302


def test_last_seen_is_written_at_most_every_few_minutes(app, client, users, login):
    login(users["applicant"])
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    with app.app_context():
        db.session.execute(db.update(UserSession).values(last_seen_at=long_ago))
        db.session.commit()
    client.get("/dashboard")
    with app.app_context():
        first = db.session.scalar(db.select(UserSession.last_seen_at))
    assert first > long_ago + dt.timedelta(minutes=9)
    client.get("/dashboard")
    with app.app_context():
        assert db.session.scalar(db.select(UserSession.last_seen_at)) == first


def test_devices_are_named_for_people():
    assert describe_agent(FIREFOX) == "Firefox su Linux"
    assert describe_agent(SAFARI) == "Safari su iPhone"
    edge = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
    assert describe_agent(edge) == "Edge su Windows"
    assert describe_agent(None) == "Dispositivo sconosciuto"


def _age_session(app, **values):
    with app.app_context():
        db.session.execute(db.update(UserSession).values(**values))
        db.session.commit()


def test_session_left_unused_past_the_idle_limit_has_ended(app, client, users, login):
    login(users["applicant"])
    assert client.get("/dashboard").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"]
    _age_session(app, last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=idle + 1))
    assert client.get("/dashboard").status_code == 302
    with app.app_context():
        assert active_sessions(db.session.get(User, users["applicant"])) == []


def test_session_older_than_the_lifetime_has_ended_even_if_used(app, client, users, login):
    login(users["applicant"])
    hours = app.config["SESSION_MAX_HOURS"]
    _age_session(app, created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours, minutes=1))
    assert client.get("/dashboard").status_code == 302
