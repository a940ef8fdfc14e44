"""The first-run checklist on a firm's dashboard: confirm email → firm profile → sites →
application → evidence → submit, showing where the firm is with a link to the next step."""

import re

from registry.extensions import db
from tests import factories
from tests.steps import log_in


def _checklist(client):
    body = client.get("/dashboard").get_data(as_text=True)
    match = re.search(r'<section class="card mb-4" aria-labelledby="first-steps-title">'
                      r'.*?</section>', body, re.S)
    return match.group(0) if match else None


def _current(section):
    return re.search(r'aria-current="step">\s*<strong><a href="([^"]+)"', section).group(1)


def test_the_checklist_leads_a_new_firm_step_by_step(app, client):
    with app.app_context():
        user = factories.make_user("applicant", email="new@firm.it")
        user_id = user.id
    log_in(client, user_id)
    section = _checklist(client)
    assert section and "Fatti 1 passi su 6." in section
    assert _current(section) == "/firm/new"

    with app.app_context():
        firm = factories.make_firm(owner=db.session.get(type(user), user_id))
        firm_id = firm.id
        has_site = bool(firm.open_sites)
    section = _checklist(client)
    assert _current(section) == ("/applications" if has_site else "/firm/sites/new")

    with app.app_context():
        firm = db.session.get(type(firm), firm_id)
        application = factories.make_application(firm, db.session.get(type(user), user_id),
                                                 complete=True)
        application_id = application.id
    section = _checklist(client)
    assert "Fatti 5 passi su 6." in section
    assert _current(section) == f"/applications/{application_id}"
    assert "Invia la domanda" in section

    with app.app_context():
        application = db.session.get(type(application), application_id)
        application.submitted_at = application.created_at
        db.session.commit()
    assert _checklist(client) is None


def test_evidence_is_the_next_step_until_every_knockout_criterion_has_documents(app, client):
    with app.app_context():
        user = factories.make_user("applicant")
        firm = factories.make_firm(owner=user)
        factories.make_site(firm)
        application = factories.make_application(firm, user)
        user_id, application_id = user.id, application.id
    log_in(client, user_id)
    section = _checklist(client)
    assert "Fatti 4 passi su 6." in section
    assert "Carica la documentazione" in section
    assert _current(section) == f"/applications/{application_id}"


def test_staff_see_no_checklist(app, client, users):
    log_in(client, users["auditor"])
    assert _checklist(client) is None
