"""Complaint use cases: every transition, refused steps that leave the database exactly as
it was, who may do what, the short-notice audit, the proposed suspension, the reminders."""

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from registry.accounts.models import User
from registry.applications.models import Application
from registry.applications.workflow import ApplicationKind
from registry.auditlog import AuditEvent
from registry.certificates.models import Certificate
from registry.certificates.status import CertificateStatus
from registry.complaints import services
from registry.complaints.models import Complaint, ComplaintEvent
from registry.complaints.workflow import (
    TRANSITIONS,
    ComplaintAction,
    ComplaintCategory,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintState,
    allowed_actions,
)
from registry.db import ROME, utcnow
from registry.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from registry.extensions import db
from registry.firms.models import Firm


def _public(ids, **values) -> Complaint:
    firm = db.session.get(Firm, ids["firm"])
    complaint = services.file_public_report(
        firm, called_at=dt.datetime.now(ROME).replace(tzinfo=None) - dt.timedelta(hours=3),
        calling_number="02 1234 5678", text="Chiamata aggressiva.", **values)
    db.session.commit()
    return complaint


def _worker(ids) -> tuple[Complaint, str]:
    receipt = services.file_worker_report(db.session.get(Firm, ids["firm"]),
                                          text="Numeri non dichiarati.")
    db.session.commit()
    return receipt.complaint, receipt.code


def _user(ids, name) -> User:
    return db.session.get(User, ids[name])


def snapshot() -> dict:
    """Every row of the tables a complaint step may touch."""
    return {model.__tablename__: [tuple(getattr(r, c.key) for c in model.__table__.c)
                                  for r in db.session.scalars(select(model).order_by(
                                      model.id))]
            for model in (Complaint, ComplaintEvent, AuditEvent, Application, Certificate)}


def refused(step, error=DomainError):
    """Run a step that must be refused; the database must be exactly as before."""
    before = snapshot()
    with pytest.raises(error):
        step()
    db.session.rollback()
    assert snapshot() == before


def test_the_transition_table_is_closed():
    for (state, _action), target in TRANSITIONS.items():
        assert state in ComplaintState and target in ComplaintState
    assert not allowed_actions(ComplaintState.CLOSED, ComplaintKind.WORKER)
    assert ComplaintAction.OFFICER_MESSAGE not in allowed_actions(ComplaintState.RECEIVED,
                                                                  ComplaintKind.PUBLIC)


def test_a_complaint_goes_through_triage_to_closure(app, ids):
    with app.app_context():
        complaint = _public(ids, contact_email="mario@example.it")
        officer = _user(ids, "officer")
        services.acknowledge(complaint, officer)
        services.classify(complaint, officer, str(ComplaintCategory.UNSOLICITED_CALL))
        services.link(complaint, officer, ids["firm"], ids["number"])
        services.ask_firm(complaint, officer, "Chi ha fatto la chiamata delle 21?")
        assert complaint.state == ComplaintState.AWAITING_FIRM
        services.firm_answer(complaint, _user(ids, "member"), "Un subfornitore: lo abbiamo "
                             "diffidato.")
        assert complaint.state == ComplaintState.ACKNOWLEDGED
        services.close(complaint, officer, str(ComplaintOutcome.RESOLVED), "Risolta.")
        db.session.commit()
        events = db.session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id)).all()
        assert [e.action for e in events] == [
            ComplaintAction.FILE, ComplaintAction.ACKNOWLEDGE, ComplaintAction.CLASSIFY,
            ComplaintAction.LINK, ComplaintAction.ASK_FIRM, ComplaintAction.FIRM_ANSWER,
            ComplaintAction.CLOSE]
        assert [e.to_state for e in events][-1] == ComplaintState.CLOSED
        assert complaint.outcome == ComplaintOutcome.RESOLVED and complaint.closed_at
        logged = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "complaint")).all()
        assert logged[0] == "complaint.file" and logged[-1] == "complaint.close"


def test_refused_steps_leave_the_database_unchanged(app, ids):
    with app.app_context():
        complaint = _public(ids)
        officer, member = _user(ids, "officer"), _user(ids, "member")
        # not yet acknowledged: no classification, no question to the firm
        refused(lambda: services.classify(complaint, officer, "other"), InvalidTransition)
        refused(lambda: services.ask_firm(complaint, officer, "?"), InvalidTransition)
        # only officers triage; the firm cannot acknowledge
        refused(lambda: services.acknowledge(complaint, member))
        refused(lambda: services.acknowledge(complaint, _user(ids, "ministry")))
        services.acknowledge(complaint, officer)
        db.session.commit()
        refused(lambda: services.classify(complaint, officer, "bogus"))
        refused(lambda: services.link(complaint, officer, 999999, None))
        refused(lambda: services.link(complaint, officer, ids["firm"], "BB-2000-99999"))
        refused(lambda: services.close(complaint, officer, "audit_opened", "x"))
        refused(lambda: services.close(complaint, officer, "resolved", "  "))
        refused(lambda: services.ask_firm(complaint, officer, ""))
        # the firm answers only when asked
        refused(lambda: services.firm_answer(complaint, member, "Nulla da dire."))
        # a public reporter has no message channel
        refused(lambda: services.officer_message(complaint, officer, "Ciao"), InvalidTransition)
        services.close(complaint, officer, "unfounded", "Numero non dell'azienda.")
        db.session.commit()
        refused(lambda: services.close(complaint, officer, "resolved", "di nuovo"),
                InvalidTransition)


def test_an_officer_of_the_firm_may_not_triage_it(app, ids):
    with app.app_context():
        complaint = _public(ids)
        officer = _user(ids, "officer")
        officer.firm_id = ids["firm"]
        db.session.commit()
        refused(lambda: services.acknowledge(complaint, officer), NotPermitted)


def test_messages_between_worker_and_officer(app, ids):
    with app.app_context():
        complaint, code = _worker(ids)
        assert services.find_by_receipt(code.lower().replace("-", " ")) is complaint
        assert services.find_by_receipt("WRONG") is None
        officer = _user(ids, "officer")
        services.officer_message(complaint, officer, "Puoi indicare il reparto?")
        services.reporter_message(complaint, "Il reparto energia.")
        services.acknowledge(complaint, officer)
        services.close(complaint, officer, "resolved", "Verificato.")
        db.session.commit()
        refused(lambda: services.reporter_message(complaint, "ancora"), InvalidTransition)


def test_a_worker_report_becomes_a_short_notice_audit(app, ids):
    with app.app_context():
        complaint, _code = _worker(ids)
        officer = _user(ids, "officer")
        # no certificate linked: refused, nothing kept
        complaint.certificate_number = None
        db.session.commit()
        services.acknowledge(complaint, officer)
        db.session.commit()
        refused(lambda: services.open_short_notice_audit(complaint, officer, "Riscontri"))
        services.link(complaint, officer, ids["firm"], ids["number"])
        audit = services.open_short_notice_audit(complaint, officer, "Riscontri gravi.")
        db.session.commit()
        assert audit.kind == ApplicationKind.SURVEILLANCE
        assert audit.certificate_number == ids["number"]
        assert audit.surveillance_due_on == dt.datetime.now(ROME).date() + dt.timedelta(
            days=services.SHORT_NOTICE_DAYS)
        assert complaint.audit_application_id == audit.id
        assert complaint.state == ComplaintState.CLOSED
        assert complaint.outcome == ComplaintOutcome.AUDIT_OPENED


def test_a_proposed_suspension_does_not_touch_the_certificate(app, ids):
    with app.app_context():
        complaint = _public(ids)
        officer = _user(ids, "officer")
        services.acknowledge(complaint, officer)
        services.propose_suspension(complaint, officer, "Violazioni ripetute.")
        db.session.commit()
        assert complaint.outcome == ComplaintOutcome.SUSPENSION_PROPOSED
        certificate = db.session.scalar(select(Certificate))
        assert certificate.status == CertificateStatus.VALID


def test_the_firm_sees_only_complaints_it_was_asked_about(app, ids):
    with app.app_context():
        asked, quiet = _public(ids), _public(ids)
        officer, member = _user(ids, "officer"), _user(ids, "member")
        services.acknowledge(asked, officer)
        services.ask_firm(asked, officer, "Spiegate.")
        db.session.commit()
        assert services.firm_complaints(ids["firm"]) == [asked]
        assert services.firm_complaint(member, asked.id) is asked
        with pytest.raises(NotFound):
            services.firm_complaint(member, quiet.id)
        with pytest.raises(NotFound):
            services.firm_complaint(_user(ids, "outsider"), asked.id)


def test_the_job_reminds_once_after_five_days(app, ids):
    with app.app_context():
        old, recent = _public(ids), _public(ids)
        old.received_at = utcnow() - dt.timedelta(days=6)
        db.session.commit()
        assert services.remind_unacknowledged() == 1
        assert services.remind_unacknowledged() == 0
        assert old.reminded_at is not None and recent.reminded_at is None


def test_overview_counts_per_firm_and_outcome(app, ids):
    with app.app_context():
        first, _second = _public(ids), _public(ids)
        officer = _user(ids, "officer")
        services.close(first, officer, "unfounded", "No.")
        db.session.commit()
        (row,) = services.overview()
        assert row["total"] == 2 and row["open"] == 1
        assert row["outcomes"] == {"unfounded": 1}


def test_the_history_refuses_updates_in_the_database(app, ids):
    with app.app_context():
        _public(ids)
        with pytest.raises(DBAPIError):
            db.session.execute(update(ComplaintEvent).values(text="riscritto"))
        db.session.rollback()
