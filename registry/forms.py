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


def run_use_case(use_case: Callable[[], T], *, success: str | None = None,
                 form: FlaskForm | None = None, category: str = "success") -> Outcome[T]:
    """Run one service call as one transaction.

    On a DomainError nothing is kept (rollback) and the message goes to the field it names
    on `form`, or is flashed; otherwise the session is committed once and `success` flashed.
    NotFound is not a refusal to explain: it propagates to the 404 page, so ids of objects a
    person may not see cannot be probed through a form.
    """
    try:
        value = use_case()
    except NotFound:
        raise
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return Outcome(False)
    db.session.commit()
    if success:
        flash(success, category)
    return Outcome(True, value)
