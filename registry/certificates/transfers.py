"""A merger or transfer of business moves a certificate to another legal entity.

A firm's partita IVA never changes: when the certified business passes to another company
(merger, sale of the business unit), an officer records the decision. The old certificate is
withdrawn with a public reason that names its successor; the new legal entity, registered
with its own profile, receives a certificate with a new number that keeps the level, the
areas and the validity dates, and names the old number as its predecessor.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import auditlog, mail
from registry.accounts.models import User
from registry.certificates.issuance import new_certificate
from registry.certificates.lifecycle import change_status
from registry.certificates.models import Certificate
from registry.certificates.status import CertificateAction, CertificateStatus
from registry.db import today_in_rome
from registry.errors import DomainError, NotPermitted
from registry.extensions import db
from registry.firms.models import Firm
from registry.firms.services import active_members, find_by_vat
from registry.security import Role


def can_transfer(certificate: Certificate, user: User) -> bool:
    """An officer transfers a live certificate (feeds the form on the certificate page)."""
    return user.has_role(Role.OFFICER) and certificate.is_live


def transfer(certificate: Certificate, target_vat: str, officer: User,
             reason: str) -> Certificate:
    """Withdraw `certificate` and issue its successor to the firm with `target_vat`,
    keeping the validity dates. Returns the new certificate."""
    if not officer.has_role(Role.OFFICER):
        raise NotPermitted(_("Solo un responsabile della certificazione decide un "
                             "trasferimento."))
    if not can_transfer(certificate, officer):
        raise DomainError(_("Si trasferisce solo un certificato in vigore."))
    if not (reason or "").strip():
        raise DomainError(_("Indica l'atto di fusione o cessione."), field="reason")
    target = find_by_vat(target_vat)
    if target is None:
        raise DomainError(_("Nessuna azienda registrata con questa partita IVA: la nuova "
                            "società deve prima registrare il proprio profilo."),
                          field="target_vat")
    if target.id == certificate.firm_id:
        raise DomainError(_("Il certificato è già di questa azienda."), field="target_vat")
    if officer.firm_id in (target.id, certificate.firm_id):
        raise NotPermitted(_("Appartieni a una delle aziende: non puoi decidere il "
                             "trasferimento."))
    status = CertificateStatus(certificate.status)
    source = db.session.get(Firm, certificate.firm_id)
    change_status(certificate, CertificateAction.WITHDRAW, officer,
                  # Public reasons are stored as written, in Italian, like every other.
                  public_reason=(f"Trasferito a {target.name} (P.IVA {target.vat_number}) "
                                 "per fusione o cessione"),
                  internal_reason=reason)
    successor = new_certificate(
        target, scheme_code=certificate.scheme_code,
        scheme_version=certificate.scheme_version, scheme_name=certificate.scheme_name,
        level=certificate.level, areas=certificate.areas, valid_from=certificate.valid_from,
        valid_until=certificate.valid_until, application_id=certificate.application_id,
        decision_id=certificate.decision_id, status=status, predecessor=certificate.number,
        reason=(f"Trasferito da {source.name} (certificato {certificate.number}) "
                "per fusione o cessione"), actor=officer)
    if successor.valid_from <= today_in_rome():
        target.current_certificate_id = successor.id
    auditlog.record("certificate.transferred", "certificate", certificate.number,
                    actor=officer, after={"successor": successor.number,
                                          "to_firm_id": target.id, "reason": reason})
    for firm_id in (source.id, target.id):
        mail.queue_for_each(
            db.session, active_members(firm_id),
            _l("Trasferimento del certificato %(n)s", n=certificate.number),
            _l("Il certificato %(o)s è stato trasferito a %(f)s: il nuovo certificato è il "
               "n. %(n)s, con le stesse date di validità.", o=certificate.number,
               f=target.name, n=successor.number))
    return successor
