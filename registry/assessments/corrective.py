"""Nonconformities and corrective actions (domain.md §3.2, §3.4).

After the assessment the firm sees its audit report and answers each nonconformity with a
corrective-action plan (minor: within 30 days, checked at the next surveillance; major:
with evidence of the correction). The auditor verifies and closes each one. An open major
nonconformity blocks a certification until it is closed, for at most six months after the
audit; one found during validity (a surveillance) and not closed within 90 days suspends the
certificate (the daily job). Every step keeps its date and its author.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from audits.scoring import IncompleteScores
from registry import auditlog, storage
from registry.accounts.models import User
from registry.applications.access import get_for, is_firm_member
from registry.applications.models import Application
from registry.applications.services import notify_firm
from registry.applications.workflow import ApplicationKind
from registry.assessments.assignments import is_assigned
from registry.assessments.models import Assessment, Finding
from registry.assessments.services import assessment_of, evaluate
from registry.assessments.workflow import (
    NONCONFORMITIES,
    AssessmentState,
    FindingKind,
    FindingStatus,
)
from registry.certificates import lookup
from registry.certificates.cycle import add_months
from registry.certificates.lifecycle import change_status
from registry.certificates.status import CertificateAction, CertificateStatus
from registry.db import ROME, today_in_rome, utcnow
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.links import external_url
from registry.security import Role

MINOR_PLAN_DAYS = 30
MAJOR_LIMIT_MONTHS = 6
MAJOR_IN_VALIDITY_DAYS = 90


@dataclass(frozen=True)
class Report:
    """What the firm reads after its audit: the engine's result and every finding."""

    application: Application
    assessment: Assessment
    result: object | None  # None while the audit's scores are still incomplete
    findings: list[Finding]
    plan_due_on: dt.date


def audited_on(assessment: Assessment) -> dt.date:
    """The day the audit counts from: its last day, or the day it was submitted."""
    if assessment.ended_on is not None:
        return assessment.ended_on
    return (assessment.submitted_at or utcnow()).astimezone(ROME).date()


def report_for(user: User, application_id: int) -> Report:
    """The audit report of an application `user` may read, once the assessment is
    submitted (404 before: a draft is the auditor's own work)."""
    application = get_for(user, application_id)
    assessment = assessment_of(application)
    if assessment is None or (assessment.state != AssessmentState.SUBMITTED and \
            not assessment.findings):
        raise NotFound(_("Il rapporto di audit non è ancora disponibile."))
    try:
        result = evaluate(assessment, application)
    except IncompleteScores:  # findings already raised, scores still being entered
        result = None
    return Report(application, assessment, result, list(assessment.findings),
                  audited_on(assessment) + dt.timedelta(days=MINOR_PLAN_DAYS))


def finding_of(application: Application, finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.assessment.application_id != application.id:
        raise NotFound(_("Rilievo non trovato."))
    return finding


def may_answer(user: User, finding: Finding) -> bool:
    """The firm's members answer a nonconformity until the auditor closes it."""
    return (is_firm_member(user, finding.assessment.application)
            and finding.kind in NONCONFORMITIES and finding.status != FindingStatus.CLOSED)


def may_close(user: User, finding: Finding) -> bool:
    """The assigned auditor closes a finding once the firm has given its plan."""
    return (user.has_role(Role.AUDITOR)
            and is_assigned(user, finding.assessment.application_id)
            and finding.status == FindingStatus.PLANNED)


def submit_plan(finding: Finding, user: User, plan: str,
                evidence: FileStorage | None) -> Finding:
    """The firm answers a nonconformity with its corrective-action plan (and, for a major
    one, the evidence that it was corrected). It may improve the plan until it is closed."""
    application = finding.assessment.application
    if not is_firm_member(user, application):
        raise NotPermitted(_("Solo l'azienda risponde ai rilievi."))
    if finding.kind not in NONCONFORMITIES:
        raise DomainError(_("Solo le non conformità richiedono un piano di azioni "
                            "correttive."))
    if finding.status == FindingStatus.CLOSED:
        raise DomainError(_("Il rilievo è già stato chiuso dal valutatore."))
    if not (plan or "").strip():
        raise DomainError(_("Descrivi le azioni correttive, chi le svolge e entro quando."),
                          field="plan")
    has_file = evidence is not None and bool(evidence.filename)
    if finding.kind == FindingKind.MAJOR_NC and not has_file and not finding.evidence_sha256:
        raise DomainError(_("Per una non conformità maggiore allega la prova della "
                            "correzione."), field="evidence")
    if has_file:
        sha, mime, _size = storage.store_upload(evidence, field="evidence")
        finding.evidence_sha256, finding.evidence_type = sha, mime
        finding.evidence_filename = (secure_filename(evidence.filename) or "documento")[:200]
    finding.plan, finding.plan_at, finding.plan_by_id = plan.strip(), utcnow(), user.id
    finding.status = FindingStatus.PLANNED
    db.session.flush()
    auditlog.record("finding.plan", "application", application.id, actor=user,
                    after={"finding_id": finding.id, "plan": finding.plan,
                           "evidence": finding.evidence_sha256})
    return finding


def close_finding(finding: Finding, auditor: User, note: str) -> Finding:
    """The auditor verifies the correction and closes the finding."""
    application = finding.assessment.application
    if not (auditor.has_role(Role.AUDITOR) and is_assigned(auditor, application.id)):
        raise NotPermitted(_("Solo il valutatore incaricato chiude i rilievi."))
    if finding.status != FindingStatus.PLANNED:
        raise DomainError(_("Si chiude un rilievo solo dopo il piano di azioni correttive "
                            "dell'azienda."))
    if not (note or "").strip():
        raise DomainError(_("Scrivi che cosa hai verificato."), field="note")
    finding.status = FindingStatus.CLOSED
    finding.closed_at, finding.closed_by_id = utcnow(), auditor.id
    finding.closure_note = note.strip()
    db.session.flush()
    auditlog.record("finding.closed", "application", application.id, actor=auditor,
                    after={"finding_id": finding.id, "note": finding.closure_note})
    notify_firm(application, _l("Rilievo chiuso"), _l(
        "Il valutatore ha chiuso il rilievo su %(c)s: %(n)s\n\n%(link)s",
        c=finding.criterion_code, n=finding.closure_note,
        link=external_url("assessments.report", application_id=application.id)))
    return finding


def open_majors(application: Application) -> list[Finding]:
    """The major nonconformities of the application's assessment not yet closed."""
    assessment = assessment_of(application)
    if assessment is None:
        return []
    return [f for f in assessment.findings
            if f.kind == FindingKind.MAJOR_NC and f.status != FindingStatus.CLOSED]


def certification_blockers(application: Application, today: dt.date | None = None
                           ) -> list[str]:
    """Why the application may not be certified yet because of its findings (empty: none).
    Past six months from the audit, an open major nonconformity needs a new full audit."""
    majors = open_majors(application)
    if not majors:
        return []
    codes = ", ".join(sorted({f.criterion_code for f in majors}))
    limit = add_months(audited_on(assessment_of(application)), MAJOR_LIMIT_MONTHS)
    if (today or today_in_rome()) > limit:
        return [_("Non conformità maggiori ancora aperte su %(c)s oltre i sei mesi dall'audit "
                  "(%(d)s): serve un nuovo audit completo.", c=codes,
                  d=limit.strftime("%d/%m/%Y"))]
    return [_("Non conformità maggiori aperte su %(c)s: si certifica solo dopo che il "
              "valutatore ne ha verificato la correzione (entro il %(d)s).", c=codes,
              d=limit.strftime("%d/%m/%Y"))]


def suspend_for_open_majors(day: dt.date | None = None,
                            changes: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """The daily job: a major nonconformity found at a surveillance and not closed within 90
    days suspends the certificate it concerns. Idempotent; the caller commits."""
    day = day or today_in_rome()
    suspended = 0
    rows = db.session.scalars(
        db.select(Finding).join(Assessment).join(Application).where(
            Application.kind == ApplicationKind.SURVEILLANCE,
            Finding.kind == FindingKind.MAJOR_NC, Finding.status != FindingStatus.CLOSED)
        .order_by(Finding.id)).all()
    for finding in rows:
        found_on = finding.created_at.astimezone(ROME).date()
        if day <= found_on + dt.timedelta(days=MAJOR_IN_VALIDITY_DAYS):
            continue
        certificate = lookup.find(finding.assessment.application.certificate_number)
        if certificate is None or certificate.status != CertificateStatus.VALID:
            continue
        change_status(certificate, CertificateAction.SUSPEND, None,
                      public_reason="Non conformità maggiore non risolta entro 90 giorni",
                      effective_on=found_on + dt.timedelta(days=MAJOR_IN_VALIDITY_DAYS + 1))
        suspended += 1
        if changes is not None:
            changes.append((certificate.number, str(CertificateStatus.SUSPENDED)))
    return {"major_nc_overdue": suspended}

