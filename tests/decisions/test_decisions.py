"""From an assessed file to a decision: certified at each level, lower with a reason,
never higher, refused, sent back and resubmitted, appealed; four eyes."""

import pytest

from registry.accounts.models import User
from registry.applications.models import Application
from registry.assessments.models import Assessment
from registry.auditlog import AuditEvent
from registry.decisions.models import Appeal, Decision
from registry.decisions.services import allowed_levels
from registry.extensions import db
from tests.steps import (
    assessed,
    assign,
    client_for,
    decide,
    open_file,
    score_all,
    state_of,
)


@pytest.mark.parametrize("level", ["L1", "L2", "L3"])
def test_certified_at_each_level(app, people, level):
    assessed(app, people, level)
    response = decide(app, people, outcome="certify", level=level)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        decision = db.session.scalar(db.select(Decision))
        assert (decision.outcome, decision.level, decision.computed_level) == \
            ("certify", level, level)
        snap = decision.snapshot
        assert snap["scheme"]["version"] == "1.0" and len(snap["scores"]) == 28
        assert snap["result"]["level"] == level
        assert len(snap["evidence"]) == 7 and all(len(e["sha256"]) == 64 for e in
                                                  snap["evidence"])
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "decision.made"))
    assert state_of(app, people) == "certified"


def test_certified_lower_needs_reason(app, people):
    assessed(app, people, "L3")
    body = decide(app, people, outcome="certify", level="L2").get_data(as_text=True)
    assert "serve una motivazione" in body
    assert state_of(app, people) == "assessed"
    response = decide(app, people, outcome="certify", level="L2",
                      reason="Rilievi recenti dell'INL da verificare.")
    assert response.status_code == 302
    with app.app_context():
        decision = db.session.scalar(db.select(Decision))
        assert decision.level == "L2" and decision.computed_level == "L3"


def test_never_higher_than_computed(app, people):
    assessed(app, people, "L1")
    body = decide(app, people, outcome="certify", level="L3", reason="x").get_data(
        as_text=True)
    assert state_of(app, people) == "assessed"
    assert "non può superare" in body or "Not a valid choice" in body or "L1" in body


def test_refused_with_reasons(app, people):
    assessed(app, people, "none")
    body = decide(app, people, outcome="certify").get_data(as_text=True)
    assert "non è certificabile" in body
    assert "servono le motivazioni" in decide(app, people, outcome="refuse").get_data(
        as_text=True)
    assert decide(app, people, outcome="refuse", reason="LEG-02 sotto il minimo."
                  ).status_code == 302
    assert state_of(app, people) == "refused"


def test_sent_back_and_resubmitted(app, people):
    assert assign(app, people).status_code == 302
    auditor = open_file(app, people)
    score_all(auditor, people["application"], {"MAN-01": 3})
    response = auditor.post(f"/audit/applications/{people['application']}/changes",
                            data={"chg-items": "Organigramma aggiornato", "chg-submit": "1"})
    assert response.status_code == 302
    assert state_of(app, people) == "changes_requested"
    owner = client_for(app, people["owner"])
    assert owner.post(f"/applications/{people['application']}/submit",
                      data={"declaration": "y"}).status_code == 302
    assert state_of(app, people) == "submitted"
    assert auditor.post(f"/audit/applications/{people['application']}/resume"
                        ).status_code == 302
    assert state_of(app, people) == "under_audit"
    with app.app_context():
        assessment = db.session.scalar(db.select(Assessment))
        assert [(s.criterion_code, s.score) for s in assessment.scores] == [("MAN-01", 3)]


def test_appeal_overturned(app, people):
    assessed(app, people, "L1")
    assert decide(app, people, outcome="refuse", reason="Dubbi sul DURC.").status_code == 302
    owner = client_for(app, people["owner"])
    assert owner.post(f"/applications/{people['application']}/appeal",
                      data={"apl-text": "Il DURC è regolare, allegato."}).status_code == 302
    with app.app_context():
        appeal_id = db.session.scalar(db.select(Appeal.id))
    admin = client_for(app, people["admin"])
    # the officer who decided cannot take the appeal
    body = admin.post(f"/admin/applications/appeals/{appeal_id}",
                      data={"officer_id": people["officer"]}).get_data(as_text=True)
    assert "Ha preso la decisione impugnata" in body
    assert admin.post(f"/admin/applications/appeals/{appeal_id}",
                      data={"officer_id": people["officer2"]}).status_code == 302
    officer2 = client_for(app, people["officer2"])
    response = officer2.post(f"/officer/appeals/{appeal_id}", data={
        "app-outcome": "overturned", "app-reason": "DURC verificato regolare."})
    assert response.status_code == 302
    assert state_of(app, people) == "certified"


def test_auditor_cannot_decide_own_application(app, people):
    with app.app_context():
        user = db.session.get(User, people["auditor"])
        user.set_roles(["auditor", "officer"])
        db.session.commit()
    assessed(app, people, "L2")
    body = decide(app, people, officer="auditor", outcome="certify", level="L2"
                  ).get_data(as_text=True)
    assert "Hai preso parte alla valutazione" in body
    assert state_of(app, people) == "assessed"


@pytest.mark.parametrize(("computed", "levels"), [
    (None, []), ("L1", ["L1"]), ("L2", ["L1", "L2"]), ("L3", ["L1", "L2", "L3"])])
def test_allowed_levels_never_exceed_the_computed_one(app, people, computed, levels):
    """One rule for the form's choices and for the service's check."""
    with app.app_context():
        application = db.session.get(Application, people["application"])
        assert [lv.code for lv in allowed_levels(application, computed)] == levels


def test_the_form_offers_the_computed_level_first_chosen(app, people):
    assessed(app, people, "L2")
    page = client_for(app, people["officer"]).get(
        f"/officer/applications/{people['application']}").get_data(as_text=True)
    assert '<option selected value="L2">Bollino Blu ★★ (2 stelle su 3)</option>' in page
    assert 'value="L3"' not in page  # never offered above the computed level


def test_the_computed_level_stays_chosen_after_a_refused_submit(app, people):
    """A submit refused for another reason (no reason to refuse, no level sent) shows the
    computed level again, highest first, never the lowest one the browser would pick."""
    assessed(app, people, "L2")
    response = client_for(app, people["officer"]).post(
        f"/officer/applications/{people['application']}", data={"dec-outcome": "refuse"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "servono le motivazioni" in page
    assert '<option selected value="L2">Bollino Blu ★★ (2 stelle su 3)</option>' in page
    assert page.index('value="L2"') < page.index('value="L1"')
    response = client_for(app, people["officer"]).post(
        f"/officer/applications/{people['application']}", data={"dec-outcome": "certify"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Decision)).level == "L2"
