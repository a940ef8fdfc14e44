"""Certificate events become outbox rows, in the transaction that made the change.

`init_app` connects `on_certificate_event` to the certificates feature's signal. For each
event it writes one `WatchEvent`, one `WebhookDelivery` per enabled endpoint of each client
watching the firm (the worker sends them later), and queues the emails to confirmed
followers and to clients who asked for immediate messages (`mail.queue` sends after commit).
All of it lives in the caller's session: when the change is rolled back, so is every row
and every email, and nothing is ever delivered for it.
"""

from __future__ import annotations

import secrets

from flask import Flask
from flask_babel import gettext as _

from registry import mail
from registry.accounts.models import User
from registry.certificates.events import EventKind, certificate_event
from registry.certificates.labels import level_label, status_label, verdict_label
from registry.certificates.lookup import listed, verify_url
from registry.certificates.models import Certificate
from registry.db import utcnow
from registry.extensions import db
from registry.links import external_url
from registry.tokens import make_token
from registry.watching.models import (
    ClientSettings,
    EmailFollow,
    WatchedSupplier,
    WatchEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from registry.watching.workflow import Digest

UNSUBSCRIBE = "follow-unsubscribe"
# What followers are told of: issuance, every status change (suspension, reinstatement,
# withdrawal, expiry, renunciation) and a level change; a revision that only reprints the
# firm's data is not news to them.
TOLD = frozenset({EventKind.ISSUED, EventKind.STATUS_CHANGED, EventKind.LEVEL_CHANGED})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def describe(certificate: Certificate) -> dict:
    """The certificate as events carry it (a subset of the API's certificate shape)."""
    answer = listed(certificate)
    return {"number": certificate.number, "revision": certificate.revision,
            "status": certificate.status, "verdict": str(answer.verdict),
            "level": certificate.level, "valid_from": certificate.valid_from.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "firm": {"id": certificate.firm_id, "name": certificate.firm_name,
                     "vat_number": certificate.vat_number},
            "verify_url": verify_url(certificate)}


def payload_of(kind: str, certificate: Certificate | None, change: dict, at) -> dict:
    """The Standard Webhooks payload shape: type, timestamp, data."""
    data = {"change": change}
    if certificate is not None:
        data["certificate"] = describe(certificate)
    return {"type": str(kind), "timestamp": at.isoformat().replace("+00:00", "Z"),
            "data": data}


def on_certificate_event(kind: EventKind, certificate: Certificate, change: dict) -> None:
    at = utcnow()
    event = WatchEvent(public_id=new_id("evt"), kind=str(kind), firm_id=certificate.firm_id,
                       certificate_number=certificate.number,
                       payload=payload_of(kind, certificate, change, at), created_at=at)
    db.session.add(event)
    db.session.flush()
    endpoints = db.session.scalars(
        db.select(WebhookEndpoint).join(WatchedSupplier,
                                        WatchedSupplier.user_id == WebhookEndpoint.user_id)
        .where(WatchedSupplier.firm_id == certificate.firm_id,
               WebhookEndpoint.enabled.is_(True)).order_by(WebhookEndpoint.id)).all()
    for endpoint in endpoints:
        db.session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id,
                                       message_id=new_id("msg"), kind=event.kind,
                                       payload=event.payload, next_attempt_at=at))
    if kind in TOLD:
        _tell_followers(certificate, kind, change)
        _tell_clients(certificate, kind, change)
    db.session.flush()


def event_summary(kind: str, certificate_number: str, firm_name: str, change: dict) -> str:
    """One line for a person: what happened to which certificate."""
    if kind == EventKind.ISSUED:
        text = _("%(firm)s: rilasciato il certificato %(n)s, livello %(level)s.",
                 firm=firm_name, n=certificate_number, level=level_label(change.get("level")))
    elif kind == EventKind.LEVEL_CHANGED:
        text = _("%(firm)s: il livello del certificato %(n)s è passato da %(a)s a %(b)s.",
                 firm=firm_name, n=certificate_number,
                 a=level_label(change.get("previous_level")), b=level_label(change.get("level")))
    elif kind == EventKind.REVISED:
        text = _("%(firm)s: nuova revisione del certificato %(n)s.",
                 firm=firm_name, n=certificate_number)
    else:
        text = _("%(firm)s: il certificato %(n)s è ora «%(s)s».",
                 firm=firm_name, n=certificate_number, s=status_label(change.get("status")))
    if change.get("reason") and kind == EventKind.STATUS_CHANGED:
        text += " " + _("Motivazione: %(r)s", r=change["reason"])
    return text


def unsubscribe_headers(link: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs offer a one-click unsubscribe button."""
    return {"List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe_link(follow: EmailFollow) -> str:
    return external_url("watching.unsubscribe", firm_id=follow.firm_id,
                        token=make_token(UNSUBSCRIBE, follow.id, follow.nonce))


def _tell_followers(certificate: Certificate, kind: EventKind, change: dict) -> None:
    followers = db.session.scalars(db.select(EmailFollow).where(
        EmailFollow.firm_id == certificate.firm_id, EmailFollow.confirmed_at.is_not(None))
        .order_by(EmailFollow.id)).all()
    if not followers:
        return
    verdict = listed(certificate).verdict
    for follow in followers:  # each in the language they asked to follow in
        with mail.in_language(follow.locale):
            summary = event_summary(kind, certificate.number, certificate.firm_name, change)
            subject = _("Bollino Blu: novità su %(firm)s", firm=certificate.firm_name)
            link = unsubscribe_link(follow)
            body = _("%(summary)s\n\nEsito della verifica oggi: %(verdict)s\nVerifica il "
                     "certificato: %(url)s\n\nRicevi questo messaggio perché segui questa "
                     "azienda nel Registro Bollino Blu. Per non ricevere più messaggi:\n"
                     "%(unsubscribe)s\n", summary=summary, verdict=verdict_label(verdict),
                     url=verify_url(certificate), unsubscribe=link)
            mail.queue(db.session, follow.email, subject, body, unsubscribe_headers(link))


def _tell_clients(certificate: Certificate, kind: EventKind, change: dict) -> None:
    """Client accounts that chose immediate messages hear of each change at once."""
    users = db.session.scalars(
        db.select(User).join(WatchedSupplier, WatchedSupplier.user_id == User.id)
        .join(ClientSettings, ClientSettings.user_id == User.id)
        .where(WatchedSupplier.firm_id == certificate.firm_id, User.active.is_(True),
               ClientSettings.digest == Digest.IMMEDIATE).order_by(User.id)).all()
    if not users:
        return
    link, url = external_url("watching.suppliers"), verify_url(certificate)
    for user in users:  # each in the language they chose
        mail.queue_for(
            db.session, user,
            lambda: _("Bollino Blu: novità su %(firm)s", firm=certificate.firm_name),
            lambda: _("%(summary)s\n\nVerifica il certificato: %(url)s\n\nI tuoi fornitori e "
                      "le preferenze di notifica: %(link)s\n", summary=event_summary(
                          kind, certificate.number, certificate.firm_name, change),
                      url=url, link=link))


def _receive(kind, certificate, change, **_extra) -> None:
    on_certificate_event(EventKind(kind), certificate, change)


def init_app(app: Flask) -> None:
    """Subscribe to certificate events (certificates never import this feature). The
    receiver is one module-level function, so several apps in one process (tests) connect
    it once and every event is written once."""
    certificate_event.connect(_receive, weak=False)
