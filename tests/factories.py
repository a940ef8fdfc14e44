"""Plain factory functions with keyword defaults. Each commits, so requests see the rows."""

from __future__ import annotations

import itertools

from registry.accounts.models import User
from registry.accounts.services import create_user
from registry.extensions import db
from registry.security import Role

ROLES = [str(role) for role in Role]
PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


def make_user(role: str | list[str] = "applicant", email: str | None = None,
              name: str | None = None, password: str = PASSWORD, confirmed: bool = True,
              firm_id: int | None = None) -> User:
    roles = [role] if isinstance(role, str) else role
    n = next(_counter)
    user = create_user(email or f"{roles[0]}{n}@example.it", name or f"Utente {n}", password,
                       roles, confirmed=confirmed, firm_id=firm_id)
    db.session.commit()
    return user
