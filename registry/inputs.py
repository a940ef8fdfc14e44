"""What the registry accepts from a request before any view reads it.

Two guards, installed by `init_app` before the blueprints:
- `<int:...>` in every route is an id of an INTEGER column: 1 to 2^31-1. A larger number
  (`/register/2147483648`) or a 4,000-digit one does not match the route, so it is a 404,
  never an overflow in the database driver.
- No control character reaches a view: a NUL byte (PostgreSQL refuses it in text), the
  other C0 controls and DEL/C1 (invalid in XML 1.0, meaningless in a name) and the
  non-characters U+FFFE/U+FFFF in the path, a query parameter, a form field or an uploaded
  file's name answer 400 with a message. TAB, LF and CR pass in query and form values (a
  multi-line text field needs them; elsewhere each parameter's own check refuses them, e.g.
  an unknown filter value or an unsafe `?next=`), never in the path.

Plus the small parsers several views share: `iso_date` and `xml_text`.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from registry.errors import error_response

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column

# C0 controls except TAB, LF, CR; DEL and the C1 block; the two non-characters.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
FORBIDDEN_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
# What XML 1.0 cannot carry at all (section 2.2), escaped or not.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class IdConverter(IntegerConverter):
    """`<int:...>`: a decimal id from 1 to 2^31-1; anything else does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def has_control_characters(value: str, *, line_breaks: bool = True) -> bool:
    """True if `value` holds a character the registry refuses (see the module docstring);
    `line_breaks=False` refuses TAB, LF and CR too."""
    return bool((FORBIDDEN if line_breaks else FORBIDDEN_IN_PATH).search(value))


def _refused_input() -> bool:
    if has_control_characters(request.path, line_breaks=False):
        return True
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if has_control_characters(key, line_breaks=False) or has_control_characters(value):
                return True
    return any(has_control_characters(upload.filename or "", line_breaks=False)
               for upload in request.files.values())


def refuse_control_characters():
    """before_request: a 400 with a message when any input holds a control character."""
    if _refused_input():
        return error_response(400, _("La richiesta contiene caratteri di controllo non "
                                     "ammessi (per esempio un carattere nullo): correggi il "
                                     "testo e riprova."))
    return None


def iso_date(raw: str) -> dt.date:
    """A day written exactly YYYY-MM-DD; ValueError for anything else (`20260101` too,
    which `date.fromisoformat` would take)."""
    if not ISO_DATE.fullmatch(raw):
        raise ValueError(raw)
    return dt.date.fromisoformat(raw)


def xml_text(value: object) -> str:
    """`value` as text XML 1.0 can carry: characters it forbids are dropped, not escaped
    (no escape exists for them)."""
    return NOT_XML.sub("", str(value))


def init_app(app: Flask) -> None:
    """Install both guards; call before any blueprint adds its routes (the converter is
    looked up when a rule is added)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)
