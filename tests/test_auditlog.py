"""The hash-chained audit log detects any edited, deleted or reordered row."""

from sqlalchemy import text

from registry import auditlog
from registry.extensions import db


def _write_events(app, n=5):
    with app.app_context():
        for i in range(n):
            auditlog.record("test.event", "thing", i, before={"n": i}, after={"n": i + 1})
        db.session.commit()


def test_intact_chain_verifies(app, runner):
    _write_events(app)
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 0, result.output
    assert "5 events checked" in result.output


def test_tampered_row_is_detected(app, runner):
    _write_events(app)
    with app.app_context():
        db.session.execute(text("UPDATE audit_event SET after = :v WHERE id = 3"),
                           {"v": '{"n": 999}'})
        db.session.commit()
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 1
    assert "event 3" in result.output


def test_deleted_row_is_detected(app, runner):
    _write_events(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_event WHERE id = 2"))
        db.session.commit()
        check = auditlog.verify_chain()
    assert check.broken_id == 3


def test_rehashed_row_still_breaks_the_next_link(app):
    _write_events(app)
    with app.app_context():
        event = db.session.get(auditlog.AuditEvent, 2)
        event.action = "forged"
        event.hash = auditlog.chain_hash(event.prev_hash, event)
        db.session.commit()
        check = auditlog.verify_chain()
    assert check.broken_id == 3


def test_each_event_links_to_previous(app):
    _write_events(app, 3)
    with app.app_context():
        events = db.session.scalars(db.select(auditlog.AuditEvent).order_by("id")).all()
    assert events[0].prev_hash == auditlog.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
