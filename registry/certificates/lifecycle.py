"""Certificate lifecycle after issuance: suspend, reinstate, withdraw, renounce, expire.

Every change is appended to the status history (date, actor, public reason), written to the
audit log and emailed to the firm. A suspension lasts at most six months (ISO/IEC 17021-1
practice, domain.md §3.4); the nightly job withdraws those left unresolved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from flask_babel import gettext as _

from registry import auditlog, mail
from registry.accounts.models import User
from registry.certificates.cycle import APPEAL_DAYS, add_months, too_many_suspensions
from registry.certificates.events import EventKind, emit
from registry.certificates.labels import status_label
from registry.certificates.lookup import history_of
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.reminders import send_reminders
from registry.certificates.status import (
    APPEAL_REVERSALS,
    FIRM_ACTION_REASONS,
    FIRM_ACTIONS,
    LIVE,
    OFFICER_ACTIONS,
    TRANSITIONS,
    CertificateAction,
    CertificateStatus,
    actions_from,
)
from registry.db import ROME, today_in_rome
from registry.errors import DomainError, InvalidTransition, NotPermitted
from registry.extensions import db
from registry.firms.models import Firm
from registry.firms.services import active_members
from registry.security import CERTIFICATION_STAFF, Role, has_any_role

MAX_SUSPENSION_MONTHS = 6


def allowed_actions(certificate: Certificate, user) -> list[CertificateAction]:
    """What `user` may do to `certificate` now (feeds the buttons)."""
    actions = [a for a in actions_from(certificate.status)
               if a in OFFICER_ACTIONS | FIRM_ACTIONS]
    if user.has_role(Role.OFFICER):
        return [a for a in actions if a in OFFICER_ACTIONS]
    if user.has_role(Role.APPLICANT) and user.firm_id == certificate.firm_id:
        return [a for a in actions if a in FIRM_ACTIONS]
    return []


def is_adverse(change: StatusChange, firm_id: int) -> bool:
    """A suspension or withdrawal the firm did not ask for itself: it may appeal."""
    if change.status not in APPEAL_REVERSALS:
        return False
    actor = db.session.get(User, change.actor_id) if change.actor_id else None
    return actor is None or actor.firm_id != firm_id


def appealable_changes(certificate: Certificate, today: dt.date | None = None
                       ) -> list[StatusChange]:
    """The adverse status changes of this certificate (any revision) the firm may still
    appeal against: recorded within the last 30 days."""
    today = today or today_in_rome()
    changes = db.session.scalars(db.select(StatusChange).join(Certificate).where(
        Certificate.number == certificate.number,
        StatusChange.status.in_(sorted(APPEAL_REVERSALS))).order_by(StatusChange.id)).all()
    return [change for change in changes if is_adverse(change, certificate.firm_id)
            and (today - change.at.astimezone(ROME).date()).days <= APPEAL_DAYS]


def appealable_by(user, certificate: Certificate) -> list[StatusChange]:
    """The adverse status changes `user` may appeal: only the firm's members may."""
    if user.has_role(Role.APPLICANT) and user.firm_id == certificate.firm_id:
        return appealable_changes(certificate)
    return []


def can_start_surveillance(certificate: Certificate, user) -> bool:
    """Staff who run certification open the surveillance audit of a live certificate."""
    return certificate.is_live and has_any_role(user, CERTIFICATION_STAFF)


def change_status(certificate: Certificate, action: CertificateAction | str,
                  actor: User | None, *, public_reason: str, internal_reason: str = "",
                  effective_on: dt.date | None = None) -> StatusChange:
    """Apply one lifecycle action; `actor` None means the scheduled job.

    When the firm acts on its own certificate (renounces it, asks for a suspension), the
    public reason is the scheme's standard wording and the firm's words stay internal."""
    try:
        action = CertificateAction(action)
    except ValueError:
        raise DomainError(_("Operazione non valida.")) from None
    sources, target = TRANSITIONS[action]
    refused = InvalidTransition(_("Operazione non consentita: il certificato è «%(s)s».",
                                  s=status_label(certificate.status)))
    if actor is not None and action not in allowed_actions(certificate, actor):
        if certificate.status not in sources:
            raise refused
        raise NotPermitted(_("Non puoi eseguire questa operazione su questo certificato."))
    if certificate.status not in sources:
        raise refused
    if actor is not None and not actor.has_role(Role.OFFICER):
        internal_reason = "\n".join(filter(None, (public_reason.strip(),
                                                  internal_reason.strip())))
        public_reason = FIRM_ACTION_REASONS[action]
    if not public_reason.strip():
        raise DomainError(_("Indica la motivazione pubblica."), field="public_reason")
    before = certificate.status
    certificate.status = target
    change = StatusChange(certificate=certificate, status=target,
                          effective_on=effective_on or today_in_rome(),
                          actor_id=getattr(actor, "id", None),
                          public_reason=public_reason.strip(),
                          internal_reason=internal_reason.strip() or None)
    db.session.add(change)
    db.session.flush()
    auditlog.record(f"certificate.{action}", "certificate", certificate.number, actor=actor,
                    before={"status": before}, after={"status": str(target),
                                                      "public_reason": public_reason,
                                                      "internal_reason": internal_reason})
    _notify(certificate, target, public_reason)
    emit(EventKind.STATUS_CHANGED, certificate, action=str(action), previous_status=str(before),
         status=str(target), effective_on=change.effective_on.isoformat(),
         reason=change.public_reason)
    return change


def _notify(certificate: Certificate, status: CertificateStatus, reason: str) -> None:
    mail.queue_for_each(
        db.session, active_members(certificate.firm_id),
        lambda: _("Certificato %(n)s: %(s)s", n=certificate.number, s=status_label(status)),
        lambda: _("Lo stato del certificato %(n)s è ora «%(s)s».\nMotivazione: %(r)s",
                  n=certificate.number, s=status_label(status), r=reason))


def suspensions_of(number: str) -> list[dt.date]:
    """The days each suspension of this certificate began, across its revisions (a new
    revision of a suspended certificate continues the same suspension)."""
    starts, before = [], None
    for change in history_of(number):
        if change.status == CertificateStatus.SUSPENDED and before != change.status:
            starts.append(change.effective_on)
        before = change.status
    return starts


def suspension_deadline(certificate: Certificate) -> dt.date | None:
    """The last day of the current suspension (six months after it began)."""
    if certificate.status != CertificateStatus.SUSPENDED:
        return None
    began = max(c.effective_on for c in certificate.history
                if c.status == CertificateStatus.SUSPENDED)
    return add_months(began, MAX_SUSPENSION_MONTHS)


def run_jobs(day: dt.date | None = None, *,
             progress: Callable[[list[Certificate]], Iterable[Certificate]] = iter,
             changes: list[tuple[str, CertificateStatus]] | None = None) -> dict[str, int]:
    """The nightly job (idempotent): record expiries and withdraw overlong suspensions,
    then send the reminders due. `progress` wraps the walk over live certificates (a
    progress bar on the command line); `changes`, when given, receives (number, new status)
    for each certificate changed. The caller commits, or rolls back for a rehearsal."""
    day = day or today_in_rome()
    counts = {CertificateStatus.EXPIRED: 0, CertificateStatus.WITHDRAWN: 0}
    live = db.session.scalars(db.select(Certificate).where(
        Certificate.status.in_(sorted(LIVE))).order_by(Certificate.id)).all()
    for certificate in progress(live):
        if certificate.valid_until < day:
            change_status(certificate, CertificateAction.EXPIRE, None,
                          public_reason="Scadenza naturale",
                          effective_on=certificate.valid_until + dt.timedelta(days=1))
        elif (deadline := suspension_deadline(certificate)) and deadline < day:
            change_status(certificate, CertificateAction.WITHDRAW, None,
                          public_reason="Sospensione non risolta entro sei mesi",
                          effective_on=deadline + dt.timedelta(days=1))
        elif (certificate.status == CertificateStatus.SUSPENDED
              and too_many_suspensions(suspensions_of(certificate.number), day)):
            change_status(certificate, CertificateAction.WITHDRAW, None,
                          public_reason="Seconda sospensione in 36 mesi", effective_on=day)
        else:
            continue
        counts[CertificateStatus(certificate.status)] += 1
        if changes is not None:
            changes.append((certificate.number, CertificateStatus(certificate.status)))
    counts["handed_over"] = hand_over(day)
    counts["reminders"] = send_reminders(day)
    return counts


def hand_over(day: dt.date) -> int:
    """Point each firm's register entry at the certificate in force on `day` where it still
    points elsewhere: a renewal that starts the day after its predecessor expired takes
    over. Returns how many firms changed."""
    rows = db.session.execute(
        db.select(Firm, Certificate.id).join(Certificate, Certificate.firm_id == Firm.id)
        .where(Certificate.status.in_(sorted(LIVE)), Certificate.valid_from <= day,
               Certificate.valid_until >= day,
               Firm.current_certificate_id.is_distinct_from(Certificate.id))).all()
    for firm, certificate_id in rows:
        firm.current_certificate_id = certificate_id
    db.session.flush()
    return len(rows)
