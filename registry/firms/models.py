"""The firm (an Italian contact-centre outsourcer), its operating sites and its people."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from registry.db import utcnow
from registry.extensions import db


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
    phone_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    traffic_italy_pct: Mapped[int]
    traffic_eu_pct: Mapped[int]
    traffic_extra_eu_pct: Mapped[int]
    extra_eu_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sites: Mapped[list[Site]] = relationship(back_populates="firm", order_by="Site.id",
                                             cascade="all, delete-orphan")
    name_words: Mapped[list[FirmNameWord]] = relationship(cascade="all, delete-orphan")

    @property
    def rea(self) -> str:
        return f"{self.rea_province}-{self.rea_number}"

    @property
    def registered_office(self) -> str:
        return (f"{self.office_street}, {self.office_postcode} {self.office_comune} "
                f"({self.office_province})")

    def profile_dict(self) -> dict[str, Any]:
        """The profile's values, for the audit log's before/after."""
        skip = {"id", "created_at", "updated_at", "name_search"}
        return {col.name: getattr(self, col.key) for col in self.__table__.columns
                if col.name not in skip}


class Site(db.Model):
    """An operating site (sede operativa): the basis for audit sampling."""

    __tablename__ = "site"

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


class MembershipRequest(db.Model):
    """A person asks to join a firm that already exists (same partita IVA), or is invited."""

    __tablename__ = "membership_request"
    __table_args__ = (Index("ix_membership_request_firm_status", "firm_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "join" (asked) or "invite" (by the owner)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class FirmNameWord(db.Model):
    """One word of a firm's normalised name: the register's name search looks words up by
    prefix in this indexed table, which works the same on SQLite and PostgreSQL (an infix
    LIKE on the name could not use any index)."""

    __tablename__ = "firm_name_word"

    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"),
                                         primary_key=True)
    word: Mapped[str] = mapped_column(String(60), primary_key=True)

    __table_args__ = (Index("ix_firm_name_word_word_firm", "word", "firm_id"),)


def name_words(name_search: str) -> set[str]:
    """The distinct words of a normalised name, as stored in FirmNameWord."""
    return {word[:60] for word in name_search.split() if word}


@event.listens_for(Session, "before_flush")
def _sync_name_words(session, _flush_context, _instances) -> None:
    # Keeps the word index in step with every way a firm's name changes (forms, CLI, demo).
    for firm in list(session.new) + list(session.dirty):
        if not isinstance(firm, Firm):
            continue
        history = inspect(firm).attrs.name_search.history
        if firm in session.new or history.has_changes():
            firm.name_words = [FirmNameWord(word=w) for w in sorted(name_words(
                firm.name_search or ""))]
