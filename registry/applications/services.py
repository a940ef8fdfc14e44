"""Application use cases on the firm's side: start, notes, evidence, submit, withdraw.

Every state change goes through `transition`, which checks the workflow table, writes the
application's history and the audit log. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from audits.schemes_store import current_version, scheme_of
from registry import auditlog, mail
from registry.accounts.models import User
from registry.applications.models import Application, ApplicationEvent, CriterionNote
from registry.applications.workflow import (
    EDITABLE_BY_FIRM,
    Action,
    State,
    TransitionError,
    next_state,
)
from registry.db import utcnow
from registry.errors import Conflict, DomainError, InvalidTransition, NotFound, NotPermitted
from registry.extensions import db
from registry.links import external_url
from registry.security import Role

OPEN_STATES = {State.DRAFT, State.SUBMITTED, State.UNDER_AUDIT, State.CHANGES_REQUESTED,
               State.ASSESSED}
STAFF_READERS = (Role.ADMIN, Role.OFFICER, Role.MINISTRY)


def is_firm_member(user: User, application: Application) -> bool:
    return (user.is_authenticated and user.has_role(Role.APPLICANT)
            and user.firm_id == application.firm_id)


def can_view(user: User, application: Application) -> bool:
    """Firm members, staff who oversee the register, and auditors assigned to it."""
    if not user.is_authenticated:
        return False
    if is_firm_member(user, application) or any(user.has_role(r) for r in STAFF_READERS):
        return True
    from registry.applications.access_hooks import is_assigned_auditor

    return is_assigned_auditor(user, application)


def get_for(user: User, application_id: int) -> Application:
    """The application if `user` may see it; otherwise 404, so ids cannot be probed."""
    application = db.session.get(Application, application_id)
    if application is None or not can_view(user, application):
        raise NotFound(_("Domanda non trovata."))
    return application


def require_firm_editor(user: User, application: Application) -> None:
    """Only the firm's members change notes and evidence, and only while it is open to them."""
    if not is_firm_member(user, application):
        raise NotPermitted(_("Solo l'azienda può modificare la propria domanda."))
    if State(application.state) not in EDITABLE_BY_FIRM:
        raise DomainError(_("La domanda è bloccata: non si può modificare in questo stato."))


def transition(application: Application, action: Action, actor: User | None,
               note: str | None = None) -> ApplicationEvent:
    """Move the application along the workflow, recording history and the audit log."""
    before = application.state
    try:
        target = next_state(before, action)
    except TransitionError:
        raise InvalidTransition(_("Operazione «%(a)s» non consentita: la domanda è nello stato "
                                  "«%(s)s».", a=action_label(action), s=state_label(before))
                                ) from None
    application.state = target
    event = ApplicationEvent(application=application, action=str(action), from_state=before,
                             to_state=target, actor_id=getattr(actor, "id", None), note=note)
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("La domanda è stata modificata da qualcun altro nel frattempo: "
                         "ricarica la pagina.")) from None
    auditlog.record(f"application.{action}", "application", application.id, actor=actor,
                    before={"state": before}, after={"state": str(target)}, note=note)
    return event


def start_application(user: User, kind: str = "initial") -> Application:
    """A firm member opens an application on the current scheme version."""
    if not user.has_role(Role.APPLICANT) or user.firm_id is None:
        raise NotPermitted(_("Prima registra il profilo della tua azienda."))
    if kind not in ("initial", "renewal"):
        raise DomainError(_("Tipo di domanda non valido."))
    open_one = db.session.scalar(db.select(Application.id).where(
        Application.firm_id == user.firm_id, Application.state.in_(list(OPEN_STATES))))
    if open_one:
        raise DomainError(_("La tua azienda ha già una domanda in corso (n. %(n)d).", n=open_one))
    application = Application(firm_id=user.firm_id, scheme_version_id=current_version().id,
                              kind=kind, created_by_id=user.id)
    db.session.add(application)
    db.session.flush()
    auditlog.record("application.created", "application", application.id, actor=user,
                    after={"kind": kind, "scheme_version_id": application.scheme_version_id})
    return application


def start_surveillance(certificate, actor: User) -> Application:
    """Staff open the yearly surveillance audit of a live certificate; the firm then updates
    its evidence and submits it like any application."""
    if not (actor.has_role(Role.ADMIN) or actor.has_role(Role.OFFICER)):
        raise NotPermitted(_("Solo un amministratore o un responsabile avvia la sorveglianza."))
    if certificate.status not in ("valid", "suspended"):
        raise DomainError(_("La sorveglianza riguarda solo certificati in vigore."))
    open_one = db.session.scalar(db.select(Application.id).where(
        Application.firm_id == certificate.firm_id, Application.state.in_(list(OPEN_STATES))))
    if open_one:
        raise DomainError(_("L'azienda ha già una domanda in corso (n. %(n)d).", n=open_one))
    original = db.session.get(Application, certificate.application_id)
    application = Application(firm_id=certificate.firm_id, kind="surveillance",
                              certificate_number=certificate.number,
                              scheme_version_id=original.scheme_version_id,
                              created_by_id=actor.id)
    db.session.add(application)
    db.session.flush()
    auditlog.record("application.created", "application", application.id, actor=actor,
                    after={"kind": "surveillance", "certificate": certificate.number})
    notify_firm(application, _("Audit di sorveglianza"), _(
        "È stato avviato l'audit di sorveglianza del certificato %(n)s. Aggiorna la "
        "documentazione e invia la domanda n. %(a)d.\n\n%(link)s", n=certificate.number,
        a=application.id, link=external_url("applications.detail",
                                            application_id=application.id)))
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
    _notify_firm_and_admins(application, _("Domanda ritirata"),
                            _("La domanda n. %(n)d è stata ritirata.", n=application.id))


@dataclass(frozen=True)
class Missing:
    """One thing still missing before the application can be submitted."""

    code: str
    message: str


def missing_items(application: Application, declaration: bool | None = None) -> list[Missing]:
    """What stops submission: profile gaps, knock-out criteria without evidence, declaration."""
    from registry.applications.evidence import criteria_with_evidence

    firm = application.firm
    items: list[Missing] = []
    open_sites = [s for s in firm.sites if s.closed_on is None]
    if not any(site.is_italy for site in open_sites):
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
    from audits.models import ChangeRequest

    for request in db.session.scalars(db.select(ChangeRequest).where(
            ChangeRequest.application_id == application.id,
            ChangeRequest.answered_at.is_(None))):
        request.answered_at = utcnow()
    application.submitted_at = utcnow()
    application.declaration_by_id = user.id
    application.declaration_at = utcnow()
    transition(application, Action.SUBMIT, user)
    _notify_firm_and_admins(application, _("Domanda inviata"), _(
        "La domanda n. %(n)d di %(f)s è stata inviata per la valutazione.\n\n%(link)s",
        n=application.id, f=application.firm.name,
        link=external_url("applications.detail", application_id=application.id)))


def notify_firm(application: Application, subject: str, body: str) -> None:
    """Email every active member of the application's firm (after commit)."""
    members = db.session.scalars(db.select(User.email).where(
        User.firm_id == application.firm_id, User.active.is_(True))).all()
    if members:
        mail.queue(db.session, sorted(members), subject, body)


def _notify_firm_and_admins(application: Application, subject: str, body: str) -> None:
    from registry.accounts.models import UserRole

    members = db.session.scalars(db.select(User.email).where(
        User.firm_id == application.firm_id, User.active.is_(True))).all()
    admins = db.session.scalars(db.select(User.email).join(UserRole).where(
        UserRole.role == str(Role.ADMIN), User.active.is_(True))).all()
    recipients = sorted(set(members) | set(admins))
    if recipients:
        mail.queue(db.session, recipients, subject, body)


STATE_LABELS = {
    State.DRAFT: _l("bozza"), State.SUBMITTED: _l("inviata"),
    State.UNDER_AUDIT: _l("in valutazione"), State.CHANGES_REQUESTED: _l("integrazioni richieste"),
    State.ASSESSED: _l("valutata"), State.CERTIFIED: _l("certificata"),
    State.REFUSED: _l("respinta"), State.WITHDRAWN: _l("ritirata"),
}


def state_label(state: str) -> str:
    """The state's name in the user's language."""
    return str(STATE_LABELS[State(state)])


def action_label(action: str) -> str:
    return str(action).replace("_", " ")


def criterion_or_404(scheme, code: str):
    """The scheme's criterion with this code, or 404."""
    for criterion in scheme.criteria:
        if criterion.code == code:
            return criterion
    raise NotFound(_("Criterio non trovato."))
