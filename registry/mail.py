"""Outgoing email, sent only after the transaction that caused it commits.

Services call `queue()`; the messages wait in the session and leave when it commits (a
rolled-back use case sends nothing). With no SMTP server configured outside production the
messages are written to the log and to instance/outbox/ so a person can read them.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale, get_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from registry.db import utcnow

OUTBOX_KEY = "registry_outbox"


def build_message(to: str, subject: str, body: str,
                  headers: dict[str, str] | None = None,
                  html: str | None = None, language: str | None = None) -> EmailMessage:
    """A plain-text UTF-8 message to one person from the registry's sender, with an HTML
    alternative when `html` is given; `headers` adds more (e.g. `List-Unsubscribe` and
    `List-Unsubscribe-Post` on messages to followers, RFC 8058); `language` is the one it
    is written in (`Content-Language`, RFC 3282)."""
    if not isinstance(to, str):
        # One recipient per message: people must not learn each other's addresses.
        raise TypeError("one recipient per message: use queue_each()")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="bollinoblu.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if language:  # last: making the message multipart moves Content-* headers to its part
        message["Content-Language"] = language
    return message


def queue(session: Session, to: str, subject: str, body: str,
          headers: dict[str, str] | None = None, html: str | None = None) -> None:
    """Send this message to one address when `session` commits; forget it if the session
    rolls back. It is written in the language being translated into now (the request's, or
    the recipient's inside `in_language`)."""
    if not to:
        return
    config = dict(current_app.config)
    session.info.setdefault(OUTBOX_KEY, []).append(
        (build_message(to, subject, body, headers, html,
                       str(get_locale() or config["BABEL_DEFAULT_LOCALE"])), config))


def queue_each(session: Session, addresses: Iterable[str], subject: str, body: str,
               headers: dict[str, str] | None = None) -> None:
    """The same message to each address, one message per recipient (no shared `To:`)."""
    for address in sorted(set(addresses)):
        queue(session, address, subject, body, headers)


@contextmanager
def in_language(locale: str | None) -> Iterator[None]:
    """Translate in `locale` (a person's stored language) inside the block; the registry
    caches the request's catalogue in `g`, so that cache is set aside meanwhile."""
    if not locale or locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    cached = g.pop("_babel_translations", None) if has_app_context() else None
    try:
        with force_locale(locale):
            yield
    finally:
        g.pop("_babel_translations", None)
        if cached is not None:
            g._babel_translations = cached


def queue_for(session: Session, person, subject, body, link: str | None = None,
              action=None) -> None:
    """A message to one person (anything with `email` and `locale`) in their language,
    plain text and HTML, with the link to act on. `subject`, `body` and `action` are lazy
    strings (`_l(...)`) or callables, rendered in the person's language."""
    with in_language(getattr(person, "locale", None)):
        subject_text, body_text = _text(subject), _text(body)
        action_text = _text(action) if action is not None else None
        plain = body_text + (f"\n\n{link}" if link else "")
        html = render_template("email/message.html", subject=subject_text,
                               paragraphs=[p for p in body_text.split("\n\n") if p.strip()],
                               link=link, action=action_text)
        queue(session, person.email, subject_text, plain, html=html)


def queue_for_each(session: Session, people: Iterable, subject, body,
                   link: str | None = None, action=None) -> None:
    """`queue_for` to each person once (by address), each in their own language: a firm's
    members may read Italian or English. `subject`, `body` and `action` are lazy strings or
    callables, rendered once per recipient."""
    seen: set[str] = set()
    for person in people:
        if person.email not in seen and getattr(person, "active", True):
            seen.add(person.email)
            queue_for(session, person, subject, body, link, action)


def _text(value) -> str:
    return str(value() if callable(value) else value)


def deliver(message: EmailMessage, config: dict) -> None:
    """Send one message through SMTP, or to the outbox folder when no server is set."""
    server = config.get("MAIL_SERVER")
    if not server:
        _write_outbox(message, config)
        return
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(server, int(config.get("MAIL_PORT") or 25),
                    timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, config: dict) -> None:
    folder = Path(config["OUTBOX_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{abs(hash(message['Message-ID'])) % 10**8:08d}.eml"
    path.write_bytes(bytes(message))
    logging.getLogger("registry.mail").info(
        "email to %s, %r, written to %s\n%s", message["To"], message["Subject"], path,
        plain_text(message),
    )


def plain_text(message: EmailMessage) -> str:
    """The plain-text part of a message (the whole content when it has one part only)."""
    part = message.get_body(("plain",)) or message
    return part.get_content()


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(OUTBOX_KEY, [])
    for message, config in pending:
        try:
            deliver(message, config)
        except (OSError, smtplib.SMTPException):
            # The state change is already committed; a mail failure must not undo it. It is
            # logged loudly so an operator can resend.
            logging.getLogger("registry.mail").exception("could not send %r", message["Subject"])


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_KEY, None)
