"""Surveillance runs itself: the daily job opens each surveillance audit 90 days before it
is due (12 and 24 months after the certificate starts) and suspends a certificate whose
surveillance was not decided in time."""

import datetime as dt

from registry.applications.models import Application
from registry.applications.surveillance import run_surveillance
from registry.certificates import lookup
from registry.certificates.cycle import add_months, surveillance_dues, surveillance_opens
from registry.certificates.models import Certificate
from registry.certificates.verdict import Verdict
from registry.db import today_in_rome
from registry.extensions import db


def test_dues_fall_at_12_and_24_months_within_validity():
    start = dt.date(2026, 3, 31)
    assert surveillance_dues(start, add_months(start, 36) - dt.timedelta(days=1)) == [
        dt.date(2027, 3, 31), dt.date(2028, 3, 31)]
    assert surveillance_dues(start, dt.date(2027, 12, 31)) == [dt.date(2027, 3, 31)]
    assert surveillance_opens(dt.date(2027, 3, 31)) == dt.date(2026, 12, 31)


def _certificate_due_in(app, certified_firm, days: int):
    """A certificate whose first surveillance falls `days` from today."""
    today = today_in_rome()
    due = today + dt.timedelta(days=days)
    row = certified_firm("Sorvegliata S.r.l.", valid_from=add_months(due, -12))
    with app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        assert surveillance_dues(certificate.valid_from, certificate.valid_until)[0] == due
    return row, due


def _surveillances(app):
    with app.app_context():
        return db.session.scalars(db.select(Application).where(
            Application.kind == "surveillance")).all()


def test_the_job_opens_the_surveillance_ahead_and_only_once(mail_app, smtp_server,
                                                             certified_firm):
    row, due = _certificate_due_in(mail_app, certified_firm, 60)
    with mail_app.app_context():
        assert run_surveillance(due - dt.timedelta(days=91))["surveillance_opened"] == 0
        assert run_surveillance()["surveillance_opened"] == 1
        db.session.commit()
        assert run_surveillance()["surveillance_opened"] == 0  # idempotent
        db.session.commit()
    (audit,) = _surveillances(mail_app)
    assert audit.certificate_number == row.number and audit.surveillance_due_on == due
    assert audit.created_by_id is None and audit.state == "draft"
    subjects = [m["Subject"] for m in smtp_server.wait(1)]
    assert "Audit di sorveglianza" in subjects


def test_an_undecided_surveillance_suspends_the_day_after_it_is_due(app, certified_firm):
    row, due = _certificate_due_in(app, certified_firm, 30)
    with app.app_context():
        run_surveillance()
        db.session.commit()
        assert run_surveillance(due)["surveillance_overdue"] == 0  # still in time
        assert run_surveillance(due + dt.timedelta(days=1))["surveillance_overdue"] == 1
        db.session.commit()
        assert run_surveillance(due + dt.timedelta(days=2))["surveillance_overdue"] == 0
        certificate = lookup.find(row.number)
        assert certificate.status == "suspended"
        assert certificate.history[-1].public_reason == (
            f"Audit di sorveglianza non concluso entro il {due:%d/%m/%Y}")
        assert lookup.check(row.number, day=due).verdict == Verdict.VALID
        assert lookup.check(row.number, day=due + dt.timedelta(days=1)).verdict == \
            Verdict.SUSPENDED


def test_a_decided_surveillance_keeps_the_certificate(app, certified_firm):
    row, due = _certificate_due_in(app, certified_firm, 30)
    with app.app_context():
        run_surveillance()
        audit = db.session.scalar(db.select(Application).where(
            Application.kind == "surveillance"))
        audit.state = "certified"  # decided by an officer (the workflow has its own tests)
        db.session.commit()
        assert run_surveillance(due + dt.timedelta(days=1))["surveillance_overdue"] == 0
        assert lookup.find(row.number).status == "valid"


def test_the_rehearsal_shows_the_surveillance_it_would_open(app, runner, certified_firm):
    row, _due = _certificate_due_in(app, certified_firm, 60)
    result = runner.invoke(args=["jobs", "run", "--dry-run"])
    assert result.exit_code == 0 and f"{row.number}: surveillance opened" in result.output
    assert "surveillance_opened: 1" in result.output
    assert _surveillances(app) == []
