"""The certification decision and appeals: four eyes, never higher than the engine allows.

An officer who audited the application or belongs to the firm may not decide it. The decision
stores a snapshot of everything it relied on (scheme version, every score, the engine's
figures, the hashes of the evidence), so it can be explained years later. A positive decision
issues (or, after surveillance, reissues) the certificate in the same transaction: if that
fails, the decision is not kept either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audits.schemes_store import scheme_of
from audits.scoring import level_rank
from registry import auditlog, mail
from registry.accounts.models import active_with_role
from registry.applications.models import Application, DocumentVersion
from registry.applications.models import Document as EvidenceDocument
from registry.applications.services import notify_firm, notify_people
from registry.applications.transitions import transition
from registry.applications.workflow import DECIDABLE, Action, ApplicationKind
from registry.assessments.assignments import involved_in
from registry.assessments.corrective import certification_blockers
from registry.assessments.services import (
    assessment_of,
    evaluate,
    request_changes,
    rescored_everything,
)
from registry.certificates import lookup
from registry.certificates.cycle import APPEAL_DAYS
from registry.certificates.issuance import issue_certificate
from registry.certificates.labels import level_label, status_label
from registry.certificates.lifecycle import change_status, is_adverse
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.revisions import reissue_after_surveillance
from registry.certificates.status import APPEAL_REVERSALS, CertificateAction, CertificateStatus
from registry.db import ROME, today_in_rome, utcnow
from registry.decisions.labels import appeal_outcome_label
from registry.decisions.models import Appeal, Decision
from registry.decisions.workflow import APPEALABLE, AppealOutcome, DecisionOutcome
from registry.errors import Conflict, DomainError, NotPermitted
from registry.extensions import db
from registry.firms.notices import certification_obstacles
from registry.firms.services import active_members
from registry.links import external_url
from registry.security import Role


def may_decide(user, application: Application) -> list[str]:
    """Why `user` may not decide `application` (empty: may decide)."""
    reasons = []
    if not user.has_role(Role.OFFICER):
        reasons.append(_("Solo un responsabile della certificazione decide."))
    if user.id in involved_in(application):
        # Ever assigned, scored or declared a conflict, in this file or earlier in the cycle:
        # a later conflict declaration or a new assignment does not wash it out.
        reasons.append(_("Hai preso parte alla valutazione di questa domanda: non puoi "
                         "deciderla."))
    if user.firm_id == application.firm_id:
        reasons.append(_("Appartieni all'azienda: non puoi deciderla."))
    return reasons


@dataclass(frozen=True)
class DecisionActions:
    """What an officer may do on an assessed application now, and why not."""

    can_decide: bool
    blocked: list[str]
    # Why certifying (not refusing) is out of the question now: shown above the form.
    cannot_certify: list[str] = field(default_factory=list)


def decision_actions(user, application: Application) -> DecisionActions:
    """An officer decides (or sends back) an assessed application not yet decided, unless
    impartiality forbids it; `blocked` says why."""
    blocked = may_decide(user, application)
    can = (not blocked and application.state in DECIDABLE
           and decision_of(application) is None)
    return DecisionActions(can_decide=can, blocked=blocked,
                           cannot_certify=certification_obstacles(application.firm))


@dataclass(frozen=True)
class FirmDecisionView:
    """The decision and appeal as the firm's application page shows them."""

    decision: Decision | None
    appeal: Appeal | None
    can_appeal: bool


def firm_view(user, application: Application) -> FirmDecisionView:
    """The decision on the firm's application, its appeal, and whether the firm may still
    appeal (a refusal, no appeal yet, by a member of the firm)."""
    decision = decision_of(application)
    appeal = appeal_of(decision)
    can_appeal = (decision is not None and appeal is None and is_adverse_decision(decision)
                  and user.has_role(Role.APPLICANT) and user.firm_id == application.firm_id)
    return FirmDecisionView(decision, appeal, can_appeal)


def decidable_level(application: Application, result) -> str | None:
    """The level the engine's result supports. A surveillance that re-scored only its
    sample may keep or lower the level, never raise it: that needs a full re-scoring."""
    code = result.level.code if result is not None and result.level else None
    if code and application.kind == ApplicationKind.SURVEILLANCE:
        assessment = assessment_of(application)
        current = lookup.find(application.certificate_number)
        if (assessment is not None and not rescored_everything(assessment, application)
                and current is not None and level_rank(code) > level_rank(current.level)):
            return current.level
    return code


def allowed_levels(application: Application, computed: str | None):
    """The levels an officer may certify at: the computed one or any lower one (lowest
    first); none when the scheme says the firm is not certifiable."""
    if computed is None:
        return []
    levels = sorted(scheme_of(application.scheme_version).levels, key=lambda lv: lv.rank)
    return [level for level in levels if level.rank <= level_rank(computed)]


def send_back(application: Application, officer, items: str):
    """An officer who may decide the application sends it back to the firm instead."""
    reasons = may_decide(officer, application)
    if reasons:
        raise NotPermitted(" ".join(reasons))
    return request_changes(application, officer, items)


def snapshot(application: Application) -> dict:
    """Everything the decision relied on, frozen as plain data."""
    assessment = assessment_of(application)
    result = evaluate(assessment, application)
    versions = db.session.execute(
        db.select(EvidenceDocument.id, DocumentVersion.number, DocumentVersion.sha256)
        .join(DocumentVersion, DocumentVersion.document_id == EvidenceDocument.id)
        .where(EvidenceDocument.application_id == application.id)
        .order_by(EvidenceDocument.id, DocumentVersion.number)).all()
    data = {
        "scheme": {"code": application.scheme_version.code,
                   "version": application.scheme_version.version,
                   "content_hash": application.scheme_version.content_hash},
        "scores": [{"criterion": s.criterion_code, "score": s.score, "na": s.not_applicable}
                   for s in assessment.scores],
        "findings": [{"criterion": f.criterion_code, "kind": f.kind, "due_on": f.due_on}
                     for f in assessment.findings],
        "result": {
            "overall_pct": str(result.overall_pct),
            "level": result.level.code if result.level else None,
            "certifiable": result.certifiable,
            "areas": [{"code": a.code, "pct": str(a.pct), "passed": a.passed_minimum}
                      for a in result.areas],
            "knockouts_failed": list(result.knockouts_failed),
        },
        "evidence": [{"document": d, "version": n, "sha256": h} for d, n, h in versions],
        "assessment": {"audit_type": assessment.audit_type,
                       "started_on": assessment.started_on, "ended_on": assessment.ended_on,
                       "sites_visited": assessment.sites_visited},
    }
    # Dates and decimals become ISO strings: the snapshot is plain JSON on every database.
    return json.loads(json.dumps(data, default=str))


def decide(application: Application, officer, outcome: str, level: str | None,
           reason: str) -> Decision:
    """Certify (at the computed level, or lower with a reason) or refuse (with reasons).

    Exactly one decision per application: a concurrent second decision fails on the
    application's version counter or the unique constraint and is reported as a conflict.
    """
    reasons = may_decide(officer, application)
    if reasons:
        raise NotPermitted(" ".join(reasons))
    if application.state not in DECIDABLE:
        raise DomainError(_("Si decide solo su una valutazione conclusa."))
    result = evaluate(assessment_of(application), application)
    computed = decidable_level(application, result)
    reason = (reason or "").strip()
    if outcome == DecisionOutcome.CERTIFY:
        if computed is None:
            raise DomainError(_("Secondo lo schema l'azienda non è certificabile: si può solo "
                                "respingere o chiedere integrazioni."))
        if blockers := (certification_blockers(application)
                        + certification_obstacles(application.firm)):
            raise DomainError(" ".join(blockers))
        level = level or computed
        if level not in {lv.code for lv in allowed_levels(application, computed)}:
            raise DomainError(_("Il livello non può superare quello calcolato (%(l)s).",
                                l=level_label(computed)), field="level")
        if level != computed and not reason:
            raise DomainError(_("Per certificare a un livello inferiore serve una motivazione "
                                "scritta."), field="reason")
        action = Action.CERTIFY
    elif outcome == DecisionOutcome.REFUSE:
        if not reason:
            raise DomainError(_("Per respingere servono le motivazioni."), field="reason")
        level, action = None, Action.REFUSE
    else:
        raise DomainError(_("Esito non valido."), field="outcome")
    decision = Decision(application_id=application.id, officer_id=officer.id, outcome=outcome,
                        level=level, computed_level=computed, reason=reason or None,
                        snapshot=snapshot(application))
    db.session.add(decision)
    try:
        transition(application, action, officer, note=reason or None)
        db.session.flush()
    except (IntegrityError, StaleDataError):
        raise Conflict(_("Un altro responsabile ha appena deciso questa domanda.")) from None
    auditlog.record("decision.made", "application", application.id, actor=officer,
                    after={"outcome": str(outcome), "level": level, "computed_level": computed,
                           "reason": reason or None, "decision_id": decision.id})
    certificate = _certify(decision, level, officer)
    def body() -> str:  # in each member's language
        if outcome != DecisionOutcome.CERTIFY:
            return _("La domanda è stata respinta. Motivazioni: %(r)s\n\nPuoi presentare "
                     "ricorso entro %(d)d giorni.", r=reason, d=APPEAL_DAYS)
        text = _("La tua azienda è stata certificata: livello %(l)s.", l=level_label(level))
        if certificate is not None:
            text += "\n\n" + certificate_links(certificate)
        return text

    notify_firm(application, _l("Esito della domanda n. %(n)d", n=application.id), body)
    return decision


def certificate_links(certificate) -> str:
    """The lines of an email that hand the firm its certificate: number, PDF, verify page."""
    return _("Certificato n. %(n)s (revisione %(r)d), valido dal %(a)s al %(b)s.\n"
             "PDF del certificato: %(pdf)s\nPagina di verifica pubblica: %(verify)s",
             n=certificate.number, r=certificate.revision,
             a=certificate.valid_from.strftime("%d/%m/%Y"),
             b=certificate.valid_until.strftime("%d/%m/%Y"),
             pdf=external_url("public.certificate_pdf", number=certificate.number),
             verify=lookup.verify_url(certificate))


def _certify(decision: Decision, level: str | None, actor) -> Certificate | None:
    """What a decision means for the certificate, in the same transaction: a positive
    decision issues one; after surveillance a level keeps (or changes) the certificate in a
    new revision and no level suspends it. Anything raised here rolls the decision back."""
    application = decision.application
    if application.kind == ApplicationKind.SURVEILLANCE:
        if level:
            return reissue_after_surveillance(application.certificate_number, level,
                                              decision, actor)
        certificate = lookup.find(application.certificate_number)
        if certificate is not None and certificate.status == CertificateStatus.VALID:
            change_status(certificate, CertificateAction.SUSPEND, None,
                          public_reason="Audit di sorveglianza con esito negativo",
                          internal_reason=decision.reason or "")
        return None
    return issue_certificate(decision, level, actor) if level else None


def decision_of(application: Application) -> Decision | None:
    """The application's decision, None until an officer decided."""
    return db.session.scalar(db.select(Decision).where(
        Decision.application_id == application.id))


def is_adverse_decision(decision: Decision) -> bool:
    """A refusal, or a certification at a level below the one the assessment computed."""
    return decision.outcome in APPEALABLE or (
        decision.level is not None and decision.computed_level is not None
        and decision.level != decision.computed_level)


def _check_appeal(user, firm_id: int, decided_on: dt.date, text: str,
                  today: dt.date | None) -> None:
    if not (user.has_role(Role.APPLICANT) and user.firm_id == firm_id):
        raise NotPermitted(_("Solo l'azienda può presentare ricorso."))
    if ((today or today_in_rome()) - decided_on).days > APPEAL_DAYS:
        raise DomainError(_("Il termine di %(d)d giorni per il ricorso è scaduto.",
                            d=APPEAL_DAYS))
    if not (text or "").strip():
        raise DomainError(_("Scrivi i motivi del ricorso."), field="text")


def lodge_appeal(decision: Decision, user, text: str, today: dt.date | None = None) -> Appeal:
    """The firm appeals within 30 days against a refusal or a level below the computed one."""
    application = decision.application
    if not is_adverse_decision(decision):
        raise DomainError(_("Si può presentare ricorso solo contro un diniego o un livello "
                            "inferiore a quello calcolato."))
    _check_appeal(user, application.firm_id, decision.decided_at.astimezone(ROME).date(),
                  text, today)
    if db.session.scalar(db.select(Appeal.id).where(Appeal.decision_id == decision.id)):
        raise DomainError(_("Un ricorso su questa decisione è già stato presentato."))
    appeal = Appeal(decision_id=decision.id, text=text.strip(), lodged_by_id=user.id)
    db.session.add(appeal)
    db.session.flush()
    auditlog.record("appeal.lodged", "application", application.id, actor=user,
                    after={"appeal_id": appeal.id})
    notify_appeal_lodged(appeal)
    return appeal


def lodge_status_appeal(change: StatusChange, user, text: str,
                        today: dt.date | None = None) -> Appeal:
    """The firm appeals within 30 days against a suspension or withdrawal it did not ask
    for."""
    certificate = change.certificate
    if not is_adverse(change, certificate.firm_id):
        raise DomainError(_("Si può presentare ricorso solo contro una sospensione o una "
                            "revoca non richiesta dall'azienda."))
    _check_appeal(user, certificate.firm_id, change.at.astimezone(ROME).date(), text, today)
    if db.session.scalar(db.select(Appeal.id).where(Appeal.status_change_id == change.id)):
        raise DomainError(_("Un ricorso su questa decisione è già stato presentato."))
    appeal = Appeal(status_change_id=change.id, text=text.strip(), lodged_by_id=user.id)
    db.session.add(appeal)
    db.session.flush()
    auditlog.record("appeal.lodged", "certificate", certificate.number, actor=user,
                    after={"appeal_id": appeal.id, "status_change_id": change.id})
    notify_appeal_lodged(appeal)
    return appeal


def notify_appeal_lodged(appeal: Appeal) -> None:
    """The administrators assign the appeal; the officers who could decide it (no part in
    the decision or the audit) are told it may come to them."""
    firm = (appeal.decision.application.firm if appeal.decision is not None
            else appeal.status_change.certificate.firm)
    notify_people([admin for admin in active_with_role(Role.ADMIN) if admin.firm_id != firm.id],
                  _l("Ricorso presentato"),
                  _l("%(f)s ha presentato un ricorso (n. %(n)d): assegnalo a un responsabile "
                     "che non ha preso parte alla decisione né all'audit.",
                     f=firm.name, n=appeal.id),
                  external_url("decisions.assign_appeal", appeal_id=appeal.id),
                  _l("Assegna il ricorso"))
    notify_people([officer for officer in active_with_role(Role.OFFICER)
                   if not appeal_obstacles(appeal, officer)],
                  _l("Ricorso presentato"),
                  _l("%(f)s ha presentato un ricorso (n. %(n)d). Non hai preso parte alla "
                     "decisione né all'audit: un amministratore potrà assegnarlo a te.",
                     f=firm.name, n=appeal.id),
                  external_url("decisions.index"), _l("Apri le tue decisioni"))


def appeal_obstacles(appeal: Appeal, officer) -> list[str]:
    """An appeal goes to an officer who took no part in the decision or the audit."""
    if appeal.decision is not None:
        reasons = may_decide(officer, appeal.decision.application)
        if officer.id == appeal.decision.officer_id:
            reasons.append(_("Ha preso la decisione impugnata."))
        return reasons
    change = appeal.status_change
    application = db.session.get(Application, change.certificate.application_id)
    reasons = may_decide(officer, application)
    if officer.id == change.actor_id:
        reasons.append(_("Ha preso la decisione impugnata."))
    return reasons


def appeal_of(decision: Decision | None) -> Appeal | None:
    """The appeal lodged against `decision`, if any (one per decision)."""
    if decision is None:
        return None
    return db.session.scalar(db.select(Appeal).where(Appeal.decision_id == decision.id))


def assign_appeal(appeal: Appeal, officer, admin) -> None:
    """An admin gives the appeal to an officer with no part in the decision or the audit."""
    if not admin.has_role(Role.ADMIN):
        raise NotPermitted(_("Solo un amministratore assegna i ricorsi."))
    reasons = appeal_obstacles(appeal, officer)
    if reasons:
        raise DomainError(" ".join(reasons), field="officer_id")
    appeal.officer_id, appeal.assigned_at = officer.id, utcnow()
    db.session.flush()
    if appeal.decision is not None:
        subject = ("application", appeal.decision.application_id)
    else:
        subject = ("certificate", appeal.status_change.certificate.number)
    auditlog.record("appeal.assigned", *subject, actor=admin,
                    after={"appeal_id": appeal.id, "officer_id": officer.id})
    notify_people([officer], _l("Ti è stato assegnato un ricorso"),
                  _l("Ti è stato assegnato il ricorso n. %(n)d: esaminalo e decidilo.",
                     n=appeal.id),
                  external_url("decisions.appeal", appeal_id=appeal.id), _l("Apri il ricorso"))


def decide_appeal(appeal: Appeal, officer, outcome: str, reason: str) -> None:
    """Uphold the refusal, or overturn it: the firm is then certified at the computed level."""
    if appeal.officer_id != officer.id or appeal_obstacles(appeal, officer):
        raise NotPermitted(_("Questo ricorso non è assegnato a te."))
    if appeal.outcome is not None:
        raise DomainError(_("Il ricorso è già stato deciso."))
    if not (reason or "").strip():
        raise DomainError(_("Servono le motivazioni."), field="reason")
    if outcome not in frozenset(AppealOutcome):
        raise DomainError(_("Esito non valido."), field="outcome")
    if appeal.decision is None:
        _decide_status_appeal(appeal, officer, outcome, reason.strip())
        return
    application = appeal.decision.application
    refused = appeal.decision.outcome == DecisionOutcome.REFUSE
    if outcome == AppealOutcome.OVERTURNED:
        computed = appeal.decision.computed_level
        if computed is None:
            raise DomainError(_("Secondo lo schema l'azienda non è certificabile: il ricorso "
                                "può solo essere respinto, o la domanda rivalutata."))
        if refused:
            # The decision row stays as it was (history); the certified level is the
            # computed one, recorded on the appeal.
            transition(application, Action.OVERTURN, officer, note=reason)
    appeal.outcome, appeal.reason, appeal.decided_at = str(outcome), reason.strip(), utcnow()
    db.session.flush()
    auditlog.record("appeal.decided", "application", application.id, actor=officer,
                    after={"appeal_id": appeal.id, "outcome": str(outcome), "reason": reason})
    certificate = None
    if outcome == AppealOutcome.OVERTURNED:
        if refused:
            certificate = _certify(appeal.decision, appeal.decision.computed_level, officer)
        else:  # certified below the computed level: a revision at the computed one
            issued = db.session.scalar(db.select(Certificate).where(
                Certificate.decision_id == appeal.decision.id))
            certificate = reissue_after_surveillance(
                issued.number, appeal.decision.computed_level, appeal.decision, officer)
    def body() -> str:  # in each member's language
        text = _("Il ricorso sulla domanda n. %(n)d è stato deciso: %(o)s.\n\n%(r)s",
                 n=application.id, o=appeal_outcome_label(outcome), r=reason)
        if certificate is not None:
            text += "\n\n" + certificate_links(certificate)
        return text

    notify_firm(application, _l("Esito del ricorso"), body)


def _decide_status_appeal(appeal: Appeal, officer, outcome: AppealOutcome | str,
                          reason: str) -> None:
    """An upheld appeal against a suspension reinstates the certificate; against a
    withdrawal, restores it — if it is still in the status appealed against."""
    change = appeal.status_change
    certificate = lookup.find(change.certificate.number)
    appeal.outcome, appeal.reason, appeal.decided_at = str(outcome), reason, utcnow()
    db.session.flush()
    auditlog.record("appeal.decided", "certificate", certificate.number, actor=officer,
                    after={"appeal_id": appeal.id, "outcome": str(outcome), "reason": reason})
    if outcome == AppealOutcome.OVERTURNED and certificate.status == change.status:
        change_status(certificate, APPEAL_REVERSALS[CertificateStatus(change.status)], None,
                      public_reason=f"Ricorso accolto: {reason}",
                      internal_reason=f"ricorso n. {appeal.id}, deciso da {officer.email}")
    mail.queue_for_each(db.session, active_members(certificate.firm_id), _l("Esito del ricorso"),
                        lambda: _("Il ricorso contro lo stato «%(s)s» del certificato %(n)s "
                                  "è stato deciso: %(o)s.\n\n%(r)s",
                                  s=status_label(change.status), n=certificate.number,
                                  o=appeal_outcome_label(outcome), r=reason))
