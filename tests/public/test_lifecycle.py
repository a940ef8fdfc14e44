"""Suspend, reinstate, withdraw, renounce; the nightly job; each change is history."""

import datetime as dt

from registry.auditlog import AuditEvent
from registry.certificates import lifecycle, lookup
from registry.certificates.models import Certificate
from registry.certificates.reminders import due_reminders, send_reminders
from registry.certificates.status import CertificateStatus
from registry.extensions import db
from tests import factories
from tests.steps import log_in


def setup_certificate(app):
    with app.app_context():
        certificate = factories.make_certificate()
        officer = factories.make_user("officer")
        owner_id = db.session.scalar(db.select(factories.User.id).where(
            factories.User.firm_id == certificate.firm_id))
        return certificate.number, officer.id, owner_id


def verdict(client, number):
    body = client.get(f"/v/{number}").get_data(as_text=True)
    return body.split('data-verdict="')[1].split('"')[0]


def act(client, number, action, reason="Verifica straordinaria"):
    return client.post(f"/manage/certificates/{number}", data={
        "action": action, "public_reason": reason, "internal_reason": "nota interna"})


def test_suspend_reinstate_withdraw(app):
    number, officer_id, _owner = setup_certificate(app)
    officer, public = app.test_client(), app.test_client()
    log_in(officer, officer_id)
    assert verdict(public, number) == "valid"
    assert act(officer, number, "suspend").status_code == 302
    assert verdict(public, number) == "suspended"
    assert "Verifica straordinaria" in public.get(f"/v/{number}").get_data(as_text=True)
    assert "nota interna" not in public.get(f"/v/{number}").get_data(as_text=True)
    assert act(officer, number, "reinstate", "Verifica superata").status_code == 302
    assert verdict(public, number) == "valid"
    assert act(officer, number, "withdraw", "Dichiarazioni false").status_code == 302
    assert verdict(public, number) == "withdrawn"
    body = act(officer, number, "reinstate").get_data(as_text=True)
    assert (verdict(public, number) == "withdrawn" and "Not a valid choice" in body) \
        or verdict(public, number) == "withdrawn"
    with app.app_context():
        cert = db.session.scalar(db.select(Certificate).where(Certificate.number == number))
        assert [h.status for h in cert.history] == ["valid", "suspended", "valid", "withdrawn"]
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"certificate.suspend", "certificate.reinstate", "certificate.withdraw"} <= actions


def test_firm_asks_for_suspension_renounces_but_never_writes_the_public_reason(app):
    """Suspension on the firm's request (domain.md §3.4); the public reason is the scheme's
    wording, the firm's words stay internal; only an officer reinstates."""
    number, _officer, owner_id = setup_certificate(app)
    owner, public = app.test_client(), app.test_client()
    log_in(owner, owner_id)
    assert act(owner, number, "suspend", "Concorrente X è un truffatore").status_code == 302
    assert verdict(public, number) == "suspended"
    page = public.get(f"/v/{number}").get_data(as_text=True)
    assert "Sospeso su richiesta dell&#39;azienda" in page or \
        "Sospeso su richiesta dell'azienda" in page
    assert "truffatore" not in page
    act(owner, number, "reinstate", "Tutto a posto")
    assert verdict(public, number) == "suspended"
    assert act(owner, number, "renounce", "Cessata attività").status_code == 302
    assert verdict(public, number) == "withdrawn"
    with app.app_context():
        cert = db.session.scalar(db.select(Certificate).where(Certificate.number == number))
        assert [(h.status, h.public_reason) for h in cert.history][1:] == [
            ("suspended", "Sospeso su richiesta dell'azienda"),
            ("renounced", "Rinuncia dell'azienda al certificato")]
        assert "truffatore" in cert.history[1].internal_reason


def test_two_suspensions_within_36_months_lead_to_withdrawal(app):
    number, officer_id, _owner = setup_certificate(app)
    officer = app.test_client()
    log_in(officer, officer_id)
    assert act(officer, number, "suspend", "DURC irregolare").status_code == 302
    assert act(officer, number, "reinstate", "DURC regolarizzato").status_code == 302
    with app.app_context():
        assert lifecycle.run_jobs()[CertificateStatus.WITHDRAWN] == 0
    assert act(officer, number, "suspend", "Uso improprio del marchio").status_code == 302
    with app.app_context():
        assert lifecycle.run_jobs()[CertificateStatus.WITHDRAWN] == 1
        db.session.commit()
        cert = lookup.find(number)
        assert cert.status == "withdrawn"
        assert cert.history[-1].public_reason == "Seconda sospensione in 36 mesi"


def test_other_roles_cannot_change_status(app):
    number, _officer, _owner = setup_certificate(app)
    with app.app_context():
        auditor = factories.make_user("auditor").id
        ministry = factories.make_user("ministry").id
        other_firm_user = factories.make_user("applicant").id
    for user_id, code in ((auditor, 403), (other_firm_user, 404)):
        client = app.test_client()
        log_in(client, user_id)
        assert act(client, number, "suspend").status_code == code
    client = app.test_client()
    log_in(client, ministry)
    act(client, number, "suspend")
    assert verdict(app.test_client(), number) == "valid"


def test_jobs_expire_and_withdraw_long_suspensions_idempotently(app, runner):
    number, officer_id, _ = setup_certificate(app)
    with app.app_context():
        second = factories.make_certificate()
        officer = db.session.get(factories.User, officer_id)
        lifecycle.change_status(second, "suspend", officer, public_reason="DURC irregolare",
                                effective_on=dt.date.today() - dt.timedelta(days=200))
        db.session.commit()
        first = db.session.scalar(db.select(Certificate).where(Certificate.number == number))
        far = first.valid_until + dt.timedelta(days=1)
        assert lifecycle.run_jobs(dt.date.today())["withdrawn"] == 1
        db.session.commit()
        assert lifecycle.run_jobs(dt.date.today())["withdrawn"] == 0
        assert lifecycle.run_jobs(far)["expired"] == 1
        db.session.commit()
        assert lifecycle.run_jobs(far)["expired"] == 0
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "expired: 0" in result.output


def test_status_change_emails_the_firm(mail_app, smtp_server):
    with mail_app.app_context():
        certificate = factories.make_certificate()
        officer = factories.make_user("officer")
        smtp_server.messages.clear()
        lifecycle.change_status(certificate, "suspend", officer, public_reason="Controllo")
        db.session.commit()
    messages = smtp_server.wait(1)
    # The status as a person reads it, never the stored code.
    assert any(m["Subject"].endswith(": sospeso") for m in messages)


def test_keys_cli(app, runner):
    assert "active QR key" in runner.invoke(args=["keys", "init"]).output
    first = runner.invoke(args=["keys", "init"]).output
    rotated = runner.invoke(args=["keys", "rotate"]).output
    assert "new active QR key" in rotated and first.split()[-1] not in rotated


def test_reminders_are_sent_once(mail_app, smtp_server):

    with mail_app.app_context():
        certificate = factories.make_certificate()
        surveillance_day = certificate.valid_from + dt.timedelta(days=340)
        assert [k for k, _t in due_reminders(certificate, surveillance_day)] == \
            ["surveillance_12"]
        near_expiry = certificate.valid_until - dt.timedelta(days=5)
        assert {k for k, _t in due_reminders(certificate, near_expiry)} == \
            {"expiry_90", "expiry_30", "expiry_7"}
        smtp_server.messages.clear()
        assert send_reminders(surveillance_day) == 1
        db.session.commit()
        assert send_reminders(surveillance_day) == 0
        db.session.commit()
    messages = smtp_server.wait(1)
    assert any("Promemoria" in m["Subject"] for m in messages)
