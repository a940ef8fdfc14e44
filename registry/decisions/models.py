"""The officer's decision on an application and the firm's appeal against it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db


class Decision(db.Model):
    """The certification decision on an application: one per application, ever.

    The unique constraint is what makes two officers deciding at the same moment produce
    exactly one decision; the snapshot freezes everything the decision relied on.
    """

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[str] = mapped_column(String(10))  # DecisionOutcome
    level: Mapped[str | None] = mapped_column(String(4))
    computed_level: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict] = mapped_column(JSON)
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
    officer = relationship("User")


class Appeal(db.Model):
    """A firm's appeal against an adverse decision (a refusal, a level below the computed
    one) or an adverse status change (a suspension, a withdrawal), decided by an officer who
    took no part in the decision or the audit. Exactly one of `decision_id` and
    `status_change_id` names what is appealed."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), unique=True)
    status_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_status_change.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    lodged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(12))  # AppealOutcome, None until decided
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]

    decision = relationship("Decision")
    status_change = relationship("StatusChange")

    @property
    def firm(self):
        """The firm that appeals."""
        if self.decision is not None:
            return self.decision.application.firm
        return self.status_change.certificate.firm
