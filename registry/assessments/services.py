"""The auditor's work on an assessment: scores, N/A, findings, dates, sites, submission.

A draft can be saved at any time; submitting checks that every criterion is scored or
justified N/A and then locks the assessment for good.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits import sampling, scoring
from audits.schemes_store import scheme_of
from registry import auditlog
from registry.accounts.models import active_with_role
from registry.applications.models import Application, ChangeRequest
from registry.applications.services import criterion_or_404, notify_firm, notify_people
from registry.applications.transitions import transition
from registry.applications.workflow import AUDITING, Action, ApplicationState
from registry.assessments.assignments import involved_in, is_assigned
from registry.assessments.double_scoring import select_for_double_scoring
from registry.assessments.models import Assessment, CriterionScore, Finding
from registry.assessments.workflow import (
    NONCONFORMITIES,
    OPEN,
    AssessmentState,
    AuditType,
    FindingKind,
)
from registry.db import today_in_rome, utcnow
from registry.errors import DomainError, NotPermitted
from registry.extensions import db
from registry.firms.geography import is_eu
from registry.links import external_url
from registry.security import Role


def require_auditor(user, application: Application) -> None:
    """Only an assigned auditor who signed the declaration works on the assessment."""
    if not (user.has_role(Role.AUDITOR) and is_assigned(user, application.id)):
        raise NotPermitted(_("Non sei il valutatore incaricato di questa domanda."))


def is_open(assessment: Assessment, application: Application) -> bool:
    """The auditor may still change the assessment: a draft, with the audit running."""
    return assessment.state in OPEN and application.state in AUDITING


def require_open(assessment: Assessment, application: Application) -> None:
    if not is_open(assessment, application):
        raise DomainError(_("La valutazione è chiusa: non si può modificare."))


@dataclass(frozen=True)
class WorkspaceActions:
    """What the assigned auditor may do in the workspace now (feeds buttons and forms)."""

    can_score: bool
    can_start: bool


def workspace_actions(assessment: Assessment, application: Application) -> WorkspaceActions:
    """The auditor scores while the assessment is open; a submitted file not yet started
    shows the button that starts the audit."""
    return WorkspaceActions(can_score=is_open(assessment, application),
                            can_start=application.state == ApplicationState.SUBMITTED)


def assessment_of(application: Application) -> Assessment | None:
    """The application's assessment, None before an auditor opened the file."""
    return db.session.scalar(db.select(Assessment).where(
        Assessment.application_id == application.id))


RECORDS_MONTHS = 12  # scale anchor 3: "records for at least 12 months" (also for 4)


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def covers_records_period(records_from: dt.date | None, records_to: dt.date | None) -> bool:
    """True if the records run for at least RECORDS_MONTHS whole months (1 Jan–31 Dec is
    twelve)."""
    return (records_from is not None and records_to is not None
            and records_to + dt.timedelta(days=1) >= months_later(records_from,
                                                                  RECORDS_MONTHS))


def evidence_problems(code: str, score: int | None, not_applicable: bool,
                      justification: str | None, evidence_reviewed: str | None,
                      records_from: dt.date | None, records_to: dt.date | None
                      ) -> list[tuple[str, str]]:
    """What the scheme's evidence rules find missing in one criterion's score, as (field,
    message naming the criterion): N/A needs a reason; every score an evidence reference;
    3 and 4 the period of the records examined, at least 12 months."""
    if not_applicable:
        if not (justification or "").strip():
            return [("justification", _("Criterio %(c)s: per N/A serve una giustificazione "
                                        "scritta.", c=code))]
        return []
    problems = []
    if not (evidence_reviewed or "").strip():
        problems.append(("evidence_reviewed", _(
            "Criterio %(c)s: manca il riferimento all'evidenza.", c=code)))
    if score is not None and score >= 3:
        if records_from is None or records_to is None:
            problems.append(("records_from", _(
                "Criterio %(c)s: per il punteggio %(s)d indica il periodo delle registrazioni "
                "esaminate (almeno %(m)d mesi).", c=code, s=score, m=RECORDS_MONTHS)))
        elif records_to < records_from:
            problems.append(("records_to", _(
                "Criterio %(c)s: la fine del periodo delle registrazioni precede l'inizio.",
                c=code)))
        elif not covers_records_period(records_from, records_to):
            problems.append(("records_from", _(
                "Criterio %(c)s: il punteggio %(s)d richiede almeno %(m)d mesi di "
                "registrazioni; il periodo indicato è più breve.",
                c=code, s=score, m=RECORDS_MONTHS)))
    return problems


def score_criterion(assessment: Assessment, application: Application, user, code: str, *,
                    score: int | None, not_applicable: bool, justification: str,
                    notes: str, evidence_reviewed: str, records_from: dt.date | None = None,
                    records_to: dt.date | None = None) -> CriterionScore:
    """Record (or change) the draft score of one criterion, held to the scheme's evidence
    rules (see `evidence_problems`)."""
    require_auditor(user, application)
    require_open(assessment, application)
    criterion = criterion_or_404(scheme_of(application.scheme_version), code)
    if not_applicable:
        if not criterion.na_allowed:
            raise DomainError(_("Per questo criterio N/A non è ammesso."), field="score")
        score = None
    elif score is None or not 0 <= score <= 4:
        raise DomainError(_("Scegli un punteggio da 0 a 4 oppure N/A."), field="score")
    if records_to is not None and records_to > today_in_rome():
        raise DomainError(_("Criterio %(c)s: il periodo delle registrazioni non può finire "
                            "nel futuro.", c=code), field="records_to")
    problems = evidence_problems(code, score, not_applicable, justification,
                                 evidence_reviewed, records_from, records_to)
    if problems:
        raise DomainError(" ".join(message for _field, message in problems),
                          field=problems[0][0])
    row = db.session.scalar(db.select(CriterionScore).where(
        CriterionScore.assessment_id == assessment.id, CriterionScore.criterion_code == code))
    before = None
    if row is None:
        row = CriterionScore(assessment=assessment, criterion_code=code)
        db.session.add(row)
    else:
        before = {"score": row.score, "na": row.not_applicable}
    row.score, row.not_applicable = score, not_applicable
    row.justification = justification.strip() or None
    row.notes = notes.strip() or None
    row.evidence_reviewed = evidence_reviewed.strip() or None
    keep_period = not not_applicable and score is not None and score >= 3
    row.records_from = records_from if keep_period else None
    row.records_to = records_to if keep_period else None
    row.updated_by_id = user.id
    db.session.flush()
    auditlog.record("assessment.scored", "application", application.id, actor=user,
                    before=before, after={"criterion": code, "score": score,
                                          "na": not_applicable,
                                          "records_from": row.records_from,
                                          "records_to": row.records_to})
    return row


def submission_problems(assessment: Assessment, application: Application) -> list[str]:
    """Everything that stops the assessment from being submitted, each message saying
    which criterion misses what: scores, evidence rules, audit dates, sites visited."""
    problems = []
    missing = unscored(assessment, application)
    if missing:
        problems.append(_("Mancano i punteggi di: %(c)s.", c=", ".join(missing)))
    wanted = set(to_score(assessment, application))
    for row in sorted(assessment.scores, key=lambda r: r.criterion_code):
        if row.is_set and row.criterion_code in wanted:
            problems.extend(message for _field, message in evidence_problems(
                row.criterion_code, row.score, row.not_applicable, row.justification,
                row.evidence_reviewed, row.records_from, row.records_to))
    if assessment.started_on is None or assessment.ended_on is None:
        problems.append(_("Indica le date di inizio e fine dell'audit."))
    if not assessment.sites_visited:
        problems.append(_("Indica le sedi visitate durante l'audit."))
    unvisited = [site for site in required_sites(assessment, application)
                 if site.id not in set(assessment.sites_visited or [])]
    if unvisited:
        problems.append(_("Il campione deve comprendere le sedi fuori UE e quelle aperte "
                          "dopo l'ultimo audit: mancano %(s)s.",
                          s=", ".join(site.public_place() for site in unvisited)))
    return problems


def add_finding(assessment: Assessment, application: Application, user, code: str, kind: str,
                text: str, due_on: dt.date | None) -> Finding:
    """Record a finding; nonconformities need a due date for the corrective action."""
    require_auditor(user, application)
    require_open(assessment, application)
    criterion_or_404(scheme_of(application.scheme_version), code)
    if kind not in frozenset(FindingKind):
        raise DomainError(_("Tipo di rilievo non valido."), field="kind")
    if not text.strip():
        raise DomainError(_("Descrivi il rilievo."), field="text")
    if kind in NONCONFORMITIES and due_on is None:
        raise DomainError(_("Per una non conformità serve la data entro cui correggerla."),
                          field="due_on")
    finding = Finding(assessment=assessment, criterion_code=code, kind=kind, text=text.strip(),
                      due_on=due_on)
    db.session.add(finding)
    db.session.flush()
    auditlog.record("assessment.finding", "application", application.id, actor=user,
                    after={"criterion": code, "kind": str(kind), "due_on": due_on})
    return finding


def save_audit_details(assessment: Assessment, application: Application, user,
                       started_on: dt.date | None, ended_on: dt.date | None,
                       site_ids: list[int]) -> None:
    """Audit dates and the operating sites visited (only the firm's own sites)."""
    require_auditor(user, application)
    require_open(assessment, application)
    if started_on and ended_on and ended_on < started_on:
        raise DomainError(_("La fine dell'audit non può precedere l'inizio."), field="ended_on")
    valid = {site.id for site in application.firm.sites}
    if not set(site_ids) <= valid:
        raise DomainError(_("Sede non valida."), field="sites")
    assessment.started_on, assessment.ended_on = started_on, ended_on
    assessment.sites_visited = sorted(site_ids)
    db.session.flush()
    auditlog.record("assessment.details", "application", application.id, actor=user,
                    after={"started_on": started_on, "ended_on": ended_on,
                           "sites": sorted(site_ids)})


def proposed_sample(assessment: Assessment, application: Application) -> int:
    """Sites to visit for this audit type (IAF MD1 square-root rule)."""
    return sampling.sample_size(len(application.firm.open_sites), assessment.audit_type)


def score_map(assessment: Assessment) -> dict[str, int | None]:
    """Scores as the engine wants them: None for N/A, absent when not yet scored."""
    return {row.criterion_code: (None if row.not_applicable else row.score)
            for row in assessment.scores if row.is_set}


def to_score(assessment: Assessment, application: Application) -> list[str]:
    """The criteria this audit scores, in scheme order (a surveillance: its sample)."""
    codes = [c.code for c in scheme_of(application.scheme_version).criteria]
    sample = assessment.criteria_sample
    return codes if sample is None else [code for code in codes if code in set(sample)]


def unscored(assessment: Assessment, application: Application) -> list[str]:
    """Codes of the criteria still to score (or mark N/A), in scheme order."""
    done = set(score_map(assessment))
    return [code for code in to_score(assessment, application) if code not in done]


def rescored_everything(assessment: Assessment, application: Application) -> bool:
    """True if this audit scored every criterion of the scheme (a full re-scoring)."""
    codes = {c.code for c in scheme_of(application.scheme_version).criteria}
    return codes <= set(score_map(assessment))


def previous_assessment(application: Application) -> Assessment | None:
    """The firm's last submitted assessment before this application (what a surveillance
    builds on)."""
    return db.session.scalars(
        db.select(Assessment).join(Application).where(
            Application.firm_id == application.firm_id, Application.id < application.id,
            Assessment.state == AssessmentState.SUBMITTED)
        .order_by(Application.id.desc()).limit(1)).first()


def effective_scores(assessment: Assessment, application: Application) -> dict:
    """The scores the engine evaluates: this audit's, and for the criteria a surveillance
    did not sample, the scores of the previous audit."""
    scores = score_map(assessment)
    if assessment.criteria_sample is not None:
        earlier = previous_assessment(application)
        if earlier is not None:
            scores = {**effective_scores(earlier, earlier.application), **scores}
    return scores


def evaluate(assessment: Assessment, application: Application):
    """The engine's full result for a complete assessment."""
    return scoring.evaluate(scheme_of(application.scheme_version),
                            effective_scores(assessment, application))


def required_sites(assessment: Assessment, application: Application) -> list:
    """Sites a surveillance or recertification must visit whatever the sample: every site
    outside the EU and every site opened since the previous audit (domain.md §3.3)."""
    if assessment.audit_type == AuditType.INITIAL:
        return []
    earlier = previous_assessment(application)
    since = earlier.submitted_at if earlier is not None else None
    return [site for site in application.firm.open_sites
            if not is_eu(site.country) or (since is not None and site.created_at > since)]


def submit_assessment(assessment: Assessment, application: Application, user) -> None:
    """Lock the assessment once every criterion is scored or justified N/A."""
    require_auditor(user, application)
    require_open(assessment, application)
    problems = submission_problems(assessment, application)
    if problems:
        raise DomainError(" ".join(problems))
    assessment.state = AssessmentState.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = user.id
    transition(application, Action.COMPLETE_ASSESSMENT, user)
    auditlog.record("assessment.submitted", "application", application.id, actor=user)
    # Calibration: a reproducible share of assessments is drawn for a blind second scoring
    # (it never changes this assessment or the decision).
    select_for_double_scoring(assessment, application)
    notify_deciders(application)


def notify_deciders(application: Application) -> None:
    """Tell the officers who may decide the application (none who took part in its audit
    or belongs to the firm) that a decision waits for them."""
    db.session.flush()
    involved = involved_in(application)
    notify_people(
        [officer for officer in active_with_role(Role.OFFICER)
         if officer.id not in involved and officer.firm_id != application.firm_id],
        _l("Decisione in attesa"),
        _l("La valutazione della domanda n. %(n)d di %(f)s è stata completata: la "
           "decisione di certificazione attende un responsabile che non ha preso parte "
           "all'audit.", n=application.id, f=application.firm.name),
        external_url("decisions.decide", application_id=application.id),
        _l("Apri la decisione"))


def request_changes(application: Application, user, items: str) -> ChangeRequest:
    """Send the application back to the firm with a list of requested items."""
    allowed = user.has_role(Role.OFFICER) or (
        user.has_role(Role.AUDITOR) and is_assigned(user, application.id))
    if not allowed or user.firm_id == application.firm_id:
        raise NotPermitted(_("Non puoi chiedere integrazioni per questa domanda."))
    if not items.strip():
        raise DomainError(_("Elenca le integrazioni richieste."), field="items")
    request = ChangeRequest(application_id=application.id, items=items.strip(),
                            requested_by_id=user.id)
    db.session.add(request)
    assessment = assessment_of(application)
    if assessment is not None and assessment.state == AssessmentState.SUBMITTED:
        # An officer sends an assessed file back: the auditor must be able to rescore.
        assessment.state = AssessmentState.DRAFT
    transition(application, Action.REQUEST_CHANGES, user, note=items.strip())
    notify_firm(application, _l("Integrazioni richieste"), _l(
        "Per la domanda n. %(n)d sono richieste queste integrazioni:\n\n%(items)s\n\n%(link)s",
        n=application.id, items=items.strip(),
        link=external_url("applications.detail", application_id=application.id)))
    return request
