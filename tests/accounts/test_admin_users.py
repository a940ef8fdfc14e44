"""Admins create users, edit roles and deactivate, from the UI and the CLI."""

from registry.accounts.models import User, find_by_email
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests.factories import enrol_second_factor, make_user


def test_admin_creates_user(app, client, users, login):
    login(users["admin"])
    response = client.post("/admin/users/new", data={
        "name": "Nuovo Valutatore", "email": "val@example.it", "password": "Strong-pass-11",
        "roles": ["auditor", "officer"]})
    assert response.status_code == 302
    with app.app_context():
        user = find_by_email("val@example.it")
        assert user.roles == {"auditor", "officer"}
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "user.created", AuditEvent.object_id == str(user.id)))


def test_admin_create_user_errors_keep_input(app, client, users, login):
    login(users["admin"])
    body = client.post("/admin/users/new", data={
        "name": "Nome", "email": "val@example.it", "password": "weak", "roles": []}
    ).get_data(as_text=True)
    assert "Scegli almeno un ruolo" in body
    assert 'value="val@example.it"' in body


def test_admin_edits_roles_and_deactivates(app, client, users, login):
    login(users["admin"])
    response = client.post(f"/admin/users/{users['auditor']}", data={
        "name": "Renamed", "roles": ["auditor", "ministry"]})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, users["auditor"])
        assert user.roles == {"auditor", "ministry"}
        assert user.active is False
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.updated"))
        assert event.before["active"] is True and event.after["active"] is False


def test_admin_cannot_deactivate_self(app, client, users, login):
    login(users["admin"])
    body = client.post(f"/admin/users/{users['admin']}", data={
        "name": "Me", "roles": ["admin"]}, follow_redirects=True).get_data(as_text=True)
    assert "Non puoi disattivare te stesso" in body


def test_cli_creates_and_deactivates_user(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.it", "--role",
                                 "officer", "--role", "auditor", "--password", "Cli-password-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "deactivate", "--email", "cli@example.it"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = find_by_email("cli@example.it")
        assert user.roles == {"officer", "auditor"} and not user.active


def test_cli_refuses_weak_password_and_duplicate(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "a@example.it", "--role",
                                 "officer", "--password", "short"])
    assert result.exit_code != 0 and "almeno 10" in result.output
    runner.invoke(args=["users", "create", "--email", "a@example.it", "--role", "officer",
                        "--password", "Long-enough-1"])
    result = runner.invoke(args=["users", "create", "--email", "A@example.it", "--role",
                                 "officer", "--password", "Long-enough-1"])
    assert result.exit_code != 0 and "Esiste già" in result.output


def test_cli_resets_a_second_factor(app, runner):
    with app.app_context():
        enrol_second_factor(make_user("admin", email="only-admin@example.it"))
    result = runner.invoke(args=["users", "reset-second-factor", "--email",
                                 "only-admin@example.it"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert not find_by_email("only-admin@example.it").has_second_factor
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "user.second_factor_reset"))
        assert event.actor_id is None
    result = runner.invoke(args=["users", "reset-second-factor", "--email", "no@example.it"])
    assert result.exit_code != 0 and "no user" in result.output


def test_the_users_list_names_roles_in_words(client, users, login):
    login(users["admin"])
    body = client.get("/admin/users").get_data(as_text=True)
    assert "Responsabile della certificazione" in body and "Valutatore" in body
    assert "<td>officer</td>" not in body and ">auditor<" not in body
    english = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Certification officer" in english or "Auditor" in english
