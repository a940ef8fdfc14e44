"""Demo data for auditor calibration: past audits by four auditors, one strict and one
generous enough to be flagged, and blind second scorings with disagreements.

Hundreds of scores through the full workflow would be slow, so the rows are written
directly, as the workflow leaves them: each past application was submitted, audited (an
assignment with its signed declaration, a submitted assessment scoring every criterion with
its evidence reference and, for 3 and 4, a twelve-month records period), then withdrawn by
the firm before the decision, with its history events. The second scorings go through the
real draw and the real service. Everything is seeded: the same demo every time.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from audits.schemes_store import current_version, scheme_of
from registry.accounts.models import User, active_with_role
from registry.accounts.services import create_user
from registry.applications.models import Application, ApplicationEvent
from registry.applications.workflow import Action, ApplicationKind, ApplicationState
from registry.assessments.double_scoring import select_for_double_scoring, submit_second_scoring
from registry.assessments.models import Assessment, Assignment, CriterionScore
from registry.assessments.workflow import AssessmentState, AuditorRole, AuditType
from registry.extensions import db
from registry.firms.models import Firm
from registry.security import Role

# (email, name, style, days from assignment to submission)
DEMO_AUDITORS = [
    ("auditor@demo.bollinoblu.it", "Marco Valutatore", "even", 12),
    ("auditor2@demo.bollinoblu.it", "Giulia Valutatrice", "even", 15),
    ("roberto.severi@demo.bollinoblu.it", "Roberto Severi", "strict", 34),
    ("elena.larghi@demo.bollinoblu.it", "Elena Larghi", "generous", 6),
]
AUDITS_EACH = 8
# Criteria whose scoring guide the demo auditors read differently (low agreement).
AMBIGUOUS = ("FOR-02", "ORG-04", "MAN-05")
# Second scorings the demo leaves to do, so the auditors' list is not empty.
LEFT_PENDING = 3


def _auditor(email: str, name: str) -> User:
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:  # not a demo login: a long random password nobody knows
        user = create_user(email, name, secrets.token_urlsafe(24) + "-Aa1", [Role.AUDITOR])
    return user


def _true_level(seed: str) -> int:
    return random.Random(seed).choices((1, 2, 3, 4), weights=(1, 3, 4, 2))[0]


def _score(style: str, level: int, rng: random.Random, ambiguous: bool = False) -> int:
    """How an auditor of `style` scores a criterion whose true level is `level`."""
    if style == "strict":
        score = level - (2 if rng.random() < 0.5 else 1)
    elif style == "generous":
        score = level + 1
    else:
        score = level + (rng.choice((-1, 1)) if rng.random() < 0.2 else 0)
    if ambiguous:
        score += rng.choice((-2, -1, 1, 2))
    return max(0, min(4, score))


def _event(application, action, before, after, actor_id, at) -> None:
    db.session.add(ApplicationEvent(application_id=application.id, action=action,
                                    from_state=before, to_state=after, actor_id=actor_id,
                                    at=at))


def _past_audit(firm: Firm, auditor: User, admin: User, style: str, days: int,
                start: dt.datetime, codes: list[str], version_id: int) -> Assessment:
    """One past audit of `firm` by `auditor`, as the workflow leaves it (see above)."""
    S = ApplicationState
    submitted = start - dt.timedelta(days=3)
    application = Application(firm_id=firm.id, scheme_version_id=version_id,
                              kind=ApplicationKind.INITIAL, state=S.WITHDRAWN,
                              created_by_id=firm.owner_id, created_at=submitted,
                              submitted_at=submitted, declaration_by_id=firm.owner_id,
                              declaration_at=submitted)
    db.session.add(application)
    db.session.flush()
    done = start + dt.timedelta(days=days)
    _event(application, Action.SUBMIT, S.DRAFT, S.SUBMITTED, firm.owner_id, submitted)
    _event(application, Action.START_AUDIT, S.SUBMITTED, S.UNDER_AUDIT, auditor.id,
           start + dt.timedelta(days=1))
    _event(application, Action.COMPLETE_ASSESSMENT, S.UNDER_AUDIT, S.ASSESSED, auditor.id,
           done)
    _event(application, Action.WITHDRAW, S.ASSESSED, S.WITHDRAWN, firm.owner_id,
           done + dt.timedelta(days=5))
    db.session.add(Assignment(application_id=application.id, auditor_id=auditor.id,
                              role=AuditorRole.LEAD, assigned_by_id=admin.id, assigned_at=start,
                              declaration_signed_at=start + dt.timedelta(days=1),
                              declaration_text="Dichiarazione di imparzialità (demo)"))
    visit = done.date() - dt.timedelta(days=2)
    assessment = Assessment(application_id=application.id, state=AssessmentState.SUBMITTED,
                            audit_type=AuditType.INITIAL, started_on=visit,
                            ended_on=visit + dt.timedelta(days=1),
                            sites_visited=[firm.sites[0].id] if firm.sites else [],
                            submitted_at=done, submitted_by_id=auditor.id)
    db.session.add(assessment)
    rng = random.Random(f"calibration-demo/{application.id}/{auditor.id}")
    for code in codes:
        score = _score(style, _true_level(f"{application.id}/{code}"), rng)
        high = score >= 3
        db.session.add(CriterionScore(
            assessment=assessment, criterion_code=code, score=score,
            evidence_reviewed="Registri e procedure esaminati in sede (demo)",
            records_from=visit - dt.timedelta(days=365) if high else None,
            records_to=visit - dt.timedelta(days=1) if high else None,
            updated_by_id=auditor.id, updated_at=done))
    db.session.flush()
    return assessment


def seed_calibration_demo() -> None:
    """Past audits of the demo firms by four auditors (one strict, one generous), each
    drawn for a blind second scoring; all but a few second scorings are done."""
    admins = active_with_role(Role.ADMIN)
    firms = [f for f in db.session.scalars(db.select(Firm).order_by(Firm.id)) if f.owner_id]
    if not admins or not firms:
        return
    admin = admins[0]
    version = current_version()
    codes = [c.code for c in scheme_of(version).criteria]
    auditors = [(_auditor(email, name), style, days)
                for email, name, style, days in DEMO_AUDITORS]
    assessments = []
    base = dt.datetime(2026, 1, 12, 9, tzinfo=dt.UTC)
    for round_ in range(AUDITS_EACH):
        for index, (auditor, style, days) in enumerate(auditors):
            firm = firms[(round_ * len(auditors) + index) % len(firms)]
            start = base + dt.timedelta(days=7 * round_ + index)
            assessments.append(_past_audit(firm, auditor, admin, style, days, start, codes,
                                           version.id))
    scorings = [select_for_double_scoring(a, a.application, share=1.0) for a in assessments]
    scorings = [s for s in scorings if s is not None and s.auditor_id is not None]
    for scoring in scorings[:len(scorings) - LEFT_PENDING]:
        second = db.session.get(User, scoring.auditor_id)
        rng = random.Random(f"calibration-demo/second/{scoring.id}")
        # The second auditor reads the evidence as an even-handed peer would (the demo's
        # strict and generous habits show in first scorings), except where the guide is
        # ambiguous.
        answers = {code: (_score("even",
                                 _true_level(f"{scoring.assessment.application_id}/{code}"),
                                 rng, code in AMBIGUOUS), False, "")
                   for code in scoring.criteria_sample}
        submit_second_scoring(scoring, second, answers)
