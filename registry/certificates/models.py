"""Certificates, their status history, yearly numbering and the QR signing keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, FetchedValue, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.certificates.status import LIVE, CertificateStatus
from registry.db import utcnow
from registry.extensions import db


class SigningKey(db.Model):
    """A public QR-signing key. Published for ever, so old certificates stay verifiable;
    only the active one signs new tokens. The private half lives in the store (keys/)."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519, base64url
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(default=True)


class CertificateCounter(db.Model):
    """The last number issued in a year. Locked while issuing, so numbers have no gaps."""

    __tablename__ = "certificate_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    """A certificate as issued: the data printed on it, frozen, plus its current status."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("number", "revision"),
        Index("ix_certificate_firm_status", "firm_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    scheme_code: Mapped[str] = mapped_column(String(60))
    scheme_version: Mapped[str] = mapped_column(String(20))
    scheme_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(4), index=True)
    areas: Mapped[list[dict]] = mapped_column(JSON)
    sites: Mapped[list[str]] = mapped_column(JSON)
    services: Mapped[str] = mapped_column(String(200))
    firm_name: Mapped[str] = mapped_column(String(200))
    vat_number: Mapped[str] = mapped_column(String(11), index=True)
    registered_office: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    issued_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default=CertificateStatus.VALID, index=True)
    kid: Mapped[str] = mapped_column(ForeignKey("signing_key.kid"))
    token: Mapped[str] = mapped_column(String(400))
    # The number of the certificate this one renews: it starts the day after that one ends.
    predecessor_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Moved by the database's triggers (migration c5d7e9f1a3b2) on every change to this row
    # or to its status changes, whoever writes it: what a kept verify page is checked by.
    version: Mapped[int] = mapped_column(server_default="0", server_onupdate=FetchedValue())

    history: Mapped[list[StatusChange]] = relationship(
        back_populates="certificate", order_by="StatusChange.id")
    firm = relationship("Firm", foreign_keys=[firm_id])

    @property
    def is_live(self) -> bool:
        """Valid or suspended: not ended for good (the dates may still have run out)."""
        return CertificateStatus(self.status) in LIVE


class StatusChange(db.Model):
    """Append-only status history of a certificate, with the reason shown to the public."""

    __tablename__ = "certificate_status_change"
    # "The last status of each certificate on or before day D" (the ministry's statistics)
    # is one seek per certificate down this index, with no visit to the table.
    __table_args__ = (Index("ix_certificate_status_change_as_of",
                            "certificate_id", "effective_on", "id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    effective_on: Mapped[dt.date]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    public_reason: Mapped[str | None] = mapped_column(Text)
    internal_reason: Mapped[str | None] = mapped_column(Text)

    certificate: Mapped[Certificate] = relationship(back_populates="history")


class Reminder(db.Model):
    """A reminder email already sent, so the daily job never sends the same one twice."""

    __tablename__ = "certificate_reminder"
    __table_args__ = (UniqueConstraint("certificate_number", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))  # surveillance_12, expiry_90, …
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Receipt(db.Model):
    """A verification receipt: what the register answered, at one instant, to a check of one
    certificate or of a list (`kind` single or bulk). Append-only: nothing updates or deletes
    a row (the receipt is the registry's word, re-checked at /receipts/<id>). `payload` is the
    exact JSON that was signed; `payload_sha256` its digest. The requester is kept only as a
    keyed hash of the client address (or nothing)."""

    __tablename__ = "verification_receipt"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    requester_hash: Mapped[str | None] = mapped_column(String(64))
