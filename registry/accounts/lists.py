"""The admin's list of users as a table for its CSV/XLSX/JSON export: role names in words
for people, the role codes as a machine field of the JSON."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.accounts.forms import ROLE_LABELS
from registry.accounts.models import User
from registry.extensions import db
from registry.tabular import Column

USER_COLUMNS = [Column("email", _l("Email")), Column("name", _l("Nome")),
                Column("role_labels", _l("Ruoli")), Column("active_label", _l("Stato"))]


def every_user() -> Iterator[User]:
    """Every account, by email (the order of the /admin/users page)."""
    yield from db.session.scalars(db.select(User).order_by(User.email))


def user_rows(users) -> Iterator[dict]:
    for u in users:
        yield {"id": u.id, "email": u.email, "name": u.name,
               "roles": sorted(str(r) for r in u.roles),
               "role_labels": ", ".join(str(ROLE_LABELS[r]) for r in sorted(u.roles)),
               "active": u.active, "active_label": _("attivo") if u.active else _("disattivato")}
