"""Assigning auditors: impartiality, conflicts and rotation are checked before anyone is assigned.

An auditor who belongs to the firm, who declared a conflict with it, or who audited it in
either of its last two certification cycles cannot be assigned (ISO/IEC 17021-1 impartiality
and rotation practice); the admin is told exactly why. Assignments and conflict declarations
are history: an assignment that ends keeps its row, so `involved_in` knows everyone who ever
took part in a file and none of them decides it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.sampling import surveillance_criteria
from audits.schemes_store import scheme_of
from registry import auditlog
from registry.applications import access
from registry.applications.models import Application
from registry.applications.services import notify_people
from registry.applications.transitions import transition
from registry.applications.workflow import (
    ASSIGNABLE,
    AUDITED,
    CYCLE_OPENING,
    Action,
    ApplicationKind,
    ApplicationState,
)
from registry.assessments.models import (
    Assessment,
    Assignment,
    ConflictDeclaration,
    CriterionScore,
    SecondScoring,
)
from registry.assessments.workflow import AssignmentEnd, AuditorRole, audit_type_for
from registry.certificates.cycle import SURVEILLANCE_MONTHS
from registry.db import utcnow
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.links import external_url
from registry.security import Role


def previous_cycle_application_ids(firm_id: int, exclude_id: int) -> list[int]:
    """Applications of the firm's last two certification cycles (an initial or renewal
    application opens a cycle; surveillance audits belong to the cycle they follow)."""
    rows = db.session.execute(db.select(Application.id, Application.kind).where(
        Application.firm_id == firm_id, Application.id != exclude_id,
        Application.state.in_(sorted(AUDITED)),
    ).order_by(Application.id.desc())).all()
    ids, cycles = [], 0
    for app_id, kind in rows:
        ids.append(app_id)
        if kind in CYCLE_OPENING:
            cycles += 1
            if cycles == 2:
                break
    return ids


def obstacles(auditor, application) -> list[str]:
    """Every reason `auditor` may not audit `application` (empty list: may be assigned)."""
    reasons = []
    if not auditor.active:
        reasons.append(_("%(n)s non è attivo.", n=auditor.name))
    if not auditor.has_role(Role.AUDITOR):
        reasons.append(_("%(n)s non ha il ruolo di valutatore.", n=auditor.name))
    if auditor.firm_id == application.firm_id:
        reasons.append(_("%(n)s appartiene all'azienda.", n=auditor.name))
    conflict = db.session.scalar(db.select(ConflictDeclaration).where(
        ConflictDeclaration.auditor_id == auditor.id,
        ConflictDeclaration.firm_id == application.firm_id))
    if conflict:
        reasons.append(_("%(n)s ha dichiarato un conflitto di interessi con l'azienda: "
                         "%(r)s", n=auditor.name, r=conflict.reason))
    earlier = previous_cycle_application_ids(application.firm_id, application.id)
    if earlier and db.session.scalar(db.select(Assignment.id).where(
            Assignment.auditor_id == auditor.id, Assignment.application_id.in_(earlier))):
        reasons.append(_("%(n)s ha già valutato l'azienda in uno degli ultimi due cicli "
                         "(rotazione).", n=auditor.name))
    return reasons


def assign(application, auditor, role: str, admin) -> Assignment:
    """An admin assigns a lead or second auditor, after every impartiality check."""
    if not admin.has_role(Role.ADMIN):
        raise NotPermitted(_("Solo un amministratore assegna i valutatori."))
    if application.state not in ASSIGNABLE:
        raise DomainError(_("Si possono assegnare valutatori solo a domande inviate."))
    if role not in frozenset(AuditorRole):
        raise DomainError(_("Ruolo di valutazione non valido."))
    current = current_assignments(application.id)
    if any(a.auditor_id == auditor.id for a in current):
        raise DomainError(_("%(n)s è già assegnato a questa domanda.", n=auditor.name))
    if any(a.role == role for a in current):
        raise DomainError(_("Questa domanda ha già un valutatore con questo ruolo."))
    if role == AuditorRole.SECOND and not any(a.role == AuditorRole.LEAD for a in current):
        raise DomainError(_("Assegna prima il valutatore responsabile."))
    reasons = obstacles(auditor, application)
    if reasons:
        raise DomainError(" ".join(reasons), field="auditor_id")
    assignment = Assignment(application_id=application.id, auditor_id=auditor.id, role=role,
                            assigned_by_id=admin.id)
    db.session.add(assignment)
    db.session.flush()
    auditlog.record("assignment.created", "application", application.id, actor=admin,
                    after={"auditor_id": auditor.id, "role": str(role)})
    # The auditor acts next: sign the impartiality declaration, then audit.
    notify_people([auditor], _l("Ti è stata assegnata una valutazione"), _l(
        "Ti è stata assegnata la valutazione della domanda n. %(n)d di %(f)s.\n\n"
        "Prima di iniziare firma la dichiarazione di imparzialità.",
        n=application.id, f=application.firm.name),
        external_url("assessments.declaration", application_id=application.id),
        _l("Firma la dichiarazione e inizia"))
    return assignment


def current_assignments(application_id: int) -> list[Assignment]:
    """The assignments of the application that have not ended, in the order they were made."""
    return list(db.session.scalars(db.select(Assignment).where(
        Assignment.application_id == application_id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id)))


def assignment_for(auditor, application_id: int) -> Assignment:
    """The auditor's own current assignment on this application, or 404."""
    assignment = db.session.scalar(db.select(Assignment).where(
        Assignment.application_id == application_id, Assignment.auditor_id == auditor.id,
        Assignment.ended_at.is_(None)))
    if assignment is None:
        raise NotFound(_("Incarico non trovato."))
    return assignment


def sign_declaration(assignment: Assignment, auditor, text: str) -> Assessment:
    """The auditor declares impartiality for this firm; only then the file opens."""
    if assignment.auditor_id != auditor.id:
        raise NotPermitted(_("Solo il valutatore incaricato firma la dichiarazione."))
    if assignment.declaration_signed_at is None:
        assignment.declaration_signed_at = utcnow()
        assignment.declaration_text = text
        auditlog.record("assignment.declaration_signed", "application",
                        assignment.application_id, actor=auditor, after={"text": text})
    return open_assessment(assignment.application, auditor)


def declare_conflict(assignment: Assignment, auditor, reason: str) -> None:
    """The auditor declares a conflict: the assignment ends and they are never reassigned."""
    if not reason.strip():
        raise DomainError(_("Descrivi il conflitto di interessi."), field="reason")
    application = assignment.application
    db.session.add(ConflictDeclaration(auditor_id=auditor.id, firm_id=application.firm_id,
                                       application_id=application.id, reason=reason.strip()))
    assignment.ended_at, assignment.end_reason = utcnow(), AssignmentEnd.CONFLICT_DECLARED
    db.session.flush()
    auditlog.record("assignment.conflict_declared", "application", application.id,
                    actor=auditor, after={"firm_id": application.firm_id, "reason": reason})


def open_assessment(application, auditor) -> Assessment:
    """The application's assessment, created (and the audit started) on first opening."""
    assessment = db.session.scalar(db.select(Assessment).where(
        Assessment.application_id == application.id))
    if assessment is None:
        assessment = Assessment(application_id=application.id,
                                audit_type=audit_type_for(application.kind),
                                criteria_sample=criteria_sample_for(application))
        db.session.add(assessment)
    if application.state == ApplicationState.SUBMITTED:
        transition(application, Action.START_AUDIT, auditor)
    db.session.flush()
    return assessment


def criteria_sample_for(application: Application) -> list[str] | None:
    """The criteria a surveillance re-scores: the knock-outs and, rotating between the two
    surveillances of a cycle, at least half of the others (None for a full audit)."""
    if application.kind != ApplicationKind.SURVEILLANCE:
        return None
    earlier = db.session.scalar(db.select(db.func.count(Application.id)).where(
        Application.kind == ApplicationKind.SURVEILLANCE,
        Application.certificate_number == application.certificate_number,
        Application.id < application.id)) or 0
    scheme = scheme_of(application.scheme_version)
    return surveillance_criteria([c.code for c in scheme.criteria],
                                 [c.code for c in scheme.criteria if c.knockout],
                                 earlier % len(SURVEILLANCE_MONTHS),
                                 len(SURVEILLANCE_MONTHS))


def is_assigned(user, application_id: int, signed: bool = True) -> bool:
    """True if `user` is assigned to the application (and signed the declaration)."""
    query = db.select(Assignment.id).where(Assignment.application_id == application_id,
                                           Assignment.auditor_id == user.id,
                                           Assignment.ended_at.is_(None))
    if signed:
        query = query.where(Assignment.declaration_signed_at.is_not(None))
    return db.session.scalar(query) is not None


def cycle_application_ids(application: Application) -> list[int]:
    """The application and the earlier ones of its firm in the same certification cycle
    (back to the initial or renewal application that opened it)."""
    rows = db.session.execute(db.select(Application.id, Application.kind).where(
        Application.firm_id == application.firm_id, Application.id <= application.id)
        .order_by(Application.id.desc())).all()
    ids = []
    for app_id, kind in rows:
        ids.append(app_id)
        if kind in CYCLE_OPENING:
            break
    return ids


def involved_in(application: Application) -> set[int]:
    """Everyone who ever took part in the audit of this application or of an earlier one of
    the same cycle: assigned (even if the assignment ended), scored, submitted the
    assessment, second-scored it blind (calibration), or declared a conflict on it or with
    the firm. None of them may decide the application, send it back as an officer, or
    decide its appeal."""
    ids = cycle_application_ids(application)
    people = set(db.session.scalars(db.select(Assignment.auditor_id).where(
        Assignment.application_id.in_(ids))))
    people |= set(db.session.scalars(
        db.select(CriterionScore.updated_by_id).join(Assessment)
        .where(Assessment.application_id.in_(ids), CriterionScore.updated_by_id.is_not(None))))
    people |= set(db.session.scalars(db.select(Assessment.submitted_by_id).where(
        Assessment.application_id.in_(ids), Assessment.submitted_by_id.is_not(None))))
    # A blind second scorer (calibration) has examined the file's evidence too.
    people |= set(db.session.scalars(db.select(SecondScoring.auditor_id).join(Assessment).where(
        Assessment.application_id.in_(ids), SecondScoring.auditor_id.is_not(None))))
    people |= set(db.session.scalars(db.select(ConflictDeclaration.auditor_id).where(
        (ConflictDeclaration.firm_id == application.firm_id)
        | ConflictDeclaration.application_id.in_(ids))))
    return people


def is_assigned_auditor(user, application: Application) -> bool:
    """True if `user` is an auditor assigned to `application` with a signed declaration:
    they may read the firm's file."""
    return user.has_role(Role.AUDITOR) and is_assigned(user, application.id)


def init_app(app) -> None:
    """Assigned auditors read the files they audit (the firm's file cannot import us)."""
    access.register_reader(is_assigned_auditor)
