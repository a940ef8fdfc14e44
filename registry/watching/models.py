"""The outbox of certificate events, email follows, client watch-lists and webhooks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db
from registry.watching.workflow import DeliveryState, Digest


class WatchEvent(db.Model):
    """One certificate event, written in the transaction that made the change (the outbox):
    a change that is rolled back leaves no event and so nothing to deliver."""

    __tablename__ = "watch_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the public id of the message (Standard Webhooks `webhook-id`), stable across retries
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    certificate_number: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class EmailFollow(db.Model):
    """Someone (no account) who follows a firm by email. Unconfirmed rows get nothing and
    are deleted by the daily job once their confirmation link has expired."""

    __tablename__ = "email_follow"
    __table_args__ = (UniqueConstraint("firm_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # changes on every new request, so older links (confirm, unsubscribe) stop working
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    # The language of the page the follow was asked from (the latest request): what their
    # messages are written in, as an account's are in its chosen language.
    locale: Mapped[str] = mapped_column(String(8), server_default="it")


class ClientSettings(db.Model):
    """A client account's email preference and when its last daily digest went out."""

    __tablename__ = "client_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    digest: Mapped[str] = mapped_column(String(12), default=Digest.DAILY)
    last_digest_at: Mapped[dt.datetime | None]


class WatchedSupplier(db.Model):
    """A firm on a client account's watch-list."""

    __tablename__ = "watched_supplier"
    __table_args__ = (UniqueConstraint("user_id", "firm_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    firm = relationship("Firm")


class WebhookEndpoint(db.Model):
    """An HTTPS endpoint of a client account. The secret signs every message (Standard
    Webhooks); it is shown once, when the endpoint is registered."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the first failure since the last success; None while deliveries succeed
    failing_since: Mapped[dt.datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[dt.datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(300))

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WebhookDelivery.id.desc()", lazy="dynamic")


class WebhookDelivery(db.Model):
    """One message to one endpoint, with its attempts (the delivery log)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("watch_event.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(60), unique=True)  # `webhook-id`
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    # a worker that took the row holds it until then (SQLite has no SKIP LOCKED)
    claimed_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    response_code: Mapped[int | None]
    duration_ms: Mapped[int | None]
    # the first few hundred characters of the response body or of the error, never more
    response_excerpt: Mapped[str | None] = mapped_column(Text)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
