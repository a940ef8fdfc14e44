"""`run_use_case`, the one shape of a POST view: a refusal keeps nothing and says why; a
success commits once; not-found goes to the 404 page."""

import pytest
from flask import get_flashed_messages

from registry.accounts.models import User, count_users
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.forms import run_use_case


def _add_user_then(error: Exception | None):
    def use_case():
        db.session.add(User(email="new@example.it", name="Nuovo", password_hash="x"))
        db.session.flush()
        if error is not None:
            raise error
        return "done"
    return use_case


def test_a_refusal_leaves_the_database_as_it_was(app):
    with app.test_request_context("/"):
        before = count_users()
        outcome = run_use_case(_add_user_then(DomainError("Non si può.")), success="Fatto.")
        assert not outcome.ok and outcome.value is None
        assert count_users() == before
        assert get_flashed_messages(with_categories=True) == [("danger", "Non si può.")]


def test_a_success_commits_once_and_says_so(app):
    with app.test_request_context("/"):
        outcome = run_use_case(_add_user_then(None), success="Fatto.")
        assert outcome.ok and outcome.value == "done"
        db.session.rollback()  # nothing left to roll back: it was committed
        assert db.session.scalar(db.select(User).where(User.email == "new@example.it"))
        assert get_flashed_messages(with_categories=True) == [("success", "Fatto.")]


def test_a_message_can_depend_on_the_result(app):
    with app.test_request_context("/"):
        run_use_case(lambda: False, success=lambda changed: ("Nulla da salvare.", "info"))
        assert get_flashed_messages(with_categories=True) == [("info", "Nulla da salvare.")]


def test_not_found_reaches_the_error_page(app):
    with app.test_request_context("/"):
        before = count_users()
        with pytest.raises(NotFound):
            run_use_case(_add_user_then(NotFound("Domanda non trovata.")))
        db.session.rollback()  # as the error handler does
        assert count_users() == before


def test_chosen_errors_propagate(app):
    with app.test_request_context("/"), pytest.raises(NotPermitted):
        run_use_case(_add_user_then(NotPermitted("No.")), propagate=(NotFound, NotPermitted))
