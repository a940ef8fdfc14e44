"""Application use cases on the firm's side: start, notes, evidence, submit, withdraw; and
the surveillance audits staff open on a live certificate.

Every state change goes through `transitions.transition`, which checks the workflow table,
writes the application's history and the audit log. Callers commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from audits.schemes_store import current_version, scheme_of
from registry import auditlog, mail
from registry.accounts.models import User, active_with_role
from registry.applications.access import can_edit, is_firm_member, require_firm_editor
from registry.applications.evidence import criteria_with_evidence
from registry.applications.models import (
    Application,
    ApplicationEvent,
    ChangeRequest,
    CriterionNote,
)
from registry.applications.transitions import transition
from registry.applications.workflow import (
    OPEN,
    STARTED_BY_FIRM,
    Action,
    ApplicationKind,
    ApplicationState,
)
from registry.certificates.cycle import may_apply_from
from registry.certificates.lifecycle import can_start_surveillance
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import CertificateStatus
from registry.db import ROME, today_in_rome, utcnow
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.firms.changes import lock_identity
from registry.firms.services import active_members
from registry.links import external_url
from registry.security import Role


@dataclass(frozen=True)
class FileActions:
    """What a person may do with a firm's file now (feeds the buttons and forms)."""

    can_edit: bool
    can_submit: bool
    can_withdraw: bool


def actions_for(user: User, application: Application) -> FileActions:
    """The firm's own actions on its application, given its state."""
    member = is_firm_member(user, application)
    editable = can_edit(user, application)
    return FileActions(can_edit=editable, can_submit=editable,
                       can_withdraw=member and ApplicationState(application.state) in OPEN)


def open_application_of(firm_id: int) -> int | None:
    """The id of the firm's open application, if it has one (a firm has one at a time)."""
    return db.session.scalar(db.select(Application.id).where(
        Application.firm_id == firm_id, Application.state.in_(sorted(OPEN))))


def waiting_until(firm_id: int, today: dt.date | None = None) -> dt.date | None:
    """The first day the firm may file a new application, if that day is still to come:
    six months after its last refusal that stands, twelve after its last withdrawal."""
    refused_at = db.session.scalar(
        db.select(func.max(ApplicationEvent.at)).join(Application).where(
            Application.firm_id == firm_id, Application.state == ApplicationState.REFUSED,
            ApplicationEvent.to_state == ApplicationState.REFUSED))
    withdrawn_on = db.session.scalar(
        db.select(func.max(StatusChange.effective_on)).join(Certificate).where(
            Certificate.firm_id == firm_id, StatusChange.status == CertificateStatus.WITHDRAWN))
    first = may_apply_from(refused_at.astimezone(ROME).date() if refused_at else None,
                           withdrawn_on)
    return first if first is not None and first > (today or today_in_rome()) else None


def start_application(user: User, kind: str = ApplicationKind.INITIAL) -> Application:
    """A firm member opens an application on the current scheme version, unless the firm
    has one open or is still in a waiting period after a refusal or a withdrawal."""
    if not user.has_role(Role.APPLICANT) or user.firm_id is None:
        raise NotPermitted(_("Prima registra il profilo della tua azienda."))
    if kind not in STARTED_BY_FIRM:
        raise DomainError(_("Tipo di domanda non valido."))
    if open_one := open_application_of(user.firm_id):
        raise DomainError(_("La tua azienda ha già una domanda in corso (n. %(n)d).", n=open_one))
    if first := waiting_until(user.firm_id):
        raise DomainError(_("Dopo un diniego (6 mesi) o una revoca (12 mesi) serve attendere: "
                            "potrai presentare una nuova domanda dal %(d)s.",
                            d=first.strftime("%d/%m/%Y")))
    application = Application(firm_id=user.firm_id, scheme_version_id=current_version().id,
                              kind=kind, created_by_id=user.id)
    db.session.add(application)
    db.session.flush()
    auditlog.record("application.created", "application", application.id, actor=user,
                    after={"kind": str(kind), "scheme_version_id": application.scheme_version_id})
    return application


def start_surveillance(certificate: Certificate, actor: User | None,
                       due_on: dt.date | None = None) -> Application:
    """Staff (or, with `actor` None, the daily job) open the yearly surveillance audit of a
    live certificate, to be decided by `due_on`; the firm then updates its evidence and
    submits it like any application. The firm and the admins are told."""
    if not certificate.is_live:
        raise DomainError(_("La sorveglianza riguarda solo certificati in vigore."))
    if actor is not None and not can_start_surveillance(certificate, actor):
        raise NotPermitted(_("Solo un amministratore o un responsabile avvia la sorveglianza."))
    if open_one := open_application_of(certificate.firm_id):
        raise DomainError(_("L'azienda ha già una domanda in corso (n. %(n)d).", n=open_one))
    original = db.session.get(Application, certificate.application_id)
    application = Application(firm_id=certificate.firm_id, kind=ApplicationKind.SURVEILLANCE,
                              certificate_number=certificate.number,
                              surveillance_due_on=due_on,
                              scheme_version_id=original.scheme_version_id,
                              created_by_id=getattr(actor, "id", None))
    db.session.add(application)
    db.session.flush()
    auditlog.record("application.created", "application", application.id, actor=actor,
                    after={"kind": str(ApplicationKind.SURVEILLANCE),
                           "certificate": certificate.number})
    link = external_url("applications.detail", application_id=application.id)

    def body() -> str:
        text = _("È stato avviato l'audit di sorveglianza del certificato %(n)s. Aggiorna la "
                 "documentazione e invia la domanda n. %(a)d.\n\n%(link)s",
                 n=certificate.number, a=application.id, link=link)
        if due_on is not None:
            text += "\n\n" + _("Deve essere conclusa entro il %(d)s: dopo quella data il "
                                "certificato è sospeso.", d=due_on.strftime("%d/%m/%Y"))
        return text

    notify_firm_and_admins(application, _l("Audit di sorveglianza"), body)
    return application


def save_note(application: Application, user: User, criterion_code: str, text: str) -> None:
    """The firm's self-declaration for a criterion."""
    require_firm_editor(user, application)
    scheme_of(application.scheme_version).criterion(criterion_code)
    note = db.session.scalar(db.select(CriterionNote).where(
        CriterionNote.application_id == application.id,
        CriterionNote.criterion_code == criterion_code))
    before = note.note if note else None
    if note is None:
        note = CriterionNote(application_id=application.id, criterion_code=criterion_code)
        db.session.add(note)
    note.note = text.strip()
    db.session.flush()
    auditlog.record("application.note_saved", "application", application.id, actor=user,
                    before={criterion_code: before}, after={criterion_code: note.note})


def withdraw(application: Application, user: User) -> None:
    """The firm withdraws an application that has not been decided."""
    if not is_firm_member(user, application):
        raise NotPermitted(_("Solo l'azienda può ritirare la propria domanda."))
    transition(application, Action.WITHDRAW, user)
    notify_firm_and_admins(application, _l("Domanda ritirata"),
                           _l("La domanda n. %(n)d è stata ritirata.", n=application.id))


@dataclass(frozen=True)
class Missing:
    """One thing still missing before the application can be submitted."""

    code: str
    message: str


def missing_items(application: Application, declaration: bool | None = None) -> list[Missing]:
    """What stops submission: profile gaps, knock-out criteria without evidence, declaration."""
    firm = application.firm
    items: list[Missing] = []
    if not any(site.is_italy for site in firm.open_sites):
        items.append(Missing("profile.site", _("Il profilo deve indicare almeno una sede "
                                               "operativa in Italia.")))
    if not firm.phone_numbers:
        items.append(Missing("profile.phones", _("Il profilo deve indicare le numerazioni usate "
                                                 "per i servizi di contact center.")))
    scheme = scheme_of(application.scheme_version)
    covered = criteria_with_evidence(application.id)
    for criterion in scheme.criteria:
        if criterion.knockout and criterion.code not in covered:
            items.append(Missing(f"evidence.{criterion.code}", _(
                "Manca la documentazione per il criterio obbligatorio %(c)s — %(t)s.",
                c=criterion.code, t=criterion.title_it)))
    if declaration is False:
        items.append(Missing("declaration", _("Serve la dichiarazione del legale "
                                              "rappresentante.")))
    return items


def submit(application: Application, user: User, declaration: bool) -> None:
    """Submit for audit after checking completeness; the firm can no longer edit it."""
    require_firm_editor(user, application)
    missing = missing_items(application, declaration)
    if missing:
        raise DomainError(_("La domanda non è completa:") + " "
                          + " ".join(item.message for item in missing), missing=missing)
    for request in db.session.scalars(db.select(ChangeRequest).where(
            ChangeRequest.application_id == application.id,
            ChangeRequest.answered_at.is_(None))):
        request.answered_at = utcnow()
    # From now on the firm's identity is what it declared: changes go through a request.
    lock_identity(application.firm)
    application.submitted_at = utcnow()
    application.declaration_by_id = user.id
    application.declaration_at = utcnow()
    transition(application, Action.SUBMIT, user)
    notify_firm(application, _l("Domanda inviata"), _l(
        "La domanda n. %(n)d di %(f)s è stata inviata per la valutazione.\n\n%(link)s",
        n=application.id, f=application.firm.name,
        link=external_url("applications.detail", application_id=application.id)))
    # The administrators act next: they assign the auditors.
    notify_people(
        [admin for admin in active_with_role(Role.ADMIN) if admin.firm_id != application.firm_id],
        _l("Domanda inviata"),
        _l("La domanda n. %(n)d di %(f)s è stata inviata per la valutazione: assegna i "
           "valutatori.", n=application.id, f=application.firm.name),
        external_url("assessments.assign", application_id=application.id),
        _l("Assegna i valutatori"))


def notify_firm(application: Application, subject, body) -> None:
    """Email every active member of the application's firm (after commit), one message
    each, in each member's language: `subject` and `body` are lazy strings or callables."""
    mail.queue_for_each(db.session, active_members(application.firm_id), subject, body)


def notify_firm_and_admins(application: Application, subject, body) -> None:
    """Email the firm's members and the administrators who assign the audit, one message
    each, in each person's language."""
    mail.queue_for_each(db.session, [*active_members(application.firm_id),
                                     *active_with_role(Role.ADMIN)], subject, body)


def notify_people(people, subject, body, link: str, action=None) -> None:
    """One message to each person (once), in their language, with the link to act on;
    `subject`, `body` and `action` are lazy strings."""
    mail.queue_for_each(db.session, people, subject, body, link, action)


def criterion_or_404(scheme, code: str):
    """The scheme's criterion with this code, or 404."""
    for criterion in scheme.criteria:
        if criterion.code == code:
            return criterion
    raise NotFound(_("Criterio non trovato."))
