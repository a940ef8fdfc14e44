"""Following a firm by email, without an account: double opt-in, unsubscribe in one click.

The page answers the same whatever the address's state (new, waiting, already following),
so nobody can learn who follows whom. A request is confirmed by a signed link that names the
subscription's nonce; a new request for an unconfirmed address changes the nonce, so only
the latest link works. Unconfirmed subscriptions receive nothing and are deleted by the
daily job once their link has expired.
"""

from __future__ import annotations

import datetime as dt
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from registry import auditlog, mail
from registry.db import utcnow
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.firms.models import Firm
from registry.links import external_url
from registry.tokens import TokenExpired, TokenInvalid, make_token, read_token, state_matches
from registry.watching.models import EmailFollow
from registry.watching.outbox import UNSUBSCRIBE, unsubscribe_headers, unsubscribe_link

CONFIRM = "follow-confirm"
# An unsubscribe link works for as long as the subscription it names exists.
UNSUBSCRIBE_MAX_AGE = 20 * 365 * 24 * 3600


def public_firm(firm_id: int) -> Firm:
    """A firm the public register lists (one that has held a certificate), else NotFound."""
    firm = db.session.get(Firm, firm_id)
    if firm is None or firm.current_certificate_id is None:
        raise NotFound(_("Azienda non trovata nel registro."))
    return firm


def normal_email(value: str) -> str:
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError(_("Indirizzo email non valido."), field="email") from None


def request_follow(firm_id: int, email: str, locale: str) -> None:
    """Ask to follow `firm_id`: email a confirmation link (or, to an address already
    following, its unsubscribe link). Repeated requests within RESEND_MINUTES send nothing
    more, so the form cannot be used to flood someone's mailbox. `locale` is the language
    the request was made in: this message and every later one are written in it."""
    firm = public_firm(firm_id)
    address = normal_email(email)
    now = utcnow()
    follow = db.session.scalar(db.select(EmailFollow).where(
        EmailFollow.firm_id == firm.id, EmailFollow.email == address))
    quiet = dt.timedelta(minutes=current_app.config["FOLLOW_RESEND_MINUTES"])
    if follow is not None and follow.requested_at > now - quiet:
        return
    if follow is None:
        follow = EmailFollow(firm_id=firm.id, email=address, nonce=secrets.token_hex(8),
                             created_at=now, requested_at=now, locale=locale)
        db.session.add(follow)
    else:
        follow.requested_at, follow.locale = now, locale
        if follow.confirmed_at is None:
            follow.nonce = secrets.token_hex(8)  # older confirmation links stop working
    db.session.flush()
    auditlog.record("follow.requested", "email_follow", follow.id, after={"firm_id": firm.id})
    with mail.in_language(follow.locale):
        if follow.confirmed_at is not None:
            link = unsubscribe_link(follow)
            mail.queue(db.session, address, _("Segui già %(firm)s", firm=firm.name),
                       _("Questo indirizzo segue già %(firm)s nel Registro Bollino Blu: non "
                         "devi fare altro.\n\nPer non ricevere più messaggi:\n%(link)s\n",
                         firm=firm.name, link=link), unsubscribe_headers(link))
            return
        token = make_token(CONFIRM, follow.id, follow.nonce)
        hours = current_app.config["FOLLOW_CONFIRM_MAX_AGE"] // 3600
        mail.queue(db.session, address, _("Conferma: vuoi seguire %(firm)s?", firm=firm.name),
                   _("Qualcuno (speriamo tu) ha chiesto di ricevere a questo indirizzo le "
                     "novità sul certificato Bollino Blu di %(firm)s: rilascio, sospensione, "
                     "riattivazione, revoca, scadenza e cambio di livello.\n\nPer confermare "
                     "apri questo collegamento entro %(hours)s ore:\n%(link)s\n\nSe non sei "
                     "stato tu, ignora questo messaggio: senza conferma non riceverai nulla.",
                     firm=firm.name, hours=hours,
                     link=external_url("watching.confirm", firm_id=firm.id, token=token)))


def _follow_from(purpose: str, firm_id: int, token: str, max_age: int) -> EmailFollow | None:
    follow_id, fp = read_token(purpose, token, max_age)
    follow = db.session.get(EmailFollow, follow_id)
    if follow is None or follow.firm_id != firm_id or not state_matches(fp, follow.nonce):
        return None
    return follow


def confirm(firm_id: int, token: str) -> Firm:
    """Confirm a subscription from its emailed link."""
    firm = public_firm(firm_id)
    try:
        follow = _follow_from(CONFIRM, firm.id, token,
                              current_app.config["FOLLOW_CONFIRM_MAX_AGE"])
    except TokenExpired:
        raise DomainError(_("Il collegamento di conferma è scaduto: chiedi di nuovo di "
                            "seguire l'azienda.")) from None
    except TokenInvalid:
        follow = None
    if follow is None:
        raise DomainError(_("Il collegamento di conferma non è valido o è già stato "
                            "sostituito da uno più recente."))
    if follow.confirmed_at is None:
        follow.confirmed_at = utcnow()
        db.session.flush()
        auditlog.record("follow.confirmed", "email_follow", follow.id,
                        after={"firm_id": firm.id})
    return firm


def unsubscribe(firm_id: int, token: str) -> None:
    """Stop a subscription (idempotent: a link used twice says the same)."""
    try:
        follow = _follow_from(UNSUBSCRIBE, firm_id, token, UNSUBSCRIBE_MAX_AGE)
    except (TokenExpired, TokenInvalid):
        raise DomainError(_("Il collegamento per annullare l'iscrizione non è valido.")
                          ) from None
    if follow is None:
        return
    auditlog.record("follow.cancelled", "email_follow", follow.id, after={"firm_id": firm_id})
    db.session.delete(follow)
    db.session.flush()


def valid_unsubscribe_token(firm_id: int, token: str) -> bool:
    try:
        read_token(UNSUBSCRIBE, token, UNSUBSCRIBE_MAX_AGE)
    except (TokenExpired, TokenInvalid):
        return False
    return True


def purge_unconfirmed(now: dt.datetime | None = None) -> int:
    """Delete subscriptions whose confirmation link has expired unused (the daily job)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=current_app.config["FOLLOW_CONFIRM_MAX_AGE"])
    stale = db.session.scalars(db.select(EmailFollow).where(
        EmailFollow.confirmed_at.is_(None), EmailFollow.requested_at < cutoff)).all()
    for follow in stale:
        db.session.delete(follow)
    db.session.flush()
    return len(stale)
