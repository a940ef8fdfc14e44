"""The bulk supplier check: up to 1,000 partite IVA, codici fiscali or certificate numbers
answered at once, each with the verify page's verdict.

Every input row comes back, in order: the answer, or the reason it has none (empty, not an
identifier, bad check character, unknown to the register, a repeat of an earlier row).
Lookups are batched: one query for the firms, one for the certificates, one for their
status histories (per chunk of CHUNK values), never one query per row. The verdict is
`verdict.verdict()` over the whole status history, exactly as `lookup.check()` computes it
for the verify page (there is no token in a list, so never `not_authentic`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_

from registry.certificates.labels import level_label, verdict_label
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.numbering import is_number
from registry.certificates.status import CertificateStatus
from registry.certificates.verdict import Change, Verdict, verdict
from registry.db import ROME
from registry.errors import DomainError
from registry.extensions import db
from registry.firms.identifiers import IdentifierError, validate_tax_code, validate_vat_number
from registry.firms.models import Firm
from registry.wording import N_

MAX_ITEMS = 1000
MAX_ITEM_LENGTH = 64  # longer than any identifier: reported as not one, never looked up
CHUNK = 500  # values per IN (...) list


class Kind(enum.StrEnum):
    VAT = "vat_number"
    TAX_CODE = "tax_code"
    CERTIFICATE = "certificate_number"


class Problem(enum.StrEnum):
    EMPTY = "empty"
    FORMAT = "format"
    CHECKSUM = "checksum"
    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"


PROBLEM_LABELS = {
    Problem.EMPTY: N_("Riga vuota."),
    Problem.FORMAT: N_("Non è una partita IVA, un codice fiscale o un numero di certificato."),
    Problem.CHECKSUM: N_("Il carattere di controllo non è corretto: probabilmente un errore "
                         "di battitura."),
    Problem.UNKNOWN: N_("Nessun certificato nel registro per questo valore."),
    Problem.DUPLICATE: N_("Ripetuto: è uguale alla riga %(row)d."),
}
KIND_LABELS = {Kind.VAT: N_("Partita IVA"), Kind.TAX_CODE: N_("Codice fiscale"),
               Kind.CERTIFICATE: N_("Numero di certificato")}


def too_many() -> DomainError:
    return DomainError(_("Si possono verificare al massimo %(n)d righe per volta: dividi "
                         "l'elenco.", n=MAX_ITEMS))


@dataclass(frozen=True)
class Parsed:
    """One input row understood: its kind and normalised value, or the problem."""

    row: int  # 1-based, as the person counts the rows of their list
    query: str
    kind: Kind | None = None
    value: str | None = None
    problem: Problem | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Row:
    """One answered row: a certificate and its verdict, or a problem."""

    row: int
    query: str
    kind: Kind | None
    verdict: Verdict | None
    certificate: Certificate | None
    problem: Problem | None = None
    duplicate_of: int | None = None

    @property
    def problem_label(self) -> str:
        if self.problem is None:
            return ""
        return _(PROBLEM_LABELS[self.problem], row=self.duplicate_of or 0)


@dataclass(frozen=True)
class Result:
    checked_at: dt.datetime  # aware, UTC
    day: dt.date  # the day in Italy the verdicts are for
    rows: list[Row]

    def counts(self) -> dict[str, int]:
        """How many rows got each verdict, then how many had a problem, for the summary."""
        counts: dict[str, int] = {}
        for row in self.rows:
            key = str(row.verdict) if row.problem is None else "problem"
            counts[key] = counts.get(key, 0) + 1
        return counts


def classify(raw: str) -> tuple[Kind | None, str | None, Problem | None]:
    """What one value is: (kind, normalised value, None) or (None, None, problem)."""
    text = (raw or "").strip().strip("'\"").strip()
    if not text:
        return None, None, Problem.EMPTY
    if len(text) > MAX_ITEM_LENGTH:
        return None, None, Problem.FORMAT
    upper = text.upper()
    if is_number(upper):
        return Kind.CERTIFICATE, upper, None
    compact = "".join(ch for ch in upper if ch not in " .-/")
    if compact.startswith("IT") and compact[2:].isdigit():
        compact = compact[2:]
    try:
        if compact.isdigit() and len(compact) == 11:
            return Kind.VAT, validate_vat_number(compact), None
        if len(compact) == 16 and compact.isalnum():
            return Kind.TAX_CODE, validate_tax_code(compact), None
    except IdentifierError as error:
        return None, None, Problem.CHECKSUM if error.code == "checksum" else Problem.FORMAT
    return None, None, Problem.FORMAT


def parse(values: Sequence[str], first_row: int = 1) -> list[Parsed]:
    """Every value classified, repeats pointing at the first row with the same value."""
    if len(values) > MAX_ITEMS:
        raise too_many()
    seen: dict[tuple[Kind, str], int] = {}
    parsed = []
    for index, raw in enumerate(values, first_row):
        kind, value, problem = classify(raw)
        query = (raw or "").strip()[:MAX_ITEM_LENGTH * 2]
        if kind is not None and value is not None:
            first = seen.setdefault((kind, value), index)
            if first != index:
                parsed.append(Parsed(index, query, kind, value, Problem.DUPLICATE, first))
                continue
        parsed.append(Parsed(index, query, kind, value, problem))
    return parsed


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def current_certificates(numbers: Iterable[str]) -> dict[str, Certificate]:
    latest: dict[str, Certificate] = {}
    for chunk in _chunks(numbers):
        for cert in db.session.scalars(db.select(Certificate)
                                       .where(Certificate.number.in_(chunk))):
            if cert.revision > getattr(latest.get(cert.number), "revision", 0):
                latest[cert.number] = cert
    return latest


def _certificates_by_identifier(identifiers: Iterable[str]) -> dict[str, Certificate]:
    """Partita IVA or codice fiscale → the certificate the register shows for the firm."""
    firms: dict[str, int] = {}
    for chunk in _chunks(identifiers):
        rows = db.session.execute(
            db.select(Firm.vat_number, Firm.tax_code, Firm.current_certificate_id)
            .where(or_(Firm.vat_number.in_(chunk), Firm.tax_code.in_(chunk)),
                   Firm.current_certificate_id.is_not(None))).all()
        for vat, tax_code, certificate_id in rows:
            for key in (vat, tax_code):
                firms.setdefault(key, certificate_id)
    found: dict[int, Certificate] = {}
    ids = sorted(set(firms.values()))
    for start in range(0, len(ids), CHUNK):
        for cert in db.session.scalars(db.select(Certificate)
                                       .where(Certificate.id.in_(ids[start:start + CHUNK]))):
            found[cert.id] = cert
    return {key: found[cid] for key, cid in firms.items() if cid in found}


def histories(numbers: Iterable[str]) -> dict[str, list[Change]]:
    """The status history of each number across its revisions, as `lookup.history_of` reads
    it for one (supersessions left out), in a query per chunk."""
    result: dict[str, list[Change]] = {}
    for chunk in _chunks(numbers):
        rows = db.session.execute(
            db.select(Certificate.number, StatusChange.status, StatusChange.effective_on)
            .join(Certificate).where(Certificate.number.in_(chunk),
                                     StatusChange.status != CertificateStatus.SUPERSEDED)
            .order_by(StatusChange.id)).all()
        for number, status, day in rows:
            result.setdefault(number, []).append(Change(status, day))
    return result


def check(values: Sequence[str], now: dt.datetime, first_row: int = 1) -> Result:
    """Answer every value for the day `now` falls on in Italy."""
    day = now.astimezone(ROME).date()
    parsed = parse(values, first_row)
    wanted = [p for p in parsed if p.problem is None]
    by_number = current_certificates(p.value for p in wanted if p.kind == Kind.CERTIFICATE)
    by_identifier = _certificates_by_identifier(p.value for p in wanted
                                                if p.kind != Kind.CERTIFICATE)
    found = {**by_identifier, **by_number}
    history = histories({c.number for c in found.values()})
    rows = []
    for item in parsed:
        certificate = found.get(item.value) if item.problem is None else None
        if item.problem is not None:
            rows.append(Row(item.row, item.query, item.kind, None, None, item.problem,
                            item.duplicate_of))
        elif certificate is None:
            rows.append(Row(item.row, item.query, item.kind, Verdict.NOT_FOUND, None,
                            Problem.UNKNOWN))
        else:
            answer = verdict(certificate.valid_from, certificate.valid_until,
                             history.get(certificate.number, []), day)
            rows.append(Row(item.row, item.query, item.kind, answer, certificate))
    return Result(now, day, rows)


def checked_at_text(moment: dt.datetime) -> str:
    """"29/11/2026 04:05:12" in Italy's time."""
    return moment.astimezone(ROME).strftime("%d/%m/%Y %H:%M:%S")


def row_json(row: Row) -> dict:
    """One row for programs: machine codes with their labels (in the request's language)."""
    cert = row.certificate
    return {
        "row": row.row,
        "query": row.query,
        "kind": str(row.kind) if row.kind else None,
        "verdict": str(row.verdict) if row.verdict else None,
        "verdict_label": verdict_label(row.verdict) if row.verdict else None,
        "firm": {"id": cert.firm_id, "name": cert.firm_name,
                 "vat_number": cert.vat_number} if cert else None,
        "certificate": {
            "number": cert.number, "revision": cert.revision, "level": cert.level,
            "level_label": level_label(cert.level),
            "valid_from": cert.valid_from.isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "scheme": {"code": cert.scheme_code, "version": cert.scheme_version},
        } if cert else None,
        "error": {"code": str(row.problem), "message": row.problem_label,
                  "duplicate_of": row.duplicate_of} if row.problem else None,
    }
