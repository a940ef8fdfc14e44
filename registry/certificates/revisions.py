"""New revisions of a certificate when the firm's printed data change (name, office, sites).

The number, validity and level stay; the earlier revision is marked superseded but stays
verifiable: its PDF keeps its signature and its QR still opens the certificate's page, which
says which revision is current.
"""

from __future__ import annotations

from flask import Flask, current_app

from registry import auditlog
from registry.certificates import keys
from registry.certificates import token as tokens
from registry.certificates.events import EventKind, emit
from registry.certificates.issuance import areas_from, claims_of, printed_data
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import LIVE, CertificateStatus
from registry.db import today_in_rome
from registry.errors import DomainError
from registry.extensions import db
from registry.firms.signals import firm_changed


def reissue_if_changed(firm, actor) -> list[Certificate]:
    """Issue a new revision of each live certificate whose printed data no longer match."""
    issued = []
    live = db.session.scalars(db.select(Certificate).where(
        Certificate.firm_id == firm.id, Certificate.status.in_(sorted(LIVE)))).all()
    for old in live:
        data = printed_data(firm)
        if all(getattr(old, key) == value for key, value in data.items()):
            continue
        issued.append(_reissue(old, data, actor))
    return issued


def reissue_after_surveillance(number: str, level: str, decision, actor) -> Certificate:
    """A surveillance decision keeps, lowers or raises the level: a new revision carries it."""
    current = db.session.scalars(db.select(Certificate).where(
        Certificate.number == number, Certificate.status.in_(sorted(LIVE)))
        .order_by(Certificate.revision.desc()).limit(1)).first()
    if current is None:
        raise DomainError(f"certificate {number} is not live: nothing to keep after surveillance")
    data = printed_data(current.firm)
    return _reissue(current, data, actor, level=level, decision=decision,
                    reason=f"Sorveglianza: livello {level}")


def _reissue(old: Certificate, data: dict, actor, level: str | None = None, decision=None,
             reason: str | None = None) -> Certificate:
    if current_app.config["AUTO_CREATE_KEYS"]:
        keys.ensure_key()
    kid, private_key = keys.active_private_key()
    new = Certificate(
        number=old.number, revision=old.revision + 1, firm_id=old.firm_id,
        vat_number=old.vat_number,
        application_id=decision.application_id if decision else old.application_id,
        decision_id=decision.id if decision else old.decision_id,
        scheme_code=old.scheme_code, scheme_version=old.scheme_version,
        scheme_name=old.scheme_name, level=level or old.level,
        areas=areas_from(decision) if decision else old.areas,
        valid_from=old.valid_from, valid_until=old.valid_until, issued_on=today_in_rome(),
        status=old.status, kid=kid, token="", predecessor_number=old.predecessor_number,
        **data)
    new.token = tokens.sign_token(claims_of(new), private_key)
    before_status = old.status
    old.status = CertificateStatus.SUPERSEDED
    # The old revision stops being valid before the new one is written: the database
    # refuses two valid certificates of one firm and scheme at the same time.
    db.session.flush()
    db.session.add(new)
    reason = f"Revisione {new.revision}: " + (reason or "dati dell'azienda aggiornati")
    actor_id, day = getattr(actor, "id", None), today_in_rome()
    db.session.add(StatusChange(certificate=old, status=CertificateStatus.SUPERSEDED,
                                effective_on=day, actor_id=actor_id, public_reason=reason))
    # A suspended certificate stays suspended for the reason staff gave: the revision must
    # not replace that public reason with its own.
    carried = reason
    if before_status == CertificateStatus.SUSPENDED:
        carried = next((c.public_reason for c in reversed(old.history)
                        if c.status == CertificateStatus.SUSPENDED), reason)
    db.session.add(StatusChange(certificate=new, status=before_status, effective_on=day,
                                actor_id=actor_id, public_reason=carried))
    db.session.flush()
    if new.firm.current_certificate_id in (None, old.id):
        new.firm.current_certificate_id = new.id
    auditlog.record("certificate.reissued", "certificate", new.number, actor=actor,
                    before={"revision": old.revision}, after={"revision": new.revision,
                                                              **data})
    emit(EventKind.REVISED, new, revision=new.revision, previous_revision=old.revision,
         reason=reason)
    if new.level != old.level:
        emit(EventKind.LEVEL_CHANGED, new, previous_level=old.level, level=new.level,
             reason=reason)
    return new


def register_revisions(app: Flask) -> None:
    """Listen for firm changes (the firms feature does not import certificates)."""

    def on_change(firm, actor=None, **_extra):
        reissue_if_changed(firm, actor)

    firm_changed.connect(on_change, weak=False)
