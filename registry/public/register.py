"""Queries of the public register: search firms and their current certificate.

One row per firm that holds or held a certificate; its "current" certificate is the latest
revision of its most recent number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from registry.certificates.models import Certificate
from registry.certificates.numbering import is_number
from registry.extensions import db
from registry.firms.identifiers import normalise_name
from registry.firms.models import Firm, FirmNameWord, name_words

PAGE_SIZE = 20
SORTS = {"name": (Firm.name_search, Firm.id), "valid_until": (Certificate.valid_until, Firm.id),
         "level": (Certificate.level.desc(), Firm.name_search)}
STATUSES = ("valid", "suspended", "withdrawn", "expired", "renounced")


@dataclass(frozen=True)
class Query:
    """What the register is asked: free text plus filters, sort and page (1-based)."""

    q: str = ""
    status: str = ""
    region: str = ""
    province: str = ""
    level: str = ""
    scheme: str = ""
    sort: str = "name"
    page: int = 1


def _firms_with_word_prefix(prefix: str):
    """Firm ids having a name word that starts with `prefix`: an index range scan."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return select(FirmNameWord.firm_id).where(FirmNameWord.word >= prefix,
                                              FirmNameWord.word < upper)


def current_certificates():
    """Subquery: the id of each firm's current certificate (latest number, latest revision)."""
    return (select(func.max(Certificate.id).label("id"))
            .where(Certificate.status != "superseded")
            .group_by(Certificate.firm_id).subquery())


def search(query: Query, min_extra_eu: int = 0) -> tuple[list[tuple[Firm, Certificate]], int]:
    """A page of (firm, current certificate) and the total count. `min_extra_eu` (ministry
    only) keeps firms handling at least that share of traffic outside the EU."""
    stmt = statement(query)
    if min_extra_eu:
        stmt = stmt.where(Firm.traffic_extra_eu_pct >= min_extra_eu)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = SORTS.get(query.sort, SORTS["name"])
    page = max(1, query.page)
    rows = db.session.execute(stmt.order_by(*order).limit(PAGE_SIZE)
                              .offset((page - 1) * PAGE_SIZE)).all()
    return [(firm, certificate) for firm, certificate in rows], total


def iterate(query: Query, batch: int = 1000):
    """Every matching (firm, certificate), fetched in batches (exports: memory stays flat)."""
    stmt = statement(query).order_by(*SORTS.get(query.sort, SORTS["name"]))
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    yield from (tuple(row) for row in result)


def statement(query: Query):
    """The filtered SELECT of (Firm, current Certificate), unordered."""
    current = current_certificates()
    stmt = (select(Firm, Certificate).join(Certificate, Certificate.firm_id == Firm.id)
            .join(current, current.c.id == Certificate.id))
    text = query.q.strip()
    if text:
        compact = text.replace(" ", "").upper()
        if re.fullmatch(r"\d{11}", compact):
            stmt = stmt.where(Firm.vat_number == compact)
        elif is_number(compact):
            stmt = stmt.where(Firm.id.in_(select(Certificate.firm_id).where(
                Certificate.number == compact)))
        else:
            for word in sorted(name_words(normalise_name(text)), key=len, reverse=True):
                stmt = stmt.where(Firm.id.in_(_firms_with_word_prefix(word)))
    if query.status in STATUSES:
        stmt = stmt.where(Certificate.status == query.status)
    if query.region:
        stmt = stmt.where(Firm.office_region == query.region)
    if query.province:
        stmt = stmt.where(Firm.office_province == query.province.upper())
    if query.level in ("L1", "L2", "L3"):
        stmt = stmt.where(Certificate.level == query.level)
    if query.scheme:
        stmt = stmt.where(Certificate.scheme_code == query.scheme)
    return stmt


def counts_by_level() -> dict[str, int]:
    """Firms whose current certificate is valid, by level (for the home page)."""
    current = current_certificates()
    rows = db.session.execute(select(Certificate.level, func.count()).join(
        current, current.c.id == Certificate.id).where(Certificate.status == "valid")
        .group_by(Certificate.level)).all()
    return dict(rows)


def firm_page(firm_id: int) -> tuple[Firm, list[Certificate]] | None:
    """A firm of the register with all its certificates (every revision), newest first."""
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        return None
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.firm_id == firm.id).order_by(Certificate.id.desc())).all()
    if not certificates:
        return None
    return firm, list(certificates)
