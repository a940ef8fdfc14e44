"""Language choice and Italian formatting of dates, numbers and identifiers."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)

from registry.extensions import babel


def select_locale() -> str:
    """`?lang=` for this page, then the language chosen with the switch, then Italian.

    The browser's Accept-Language is deliberately ignored: the register is Italian first and
    the same link must show the same page to everyone until they choose English.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    chosen = session.get("lang") if session else None
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def date_filter(value: dt.date | dt.datetime | None, style: str = "short") -> str:
    """DD/MM/YYYY in Italian; datetimes are shown in Europe/Rome."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    return format_date(value, "dd/MM/yyyy" if style == "short" else "long")


def number_filter(value, places: int = 0) -> str:
    """1.234,5 in Italian."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(str(value)), pattern)


def _translations():
    # Flask-Babel looks the catalogue up again for every string (~40 µs each, over a hundred
    # per register page); the locale cannot change within a request, so look it up once.
    translations = g.get("_babel_translations")
    if translations is None:
        translations = g._babel_translations = get_translations()
    return translations


def translate(message: str) -> str:
    """`message` in the current language (a word marked with `N_`, or any msgid)."""
    if not has_request_context():
        return str(get_translations().ugettext(message))
    return _translations().ugettext(message)


def labeller(kind: type[enum.StrEnum], table: Mapping[enum.StrEnum, str]
             ) -> Callable[[str | None], str]:
    """The function that turns a stored code of `kind` into the word a person reads.

    `table` is the enum's label table from its workflow/status module; every member must
    have a label, so no code can ever be shown raw. None (no value yet) reads as "—".
    """
    missing = [member for member in kind if member not in table]
    if missing:
        raise ValueError(f"{kind.__name__}: no label for {missing}")

    def label(value: str | None) -> str:
        if value is None or value == "":
            return "—"
        return translate(table[kind(value)])

    label.__name__ = f"{kind.__name__}_label"
    return label


def register_i18n(app: Flask) -> None:
    """Bind Babel and the template filters that follow Italian conventions."""
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.filters["date_it"] = date_filter
    app.jinja_env.filters["number_it"] = number_filter
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
