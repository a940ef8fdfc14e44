"""Account use cases. Each flushes and records its audit event; the caller commits."""

from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from registry import auditlog, mail
from registry.accounts import second_factor, sessions
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


# Accounts ------------------------------------------------------------------------------------
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


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing, made once per process and method: checking a password against it
    costs what checking a real one costs, so unknown addresses answer as fast as known."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[method]


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure).

    Exactly one password hash is computed whatever the address: an unknown one is checked
    against a dummy hash, so timing does not reveal which emails have accounts.
    """
    user = find_by_email(email)
    stored = user.password_hash if user is not None else _dummy_hash()
    if not check_password_hash(stored, password) or user is None or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str, *,
                    current_session: int | None = None) -> None:
    """Change a password after checking the current one; the user's other sessions end,
    `current_session` stays."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_("La password attuale non è corretta."), field="current_password")
    _set_password(user, new, "user.password_changed", keep_session=current_session)


def _set_password(user: User, new: str, action: str, *, keep_session: int | None) -> None:
    problem = password_problem(new)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new)
    sessions.revoke_all(user, keep=keep_session)
    db.session.flush()
    auditlog.record(action, "user", user.id, actor=user)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists, otherwise a note that none does.

    The requester is told the same either way, and both paths do the same work (a signed
    token, one email queued and sent after commit), so neither the answer nor its timing
    says whether an address has an account.
    """
    user = find_by_email(email)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    if user is None or not user.active:
        make_token("reset", 0, "")  # the same signing work as a real link
        mail.queue(db.session, normalise_email(email), _("Reimpostazione della password"),
                   _("Qualcuno ha chiesto di reimpostare la password del Registro Bollino Blu "
                     "per questo indirizzo, ma non corrisponde a nessun account attivo.\n\n"
                     "Se sei stato tu, forse hai usato un altro indirizzo. Altrimenti ignora "
                     "questo messaggio."))
        return
    token = make_token("reset", user.id, user.password_hash)
    link = external_url("accounts.reset_password", token=token)
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
    _set_password(user, new, "user.password_reset", keep_session=None)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link reached this address: it is confirmed
    return user


# Logging in ----------------------------------------------------------------------------------
def password_accepted(user: User) -> str | None:
    """After a correct password: None if the login is complete (no second factor for this
    account), else a signed token for the second step, kept in the Flask session. It
    expires after LOGIN_PENDING_MAX_AGE and dies with a password change."""
    if user.has_second_factor or user.second_factor_required:
        return make_token("login-second-step", user.id, user.password_hash)
    return None


def user_for_second_step(token: str | None) -> User | None:
    """The user whose password was accepted by `token`, or None (expired, altered, used)."""
    if not token:
        return None
    try:
        user_id, fp = read_token("login-second-step", token,
                                 current_app.config["LOGIN_PENDING_MAX_AGE"])
    except (TokenExpired, TokenInvalid):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not state_matches(fp, user.password_hash):
        return None
    return user


def log_in(user: User, *, ip_address: str | None, user_agent: str | None,
           second_factor: str | None = None) -> str:
    """Open a session for a user whose credentials were checked; returns its token."""
    if user.second_factor_required and second_factor is None:
        raise DomainError(_("Il tuo ruolo richiede il secondo fattore."))
    return sessions.start_session(user, ip_address=ip_address, user_agent=user_agent,
                                  second_factor=second_factor)


def log_in_with_code(user: User, code: str, *, ip_address: str | None,
                     user_agent: str | None) -> str:
    """The second step: a TOTP or recovery code, then a session."""
    method = second_factor.verify(user, code)
    return log_in(user, ip_address=ip_address, user_agent=user_agent, second_factor=method)


def enrol_second_factor(user: User, secret: str, code: str, *, ip_address: str | None = None,
                        user_agent: str | None = None, current_session: int | None = None,
                        logging_in: bool = False) -> list[str]:
    """Confirm an authenticator and return the ten recovery codes. While logging in (a staff
    member's first login) this also opens the session; when already logged in, the current
    session counts as passed with the second factor."""
    codes = second_factor.enrol(user, secret, code)
    if logging_in:
        log_in(user, ip_address=ip_address, user_agent=user_agent, second_factor="totp")
    elif current_session is not None:
        sessions.mark_second_factor(current_session, "totp")
    return codes


def log_out(session_id: int | None) -> None:
    sessions.revoke(session_id)


# Administration ------------------------------------------------------------------------------
def update_user(user: User, *, name: str, roles, active: bool, actor: User | None,
                current_session: int | None = None) -> None:
    """Admin edit of a user's name, roles and active flag.

    A change of roles or a deactivation ends the user's sessions (an admin editing their
    own roles keeps `current_session`): the next login meets the new roles' rules, such as
    the second factor staff must use.
    """
    before = _public_state(user)
    removing_own_admin = not active or Role.ADMIN not in {Role(role) for role in roles}
    if actor is not None and user.id == actor.id and removing_own_admin:
        raise DomainError(_("Non puoi disattivare te stesso né togliere a te il ruolo di "
                            "amministratore."))
    user.name = name.strip()
    user.set_roles(roles)
    if (user.active and not active) or user.roles != set(before["roles"]):
        keep = current_session if actor is not None and actor.id == user.id else None
        sessions.revoke_all(user, keep=keep)
    user.active = active
    db.session.flush()
    auditlog.record("user.updated", "user", user.id, actor=actor, before=before,
                    after=_public_state(user))


def reset_second_factor(user: User, *, actor: User | None) -> None:
    """An admin (or the CLI, actor None) clears a user's second factor (a lost phone): the
    secret and recovery codes are forgotten and every session of the user ends; staff enrol
    again at their next login. Nobody resets their own: that would defeat its purpose."""
    if actor is not None and actor.id == user.id:
        raise DomainError(_("Non puoi reimpostare il tuo secondo fattore: chiedilo a un altro "
                            "amministratore."))
    had = user.has_second_factor
    second_factor.clear(user)
    ended = sessions.revoke_all(user)
    db.session.flush()
    auditlog.record("user.second_factor_reset", "user", user.id, actor=actor,
                    before={"second_factor": had},
                    after={"second_factor": False, "sessions_ended": ended})


def disable_second_factor(user: User, password: str) -> None:
    """An applicant turns the optional second factor off (staff cannot)."""
    if user.second_factor_required:
        raise DomainError(_("Il tuo ruolo richiede il secondo fattore: non puoi disattivarlo."))
    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(_("La password non è corretta."), field="password")
    if not user.has_second_factor:
        raise DomainError(_("Il secondo fattore non è attivo."))
    second_factor.clear(user)
    auditlog.record("user.second_factor_disabled", "user", user.id, actor=user)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Utente non trovato."))
    return user


SELF_SERVICE_ROLES = frozenset({Role.APPLICANT, Role.CLIENT})


def sign_up(name: str, email: str, password: str, role: Role | str = Role.APPLICANT) -> None:
    """An outsourcer creates an applicant account, or a client company a `client` account
    (to watch its suppliers); it must confirm its email before use.

    If the address already has an account nothing is created and its owner is told by
    email instead; the page answers the same in both cases (no account enumeration), and
    both paths hash the password once and queue one email.
    """
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in SELF_SERVICE_ROLES:
        raise DomainError(_("Scelta non valida."), field="kind")
    problem = password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    existing = find_by_email(email)
    if existing is None:
        user = create_user(email, name, password, [role], confirmed=False)
        user.locale = str(get_locale() or "") or None  # the language signed up in
        send_confirmation(user)
        return
    hash_password(password)  # the work creating an account would have done
    link = external_url("accounts.request_reset")
    mail.queue(db.session, existing.email, _("Tentativo di registrazione con il tuo indirizzo"),
               _("Qualcuno ha provato a registrarsi al Registro Bollino Blu con questo "
                 "indirizzo, che ha già un account. Se sei stato tu, accedi con la tua "
                 "password; se l'hai dimenticata, chiedine una nuova qui:\n\n%(link)s\n\n"
                 "Se non sei stato tu, ignora questo messaggio: il tuo account non è cambiato.",
                 link=link))


def set_locale(user: User, code: str) -> None:
    """Remember the language `user` chose: their emails are written in it."""
    if code in current_app.config["LANGUAGES"] and user.locale != code:
        user.locale = code
        db.session.flush()


def send_confirmation(user: User) -> None:
    """Email the link that confirms the address."""
    token = make_token("confirm", user.id, user.email)
    link = external_url("accounts.confirm_email", token=token)
    mail.queue(db.session, user.email, _("Conferma il tuo indirizzo email"),
               _("Benvenuto nel Registro Bollino Blu.\n\nPer confermare il tuo indirizzo apri "
                 "questo collegamento:\n\n%(link)s\n", link=link))


def resend_confirmation(email: str) -> None:
    """Send the confirmation link again to an account that has not confirmed its address.
    For an unknown, inactive or already confirmed address nothing happens: the page answers
    the same in every case, so it reveals nothing about who has an account."""
    user = find_by_email(email)
    if user is not None and user.active and user.email_confirmed_at is None:
        send_confirmation(user)


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
