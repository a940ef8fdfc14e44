"""The staff's list of certificates (officers, admins, the ministry) as a query and a table,
with the filters on the page: status, and a firm's name, VAT number or certificate number.
The page shows the newest matches; its CSV/XLSX/JSON export holds every match."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from registry.certificates.labels import level_label, status_label
from registry.certificates.models import Certificate
from registry.certificates.status import CertificateStatus
from registry.extensions import db
from registry.tabular import Column

PAGE_LIMIT = 200


@dataclass(frozen=True)
class CertificateFilters:
    status: str = ""
    q: str = ""

    def as_args(self) -> dict:
        return {k: v for k, v in (("status", self.status), ("q", self.q)) if v}


def read_filters(args) -> tuple[CertificateFilters, list[str]]:
    """The filters a request asks for, and what was wrong with them (left out, named)."""
    status = args.get("status", "")
    problems = []
    if status and status not in {str(s) for s in CertificateStatus}:
        problems.append(_("Lo stato del certificato scelto non esiste."))
        status = ""
    return CertificateFilters(status, args.get("q", "").strip()[:200]), problems


def status_choices() -> list[tuple[str, str]]:
    return [(str(s), status_label(s)) for s in CertificateStatus]


def _query(filters: CertificateFilters):
    query = db.select(Certificate)
    if filters.status:
        query = query.where(Certificate.status == filters.status)
    if filters.q:
        text = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(Certificate.firm_name.ilike(f"%{text}%", escape="\\"),
                                Certificate.vat_number == filters.q,
                                Certificate.number == filters.q.upper()))
    return query.order_by(Certificate.id.desc())


def newest(filters: CertificateFilters) -> list[Certificate]:
    """The page: the PAGE_LIMIT newest matching certificates (every revision)."""
    return list(db.session.scalars(_query(filters).limit(PAGE_LIMIT)))


def every(filters: CertificateFilters) -> Iterator[Certificate]:
    """Every matching certificate, newest first, read in batches (the export)."""
    yield from db.session.scalars(_query(filters).execution_options(yield_per=1000))


COLUMNS = [
    Column("number", _l("Numero")), Column("revision", _l("Revisione")),
    Column("firm", _l("Azienda")), Column("vat_number", _l("Partita IVA")),
    Column("level_label", _l("Livello")), Column("status_label", _l("Stato")),
    Column("valid_from", _l("Valido dal")), Column("valid_until", _l("Valido fino al")),
    Column("issued_on", _l("Emesso il")),
]


def rows(certificates) -> Iterator[dict]:
    """Labels for people; `level` and `status` codes for programs (JSON)."""
    for c in certificates:
        yield {"number": c.number, "revision": c.revision, "firm": c.firm_name,
               "vat_number": c.vat_number, "level": c.level,
               "level_label": level_label(c.level), "status": c.status,
               "status_label": status_label(c.status), "valid_from": c.valid_from.isoformat(),
               "valid_until": c.valid_until.isoformat(), "issued_on": c.issued_on.isoformat()}
