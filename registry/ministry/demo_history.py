"""Demo data for the statistics: a past for the demo's certified firms.

The demo walks every firm through the real services, so everything it records happens in
the minute `flask setup` runs: every issuance falls in the same month and every stage of an
application lasts no time at all, and the statistics' charts over time would show a single
point. `spread_demo_history` moves the story of a few demo certificates back by some months
— the application's events, the audit, the decision, the certificate's dates and its status
history, its QR token signed again — as if the firms had been certified over the past year,
and records one suspension that was lifted, so the charts have months to show.

Shifts stay under a year: no certificate becomes due for its yearly surveillance audit and
none nears its expiry, so the demo's jobs and reminders behave as before. Nothing is added
to the workflow's counts (no application, certificate or decision is created).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from registry.applications.models import Application, ApplicationEvent
from registry.applications.workflow import Action
from registry.assessments.models import Assessment, Assignment
from registry.certificates import keys
from registry.certificates import token as tokens
from registry.certificates.issuance import claims_of
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import CertificateStatus
from registry.db import today_in_rome
from registry.decisions.models import Decision
from registry.extensions import db
from registry.firms.models import Firm

# P.IVA of a demo firm: (days ago its certificate was issued, days ago each later entry of
# its status history took effect, in order). The firms are those of registry/demo.py.
PLAN = {
    "06789010060": (300, ()),           # Servizi Clienti Roma, ★
    "07890120079": (240, ()),           # Qualità Contact, ★★ (suspended and reinstated)
    "08901230089": (180, ()),           # Eccellenza CX, ★★★
    "11234560115": (270, (45,)),        # Contatto Sicuro, suspended
    "12345670124": (210, (95,)),        # Call Center Adriatico, withdrawn
    "18901230187": (150, (20,)),        # Chiamata Amica, renounced
}
# The firm whose certificate was suspended and reinstated in the past: (days ago) each.
LIFTED_SUSPENSION = ("07890120079", 150, 120)
# Days between an application's creation and its events, walked back from the decision:
# each firm's story takes its own time (the last gap ends at the decision).
GAPS = (14, 9, 23, 6, 31, 11, 17, 8, 26, 5)


def spread_demo_history(day: dt.date | None = None) -> int:
    """Move the planned demo certificates' stories into the past; the number moved."""
    day = day or today_in_rome()
    moved = 0
    for index, (vat, (issued_ago, later_ago)) in enumerate(PLAN.items()):
        firm = db.session.scalar(select(Firm).where(Firm.vat_number == vat))
        certificate = firm and db.session.scalar(
            select(Certificate).where(Certificate.firm_id == firm.id)
            .order_by(Certificate.id).limit(1))
        if certificate is None:
            continue
        issued = day - dt.timedelta(days=issued_ago)
        _move_certificate(certificate, issued, [day - dt.timedelta(days=d) for d in later_ago])
        _move_application(certificate.application_id, _moment(issued), index)
        moved += 1
    vat, suspended_ago, lifted_ago = LIFTED_SUSPENSION
    firm = db.session.scalar(select(Firm).where(Firm.vat_number == vat))
    if firm is not None and firm.current_certificate_id is not None:
        certificate = db.session.get(Certificate, firm.current_certificate_id)
        for status, ago, reason in (
                (CertificateStatus.SUSPENDED, suspended_ago, "Verifica DURC in corso"),
                (CertificateStatus.VALID, lifted_ago, "DURC regolare: sospensione revocata")):
            on = day - dt.timedelta(days=ago)
            db.session.add(StatusChange(certificate_id=certificate.id, status=str(status),
                                        effective_on=on, at=_moment(on),
                                        public_reason=reason))
    db.session.flush()
    return moved


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


def _move_certificate(certificate: Certificate, issued: dt.date,
                      later: list[dt.date]) -> None:
    shift = certificate.valid_from - issued
    certificate.valid_from -= shift
    certificate.valid_until -= shift
    certificate.issued_on -= shift
    certificate.created_at -= shift
    history = list(certificate.history)
    for position, change in enumerate(history):
        on = later[position - 1] if 0 < position <= len(later) else change.effective_on - shift
        change.effective_on = on
        change.at = _moment(on)
    _kid, private = keys.active_private_key()
    certificate.token = tokens.sign_token(claims_of(certificate), private)


def _move_application(application_id: int, decided: dt.datetime, index: int) -> None:
    """Space the application's events out, ending at the decision on `decided`."""
    application = db.session.get(Application, application_id)
    events = list(db.session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == application_id).order_by(
            ApplicationEvent.at.desc(), ApplicationEvent.id.desc())))
    moment = decided
    for position, event in enumerate(events):
        event.at = moment
        moment -= dt.timedelta(days=GAPS[(index + position) % len(GAPS)])
    application.created_at = moment
    submitted = [event.at for event in events if event.action == Action.SUBMIT]
    if submitted:
        application.submitted_at = min(submitted)
        application.declaration_at = min(submitted)
    decision = db.session.scalar(select(Decision).where(
        Decision.application_id == application_id))
    if decision is not None:
        decision.decided_at = decided
    assessment = db.session.scalar(select(Assessment).where(
        Assessment.application_id == application_id))
    audit = [event.at for event in events if event.action in (
        Action.START_AUDIT, Action.COMPLETE_ASSESSMENT)]
    if assessment is not None and audit:
        assessment.started_on = min(audit).date()
        assessment.ended_on = max(audit).date()
        assessment.submitted_at = max(audit)
    for assignment in db.session.scalars(select(Assignment).where(
            Assignment.application_id == application_id)):
        assignment.assigned_at = min(audit) if audit else application.created_at
        if assignment.declaration_signed_at is not None:
            assignment.declaration_signed_at = assignment.assigned_at
