"""Complaints and their append-only history.

Nothing here identifies a worker: no account, no address, no browser string. A worker's
complaint is found again only through the SHA-256 of its receipt code, which is shown once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db


class Complaint(db.Model):
    """A report about a firm: a call received (public) or a worker's anonymous report."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_state_received", "state", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # ComplaintKind
    state: Mapped[str] = mapped_column(String(16))  # ComplaintState
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    certificate_number: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(24))  # ComplaintCategory
    outcome: Mapped[str | None] = mapped_column(String(24))  # ComplaintOutcome
    text: Mapped[str] = mapped_column(Text)
    # A call received (public reports only).
    called_at: Mapped[dt.datetime | None]
    calling_number: Mapped[str | None] = mapped_column(String(16))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_locale: Mapped[str | None] = mapped_column(String(8))  # for the closing email
    # The anonymous channel: SHA-256 (hex) of the receipt code, never the code itself.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_mime: Mapped[str | None] = mapped_column(String(100))
    attachment_size: Mapped[int | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closing_reason: Mapped[str | None] = mapped_column(Text)
    # The short-notice audit opened on it (a surveillance application).
    audit_application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))

    firm = relationship("Firm")
    events = relationship("ComplaintEvent", order_by="ComplaintEvent.id",
                          back_populates="complaint")


class ComplaintEvent(db.Model):
    """One step of a complaint's history (append-only): who (an officer or a firm member;
    None for the reporter), what, the text written, the state before and after."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # ComplaintAction
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    complaint = relationship("Complaint", back_populates="events")
    actor = relationship("User")
