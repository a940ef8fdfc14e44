"""An email at every step of the audit, to the people who must act next: one recipient per
message, in the recipient's language, with the link to act on, in plain text and HTML."""

import pytest

from registry.accounts.models import User
from registry.certificates.lifecycle import change_status
from registry.certificates.models import Certificate
from registry.certificates.status import CertificateAction
from registry.decisions.models import Appeal
from registry.extensions import db
from tests import factories, rows
from tests.steps import assessed, assign, client_for, decide, log_in


@pytest.fixture
def crew(mail_app):
    """The `people` fixture's cast on the app that mails to the loopback SMTP server; the
    second officer reads English."""
    with mail_app.app_context():
        owner = factories.make_user("applicant", email="owner@firm.it")
        firm = factories.make_firm(owner=owner)
        application = factories.make_application(firm, owner, complete=True, state="submitted")
        ids = {"owner": owner.id, "firm": firm.id, "application": application.id}
        for name, role in (("auditor", "auditor"), ("auditor2", "auditor"),
                           ("officer", "officer"), ("officer2", "officer"),
                           ("admin", "admin")):
            ids[name] = factories.make_user(role, email=f"{name}@registry.it").id
        db.session.get(User, ids["officer2"]).locale = "en"
        db.session.commit()
    return ids


def _parts(message):
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def _to(messages, address):
    return [m for m in messages if m["To"] == address]


def test_every_message_has_one_recipient(mail_app, smtp_server, crew):
    assessed(mail_app, crew, "L2")
    messages = smtp_server.wait(3)
    assert messages
    for message in messages:
        assert "," not in message["To"], message["To"]


def test_the_assigned_auditor_is_told_with_the_link(mail_app, smtp_server, crew):
    assert assign(mail_app, crew).status_code == 302
    (message,) = _to(smtp_server.wait(1), "auditor@registry.it")
    plain, html = _parts(message)
    link = f"/audit/applications/{crew['application']}/declaration"
    assert link in plain and link in html
    assert "assegnata" in message["Subject"]
    assert not _to(smtp_server.messages, "auditor2@registry.it")


def test_a_submitted_assessment_tells_only_officers_who_may_decide(mail_app, smtp_server,
                                                                     crew):
    with mail_app.app_context():
        factories.make_user(["auditor", "officer"], email="both@registry.it")
    assessed(mail_app, crew, "L2")
    messages = smtp_server.wait(4)
    told = {m["To"] for m in messages if m["Subject"] in ("Decisione in attesa",
                                                         "Decision pending")}
    assert {"officer@registry.it", "officer2@registry.it", "both@registry.it"} <= told
    assert "auditor@registry.it" not in told and "owner@firm.it" not in told
    (italian,) = _to(messages, "officer@registry.it")
    (english,) = _to(messages, "officer2@registry.it")
    plain, html = _parts(italian)
    link = f"/officer/applications/{crew['application']}"
    assert link in plain and link in html and "attende" in plain
    plain, html = _parts(english)
    assert link in plain and link in html
    assert 'lang="en"' in html


def test_the_auditor_who_scored_is_not_told_even_as_officer(mail_app, smtp_server, crew):
    with mail_app.app_context():
        db.session.get(User, crew["auditor"]).set_roles(["auditor", "officer"])
        db.session.commit()
    assessed(mail_app, crew, "L2")
    messages = smtp_server.wait(4)
    assert not [m for m in _to(messages, "auditor@registry.it")
                if "/officer/applications/" in _parts(m)[0]]


def test_an_appeal_tells_the_admins_and_eligible_officers_then_the_assignee(
        mail_app, smtp_server, crew):
    assessed(mail_app, crew, "L2")
    assert decide(mail_app, crew, outcome="certify", level="L1",
                  reason="Prudenza sul turn-over.").status_code == 302
    before = len(smtp_server.wait(1))
    owner = client_for(mail_app, crew["owner"])
    assert owner.post(f"/applications/{crew['application']}/appeal",
                      data={"apl-text": "Il punteggio dà diritto a due stelle."}
                      ).status_code == 302
    with mail_app.app_context():
        appeal_id = db.session.scalar(db.select(Appeal.id))
    new = smtp_server.wait(before + 2)[before:]
    (to_admin,) = _to(new, "admin@registry.it")
    assert f"/admin/applications/appeals/{appeal_id}" in _parts(to_admin)[0]
    assert _to(new, "officer2@registry.it")  # no part in the decision
    assert not _to(new, "officer@registry.it")  # decided it
    before = len(smtp_server.messages)
    admin = client_for(mail_app, crew["admin"])
    assert admin.post(f"/admin/applications/appeals/{appeal_id}",
                      data={"officer_id": crew["officer2"]}).status_code == 302
    new = smtp_server.wait(before + 1)[before:]
    (assigned,) = _to(new, "officer2@registry.it")
    plain, html = _parts(assigned)
    assert f"/officer/appeals/{appeal_id}" in plain and f"/officer/appeals/{appeal_id}" in html


def test_the_language_switch_is_remembered_for_emails(mail_app, smtp_server, crew):
    client = mail_app.test_client()
    log_in(client, crew["auditor"])
    client.get("/lang/en")
    with mail_app.app_context():
        assert db.session.get(User, crew["auditor"]).locale == "en"
    assert assign(mail_app, crew).status_code == 302
    (message,) = _to(smtp_server.wait(1), "auditor@registry.it")
    assert 'lang="en"' in _parts(message)[1]


def test_a_refused_step_sends_nothing(mail_app, smtp_server, crew):
    admin = client_for(mail_app, crew["admin"])
    # No lead yet: a second auditor is refused, nobody is told.
    admin.post(f"/admin/applications/{crew['application']}",
               data={"auditor_id": crew["auditor2"], "role": "second"})
    assert not smtp_server.wait(1, timeout=0.5)


def test_sign_up_in_english_stores_the_language(mail_app, smtp_server):
    client = mail_app.test_client()
    client.get("/lang/en")
    response = client.post("/account/signup", data={
        "kind": "applicant", "name": "Jane Roe", "email": "jane@firm.it",
        "password": factories.PASSWORD, "confirm": factories.PASSWORD})
    assert response.status_code == 302
    with mail_app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "jane@firm.it"))
        assert user.locale == "en"
    (message,) = smtp_server.wait(1)
    assert message["To"] == "jane@firm.it"


def test_each_member_of_the_firm_reads_the_certificate_emails_in_their_language(
        mail_app, smtp_server):
    """A firm with an Italian and an English member: a suspension and the decision's
    outcome reach each in their own language, one message each."""
    with mail_app.app_context():
        row = rows.certified_firm("Bilingue S.r.l.")
        italian = factories.make_user("applicant", email="socia@bilingue.it")
        english = factories.make_user("applicant", email="partner@bilingue.it")
        for member in (italian, english):
            member.firm_id = row.firm_id
        english.locale = "en"
        db.session.commit()
        certificate = db.session.scalar(db.select(Certificate).where(
            Certificate.number == row.number))
        change_status(certificate, CertificateAction.SUSPEND, None,
                      public_reason="DURC irregolare")
        db.session.commit()
    messages = smtp_server.wait(2)
    (it,) = _to(messages, "socia@bilingue.it")
    (en,) = _to(messages, "partner@bilingue.it")
    assert it["Subject"] == f"Certificato {row.number}: sospeso"
    assert en["Subject"] == f"Certificate {row.number}: suspended"
    assert "Lo stato del certificato" in _parts(it)[0]
    assert "The status of certificate" in _parts(en)[0]
    assert 'lang="en"' in _parts(en)[1]
