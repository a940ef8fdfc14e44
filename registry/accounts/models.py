"""The user account, its roles, its sessions and its second factor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db
from registry.security import SECOND_FACTOR_ROLES, Role


class User(db.Model):
    """A person who logs in. Emails are stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[dt.datetime | None]
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id", use_alter=True), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # The second factor (TOTP): the shared secret encrypted at rest (see second_factor.py),
    # when it was confirmed with a first code, and the last time step a code was accepted
    # for, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The language the person last chose ("it"/"en"): their emails are written in it.
    locale: Mapped[str | None] = mapped_column(String(8))

    # The token of the session this object was loaded for (never stored: the database
    # keeps only its hash, in UserSession). Flask-Login keeps it in the signed cookie.
    session_token = None

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, role: Role | str) -> bool:
        return any(row.role == str(role) for row in self.role_rows)

    def set_roles(self, roles) -> None:
        wanted = {str(Role(role)) for role in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        have = {row.role for row in self.role_rows}
        self.role_rows.extend(UserRole(role=role) for role in sorted(wanted - have))

    @property
    def second_factor_required(self) -> bool:
        """Staff must log in with a second factor; for applicants it is optional."""
        return any(self.has_role(role) for role in SECOND_FACTOR_ROLES)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        # The cookie names a server-side session (UserSession), never the user: a session
        # ends when its row is revoked, whatever copies of the cookie exist.
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """One login: a browser holding a random token whose SHA-256 is stored here.

    Checked on every request; revoked by logout, by a password change (the others), by a
    role change, a deactivation or a second-factor reset (all of them), or from the
    account page. `second_factor` says how the login was completed ("totp", "recovery"),
    None for a password-only login, which staff accounts are never allowed.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    second_factor: Mapped[str | None] = mapped_column(String(20))
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A single-use code that replaces the authenticator once; only its keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]


def find_by_email(email: str) -> User | None:
    """The account with this email, whatever its case."""
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def count_users() -> int:
    return db.session.scalar(db.select(func.count(User.id))) or 0


def active_with_role(role: Role) -> list[User]:
    """Active people holding `role`, by name (who can be assigned, who is told)."""
    return list(db.session.scalars(db.select(User).join(UserRole).where(
        UserRole.role == str(role), User.active.is_(True)).order_by(User.name)))
