"""From `submitted` to `decided`: assignment, declaration, scoring, decision, appeal."""

import pytest

from audits.models import Assessment
from audits.schemes_store import scheme_of
from registry.accounts.models import User
from registry.applications.models import Appeal, Application, Decision
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests import factories
from tests.conftest import log_in


@pytest.fixture
def people(app):
    """A firm with a submitted application, two auditors, two officers and an admin."""
    with app.app_context():
        owner = factories.make_user("applicant", email="owner@firm.it")
        firm = factories.make_firm(owner=owner)
        application = factories.make_application(firm, owner, complete=True, state="submitted")
        ids = {"owner": owner.id, "firm": firm.id, "application": application.id}
        for name, role in (("auditor", "auditor"), ("auditor2", "auditor"),
                           ("officer", "officer"), ("officer2", "officer"),
                           ("admin", "admin")):
            ids[name] = factories.make_user(role, email=f"{name}@registry.it").id
        return ids


def client_for(app, user_id):
    client = app.test_client()
    log_in(client, user_id)
    return client


def assign(app, people, auditor="auditor", role="lead"):
    admin = client_for(app, people["admin"])
    return admin.post(f"/admin/applications/{people['application']}",
                      data={"auditor_id": people[auditor], "role": role})


def open_file(app, people, auditor="auditor"):
    client = client_for(app, people[auditor])
    response = client.post(f"/audit/applications/{people['application']}/declaration",
                           data={"decl-confirm": "y", "decl-submit": "1"})
    assert response.status_code == 302
    return client


def scores_for(level: str) -> dict:
    """Integer scores per criterion that reach exactly the given outcome."""
    with_codes = {}
    for code in factories.ALL_CRITERIA:
        area = code.split("-")[0]
        if level == "L3":
            with_codes[code] = 4
        elif level == "L2":
            with_codes[code] = 3
        elif level == "L1":
            with_codes[code] = 2 if area == "FOR" else 3
        else:  # not certifiable: a failed knock-out
            with_codes[code] = 1 if code == "LEG-02" else 4
    return with_codes


def score_all(client, application_id, scores):
    for code, score in scores.items():
        response = client.post(f"/audit/applications/{application_id}/criteria/{code}",
                               data={"sc-score": str(score), "sc-submit": "1"})
        assert response.status_code == 302, (code, response.get_data(as_text=True)[:500])


def assessed(app, people, level):
    assert assign(app, people).status_code == 302
    auditor = open_file(app, people)
    score_all(auditor, people["application"], scores_for(level))
    response = auditor.post(f"/audit/applications/{people['application']}/submit")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Application, people["application"]).state == "assessed"
    return auditor


def decide(app, people, officer="officer", **data):
    client = client_for(app, people[officer])
    return client.post(f"/officer/applications/{people['application']}",
                       data={f"dec-{k}": v for k, v in data.items()})


def state_of(app, people):
    with app.app_context():
        return db.session.get(Application, people["application"]).state


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
    assert "Hai valutato questa domanda" in body
    assert state_of(app, people) == "assessed"


def test_firm_member_cannot_audit_or_decide(app, people):
    with app.app_context():
        owner = db.session.get(User, people["owner"])
        owner.set_roles(["applicant", "auditor", "officer"])
        db.session.commit()
    admin = client_for(app, people["admin"])
    body = admin.post(f"/admin/applications/{people['application']}",
                      data={"auditor_id": people["owner"], "role": "lead"}
                      ).get_data(as_text=True)
    assert "appartiene all" in body
    owner_client = client_for(app, people["owner"])
    base = f"/audit/applications/{people['application']}"
    for path in (f"{base}/declaration", base, f"{base}/criteria/LEG-01"):
        assert owner_client.get(path).status_code == 404
    for path in (f"{base}/submit", f"{base}/changes", f"{base}/details", f"{base}/resume"):
        assert owner_client.post(path).status_code == 404
    assessed(app, people, "L2")
    body = decide(app, people, officer="owner", outcome="certify", level="L2"
                  ).get_data(as_text=True)
    assert "Appartieni all" in body
    assert state_of(app, people) == "assessed"


def test_conflict_blocks_assignment(app, people):
    assert assign(app, people).status_code == 302
    auditor = client_for(app, people["auditor"])
    response = auditor.post(f"/audit/applications/{people['application']}/declaration",
                            data={"conf-reason": "Ho lavorato per l'azienda nel 2025.",
                                  "conf-submit": "1"})
    assert response.status_code == 302
    body = assign(app, people).get_data(as_text=True)
    assert "conflitto di interessi" in body and "Ho lavorato per" in body


def test_rotation_blocks_assignment(app, people):
    with app.app_context():
        owner = db.session.get(User, people["owner"])
        firm_id = people["firm"]
        earlier = db.session.get(Application, people["application"])
        earlier.state = "certified"
        from audits.models import Assignment

        db.session.add(Assignment(application_id=earlier.id, auditor_id=people["auditor"],
                                  role="lead", assigned_by_id=people["admin"]))
        db.session.commit()
        new = factories.make_application(db.session.get(type(earlier.firm), firm_id), owner,
                                         complete=True, state="submitted", kind="renewal")
        people = {**people, "application": new.id}
    body = assign(app, people).get_data(as_text=True)
    assert "rotazione" in body
    assert assign(app, people, auditor="auditor2").status_code == 302


def test_unscored_assessment_cannot_be_submitted(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    body = auditor.post(f"/audit/applications/{people['application']}/submit",
                        follow_redirects=True).get_data(as_text=True)
    assert "Mancano i punteggi" in body and "LEG-07" in body


def test_na_needs_justification_and_permission(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    url = f"/audit/applications/{people['application']}/criteria"
    body = auditor.post(f"{url}/LEG-07", data={"sc-score": "na", "sc-submit": "1"}
                        ).get_data(as_text=True)
    assert "giustificazione" in body
    assert auditor.post(f"{url}/LEG-07", data={
        "sc-score": "na", "sc-justification": "Nessun cambio appalto.", "sc-submit": "1"}
    ).status_code == 302
    body = auditor.post(f"{url}/LEG-01", data={"sc-score": "na", "sc-justification": "x",
                                               "sc-submit": "1"}).get_data(as_text=True)
    assert "non è ammesso" in body


def test_scheme_criteria_are_known(app):
    with app.app_context():
        version = factories.default_scheme()
        codes = {c.code for c in scheme_of(version).criteria}
    assert codes == set(factories.ALL_CRITERIA)
