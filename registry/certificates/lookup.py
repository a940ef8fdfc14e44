"""Answering "is this certificate valid?" for the verify page and the JSON API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

from registry.certificates import keys
from registry.certificates import token as tokens
from registry.certificates.issuance import claims_of
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.numbering import is_number
from registry.certificates.status import CertificateStatus
from registry.certificates.verdict import Change, Verdict, verdict
from registry.db import today_in_rome
from registry.errors import NotFound
from registry.extensions import db
from registry.links import external_url_of_values
from registry.security import OVERSIGHT, has_any_role


@dataclass(frozen=True)
class Answer:
    """The verdict and the certificate it is about (None when not found)."""

    verdict: Verdict
    certificate: Certificate | None
    day: dt.date
    token_checked: bool
    # The revision whose printed QR was scanned, when older than the current one.
    superseded_revision: int | None = None


def find(number: str) -> Certificate | None:
    """The latest revision of the certificate with this number."""
    if not is_number(number):
        return None
    return db.session.scalars(db.select(Certificate).where(Certificate.number == number)
                              .order_by(Certificate.revision.desc()).limit(1)).first()


def certificate_for(user, number: str) -> Certificate:
    """The certificate if `user` oversees the register or belongs to its firm, else 404."""
    certificate = find(number)
    if certificate is None or not (has_any_role(user, OVERSIGHT)
                                   or user.firm_id == certificate.firm_id):
        raise NotFound(_("Certificato non trovato."))
    return certificate


def token_matches(certificate: Certificate, token: str) -> bool:
    """The token is signed by a published key AND says exactly what is on record."""
    try:
        claims = tokens.verify_token(token, keys.published_keys())
    except tokens.TokenError:
        return False
    return tokens.claims_match(claims, claims_of(certificate))


def check(number: str, token: str | None = None, day: dt.date | None = None) -> Answer:
    """The verify page's answer. A token that does not match gives `not_authentic`."""
    day = day or today_in_rome()
    certificate = find(number)
    if certificate is None:
        return Answer(Verdict.NOT_FOUND, None, day, token is not None)
    superseded = None
    if token is not None and not token_matches(certificate, token):
        older = [r for r in revisions(number)[:-1] if token_matches(r, token)]
        if not older:
            return Answer(Verdict.NOT_AUTHENTIC, certificate, day, True)
        superseded = older[-1].revision
    return Answer(verdict(certificate.valid_from, certificate.valid_until,
                          history_of(certificate.number), day),
                  certificate, day, token is not None, superseded)


def listed(certificate: Certificate, day: dt.date | None = None) -> Answer:
    """The answer for a register listing, from the recorded status and the dates alone (no
    query): every status change takes effect on the day it is recorded, so for today this
    equals `check()`. Past days need the history: use `check()` for them."""
    day = day or today_in_rome()
    return Answer(verdict(certificate.valid_from, certificate.valid_until,
                          [Change(certificate.status, certificate.valid_from)], day),
                  certificate, day, False)


def history_of(number: str) -> list[Change]:
    """The status history across every revision of a number (supersessions left out: a new
    revision continues the same certificate)."""
    rows = db.session.execute(
        db.select(StatusChange.status, StatusChange.effective_on).join(Certificate)
        .where(Certificate.number == number,
               StatusChange.status != CertificateStatus.SUPERSEDED)
        .order_by(StatusChange.id)).all()
    return [Change(status, day) for status, day in rows]


def firm_certificates(firm_id: int) -> list[Certificate]:
    """The latest revision of each certificate the firm ever held, newest first."""
    rows = db.session.scalars(db.select(Certificate).where(Certificate.firm_id == firm_id)
                              .order_by(Certificate.id.desc())).all()
    latest: dict[str, Certificate] = {}
    for certificate in rows:
        if certificate.revision > getattr(latest.get(certificate.number), "revision", 0):
            latest[certificate.number] = certificate
    return list(latest.values())


def revisions(number: str) -> list[Certificate]:
    return list(db.session.scalars(db.select(Certificate).where(
        Certificate.number == number).order_by(Certificate.revision)))


def verify_url(certificate: Certificate) -> str:
    """The address printed in the QR code."""
    return external_url_of_values("public.verify", number=certificate.number,
                                  t=certificate.token)


def as_json(answer: Answer) -> dict:
    """The contract's certificate shape."""
    cert = answer.certificate
    if cert is None:
        return {"number": None, "verdict": str(answer.verdict)}
    return {
        "number": cert.number,
        "revision": cert.revision,
        "status": cert.status,
        "verdict": str(answer.verdict),
        "checked_on": answer.day.isoformat(),
        "token_checked": answer.token_checked,
        "scanned_revision_superseded": answer.superseded_revision,
        "firm": {"id": cert.firm_id, "name": cert.firm_name, "vat_number": cert.vat_number},
        "scheme": {"code": cert.scheme_code, "version": cert.scheme_version},
        "level": cert.level,
        "valid_from": cert.valid_from.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "areas": [{"code": a["code"], "band": a["band"]} for a in cert.areas],
        "history": [{"date": c.effective_on.isoformat(), "status": c.status,
                     "reason": c.public_reason} for c in cert.history],
        "pdf_url": external_url_of_values("public.certificate_pdf", number=cert.number),
        "predecessor": cert.predecessor_number,
        "verify_url": verify_url(cert),
    }
