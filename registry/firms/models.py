"""The firm (an Italian contact-centre outsourcer), its operating sites and its people."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db
from registry.firms.workflow import MembershipStatus, ProfileChangeKind, ProfileChangeStatus


class LegalForm(enum.StrEnum):
    """Forma giuridica, as in the Registro Imprese (domain.md §4.1)."""

    SRL = "SRL"
    SPA = "SPA"
    SAPA = "SAPA"
    SRLS = "SRLS"
    SNC = "SNC"
    SAS = "SAS"
    COOP = "COOP"
    DITTA_INDIVIDUALE = "DITTA_INDIVIDUALE"
    CONSORZIO = "CONSORZIO"
    ALTRO = "ALTRO"


class Firm(db.Model):
    """A contact-centre firm. One firm per partita IVA."""

    __tablename__ = "firm"
    # The register's name-ordered pages read this index only (see public/register.py); the
    # full-text index on the name is created by its migration (dialect-specific DDL).
    __table_args__ = (Index("ix_firm_register_name", "name_search", "id",
                            sqlite_where=text("current_certificate_id IS NOT NULL"),
                            postgresql_where=text("current_certificate_id IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # ragione sociale
    # Lower-case, accent-free copy of the name: what the register search matches against.
    name_search: Mapped[str] = mapped_column(String(200), index=True)
    legal_form: Mapped[str] = mapped_column(String(20))
    vat_number: Mapped[str] = mapped_column(String(11), unique=True)  # partita IVA
    tax_code: Mapped[str] = mapped_column(String(16))  # codice fiscale
    rea_province: Mapped[str] = mapped_column(String(2))
    rea_number: Mapped[str] = mapped_column(String(7))
    pec: Mapped[str] = mapped_column(String(254))
    ateco_code: Mapped[str] = mapped_column(String(8))
    incorporated_on: Mapped[dt.date]
    office_street: Mapped[str] = mapped_column(String(200))
    office_postcode: Mapped[str] = mapped_column(String(5))
    office_comune: Mapped[str] = mapped_column(String(100))
    office_province: Mapped[str] = mapped_column(String(2))
    office_region: Mapped[str] = mapped_column(String(40), index=True)
    legal_rep_name: Mapped[str] = mapped_column(String(120))
    legal_rep_tax_code: Mapped[str] = mapped_column(String(16))
    legal_rep_role: Mapped[str] = mapped_column(String(80))
    headcount: Mapped[int]
    fte: Mapped[float] = mapped_column(Numeric(9, 1))
    ccnl_code: Mapped[str] = mapped_column(String(10))
    ccnl_name: Mapped[str] = mapped_column(String(200))
    roc_number: Mapped[str] = mapped_column(String(20))
    traffic_italy_pct: Mapped[int]
    traffic_eu_pct: Mapped[int]
    traffic_extra_eu_pct: Mapped[int]
    extra_eu_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Set when the firm first submits an application: from then on its identity fields
    # change only through an approved ProfileChange.
    identity_locked_at: Mapped[dt.datetime | None]
    # The certificate the public register shows for this firm (latest number, latest
    # revision), kept by the certificates feature when it issues or reissues. Stored rather
    # than computed so the register's search and deep pages never group all certificates.
    current_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", use_alter=True), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                    index=True)

    sites: Mapped[list[Site]] = relationship(back_populates="firm", order_by="Site.id",
                                             cascade="all, delete-orphan")
    # The numbers in use now (loaded with the firm, one query per batch of firms). Changed
    # only through `firms.phones`, which keeps the history in `CallingNumber`.
    numbers_in_use: Mapped[list[CallingNumber]] = relationship(
        primaryjoin="and_(CallingNumber.firm_id == Firm.id, CallingNumber.valid_until.is_(None))",
        order_by="CallingNumber.number", viewonly=True, lazy="selectin")

    @property
    def phone_numbers(self) -> list[str]:
        """The calling numbers the firm declares in use today, E.164."""
        return [row.number for row in self.numbers_in_use]

    @property
    def open_sites(self) -> list[Site]:
        """The operating sites not closed: what certificates print and audits sample."""
        return [site for site in self.sites if site.closed_on is None]

    @property
    def rea(self) -> str:
        return f"{self.rea_province}-{self.rea_number}"

    @property
    def registered_office(self) -> str:
        return (f"{self.office_street}, {self.office_postcode} {self.office_comune} "
                f"({self.office_province})")

    def profile_dict(self) -> dict[str, Any]:
        """The profile's values, for the audit log's before/after."""
        skip = {"id", "created_at", "updated_at", "name_search", "current_certificate_id",
                "identity_locked_at"}
        return {col.name: getattr(self, col.key) for col in self.__table__.columns
                if col.name not in skip}


class Site(db.Model):
    """An operating site (sede operativa): the basis for audit sampling."""

    __tablename__ = "site"
    # The register's "operating sites in this province/region" filter (public/register.py).
    __table_args__ = (Index("ix_site_province_firm", "province", "firm_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    comune: Mapped[str] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(2))
    country: Mapped[str] = mapped_column(String(2), default="IT")
    seats: Mapped[int]
    headcount: Mapped[int]
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    firm: Mapped[Firm] = relationship(back_populates="sites")

    @property
    def is_italy(self) -> bool:
        return self.country == "IT"

    def public_place(self) -> str:
        if self.is_italy:
            return f"{self.comune} ({self.province})"
        return f"{self.comune}, {self.country}"

    def as_dict(self) -> dict[str, Any]:
        return {"address": self.address, "comune": self.comune, "province": self.province,
                "country": self.country, "seats": self.seats, "headcount": self.headcount,
                "service_types": self.service_types, "channels": self.channels}


class CallingNumber(db.Model):
    """A calling number a firm declared (ROC numbering), with the period it is used.

    `valid_until` is the first day the firm no longer uses it (None: in use). A number is
    declared by one firm at a time: `firms.phones` refuses overlapping periods, and the
    partial unique index below refuses two rows in use for the same number.
    """

    __tablename__ = "calling_number"
    __table_args__ = (
        Index("ux_calling_number_in_use", "number", unique=True,
              sqlite_where=text("valid_until IS NULL"),
              postgresql_where=text("valid_until IS NULL")),
        Index("ix_calling_number_number", "number", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(16))  # E.164
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ended_at: Mapped[dt.datetime | None]

    firm: Mapped[Firm] = relationship()

    @property
    def in_use(self) -> bool:
        return self.valid_until is None


class MembershipRequest(db.Model):
    """A person asks to join a firm that already exists (same partita IVA), or is invited."""

    __tablename__ = "membership_request"
    __table_args__ = (Index("ix_membership_request_firm_status", "firm_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # MembershipKind
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default=MembershipStatus.PENDING)
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class ProfileChange(db.Model):
    """A firm's request to change its identity data, with its reason and evidence (e.g. the
    deed), and the officer's decision. Never edited once decided: this is the history of
    who the firm says it is."""

    __tablename__ = "profile_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ProfileChangeStatus.PENDING)
    kind: Mapped[str] = mapped_column(String(12), default=ProfileChangeKind.PROFILE)
    # The operating site a site change is about (None for a new site or the profile).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    # field: [value on record when asked, value asked for]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    evidence_filename: Mapped[str] = mapped_column(String(200))
    evidence_type: Mapped[str] = mapped_column(String(100))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)

    firm: Mapped[Firm] = relationship()


class DelocalisationNotice(db.Model):
    """One art. 24-bis DL 83/2012 notice a firm sent before moving call-centre work outside
    the EU (domain.md S13, S15): to whom, when, for which move, with the document sent.

    Append-only: a wrong record is withdrawn (`NoticeWithdrawal`) and recorded again, so
    the history of what the firm declared, and when, is kept.
    """

    __tablename__ = "delocalisation_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    # The site abroad the notice is about; None for work moved through third parties.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2, outside the EU
    authority: Mapped[str] = mapped_column(String(10))  # NoticeAuthority
    sent_on: Mapped[dt.date]
    move_on: Mapped[dt.date]  # the planned day of the move
    # For MIMIT: the public numbers used (E.164) and the countries they are answered from.
    numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_filename: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(100))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    firm: Mapped[Firm] = relationship()
    site: Mapped[Site | None] = relationship()
    withdrawal: Mapped[NoticeWithdrawal | None] = relationship(
        back_populates="notice", uselist=False, lazy="selectin")

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None


class NoticeWithdrawal(db.Model):
    """A notice record the firm declared wrong, with why: the notice row stays as it was."""

    __tablename__ = "delocalisation_notice_withdrawal"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("delocalisation_notice.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    notice: Mapped[DelocalisationNotice] = relationship(back_populates="withdrawal")
