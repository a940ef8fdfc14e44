"""Outgoing email, sent only after the transaction that caused it commits.

Services call `queue()`; the messages wait in the session and leave when it commits (a
rolled-back use case sends nothing). With no SMTP server configured outside production the
messages are written to the log and to instance/outbox/ so a person can read them.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from registry.db import utcnow

OUTBOX_KEY = "registry_outbox"


def build_message(to: str | list[str], subject: str, body: str,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from the registry's sender; `headers` adds more (e.g.
    `List-Unsubscribe` and `List-Unsubscribe-Post` on messages to followers, RFC 8058)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = ", ".join(to) if isinstance(to, list) else to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="bollinoblu.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def queue(session: Session, to: str | list[str], subject: str, body: str,
          headers: dict[str, str] | None = None) -> None:
    """Send this message when `session` commits; forget it if the session rolls back."""
    if not to:
        return
    config = dict(current_app.config)
    session.info.setdefault(OUTBOX_KEY, []).append(
        (build_message(to, subject, body, headers), config))


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
        message.get_content(),
    )


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
