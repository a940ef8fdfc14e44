"""The auditor's work: assignment with impartiality and rotation, the declaration,
scoring rules, submission."""

from audits.schemes_store import scheme_of
from registry.accounts.models import User
from registry.applications.models import Application
from registry.applications.workflow import ApplicationState
from registry.assessments.models import Assignment
from registry.extensions import db
from tests import factories
from tests.steps import assessed, assign, client_for, decide, open_file, state_of


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
        earlier.state = ApplicationState.CERTIFIED
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
