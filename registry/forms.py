"""Form pieces shared by every feature: multi-checkbox fields and domain errors on fields."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from registry.errors import DomainError


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; accessible, unlike a multiple <select>."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attach a service's error to the field it names, or flash it for the whole form."""
    field = error.params.get("field")
    if field and field in form:
        form[field].errors = [*form[field].errors, error.message]
    else:
        flash(error.message, "danger")
