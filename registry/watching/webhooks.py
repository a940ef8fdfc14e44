"""Webhook endpoints of client accounts, and the worker that delivers to them.

Messages are signed per the Standard Webhooks specification with its reference library
(`webhook-id`, `webhook-timestamp`, `webhook-signature`). The worker takes due deliveries
from the outbox (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the
same row; a conditional update on SQLite), holds each with a short lease, posts it with a
short timeout and no redirects followed, keeps at most a few hundred characters of the
answer, and retries failures with exponential backoff and jitter. An endpoint failing for
`WEBHOOK_DISABLE_AFTER_HOURS` (or `WEBHOOK_DISABLE_AFTER_FAILURES` times in a row) is
disabled and its owner emailed.

The worker is a runner like a CLI command: it owns its transactions (a claim must be
committed before the HTTP call, and each result after it).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import ipaddress
import json
import random
import secrets
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from standardwebhooks.webhooks import Webhook

from registry import auditlog, mail
from registry.accounts.models import User
from registry.db import utcnow
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.links import external_url
from registry.security import Role
from registry.watching.models import WebhookDelivery, WebhookEndpoint
from registry.watching.outbox import new_id, payload_of
from registry.watching.workflow import DeliveryState

TEST_EVENT = "webhook.test"
EXCERPT = 300
LEASE = dt.timedelta(minutes=2)


# --- endpoints ---------------------------------------------------------------------------
def check_url(url: str) -> str:
    """HTTPS only, with a host; plain http to a loopback address outside production (tests,
    development). No credentials in the address."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise DomainError(_("Indirizzo non valido."), field="url") from None
    host = parts.hostname or ""
    loopback = is_loopback(host)
    if len(url) > 500 or not host or parts.username or parts.password or not url.isprintable():
        raise DomainError(_("Indirizzo non valido."), field="url")
    if parts.scheme == "https":
        return url
    if (parts.scheme == "http" and loopback
            and current_app.config["ENV_NAME"] != "production"):
        return url
    raise DomainError(_("L'indirizzo deve iniziare con https://."), field="url")


def _client(user: User) -> None:
    if not user.has_role(Role.CLIENT):
        raise NotFound(_("Pagina non trovata."))


def endpoints_of(user: User) -> list[WebhookEndpoint]:
    return list(db.session.scalars(db.select(WebhookEndpoint).where(
        WebhookEndpoint.user_id == user.id).order_by(WebhookEndpoint.id)))


def endpoint_of(user: User, endpoint_id: int) -> WebhookEndpoint:
    """The client's own endpoint, else NotFound (other ids reveal nothing)."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.user_id != user.id:
        raise NotFound(_("Endpoint non trovato."))
    return endpoint


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def create_endpoint(user: User, url: str, description: str = "") -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown to the client this once)."""
    _client(user)
    url = check_url(url)
    if len(endpoints_of(user)) >= current_app.config["WEBHOOK_MAX_ENDPOINTS"]:
        raise DomainError(_("Hai già il numero massimo di endpoint: eliminane uno prima."))
    secret = new_secret()
    endpoint = WebhookEndpoint(user_id=user.id, url=url, description=(description or "")[:200],
                               secret=secret)
    db.session.add(endpoint)
    db.session.flush()
    auditlog.record("webhook.created", "webhook_endpoint", endpoint.id, actor=user,
                    after={"url": url})
    return endpoint, secret


def delete_endpoint(user: User, endpoint_id: int) -> None:
    endpoint = endpoint_of(user, endpoint_id)
    auditlog.record("webhook.deleted", "webhook_endpoint", endpoint.id, actor=user,
                    before={"url": endpoint.url})
    db.session.delete(endpoint)
    db.session.flush()


def enable_endpoint(user: User, endpoint_id: int) -> WebhookEndpoint:
    """Turn a disabled endpoint back on; its pending deliveries are tried again now."""
    endpoint = endpoint_of(user, endpoint_id)
    if endpoint.enabled:
        raise DomainError(_("L'endpoint è già attivo."))
    now = utcnow()
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
    endpoint.failing_since, endpoint.consecutive_failures = None, 0
    db.session.execute(db.update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id,
        WebhookDelivery.state == DeliveryState.PENDING).values(next_attempt_at=now))
    db.session.flush()
    auditlog.record("webhook.enabled", "webhook_endpoint", endpoint.id, actor=user)
    return endpoint


def send_test(user: User, endpoint_id: int) -> WebhookDelivery:
    """Queue a `webhook.test` message to the endpoint (delivered by the worker)."""
    endpoint = endpoint_of(user, endpoint_id)
    if not endpoint.enabled:
        raise DomainError(_("L'endpoint è disattivato: riattivalo prima di provarlo."))
    now = utcnow()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id=new_id("msg"),
                               kind=TEST_EVENT, next_attempt_at=now,
                               payload=payload_of(TEST_EVENT, None, {"test": True}, now))
    db.session.add(delivery)
    db.session.flush()
    auditlog.record("webhook.test", "webhook_endpoint", endpoint.id, actor=user)
    return delivery


def delivery_log(endpoint: WebhookEndpoint, limit: int = 20) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.limit(limit))


# --- the worker --------------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    ok: bool
    code: int | None
    duration_ms: int
    excerpt: str


def signed_headers(secret: str, message_id: str, body: str, at: dt.datetime) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body),
            "content-type": "application/json", "user-agent": "BollinoBlu-Webhooks/1"}


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Attempt:
    """One POST; no redirect is followed (a 3xx is a failure), the answer is cut short."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        code = response.status
    except (OSError, http.client.HTTPException) as error:
        return Attempt(False, None, int((time.monotonic() - started) * 1000),
                       f"{type(error).__name__}: {error}"[:EXCERPT])
    finally:
        connection.close()
    return Attempt(200 <= code < 300, code, int((time.monotonic() - started) * 1000), excerpt)


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def claim(now: dt.datetime, limit: int) -> list[int]:
    """Take up to `limit` due deliveries of enabled endpoints for this worker (committed)."""
    due = (db.select(WebhookDelivery.id).join(WebhookEndpoint)
           .where(WebhookDelivery.state == DeliveryState.PENDING,
                  WebhookDelivery.next_attempt_at <= now, WebhookEndpoint.enabled.is_(True),
                  db.or_(WebhookDelivery.claimed_until.is_(None),
                         WebhookDelivery.claimed_until < now))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    taken = []
    if _is_postgres():
        ids = db.session.scalars(due.with_for_update(of=WebhookDelivery, skip_locked=True)).all()
        if ids:
            db.session.execute(db.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                               .values(claimed_until=now + LEASE))
        taken = list(ids)
    else:
        for delivery_id in db.session.scalars(due).all():
            result = db.session.execute(
                db.update(WebhookDelivery).where(
                    WebhookDelivery.id == delivery_id,
                    db.or_(WebhookDelivery.claimed_until.is_(None),
                           WebhookDelivery.claimed_until < now))
                .values(claimed_until=now + LEASE))
            if result.rowcount == 1:
                taken.append(delivery_id)
    db.session.commit()
    return taken


def retry_delay(attempts: int) -> dt.timedelta | None:
    """The wait after the `attempts`-th failure, with ±10 % jitter; None when none is left."""
    delays = current_app.config["WEBHOOK_RETRY_DELAYS"]
    if attempts > len(delays):
        return None
    return dt.timedelta(seconds=delays[attempts - 1] * random.uniform(0.9, 1.1))


def record(delivery: WebhookDelivery, attempt: Attempt, now: dt.datetime) -> None:
    """Write the attempt's outcome; disable a long-failing endpoint and tell its owner."""
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = attempt.code
    delivery.duration_ms = attempt.duration_ms
    delivery.response_excerpt = attempt.excerpt[:EXCERPT] or None
    delivery.claimed_until = None
    if attempt.ok:
        delivery.state, delivery.next_attempt_at = DeliveryState.SUCCEEDED, None
        endpoint.failing_since, endpoint.consecutive_failures = None, 0
        return
    wait = retry_delay(delivery.attempts)
    if wait is None:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    else:
        delivery.next_attempt_at = now + wait
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.consecutive_failures += 1
    config = current_app.config
    if endpoint.enabled and (
            endpoint.consecutive_failures >= config["WEBHOOK_DISABLE_AFTER_FAILURES"]
            or now - endpoint.failing_since
            >= dt.timedelta(hours=config["WEBHOOK_DISABLE_AFTER_HOURS"])):
        disable(endpoint, now)


def _failures(endpoint: WebhookEndpoint) -> str:
    return _("%(n)s consegne fallite di seguito dal %(since)s UTC.",
             n=endpoint.consecutive_failures,
             since=endpoint.failing_since.strftime("%Y-%m-%d %H:%M"))


def disable(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    """Stop delivering to `endpoint` (too many failures, or failing too long) and tell its
    owner, in their language, how to turn it on again."""
    endpoint.enabled, endpoint.disabled_at = False, now
    with force_locale("it"):  # the stored reason, as the register's records are written
        endpoint.disabled_reason = _failures(endpoint)
    owner = db.session.get(User, endpoint.user_id)
    db.session.flush()
    auditlog.record("webhook.disabled", "webhook_endpoint", endpoint.id,
                    after={"reason": endpoint.disabled_reason})
    if owner is not None and owner.active:
        mail.queue_for(
            db.session, owner,
            lambda: _("Webhook disattivato: %(url)s", url=endpoint.url),
            lambda: _("Il Registro Bollino Blu ha disattivato il tuo endpoint\n%(url)s\n"
                      "perché non risponde correttamente (%(reason)s).\n\nI messaggi non "
                      "consegnati restano in attesa: quando l'endpoint funziona, "
                      "riattivalo da questa pagina e saranno inviati di nuovo:\n"
                      "%(link)s\n", url=endpoint.url, reason=_failures(endpoint),
                      link=external_url("watching.webhooks_page")))


def deliver_one(delivery_id: int, now: dt.datetime | None = None) -> bool:
    """Post one claimed delivery and record the outcome (committed). True if delivered."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        db.session.rollback()
        return False
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    sent_at = utcnow()
    headers = signed_headers(endpoint.secret, delivery.message_id, body, sent_at)
    url, timeout = endpoint.url, current_app.config["WEBHOOK_TIMEOUT"]
    db.session.commit()  # no transaction stays open during the HTTP call
    attempt = post(url, body, headers, timeout)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    record(delivery, attempt, now or utcnow())
    db.session.commit()
    return attempt.ok


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> dict[str, int]:
    """One pass over the due deliveries (`webhooks deliver --once`, the worker's loop)."""
    counts = {"delivered": 0, "failed": 0}
    while True:
        ids = claim(now or utcnow(), limit)
        for delivery_id in ids:
            counts["delivered" if deliver_one(delivery_id, now) else "failed"] += 1
        if len(ids) < limit:
            return counts


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
