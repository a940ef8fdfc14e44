"""Known and unknown addresses look the same from outside: the same pages on signup and
password reset, the same number of password hashes on login (counted, not timed)."""

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from werkzeug import security

from registry.accounts import services
from registry.accounts.models import User
from registry.extensions import db
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def hashes(monkeypatch):
    """Counts password-hash computations (werkzeug's one internal hashing function, used
    by both generate_password_hash and check_password_hash)."""
    calls = []
    original = security._hash_internal

    def counting(method, salt, password):
        calls.append(method)
        return original(method, salt, password)

    monkeypatch.setattr(security, "_hash_internal", counting)
    return calls


def _outbox(app):
    return sorted(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"))


def _signup(client, email):
    return client.post("/account/signup", data={
        "name": "Carla Rossi", "email": email, "password": "Buona-password-1",
        "confirm": "Buona-password-1"}, follow_redirects=True)


def test_signup_answers_the_same_for_known_and_unknown(app):
    with app.app_context():
        factories.make_user("applicant", email="known@example.it")
    known = _signup(app.test_client(), "known@example.it")
    unknown = _signup(app.test_client(), "new@example.it")
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/account/login"
    assert known.get_data() == unknown.get_data()
    # each address received one email: a confirmation link, or a note to the owner
    messages = [message_from_bytes(p.read_bytes(), policy=default) for p in _outbox(app)]
    assert sorted(m["To"] for m in messages) == ["known@example.it", "new@example.it"]
    to_owner = next(m for m in messages if m["To"] == "known@example.it").get_content()
    assert "ha già un account" in to_owner and "/account/confirm/" not in to_owner


def test_signup_hashes_once_for_known_and_unknown(app, hashes):
    with app.app_context():
        factories.make_user("applicant", email="known@example.it")
    hashes.clear()
    _signup(app.test_client(), "known@example.it")
    known = len(hashes)
    hashes.clear()
    _signup(app.test_client(), "new@example.it")
    assert known == len(hashes) == 1


def test_reset_answers_the_same_for_known_and_unknown(app):
    with app.app_context():
        factories.make_user("officer", email="known@example.it")
    responses = [app.test_client().post("/account/reset", data={"email": email},
                                        follow_redirects=True)
                 for email in ("known@example.it", "unknown@example.it")]
    assert responses[0].status_code == responses[1].status_code == 200
    assert responses[0].get_data() == responses[1].get_data()
    assert len(_outbox(app)) == 2  # the same work: one email each


def test_login_hashes_once_whoever_asks(app, hashes):
    with app.app_context():
        factories.make_user("applicant", email="known@example.it")
        gone = factories.make_user("applicant", email="gone@example.it")
        gone.active = False
        db.session.commit()
    client = app.test_client()
    client.post("/account/login", data={"email": "warm-up@example.it", "password": "x"})
    counts = {}
    for email, password in (("unknown@example.it", "whatever-1"),
                            ("known@example.it", "wrong-password-1"),
                            ("gone@example.it", PASSWORD),
                            ("known@example.it", PASSWORD)):
        hashes.clear()
        client.post("/account/login", data={"email": email, "password": password})
        counts[(email, password)] = len(hashes)
        client.post("/account/logout")
    assert set(counts.values()) == {1}, counts


def test_dummy_hash_is_made_once_per_process(app, hashes):
    with app.app_context():
        services.authenticate("nobody@example.it", "x")
        hashes.clear()
        for _ in range(3):
            assert services.authenticate("nobody@example.it", "x") is None
        assert len(hashes) == 3
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
