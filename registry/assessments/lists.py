"""The auditor's lists as tables: current assignments (the /audit page) and the findings of
those audits, with a status filter. The page and its CSV/XLSX/JSON exports read the same
rows; a finding's text is written by an auditor and goes out formula-safe."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.applications.labels import state_label
from registry.assessments.labels import (
    assessment_state_label,
    auditor_role_label,
    finding_label,
    finding_status_label,
)
from registry.assessments.models import Assessment, Assignment, Finding
from registry.assessments.workflow import FindingStatus
from registry.extensions import db
from registry.tabular import Column


def current_assignments(user) -> list[Assignment]:
    """The auditor's assignments that have not ended, newest first."""
    return list(db.session.scalars(db.select(Assignment).where(
        Assignment.auditor_id == user.id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())))


def read_finding_status(args) -> tuple[str, list[str]]:
    """The findings' status filter (empty: every status) and what was wrong with it."""
    status = args.get("status", "")
    if status and status not in {str(s) for s in FindingStatus}:
        return "", [_("Lo stato del rilievo scelto non esiste.")]
    return status, []


def status_choices() -> list[tuple[str, str]]:
    return [(str(s), finding_status_label(s)) for s in FindingStatus]


def findings_of(user, status: str = "") -> list[Finding]:
    """The findings of the audits the auditor is assigned to, by application then id."""
    applications = [a.application_id for a in current_assignments(user)]
    query = db.select(Finding).join(Assessment, Assessment.id == Finding.assessment_id).where(
        Assessment.application_id.in_(applications))
    if status:
        query = query.where(Finding.status == status)
    return list(db.session.scalars(query.order_by(Assessment.application_id, Finding.id)))


ASSIGNMENT_COLUMNS = [
    Column("application_id", _l("Domanda")), Column("firm", _l("Azienda")),
    Column("role_label", _l("Ruolo")), Column("state_label", _l("Stato")),
    Column("assigned_at", _l("Assegnato il")),
    Column("declaration_signed_at", _l("Dichiarazione firmata il")),
]
FINDING_COLUMNS = [
    Column("application_id", _l("Domanda")), Column("firm", _l("Azienda")),
    Column("criterion", _l("Criterio")), Column("kind_label", _l("Tipo di rilievo")),
    Column("status_label", _l("Stato del rilievo")), Column("text", _l("Descrizione")),
    Column("due_on", _l("Da correggere entro")), Column("assessment_label", _l("Valutazione")),
    Column("closed_at", _l("Chiuso il")),
]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def assignment_rows(assignments: list[Assignment]) -> Iterator[dict]:
    """Labels for people; `role` and `state` codes for programs (JSON)."""
    for a in assignments:
        yield {"application_id": a.application_id, "firm": a.application.firm.name,
               "role": a.role, "role_label": auditor_role_label(a.role),
               "state": a.application.state, "state_label": state_label(a.application.state),
               "assigned_at": _iso(a.assigned_at),
               "declaration_signed_at": _iso(a.declaration_signed_at)}


def finding_rows(findings: list[Finding]) -> Iterator[dict]:
    for f in findings:
        assessment = f.assessment
        yield {"application_id": assessment.application_id,
               "firm": assessment.application.firm.name, "criterion": f.criterion_code,
               "kind": f.kind, "kind_label": finding_label(f.kind),
               "status": f.status, "status_label": finding_status_label(f.status),
               "text": f.text, "due_on": _iso(f.due_on),
               "assessment_state": assessment.state,
               "assessment_label": assessment_state_label(assessment.state),
               "closed_at": _iso(f.closed_at)}
