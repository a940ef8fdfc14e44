"""Form pieces shared by every feature, and the one shape of a POST view.

`run_use_case` is that shape: call one service, roll back and show its error on the form
(or as a message) if it refuses, otherwise commit once and say what happened. Services
never commit or roll back; views never repeat this block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from registry.errors import DomainError, NotFound
from registry.extensions import db

T = TypeVar("T")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; accessible, unlike a multiple <select>."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def show_domain_error(form: FlaskForm | None, error: DomainError) -> None:
    """Attach a service's error to the field it names, or flash it for the whole form."""
    field = error.params.get("field")
    if form is not None and field and field in form:
        form[field].errors = [*form[field].errors, error.message]
    else:
        flash(error.message, "danger")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `run_use_case` did: `ok` with the service's return value, or refused."""

    ok: bool
    value: Any = None


def run_use_case(use_case: Callable[[], T], *,
                 success: str | Callable[[T], tuple[str, str]] | None = None,
                 form: FlaskForm | None = None, category: str = "success",
                 show: Callable[[FlaskForm | None, DomainError], None] = show_domain_error,
                 propagate: tuple[type[DomainError], ...] = (NotFound,)) -> Outcome[T]:
    """Run one service call as one transaction.

    On a DomainError nothing is kept (rollback) and `show` puts the message on the field it
    names on `form`, or flashes it; otherwise the session is committed once and `success`
    flashed (a message, or a function of the result giving message and category).
    Errors in `propagate` are not refusals to explain: they reach the error pages. NotFound
    always does, so ids of objects a person may not see cannot be probed through a form.
    """
    try:
        value = use_case()
    except propagate:
        raise
    except DomainError as error:
        db.session.rollback()
        show(form, error)
        return Outcome(False)
    db.session.commit()
    if callable(success):
        message, category = success(value)
        flash(message, category)
    elif success:
        flash(success, category)
    return Outcome(True, value)
