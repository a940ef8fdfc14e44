"""Following a firm by email: double opt-in, messages for each event kind with an
unsubscribe link and RFC 8058 headers, unsubscribe by link and by one-click POST, no
enumeration, unconfirmed subscriptions get nothing and expire. Email is read from the
loopback SMTP server."""

from __future__ import annotations

import datetime as dt
import re

from registry.certificates.issuance import new_certificate
from registry.certificates.lifecycle import change_status
from registry.certificates.revisions import reissue_after_surveillance
from registry.db import utcnow
from registry.extensions import db
from registry.models import Certificate, Decision, EmailFollow, Firm
from registry.watching import follows
from tests import factories, rows
from tests.watching.conftest import user

FOLLOWER = "lettore@esempio.it"


def _link(message, part: str) -> str:
    url = re.search(r"https?://\S+" + part + r"\S+", message.get_content()).group(0)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _follow(client, smtp_server, firm_id: int, count: int = 1):
    response = client.post(f"/register/{firm_id}/watch", data={"email": FOLLOWER})
    assert response.status_code == 200
    assert "riceverai un" in response.get_data(as_text=True)
    return smtp_server.wait(count)[-1]


def _to_follower(smtp_server):
    return [m for m in smtp_server.messages if m["To"] == FOLLOWER]


def test_double_opt_in_then_a_suspension_is_told_with_unsubscribe_headers(
        mail_app, smtp_server):
    client = mail_app.test_client()
    with mail_app.app_context():
        row = rows.certified_firm()
        officer = factories.make_user("officer").id
    confirmation = _follow(client, smtp_server, row.firm_id)
    assert confirmation["To"] == FOLLOWER and "Conferma" in confirmation["Subject"]
    with mail_app.app_context():
        # unconfirmed: a change tells nobody
        certificate = db.session.get(Certificate, row.certificate_id)
        change_status(certificate, "suspend", user(officer), public_reason="Prima verifica")
        db.session.commit()
    assert len(_to_follower(smtp_server)) == 1
    response = client.get(_link(confirmation, "/watch/confirm/"))
    assert response.status_code == 200 and "confermata" in response.get_data(as_text=True)
    with mail_app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        sent = len(smtp_server.messages)
        change_status(certificate, "reinstate", user(officer), public_reason="Risolto")
        db.session.commit()
    smtp_server.wait(sent + 1)
    told = _to_follower(smtp_server)[-1]
    assert "è ora «valido»" in told.get_content()
    assert told["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header_link = told["List-Unsubscribe"].strip("<>")
    assert "/watch/unsubscribe/" in header_link and header_link in told.get_content()
    # one-click unsubscribe, as a mail program does it (no CSRF token, no cookie)
    path = "/" + header_link.split("://", 1)[1].split("/", 1)[1]
    response = mail_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with mail_app.app_context():
        assert db.session.scalar(db.select(db.func.count(EmailFollow.id))) == 0
        certificate = db.session.get(Certificate, row.certificate_id)
        before = len(_to_follower(smtp_server))
        change_status(certificate, "withdraw", user(officer), public_reason="Revoca")
        db.session.commit()
    smtp_server.wait(len(smtp_server.messages) + 1, timeout=1)
    assert len(_to_follower(smtp_server)) == before  # nothing after unsubscribing
    # the link used again says the same, harmlessly
    assert mail_app.test_client().post(path).status_code == 200


def _confirmed_follower(firm_id: int) -> None:
    earlier = utcnow() - dt.timedelta(hours=1)
    db.session.add(EmailFollow(firm_id=firm_id, email=FOLLOWER, nonce="n0",
                               created_at=earlier, requested_at=earlier,
                               confirmed_at=earlier))
    db.session.commit()


def test_each_event_kind_is_told(mail_app, smtp_server):
    with mail_app.app_context():
        row = rows.certified_firm(level="L2")
        officer = user(factories.make_user("officer").id)
        _confirmed_follower(row.firm_id)
        certificate = db.session.get(Certificate, row.certificate_id)
        steps = [("suspend", "«sospeso»"), ("reinstate", "«valido»")]
        for action, words in steps:
            # Counted before the change: the mail may arrive before commit() returns, and
            # waiting for one more than already came would only wait out the timeout.
            sent = len(smtp_server.messages)
            change_status(certificate, action, officer, public_reason="Motivo " + action)
            db.session.commit()
            smtp_server.wait(sent + 1)
            assert words in _to_follower(smtp_server)[-1].get_content()
        # a level change (surveillance decision) is told; the bare revision is not news
        decision = db.session.get(Decision, certificate.decision_id)
        sent = len(smtp_server.messages)
        reissue_after_surveillance(row.number, "L3", decision, officer)
        db.session.commit()
        smtp_server.wait(sent + 1)
        body = _to_follower(smtp_server)[-1].get_content()
        assert "livello" in body and "★★★" in body
        told = len(_to_follower(smtp_server))
        current = db.session.scalar(db.select(Certificate).where(
            Certificate.number == row.number).order_by(Certificate.revision.desc()))
        sent = len(smtp_server.messages)
        change_status(current, "expire", None, public_reason="Scadenza naturale")
        db.session.commit()
        smtp_server.wait(sent + 1)
        assert "«scaduto»" in _to_follower(smtp_server)[-1].get_content()
        assert len(_to_follower(smtp_server)) == told + 1
        # issuance of a new certificate
        firm = db.session.get(Firm, row.firm_id)
        sent = len(smtp_server.messages)
        new_certificate(firm, scheme_code=current.scheme_code,
                        scheme_version=current.scheme_version,
                        scheme_name=current.scheme_name, level="L1", areas=current.areas,
                        valid_from=dt.date.today(), valid_until=current.valid_until,
                        application_id=current.application_id,
                        decision_id=current.decision_id, status="valid", predecessor=None,
                        reason="Certificato rilasciato", actor=officer)
        db.session.commit()
        smtp_server.wait(sent + 1)
        assert "rilasciato" in _to_follower(smtp_server)[-1].get_content()
    for message in _to_follower(smtp_server):
        assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"]


def test_the_page_answers_the_same_for_a_follower_and_a_stranger(mail_app, smtp_server):
    client = mail_app.test_client()
    with mail_app.app_context():
        row = rows.certified_firm()
        _confirmed_follower(row.firm_id)
    known = client.post(f"/register/{row.firm_id}/watch", data={"email": FOLLOWER})
    new = client.post(f"/register/{row.firm_id}/watch", data={"email": "altro@esempio.it"})
    assert known.status_code == new.status_code == 200
    assert known.get_data(as_text=True).replace(FOLLOWER, "") == \
        new.get_data(as_text=True).replace("altro@esempio.it", "")
    smtp_server.wait(2)
    already = [m for m in smtp_server.messages if m["To"] == FOLLOWER]
    assert already and "già" in already[0]["Subject"]


def test_repeated_requests_send_one_email_and_bad_input_is_a_400(mail_app, smtp_server):
    client = mail_app.test_client()
    with mail_app.app_context():
        row = rows.certified_firm()
    for _ in range(3):
        client.post(f"/register/{row.firm_id}/watch", data={"email": FOLLOWER})
    smtp_server.wait(2, timeout=1)
    assert len(smtp_server.messages) == 1
    response = client.post(f"/register/{row.firm_id}/watch", data={"email": "non-una-email"})
    assert response.status_code == 400
    assert client.get("/register/999999/watch").status_code == 404


def test_a_newer_request_replaces_the_confirmation_link_and_links_expire(app):
    with app.app_context():
        row = rows.certified_firm()
        follows.request_follow(row.firm_id, FOLLOWER, "it")
        db.session.commit()
        follow = db.session.scalar(db.select(EmailFollow))
        first = follows.make_token(follows.CONFIRM, follow.id, follow.nonce)
        follow.requested_at = utcnow() - dt.timedelta(hours=1)
        db.session.commit()
        follows.request_follow(row.firm_id, FOLLOWER, "it")
        db.session.commit()
    client = app.test_client()
    response = client.get(f"/register/{row.firm_id}/watch/confirm/{first}")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(EmailFollow)).confirmed_at is None
        app.config["FOLLOW_CONFIRM_MAX_AGE"] = 3600
        # the daily job deletes what was never confirmed in time
        assert follows.purge_unconfirmed(utcnow() + dt.timedelta(hours=2)) == 1
        assert db.session.scalar(db.select(db.func.count(EmailFollow.id))) == 0


def test_the_unsubscribe_page_without_javascript(app):
    with app.app_context():
        row = rows.certified_firm()
        _confirmed_follower(row.firm_id)
        follow = db.session.scalar(db.select(EmailFollow))
        token = follows.make_token("follow-unsubscribe", follow.id, follow.nonce)
    client = app.test_client()
    page = client.get(f"/register/{row.firm_id}/watch/unsubscribe/{token}")
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(EmailFollow.id))) == 1
    assert client.post(f"/register/{row.firm_id}/watch/unsubscribe/{token}").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(EmailFollow.id))) == 0


def test_a_follower_is_written_to_in_the_language_they_followed_in(mail_app, smtp_server):
    """Someone who follows from the English page gets the confirmation and every later
    message in English; an Italian follower of the same firm still gets Italian."""
    client = mail_app.test_client()
    with mail_app.app_context():
        row = rows.certified_firm()
        officer = factories.make_user("officer").id
        db.session.add(EmailFollow(firm_id=row.firm_id, email="lettrice@esempio.it",
                                   nonce="n1", confirmed_at=utcnow(), locale="it"))
        db.session.commit()
    response = client.post(f"/register/{row.firm_id}/watch?lang=en", data={"email": FOLLOWER})
    assert response.status_code == 200
    confirmation = smtp_server.wait(1)[-1]
    assert confirmation["Subject"].startswith("Confirm: do you want to follow")
    assert confirmation["Content-Language"] == "en"
    assert client.get(_link(confirmation, "/watch/confirm/")).status_code == 200
    with mail_app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        sent = len(smtp_server.messages)
        change_status(certificate, "suspend", user(officer), public_reason="Verifica DURC")
        db.session.commit()
    smtp_server.wait(sent + 2)
    english = _to_follower(smtp_server)[-1]
    italian = [m for m in smtp_server.messages if m["To"] == "lettrice@esempio.it"][-1]
    assert english["Subject"].startswith("Bollino Blu: updates on")
    assert english["Content-Language"] == "en" and "Novità" not in english.get_content()
    assert italian["Subject"].startswith("Bollino Blu: novità su")
    assert italian["Content-Language"] == "it"
