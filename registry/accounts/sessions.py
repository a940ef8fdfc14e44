"""Server-side sessions: a login is a row, and a session ends when its row is revoked.

The browser's signed cookie holds a random token (Flask-Login's user id); the database
keeps its SHA-256 only, so a database dump opens no session. Every request looks the token
up (`load_session_user`); "last seen" is written at most every SESSION_TOUCH_SECONDS, after
the response, in its own short transaction, so reading a page costs no write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from registry import auditlog
from registry.accounts.models import User, UserSession
from registry.db import utcnow
from registry.errors import NotFound
from registry.extensions import db

# How a login was completed; staff sessions must have one of these.
SECOND_FACTORS = ("totp", "recovery")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, ip_address: str | None, user_agent: str | None,
                  second_factor: str | None) -> str:
    """Open a session for `user` (credentials already checked) and return its token, which
    the caller hands to Flask-Login (`user.session_token` is set to it)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=_digest(token), user_id=user.id, created_at=now,
                               last_seen_at=now, ip_address=(ip_address or "")[:45] or None,
                               user_agent=(user_agent or "")[:255] or None,
                               second_factor=second_factor))
    user.last_login_at = now
    user.session_token = token
    db.session.flush()
    return token


def load_session_user(token: str) -> User | None:
    """Flask-Login loader: the user of a live session, or None (anonymous).

    A revoked or unknown token, an inactive user, or a staff session opened without a
    second factor is anonymous. Old-style ids ("<user>:<version>") match no token.
    """
    record = db.session.scalar(db.select(UserSession).where(
        UserSession.token_hash == _digest(token or "")))
    if record is None or record.revoked_at is not None or _expired(record, utcnow()):
        return None
    user = record.user
    if not user.active:
        return None
    if user.second_factor_required and record.second_factor not in SECOND_FACTORS:
        return None
    user.session_token = token
    g.user_session_id = record.id
    touch_every = dt.timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"])
    if utcnow() - record.last_seen_at >= touch_every:
        g.user_session_touch = record.id
    return user


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            dt.timedelta(hours=config["SESSION_MAX_HOURS"]))


def _expired(record: UserSession, now: dt.datetime) -> bool:
    """A session left unused for SESSION_IDLE_MINUTES, or older than SESSION_MAX_HOURS, has
    ended: a cookie left on a shared computer does not open the registry the next day."""
    idle, lifetime = _limits()
    return now - record.last_seen_at > idle or now - record.created_at > lifetime


def current_session_id() -> int | None:
    """The id of the session this request was authenticated by."""
    return g.get("user_session_id")


def touch_after_request(response):
    """Write "last seen" for this request's session, if due, in its own transaction (after
    the view has committed or rolled back). A failure here only loses a timestamp."""
    session_id = g.pop("user_session_touch", None)
    if session_id is not None:
        try:
            with db.engine.begin() as connection:
                connection.execute(update(UserSession).where(UserSession.id == session_id)
                                   .values(last_seen_at=utcnow()))
        except SQLAlchemyError:
            logging.getLogger("registry.sessions").warning(
                "could not record the last use of session %s", session_id, exc_info=True)
    return response


def active_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not been revoked or expired, most recently used first."""
    idle, lifetime = _limits()
    now = utcnow()
    return list(db.session.scalars(db.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.last_seen_at >= now - idle, UserSession.created_at >= now - lifetime)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def revoke(session_id: int | None) -> None:
    """End one session (logout). Unknown or already-ended sessions are left as they are."""
    if session_id is None:
        return
    db.session.execute(update(UserSession).where(
        UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))


def mark_second_factor(session_id: int, method: str) -> None:
    """The user of this session has just passed a second factor (enrolment)."""
    db.session.execute(update(UserSession).where(UserSession.id == session_id)
                       .values(second_factor=method))


def revoke_all(user: User, *, keep: int | None = None) -> int:
    """End every session of `user` except `keep`; returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount or 0


def revoke_own(user: User, session_id: int) -> None:
    """The user ends one of their sessions from the account page."""
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        raise NotFound(_("Sessione non trovata."))
    record.revoked_at = utcnow()
    db.session.flush()
    auditlog.record("user.session_revoked", "user", user.id, actor=user,
                    after={"session": session_id})


def revoke_others(user: User, current: int | None) -> int:
    """The user logs out everywhere else."""
    ended = revoke_all(user, keep=current)
    db.session.flush()
    auditlog.record("user.sessions_revoked", "user", user.id, actor=user,
                    after={"sessions": ended})
    return ended


BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"),
            ("Chrome", "Chrome"), ("Chromium", "Chromium"), ("Safari", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
           ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def describe_agent(user_agent: str | None) -> str:
    """A short "browser on system" for a User-Agent, for people to recognise a device."""
    agent = user_agent or ""
    browser = next((name for token, name in BROWSERS if re.search(rf"\b{token}/", agent)), None)
    system = next((name for token, name in SYSTEMS if token in agent), None)
    if browser and system:
        return _("%(browser)s su %(system)s", browser=browser, system=system)
    return browser or system or (agent[:60] if agent else _("Dispositivo sconosciuto"))
