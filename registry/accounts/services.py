"""Account use cases. Each flushes and records its audit event; the caller commits."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from registry import auditlog, mail
from registry.accounts.models import User, find_by_email, normalise_email
from registry.db import utcnow
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.links import external_url
from registry.security import Role
from registry.tokens import TokenExpired, TokenInvalid, make_token, read_token, state_matches

COMMON_PASSWORDS = {"password", "password1", "password123", "1234567890", "qwertyuiop",
                    "0123456789", "iloveyou12", "passw0rd12", "bollinoblu", "administrator"}


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None. Length matters most; trivial ones are refused."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("La password deve avere almeno %(n)d caratteri.", n=minimum)
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 5:
        return _("La password è troppo facile da indovinare.")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"[^A-Za-z]", password)):
        return _("La password deve contenere lettere e almeno un numero o un simbolo.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(email: str, name: str, password: str, roles, *, actor=None,
                confirmed: bool = True, firm_id: int | None = None) -> User:
    """Create an account. Raises DomainError for a duplicate email or a weak password."""
    email = normalise_email(email)
    if find_by_email(email):
        raise DomainError(_("Esiste già un account con questo indirizzo email."), field="email")
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                email_confirmed_at=utcnow() if confirmed else None, firm_id=firm_id)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    auditlog.record("user.created", "user", user.id, actor=actor or user,
                    after=_public_state(user))
    return user


def _public_state(user: User) -> dict:
    return {"email": user.email, "name": user.name, "active": user.active,
            "roles": sorted(user.roles), "firm_id": user.firm_id}


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = find_by_email(email)
    if user is None:
        # Hash anyway so that timing does not reveal which emails have accounts.
        check_password_hash(hash_password("x" * 12), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions are logged out."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_("La password attuale non è corretta."), field="current_password")
    _set_password(user, new, "user.password_changed")


def _set_password(user: User, new: str, action: str) -> None:
    problem = password_problem(new)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.flush()
    auditlog.record(action, "user", user.id, actor=user)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way to the requester."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    token = make_token("reset", user.id, user.password_hash)
    link = external_url("accounts.reset_password", token=token)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    mail.queue(db.session, user.email, _("Reimpostazione della password"),
               _("Per scegliere una nuova password apri questo collegamento entro %(m)d minuti:"
                 "\n\n%(link)s\n\nSe non hai chiesto tu la reimpostazione, ignora questo "
                 "messaggio.", m=minutes, link=link))
    auditlog.record("user.reset_requested", "user", user.id, actor=user)


def user_for_reset(token: str) -> User:
    """The user a reset link belongs to, or DomainError saying why the link is unusable."""
    try:
        user_id, fp = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except TokenExpired:
        raise DomainError(_("Il collegamento è scaduto: chiedine uno nuovo.")) from None
    except TokenInvalid:
        raise DomainError(_("Il collegamento non è valido.")) from None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise DomainError(_("Il collegamento non è valido."))
    if not state_matches(fp, user.password_hash):
        raise DomainError(_("Il collegamento è già stato usato: chiedine uno nuovo."))
    return user


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset link; the link cannot be used again."""
    user = user_for_reset(token)
    _set_password(user, new, "user.password_reset")
    return user


def update_user(user: User, *, name: str, roles, active: bool, actor: User | None) -> None:
    """Admin edit of a user's name, roles and active flag."""
    before = _public_state(user)
    removing_own_admin = not active or Role.ADMIN not in {Role(role) for role in roles}
    if actor is not None and user.id == actor.id and removing_own_admin:
        raise DomainError(_("Non puoi disattivare te stesso né togliere a te il ruolo di "
                            "amministratore."))
    user.name = name.strip()
    user.set_roles(roles)
    if user.active and not active:
        user.session_version += 1
    user.active = active
    db.session.flush()
    auditlog.record("user.updated", "user", user.id, actor=actor, before=before,
                    after=_public_state(user))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Utente non trovato."))
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: an inactive user or an outdated session version is anonymous."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def sign_up(name: str, email: str, password: str) -> User:
    """An outsourcer creates an applicant account; it must confirm its email before use."""
    user = create_user(email, name, password, [Role.APPLICANT], confirmed=False)
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    """Email the link that confirms the address."""
    token = make_token("confirm", user.id, user.email)
    link = external_url("accounts.confirm_email", token=token)
    mail.queue(db.session, user.email, _("Conferma il tuo indirizzo email"),
               _("Benvenuto nel Registro Bollino Blu.\n\nPer confermare il tuo indirizzo apri "
                 "questo collegamento:\n\n%(link)s\n", link=link))


def confirm_email(token: str) -> User:
    """Mark the address confirmed; an old or altered link is refused with its reason."""
    try:
        user_id, fp = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    except TokenExpired:
        raise DomainError(_("Il collegamento di conferma è scaduto.")) from None
    except TokenInvalid:
        raise DomainError(_("Il collegamento di conferma non è valido.")) from None
    user = db.session.get(User, user_id)
    if user is None or not state_matches(fp, user.email):
        raise DomainError(_("Il collegamento di conferma non è valido."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()
        auditlog.record("user.email_confirmed", "user", user.id, actor=user)
    return user
