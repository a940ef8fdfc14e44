"""'Chi mi ha chiamato?': who declared a calling number, with each firm's certificate.

Two queries whatever the number of declarations: the declarations with their firms, then
the firms' current certificates. Verdicts come from the recorded status and dates
(`lookup.listed`), as on the register's pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from registry.certificates import lookup
from registry.certificates.lookup import Answer
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.firms import phones
from registry.firms.models import Firm


@dataclass(frozen=True)
class Declarant:
    """A firm that declared the number, for the period given (`valid_until` None: now)."""

    firm: Firm
    valid_from: dt.date
    valid_until: dt.date | None
    answer: Answer | None  # about its current certificate; None if it never had one


@dataclass(frozen=True)
class PhoneAnswer:
    number: str  # E.164
    current: list[Declarant]
    past: list[Declarant]

    @property
    def declared(self) -> bool:
        return bool(self.current or self.past)


def who_declared(number: str) -> PhoneAnswer:
    """The declarations of the E.164 `number`, in use now and in the past (newest first)."""
    found = phones.declarations(number)
    ids = {row.firm.current_certificate_id for row in found.current + found.past
           if row.firm.current_certificate_id is not None}
    certificates = {c.id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.id.in_(ids)))} if ids else {}

    def declarant(row) -> Declarant:
        certificate = certificates.get(row.firm.current_certificate_id)
        return Declarant(row.firm, row.valid_from, row.valid_until,
                         lookup.listed(certificate) if certificate else None)

    return PhoneAnswer(number, [declarant(r) for r in found.current],
                       [declarant(r) for r in found.past])


def as_json(answer: PhoneAnswer) -> dict:
    """The contract's shape, plus the period and whether the declaration is current."""

    def item(d: Declarant, current: bool) -> dict:
        certificate = None
        if d.answer is not None:
            certificate = {"number": d.answer.certificate.number,
                           "verdict": str(d.answer.verdict),
                           "level": d.answer.certificate.level,
                           "status": d.answer.certificate.status,
                           "valid_until": d.answer.certificate.valid_until.isoformat()}
        return {"id": d.firm.id, "name": d.firm.name, "vat_number": d.firm.vat_number,
                "current": current, "declared_from": d.valid_from.isoformat(),
                "declared_until": d.valid_until.isoformat() if d.valid_until else None,
                "certificate": certificate}

    return {"number": answer.number, "declared": answer.declared,
            "firms": [item(d, True) for d in answer.current]
            + [item(d, False) for d in answer.past]}
