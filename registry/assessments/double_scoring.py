"""Double scoring for auditor calibration: a share of submitted assessments gets a second,
blind scoring of a sample of its criteria by another eligible auditor.

The draw is reproducible: a pseudo-random number seeded by the assessment's id decides
whether it is selected (draw < DOUBLE_SCORING_SHARE) and which criteria are sampled; both
the draw and the share in force are recorded on the row. The second auditor is chosen
under the impartiality rules of `assignments.obstacles` (not the firm's member, no declared
conflict, rotation) and is never someone who took part in the audit.

The second auditor sees the criteria, the scoring guide and the firm's evidence, never the
first auditor's scores, notes or findings (blind). The second scoring writes only its own
rows: the assessment, its scores and the decision are never touched.

Settings (Flask config, defaults here): DOUBLE_SCORING_SHARE (0.1),
DOUBLE_SCORING_CRITERIA (how many criteria are sampled, 6).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from audits.schemes_store import scheme_of
from registry import auditlog
from registry.accounts.models import active_with_role
from registry.applications import evidence
from registry.applications.models import Application, CriterionNote
from registry.applications.services import criterion_or_404
from registry.assessments.assignments import involved_in, obstacles
from registry.assessments.models import Assessment, SecondScore, SecondScoring
from registry.assessments.workflow import AssessmentState, SecondScoringState
from registry.db import utcnow
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.security import Role

DEFAULT_SHARE = 0.1
DEFAULT_CRITERIA = 6


def share_in_force() -> float:
    """The configured share of submitted assessments that get a second scoring."""
    return float(current_app.config.get("DOUBLE_SCORING_SHARE", DEFAULT_SHARE))


def sample_size() -> int:
    return int(current_app.config.get("DOUBLE_SCORING_CRITERIA", DEFAULT_CRITERIA))


def _rng(assessment_id: int) -> random.Random:
    # Seeding with a string hashes it with SHA-512: the same numbers on every machine and
    # Python run (PYTHONHASHSEED plays no part), so anyone can re-run the draw.
    return random.Random(f"bollino-blu/double-scoring/{assessment_id}")


def draw_for(assessment_id: int) -> float:
    """The assessment's draw in [0, 1): it is selected when the draw is below the share."""
    return _rng(assessment_id).random()


def criteria_sample(assessment_id: int, codes: list[str], size: int) -> list[str]:
    """The criteria the second auditor scores: a reproducible sample of `codes` (the
    criteria this audit scored), in the order given."""
    rng = _rng(assessment_id)
    rng.random()  # the selection draw comes first
    chosen = set(rng.sample(codes, min(size, len(codes))))
    return [code for code in codes if code in chosen]


def eligible_auditors(application: Application) -> list:
    """Active auditors who may score the file: no impartiality obstacle and no part in its
    audit (the first auditor included), least loaded with pending second scorings first."""
    involved = involved_in(application)
    candidates = [a for a in active_with_role(Role.AUDITOR)
                  if a.id not in involved and not obstacles(a, application)]
    pending = dict(db.session.execute(
        db.select(SecondScoring.auditor_id, db.func.count(SecondScoring.id))
        .where(SecondScoring.state == SecondScoringState.PENDING)
        .group_by(SecondScoring.auditor_id)).all())
    return sorted(candidates, key=lambda a: (pending.get(a.id, 0), a.id))


def select_for_double_scoring(assessment: Assessment, application: Application,
                              share: float | None = None) -> SecondScoring | None:
    """Draw the submitted assessment for a second scoring; if selected, record the draw,
    the share, the criteria sample and the second auditor. Idempotent: an assessment is
    drawn once (a resubmission after changes keeps its first draw)."""
    if assessment.state != AssessmentState.SUBMITTED:
        return None
    existing = db.session.scalar(db.select(SecondScoring).where(
        SecondScoring.assessment_id == assessment.id))
    if existing is not None:
        return existing
    share = share_in_force() if share is None else share
    draw = draw_for(assessment.id)
    if draw >= share:
        return None
    codes = [row.criterion_code for row in assessment.scores if row.is_set]
    candidates = eligible_auditors(application)
    scoring = SecondScoring(assessment_id=assessment.id, draw=draw, share=share,
                            criteria_sample=criteria_sample(assessment.id, sorted(codes),
                                                            sample_size()),
                            auditor_id=candidates[0].id if candidates else None)
    db.session.add(scoring)
    db.session.flush()
    auditlog.record("second_scoring.selected", "application", application.id,
                    after={"assessment_id": assessment.id, "draw": round(draw, 6),
                           "share": share, "criteria": scoring.criteria_sample,
                           "auditor_id": scoring.auditor_id})
    return scoring


def pending_for(auditor) -> list[SecondScoring]:
    """The second scorings waiting for `auditor`, oldest first."""
    return list(db.session.scalars(db.select(SecondScoring).where(
        SecondScoring.auditor_id == auditor.id,
        SecondScoring.state == SecondScoringState.PENDING).order_by(SecondScoring.id)))


def done_by(auditor) -> list[SecondScoring]:
    return list(db.session.scalars(db.select(SecondScoring).where(
        SecondScoring.auditor_id == auditor.id,
        SecondScoring.state == SecondScoringState.DONE).order_by(SecondScoring.id.desc())))


def scoring_for(auditor, scoring_id: int) -> SecondScoring:
    """The auditor's own second scoring, or 404 (nobody else's is even said to exist)."""
    scoring = db.session.get(SecondScoring, scoring_id)
    if scoring is None or scoring.auditor_id != auditor.id:
        raise NotFound(_("Doppia valutazione non trovata."))
    return scoring


@dataclass(frozen=True)
class BlindItem:
    """One criterion as the second auditor sees it: the scheme's text, the firm's own note
    and documents, and what the second auditor entered; nothing of the first auditor."""

    criterion: object
    firm_note: str
    documents: list
    score: SecondScore | None


@dataclass(frozen=True)
class BlindFile:
    scoring: SecondScoring
    application: Application
    items: list[BlindItem]
    can_score: bool


def blind_file(auditor, scoring_id: int) -> BlindFile:
    """What the second auditor may see of the file (see BlindItem)."""
    scoring = scoring_for(auditor, scoring_id)
    application = scoring.assessment.application
    scheme = scheme_of(application.scheme_version)
    docs = evidence.evidence_by_criterion(application.id)
    notes = {note.criterion_code: note.note for note in db.session.scalars(
        db.select(CriterionNote).where(CriterionNote.application_id == application.id))}
    mine = {row.criterion_code: row for row in scoring.scores}
    items = [BlindItem(criterion_or_404(scheme, code), notes.get(code, ""),
                       docs.get(code, []), mine.get(code))
             for code in scoring.criteria_sample]
    return BlindFile(scoring, application, items,
                     scoring.state == SecondScoringState.PENDING)


def evidence_version(auditor, scoring_id: int, document_id: int, number: int):
    """A version of a document the firm offered for a sampled criterion, or 404."""
    scoring = scoring_for(auditor, scoring_id)
    application = scoring.assessment.application
    docs = evidence.evidence_by_criterion(application.id)
    offered = {d.id for code in scoring.criteria_sample for d in docs.get(code, [])}
    if document_id not in offered:
        raise NotFound(_("Documento non trovato."))
    return evidence.version_of(application, document_id, number)


def submit_second_scoring(scoring: SecondScoring, auditor,
                          answers: dict[str, tuple[int | None, bool, str]]) -> SecondScoring:
    """Record the second auditor's blind scores for every sampled criterion (score 0-4, or
    N/A where the scheme allows it, and a note) and close the second scoring. Only its own
    rows are written: the assessment and the decision stay exactly as they were."""
    if scoring.auditor_id != auditor.id or not auditor.has_role(Role.AUDITOR):
        raise NotFound(_("Doppia valutazione non trovata."))
    if scoring.state != SecondScoringState.PENDING:
        raise DomainError(_("Questa doppia valutazione è già stata inviata."))
    scheme = scheme_of(scoring.assessment.application.scheme_version)
    missing = [code for code in scoring.criteria_sample if code not in answers]
    if missing:
        raise DomainError(_("Mancano i punteggi di: %(c)s.", c=", ".join(missing)))
    for code in scoring.criteria_sample:
        score, not_applicable, notes = answers[code]
        criterion = criterion_or_404(scheme, code)
        if not_applicable and not criterion.na_allowed:
            raise DomainError(_("Criterio %(c)s: N/A non è ammesso.", c=code))
        if not not_applicable and (score is None or not 0 <= score <= 4):
            raise DomainError(_("Criterio %(c)s: scegli un punteggio da 0 a 4 oppure N/A.",
                                c=code))
        db.session.add(SecondScore(scoring=scoring, criterion_code=code,
                                   score=None if not_applicable else score,
                                   not_applicable=not_applicable,
                                   notes=(notes or "").strip() or None))
    scoring.state = SecondScoringState.DONE
    scoring.submitted_at = utcnow()
    db.session.flush()
    auditlog.record("second_scoring.submitted", "application",
                    scoring.assessment.application_id, actor=auditor,
                    after={"second_scoring_id": scoring.id,
                           "scores": {code: answers[code][0] for code in
                                      scoring.criteria_sample}})
    return scoring


def draw_submitted(admin) -> tuple[int, int]:
    """The scheme owner applies the draw to every submitted assessment without a second
    scoring (submitted before double scoring began, or drawn under a smaller share: the
    draw itself never changes), and gives an auditor to drawn second scorings still
    without one. Returns (newly drawn, newly given an auditor)."""
    if not admin.has_role(Role.ADMIN):
        raise NotPermitted(_("Solo un amministratore avvia l'estrazione."))
    drawn = set(db.session.scalars(db.select(SecondScoring.assessment_id)))
    new = 0
    for assessment in db.session.scalars(db.select(Assessment).where(
            Assessment.state == AssessmentState.SUBMITTED).order_by(Assessment.id)):
        if assessment.id not in drawn and select_for_double_scoring(
                assessment, assessment.application) is not None:
            new += 1
    given = 0
    for scoring in db.session.scalars(db.select(SecondScoring).where(
            SecondScoring.auditor_id.is_(None),
            SecondScoring.state == SecondScoringState.PENDING).order_by(SecondScoring.id)):
        application = scoring.assessment.application
        candidates = eligible_auditors(application)
        if candidates:
            scoring.auditor_id = candidates[0].id
            db.session.flush()
            auditlog.record("second_scoring.assigned", "application", application.id,
                            actor=admin, after={"second_scoring_id": scoring.id,
                                                "auditor_id": scoring.auditor_id})
            given += 1
    return new, given
