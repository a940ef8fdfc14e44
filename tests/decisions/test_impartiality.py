"""Four eyes for good: whoever ever took part in the audit of a file (assigned, scored,
declared a conflict), in this application or earlier in its cycle, never decides it, sends
it back as an officer, or decides its appeal — on every path, and a refusal changes nothing."""

import pytest

from registry.accounts.models import User
from registry.applications.models import Application, ApplicationEvent
from registry.assessments.models import Assignment, ConflictDeclaration
from registry.auditlog import AuditEvent
from registry.decisions import services as decisions
from registry.decisions.models import Appeal, Decision
from registry.errors import NotPermitted
from registry.extensions import db
from tests.steps import (
    assessed,
    assign,
    audit_details,
    client_for,
    decide,
    open_file,
    score_all,
    scores_for,
    state_of,
)


def _snapshot(app) -> tuple:
    """What a refused step must leave exactly as it was."""
    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                     for model in (Decision, Appeal, ApplicationEvent, AuditEvent,
                                   Assignment, ConflictDeclaration))


def _also_officer(app, people, who="auditor"):
    with app.app_context():
        db.session.get(User, people[who]).set_roles(["auditor", "officer"])
        db.session.commit()


def test_declare_a_conflict_after_scoring_then_decide_is_refused(app, people):
    """The sequence that used to work: score and submit, declare a conflict (which ended the
    assignment), then certify as officer."""
    _also_officer(app, people)
    auditor = assessed(app, people, "L2")
    response = auditor.post(f"/audit/applications/{people['application']}/declaration",
                            data={"conf-reason": "Ho lavorato per l'azienda.",
                                  "conf-submit": "1"})
    assert response.status_code == 302
    before = _snapshot(app)
    body = decide(app, people, officer="auditor", outcome="certify", level="L2"
                  ).get_data(as_text=True)
    assert "Hai preso parte alla valutazione" in body
    assert state_of(app, people) == "assessed" and _snapshot(app) == before


def test_a_conflict_declared_during_the_audit_stays_on_record(app, people):
    _also_officer(app, people)
    assert assign(app, people).status_code == 302
    auditor = open_file(app, people)
    score_all(auditor, people["application"], {"MAN-01": 3})
    response = auditor.post(f"/audit/applications/{people['application']}/declaration",
                            data={"conf-reason": "Parente del legale rappresentante.",
                                  "conf-submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        assignment = db.session.scalar(db.select(Assignment))
        assert assignment.ended_at is not None and assignment.end_reason == "conflict"
        declaration = db.session.scalar(db.select(ConflictDeclaration))
        assert declaration.application_id == people["application"]
    # The ended assignment no longer opens the file ...
    assert auditor.get(f"/audit/applications/{people['application']}").status_code == 404
    # ... and a second auditor finishes the audit.
    assert assign(app, people, auditor="auditor2").status_code == 302
    second = open_file(app, people, auditor="auditor2")
    score_all(second, people["application"], scores_for("L2"))
    audit_details(app, second, people["application"])
    assert second.post(f"/audit/applications/{people['application']}/submit"
                       ).status_code == 302
    before = _snapshot(app)
    for data in ({"outcome": "certify", "level": "L2"},
                 {"outcome": "refuse", "reason": "Non conforme."}):
        body = decide(app, people, officer="auditor", **data).get_data(as_text=True)
        assert "Hai preso parte alla valutazione" in body
    changes = client_for(app, people["auditor"]).post(
        f"/officer/applications/{people['application']}/changes",
        data={"chg-items": "Manca il DURC."}, follow_redirects=True).get_data(as_text=True)
    assert "Hai preso parte alla valutazione" in changes
    assert state_of(app, people) == "assessed" and _snapshot(app) == before


def test_an_earlier_audit_in_the_cycle_counts(app, people):
    """Whoever audited the initial application may not decide the surveillance that
    follows it in the same cycle."""
    with app.app_context():
        first = db.session.get(Application, people["application"])
        db.session.add(Assignment(application_id=first.id, auditor_id=people["auditor"],
                                  role="lead", assigned_by_id=people["admin"]))
        first.state = "certified"
        later = Application(firm_id=first.firm_id, scheme_version_id=first.scheme_version_id,
                            kind="surveillance", state="assessed",
                            created_by_id=people["owner"])
        renewal = Application(firm_id=first.firm_id,
                              scheme_version_id=first.scheme_version_id, kind="renewal",
                              state="assessed", created_by_id=people["owner"])
        db.session.add_all([later, renewal])
        db.session.commit()
        officer = db.session.get(User, people["auditor"])
        officer.set_roles(["auditor", "officer"])
        db.session.commit()
        assert decisions.may_decide(officer, later)
        # A renewal opens a new cycle: the earlier audit no longer bars the person.
        assert decisions.may_decide(officer, renewal) == []


def test_the_service_refuses_whatever_the_path(app, people):
    """The same rule for the form, a direct POST and any other caller of the service."""
    _also_officer(app, people)
    assessed(app, people, "L2")
    with app.app_context():
        officer = db.session.get(User, people["auditor"])
        application = db.session.get(Application, people["application"])
        with pytest.raises(NotPermitted):
            decisions.decide(application, officer, "certify", "L2", "")
        with pytest.raises(NotPermitted):
            decisions.send_back(application, officer, "Integrare.")
        db.session.rollback()
    assert state_of(app, people) == "assessed"


def test_no_one_involved_decides_the_appeal(app, people):
    _also_officer(app, people, who="auditor2")
    assessed(app, people, "L1")
    assert decide(app, people, outcome="refuse", reason="Dubbi sul DURC.").status_code == 302
    owner = client_for(app, people["owner"])
    owner.post(f"/applications/{people['application']}/appeal",
               data={"apl-text": "Il DURC è regolare."})
    with app.app_context():
        appeal = db.session.scalar(db.select(Appeal))
        # auditor2 declares a conflict with the firm: involved, so not a judge of the appeal
        db.session.add(ConflictDeclaration(auditor_id=people["auditor2"],
                                           firm_id=people["firm"], reason="Ex dipendente."))
        db.session.commit()
        reasons = decisions.appeal_obstacles(appeal, db.session.get(User, people["auditor2"]))
        assert any("preso parte" in reason for reason in reasons)
    admin = client_for(app, people["admin"])
    before = _snapshot(app)
    body = admin.post(f"/admin/applications/appeals/{appeal.id}",
                      data={"officer_id": people["auditor2"]}).get_data(as_text=True)
    assert "preso parte" in body and _snapshot(app) == before
