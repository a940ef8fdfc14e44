"""Steps of the certification workflow taken as people take them: over HTTP, logged in.

Tests whose subject is the workflow (assessments, decisions, appeals, issuance) use these;
read-side tests insert rows instead (`tests/rows.py`).
"""

from __future__ import annotations

import time

import pyotp

from registry.accounts.models import User
from registry.accounts.sessions import start_session
from registry.applications.models import Application
from registry.extensions import db
from tests import factories


def log_in(client, user_id: int) -> None:
    """Log a user in without the password and code round trips: a real server-side session
    is opened through the service, marked as passed with a second factor (so staff need no
    authenticator here), and its token written into the cookie as Flask-Login would."""
    with client.application.app_context():
        token = start_session(db.session.get(User, user_id), ip_address="127.0.0.1",
                              user_agent="tests", second_factor="totp")
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def totp(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later: the
    registry accepts one step of drift, and refuses a step already used)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def log_in_with_password(client, email: str, password: str, secret: str | None = None,
                         steps_ahead: int = 0):
    """The real login form; with `secret`, the second step too. Returns the last response."""
    response = client.post("/account/login", data={"email": email, "password": password})
    if secret and response.status_code == 302 and \
            response.headers["Location"].startswith("/account/login/code"):
        response = client.post("/account/login/code",
                               data={"code": totp(secret, steps_ahead)})
    return response


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


# What an auditor writes beside every score: the evidence reference and, for 3 and 4, the
# twelve months of records examined (the scheme's evidence rules).
EVIDENCE = {"sc-evidence_reviewed": "Verbale di audit, registro formazione 2025 (sede di Roma)",
            "sc-records_from": "2025-01-01", "sc-records_to": "2025-12-31"}


def score_all(client, application_id, scores):
    for code, score in scores.items():
        response = client.post(f"/audit/applications/{application_id}/criteria/{code}",
                               data={"sc-score": str(score), "sc-submit": "1", **EVIDENCE})
        assert response.status_code == 302, (code, response.get_data(as_text=True)[:500])


def audit_details(app, client, application_id):
    """The audit dates and every site of the firm visited, as the auditor saves them."""
    with app.app_context():
        application = db.session.get(Application, application_id)
        sites = [str(site.id) for site in application.firm.sites]
    response = client.post(f"/audit/applications/{application_id}/details",
                           data={"det-started_on": "2026-10-05", "det-ended_on": "2026-10-07",
                                 "det-sites": sites, "det-submit": "1"})
    assert response.status_code == 302
    return response


def assessed(app, people, level):
    assert assign(app, people).status_code == 302
    auditor = open_file(app, people)
    score_all(auditor, people["application"], scores_for(level))
    audit_details(app, auditor, people["application"])
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
