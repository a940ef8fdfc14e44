"""The firm's file: applications, their history, the firm's notes per criterion, evidence
documents, and the integrations staff ask the firm for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.applications.workflow import ApplicationKind, ApplicationState
from registry.db import utcnow
from registry.extensions import db


class Application(db.Model):
    """A firm's request to be certified (initial, renewal) or audited (surveillance)."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_firm_state", "firm_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_version.id"))
    kind: Mapped[str] = mapped_column(String(20), default=ApplicationKind.INITIAL)
    # For a surveillance audit: the certificate it checks (its decision reissues it) and the
    # day by which it must be decided, or the certificate is suspended.
    certificate_number: Mapped[str | None] = mapped_column(String(20))
    surveillance_due_on: Mapped[dt.date | None]
    state: Mapped[str] = mapped_column(String(20), default=ApplicationState.DRAFT, index=True)
    # Bumped on every state change: a concurrent second change of the same row fails.
    version_id: Mapped[int] = mapped_column(default=1)
    # None when the daily job opened it (a surveillance audit falling due).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    declaration_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    declaration_at: Mapped[dt.datetime | None]

    __mapper_args__ = {"version_id_col": version_id}

    firm = relationship("Firm")
    scheme_version = relationship("SchemeVersion")
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id")
    notes: Mapped[list[CriterionNote]] = relationship(back_populates="application")


class ApplicationEvent(db.Model):
    """Append-only history of the application's state changes."""

    __tablename__ = "application_event"
    # "The last event of each application before an instant" and "the event before this
    # one" (the ministry's statistics) are one seek per application down this index.
    __table_args__ = (Index("ix_application_event_as_of",
                            "application_id", "at", "id", "to_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")
    actor = relationship("User")


class CriterionNote(db.Model):
    """The firm's self-declaration for one criterion of its application."""

    __tablename__ = "criterion_note"
    __table_args__ = (UniqueConstraint("application_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    criterion_code: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    application: Mapped[Application] = relationship(back_populates="notes")


class Document(db.Model):
    """An evidence document of a firm; its file content lives in numbered versions."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number")
    links: Mapped[list[EvidenceLink]] = relationship(back_populates="document")

    @property
    def latest(self) -> DocumentVersion:
        return self.versions[-1]


class DocumentVersion(db.Model):
    """One uploaded file of a document. Never changed or deleted: new uploads add versions."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    effective_on: Mapped[dt.date]
    expires_on: Mapped[dt.date | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class EvidenceLink(db.Model):
    """A document offered as evidence for one criterion of an application."""

    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("application_id", "criterion_code", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="links")


class ChangeRequest(db.Model):
    """Items the auditor or officer asks the firm to add before the audit continues."""

    __tablename__ = "change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    items: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None]
