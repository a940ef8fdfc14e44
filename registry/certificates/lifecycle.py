"""Certificate lifecycle after issuance: suspend, reinstate, withdraw, renounce, expire.

Every change is appended to the status history (date, actor, public reason), written to the
audit log and emailed to the firm. A suspension lasts at most six months (ISO/IEC 17021-1
practice, domain.md §3.4); the nightly job withdraws those left unresolved.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from registry import auditlog, mail
from registry.accounts.models import User
from registry.certificates.issuance import add_months
from registry.certificates.lookup import today
from registry.certificates.models import Certificate, StatusChange
from registry.errors import DomainError, InvalidTransition, NotPermitted
from registry.extensions import db
from registry.security import Role

MAX_SUSPENSION_MONTHS = 6

# action: (statuses it may start from, status it leads to)
TRANSITIONS = {
    "suspend": ({"valid"}, "suspended"),
    "reinstate": ({"suspended"}, "valid"),
    "withdraw": ({"valid", "suspended"}, "withdrawn"),
    "renounce": ({"valid", "suspended"}, "renounced"),
    "expire": ({"valid", "suspended"}, "expired"),
}
OFFICER_ACTIONS = {"suspend", "reinstate", "withdraw"}


def allowed_actions(certificate: Certificate, user) -> list[str]:
    """What `user` may do to `certificate` now (feeds the buttons)."""
    actions = [a for a, (sources, _t) in TRANSITIONS.items()
               if certificate.status in sources and a != "expire"]
    if user.has_role(Role.OFFICER):
        return [a for a in actions if a in OFFICER_ACTIONS]
    if user.has_role(Role.APPLICANT) and user.firm_id == certificate.firm_id:
        return [a for a in actions if a == "renounce"]
    return []


def change_status(certificate: Certificate, action: str, actor: User | None, *,
                  public_reason: str, internal_reason: str = "",
                  effective_on: dt.date | None = None) -> StatusChange:
    """Apply one lifecycle action; `actor` None means the scheduled job."""
    if action not in TRANSITIONS:
        raise DomainError(_("Operazione non valida."))
    if actor is not None and action not in allowed_actions(certificate, actor):
        if certificate.status not in TRANSITIONS[action][0]:
            raise InvalidTransition(_("Operazione non consentita: il certificato è «%(s)s».",
                                      s=certificate.status))
        raise NotPermitted(_("Non puoi eseguire questa operazione su questo certificato."))
    sources, target = TRANSITIONS[action]
    if certificate.status not in sources:
        raise InvalidTransition(_("Operazione non consentita: il certificato è «%(s)s».",
                                  s=certificate.status))
    if not public_reason.strip():
        raise DomainError(_("Indica la motivazione pubblica."), field="public_reason")
    before = certificate.status
    certificate.status = target
    change = StatusChange(certificate=certificate, status=target,
                          effective_on=effective_on or today(),
                          actor_id=getattr(actor, "id", None),
                          public_reason=public_reason.strip(),
                          internal_reason=internal_reason.strip() or None)
    db.session.add(change)
    db.session.flush()
    auditlog.record(f"certificate.{action}", "certificate", certificate.number, actor=actor,
                    before={"status": before}, after={"status": target,
                                                      "public_reason": public_reason,
                                                      "internal_reason": internal_reason})
    _notify(certificate, target, public_reason)
    return change


def _notify(certificate: Certificate, status: str, reason: str) -> None:
    members = db.session.scalars(db.select(User.email).where(
        User.firm_id == certificate.firm_id, User.active.is_(True))).all()
    if members:
        mail.queue(db.session, sorted(members),
                   _("Certificato %(n)s: %(s)s", n=certificate.number, s=status),
                   _("Lo stato del certificato %(n)s è ora «%(s)s».\nMotivazione: %(r)s",
                     n=certificate.number, s=status, r=reason))


def suspension_deadline(certificate: Certificate) -> dt.date | None:
    """The last day of the current suspension (six months after it began)."""
    if certificate.status != "suspended":
        return None
    began = max(c.effective_on for c in certificate.history if c.status == "suspended")
    return add_months(began, MAX_SUSPENSION_MONTHS)


def run_jobs(day: dt.date | None = None) -> dict[str, int]:
    """The nightly job (idempotent): record expiries and withdraw overlong suspensions."""
    from registry.certificates.reminders import send_reminders

    day = day or today()
    counts = {"expired": 0, "withdrawn": 0}
    live = db.session.scalars(db.select(Certificate).where(
        Certificate.status.in_(["valid", "suspended"]))).all()
    for certificate in live:
        if certificate.valid_until < day:
            change_status(certificate, "expire", None, public_reason="Scadenza naturale",
                          effective_on=certificate.valid_until + dt.timedelta(days=1))
            counts["expired"] += 1
        elif (deadline := suspension_deadline(certificate)) and deadline < day:
            change_status(certificate, "withdraw", None,
                          public_reason="Sospensione non risolta entro sei mesi",
                          effective_on=deadline + dt.timedelta(days=1))
            counts["withdrawn"] += 1
    counts["reminders"] = send_reminders(day)
    return counts
