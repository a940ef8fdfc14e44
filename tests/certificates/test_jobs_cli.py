"""`flask jobs run --date YYYY-MM-DD [--dry-run]`: an administrator rehearses what the daily
job would do on a given day; a rehearsal changes nothing and sends nothing."""

import datetime as dt

from registry.auditlog import AuditEvent
from registry.certificates.models import Certificate, StatusChange
from registry.db import today_in_rome
from registry.extensions import db


def _state(app, certificate_id):
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        return (certificate.status,
                db.session.scalar(db.select(db.func.count()).select_from(StatusChange)),
                db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)))


def test_dry_run_on_a_future_day_shows_and_keeps_nothing(app, runner, certified_firm):
    today = today_in_rome()
    row = certified_firm("Scadenza S.r.l.", valid_from=today - dt.timedelta(days=300),
                         valid_until=today + dt.timedelta(days=10))
    before = _state(app, row.certificate_id)
    later = (today + dt.timedelta(days=20)).isoformat()
    result = runner.invoke(args=["jobs", "run", "--date", later, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{row.number}: expired" in result.output and "expired: 1" in result.output
    assert "nessuna modifica salvata" in result.output
    assert _state(app, row.certificate_id) == before
    result = runner.invoke(args=["jobs", "run", "--date", later])
    assert result.exit_code == 0 and "expired: 1" in result.output
    status, changes, _events = _state(app, row.certificate_id)
    assert status == "expired" and changes == before[1] + 1
    # Idempotent: the same day again changes nothing.
    assert "expired: 0" in runner.invoke(args=["jobs", "run", "--date", later]).output


def test_a_malformed_date_is_refused(runner):
    result = runner.invoke(args=["jobs", "run", "--date", "20260101"])
    assert result.exit_code == 2 and "'20260101' does not match" in result.output
