"""Demo data for `make run`: one user per role and, as features land, firms in every state."""

from __future__ import annotations

from registry.accounts.models import User, count_users
from registry.accounts.services import create_user
from registry.extensions import db
from registry.security import Role

DEMO_PASSWORD = "demo-Bollino-2026"  # noqa: S105 - printed on purpose: demo only

DEMO_USERS = [
    ("admin@demo.bollinoblu.it", "Anna Amministratrice", [Role.ADMIN]),
    ("auditor@demo.bollinoblu.it", "Marco Valutatore", [Role.AUDITOR]),
    ("auditor2@demo.bollinoblu.it", "Giulia Valutatrice", [Role.AUDITOR]),
    ("officer@demo.bollinoblu.it", "Paolo Responsabile", [Role.OFFICER]),
    ("officer2@demo.bollinoblu.it", "Sara Responsabile", [Role.OFFICER]),
    ("ministry@demo.bollinoblu.it", "Lucia Ministero", [Role.MINISTRY]),
    ("applicant@demo.bollinoblu.it", "Franco Richiedente", [Role.APPLICANT]),
]


def load_demo_data(force: bool = False) -> bool:
    """Create the demo accounts unless the database already has users. Returns True if loaded."""
    if count_users() and not force:
        return False
    for email, name, roles in DEMO_USERS:
        if db.session.scalar(db.select(User).where(User.email == email)) is None:
            create_user(email, name, DEMO_PASSWORD, roles)
    db.session.flush()
    return True


def demo_logins() -> list[tuple[str, str]]:
    return [(email, ", ".join(str(r) for r in roles)) for email, _, roles in DEMO_USERS]
