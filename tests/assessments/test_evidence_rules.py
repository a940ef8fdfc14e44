"""The assessment form holds auditors to the scheme's evidence rules: an evidence reference
for every score, the records period (at least 12 months) for 3 and 4, audit dates and the
sites visited before submitting, with messages naming the criterion and what is missing. A
refused step leaves the database unchanged."""

import datetime as dt

from registry.assessments.models import Assessment, CriterionScore
from registry.assessments.services import covers_records_period
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests.steps import (
    EVIDENCE,
    assign,
    audit_details,
    open_file,
    score_all,
    scores_for,
    state_of,
)


def _snapshot(app):
    with app.app_context():
        return (db.session.scalar(db.select(db.func.count(CriterionScore.id))),
                db.session.scalar(db.select(db.func.count(AuditEvent.id))),
                [(a.state, a.started_on, a.submitted_at)
                 for a in db.session.scalars(db.select(Assessment))])


def _score(auditor, people, code, score, **fields):
    return auditor.post(f"/audit/applications/{people['application']}/criteria/{code}",
                        data={"sc-score": str(score), "sc-submit": "1", **fields})


def test_every_score_needs_an_evidence_reference(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    before = _snapshot(app)
    response = _score(auditor, people, "MAN-01", 2)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "Criterio MAN-01: manca il riferimento all&#39;evidenza" in body \
        or "Criterio MAN-01: manca il riferimento all'evidenza" in body
    assert _snapshot(app) == before
    assert _score(auditor, people, "MAN-01", 2,
                  **{"sc-evidence_reviewed": "Organigramma 2026"}).status_code == 302


def test_three_and_four_need_twelve_months_of_records(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    reference = {"sc-evidence_reviewed": "Report KPI mensili"}
    before = _snapshot(app)
    body = _score(auditor, people, "ORG-03", 3, **reference).get_data(as_text=True)
    assert "Criterio ORG-03" in body and "periodo delle registrazioni" in body
    body = _score(auditor, people, "ORG-03", 4, **reference, **{
        "sc-records_from": "2025-07-01", "sc-records_to": "2025-12-31"}).get_data(as_text=True)
    assert "Criterio ORG-03" in body and "almeno 12 mesi" in body
    body = _score(auditor, people, "ORG-03", 3, **reference, **{
        "sc-records_from": "2025-12-31", "sc-records_to": "2025-01-01"}).get_data(as_text=True)
    assert "precede" in body
    assert _snapshot(app) == before
    assert _score(auditor, people, "ORG-03", 4, **EVIDENCE).status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(CriterionScore))
        assert (row.records_from, row.records_to) == (dt.date(2025, 1, 1),
                                                     dt.date(2025, 12, 31))


def test_records_cannot_end_in_the_future(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    body = _score(auditor, people, "ORG-03", 3, **{
        "sc-evidence_reviewed": "x", "sc-records_from": "2025-01-01",
        "sc-records_to": future}).get_data(as_text=True)
    assert "futuro" in body


def test_the_records_period_counts_whole_months():
    assert covers_records_period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert not covers_records_period(dt.date(2025, 1, 1), dt.date(2025, 12, 30))
    assert covers_records_period(dt.date(2024, 2, 29), dt.date(2025, 2, 27))
    assert not covers_records_period(dt.date(2024, 3, 31), dt.date(2025, 3, 29))
    assert not covers_records_period(None, dt.date(2025, 1, 1))


def test_submit_needs_audit_dates_and_sites_visited(app, people):
    assign(app, people)
    auditor = open_file(app, people)
    score_all(auditor, people["application"], scores_for("L2"))
    page = auditor.get(f"/audit/applications/{people['application']}").get_data(as_text=True)
    assert "Indica le date di inizio e fine dell&#39;audit." in page
    before = _snapshot(app)
    response = auditor.post(f"/audit/applications/{people['application']}/submit",
                            follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "date di inizio e fine" in body and "sedi visitate" in body
    assert _snapshot(app) == before and state_of(app, people) == "under_audit"
    audit_details(app, auditor, people["application"])
    assert auditor.post(f"/audit/applications/{people['application']}/submit"
                        ).status_code == 302
    assert state_of(app, people) == "assessed"
