"""Issuing a certificate in the same transaction as the decision that grants it.

If anything here fails, the exception rolls back the decision too: there is never a decision
without its certificate, nor a half-issued certificate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app

from audits.schemes_store import scheme_of
from audits.scoring import band
from registry import auditlog
from registry.certificates import keys
from registry.certificates import token as tokens
from registry.certificates.cycle import renewal_validity
from registry.certificates.events import EventKind, emit
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.numbering import next_number
from registry.certificates.status import LIVE, CertificateStatus
from registry.db import today_in_rome
from registry.extensions import db

SERVICE_LABELS = {"inbound": "inbound", "outbound": "outbound", "back_office": "back office",
                  "backoffice": "back office"}


def printed_data(firm) -> dict:
    """What a certificate prints about the firm, as it is now: name, registered office, the
    open operating sites and the services they run. Issuance and revisions both use it."""
    services = sorted({SERVICE_LABELS.get(t, t) for s in firm.open_sites
                       for t in s.service_types})
    return {"firm_name": firm.name, "registered_office": firm.registered_office,
            "sites": [s.public_place() for s in firm.open_sites],
            "services": ", ".join(services) or "contact center"}


def areas_from(decision) -> list[dict]:
    """Area results as printed: the band of each area, from the decision's snapshot."""
    scheme = scheme_of(decision.application.scheme_version)
    return [{"code": a["code"],
             "band": (band(Decimal(a["pct"]), scheme)
                      if a["pct"] not in (None, "None") else None),
             "name_it": scheme.area(a["code"]).name_it,
             "name_en": scheme.area(a["code"]).name_en}
            for a in decision.snapshot["result"]["areas"]]


def in_force_for(firm_id: int, scheme_code: str) -> Certificate | None:
    """The firm's live certificate of this scheme that runs longest (the latest revision;
    superseded revisions are not live), which a new certificate must follow on from."""
    return db.session.scalars(db.select(Certificate).where(
        Certificate.firm_id == firm_id, Certificate.scheme_code == scheme_code,
        Certificate.status.in_(sorted(LIVE))).order_by(Certificate.valid_until.desc())
        .limit(1)).first()


def issue_certificate(decision, level: str, actor) -> Certificate:
    """Create, number and sign the certificate a 'certify' decision (or appeal) grants.

    A firm that still holds a certificate of the same scheme gets one that starts the day
    after the old one expires and names it as its predecessor (a new number: the old QR
    keeps telling the truth about the old certificate until its last day)."""
    application = decision.application
    firm = application.firm
    scheme = scheme_of(application.scheme_version)
    decided_on = today_in_rome()
    predecessor = in_force_for(firm.id, scheme.code)
    valid_from, valid_until = renewal_validity(
        decided_on, scheme.validity_months,
        predecessor.valid_until if predecessor is not None else None)
    certificate = new_certificate(
        firm, scheme_code=scheme.code, scheme_version=scheme.version,
        scheme_name=scheme.name_it, level=level, areas=areas_from(decision),
        valid_from=valid_from, valid_until=valid_until, application_id=application.id,
        decision_id=decision.id, status=CertificateStatus.VALID,
        predecessor=predecessor.number if predecessor is not None else None,
        reason="Certificato rilasciato", actor=actor)
    number = certificate.number
    if valid_from <= decided_on:
        # A renewal that starts later takes over the register when its predecessor expires
        # (the daily job); until then the register shows the certificate in force.
        firm.current_certificate_id = certificate.id
    auditlog.record("certificate.issued", "certificate", certificate.number, actor=actor,
                    after={"number": number, "level": level, "valid_from": valid_from,
                           "valid_until": valid_until, "kid": certificate.kid,
                           "predecessor": certificate.predecessor_number})
    return certificate


def new_certificate(firm, *, scheme_code: str, scheme_version: str, scheme_name: str,
                    level: str, areas: list, valid_from: dt.date, valid_until: dt.date,
                    application_id: int, decision_id: int, status: CertificateStatus,
                    predecessor: str | None, reason: str, actor) -> Certificate:
    """Number, sign and record a certificate of `firm` printing its data as it is now, with
    its first status change (the caller points the register at it when it applies)."""
    issued_on = today_in_rome()
    number = next_number(issued_on.year)
    if current_app.config["AUTO_CREATE_KEYS"]:
        keys.ensure_key()
    kid, private_key = keys.active_private_key()
    claims = tokens.TokenClaims(number=number, vat_number=firm.vat_number,
                                valid_from=valid_from, valid_until=valid_until,
                                scheme_version=scheme_version, level=level, kid=kid)
    certificate = Certificate(
        number=number, revision=1, firm_id=firm.id, application_id=application_id,
        decision_id=decision_id, scheme_code=scheme_code, scheme_version=scheme_version,
        scheme_name=scheme_name, level=level, areas=areas, vat_number=firm.vat_number,
        valid_from=valid_from, valid_until=valid_until, issued_on=issued_on, status=status,
        kid=kid, token=tokens.sign_token(claims, private_key), predecessor_number=predecessor,
        **printed_data(firm))
    db.session.add(certificate)
    db.session.add(StatusChange(certificate=certificate, status=status,
                                # a transferred certificate is valid from its transfer
                                effective_on=max(valid_from, issued_on),
                                actor_id=getattr(actor, "id", None), public_reason=reason))
    db.session.flush()
    emit(EventKind.ISSUED, certificate, status=str(status), level=level,
         predecessor=predecessor, reason=reason)
    return certificate


def claims_of(certificate: Certificate) -> tokens.TokenClaims:
    """What the certificate's token must say, recomputed from the data on record."""
    return tokens.TokenClaims(number=certificate.number, vat_number=certificate.vat_number,
                              valid_from=certificate.valid_from,
                              valid_until=certificate.valid_until,
                              scheme_version=certificate.scheme_version,
                              level=certificate.level, kid=certificate.kid)
