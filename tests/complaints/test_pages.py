"""The officers' triage pages, the firm's answer page and the oversight counts over HTTP;
and the emails each step sends (real SMTP on loopback)."""

import datetime as dt
import io
import json
import re
import time

from sqlalchemy import select

from registry.accounts.models import User
from registry.complaints.models import Complaint
from registry.complaints.workflow import ComplaintOutcome, ComplaintState
from registry.extensions import db
from registry.firms.models import Firm
from tests.complaints.conftest import cast
from tests.complaints.test_public import PNG, file_worker_report, public_form
from tests.steps import client_for


def _complaint(app) -> Complaint:
    with app.app_context():
        return db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()


def test_officer_triage_over_http(app, client, ids):
    client.post(f"/register/{ids['firm']}/report",
                data=public_form(contact_email="segreto@example.it"))
    complaint_id = _complaint(app).id
    officer = client_for(app, ids["officer"])
    listing = officer.get("/complaints?state=received").get_data(as_text=True)
    assert f"/complaints/{complaint_id}" in listing
    assert officer.get("/complaints?state=closed").get_data(as_text=True).count(
        f"/complaints/{complaint_id}\"") == 0
    page = officer.get(f"/complaints/{complaint_id}").get_data(as_text=True)
    assert "Prendi in carico" in page and "segreto@example.it" in page
    act = f"/complaints/{complaint_id}/act"
    assert officer.post(act, data={"action": "acknowledge"}).status_code == 302
    # a refused step re-renders the page with the message and a 4xx
    bad = officer.post(act, data={"action": "close", "outcome": "resolved", "text": ""})
    assert bad.status_code == 400 and "Descrivi" in bad.get_data(as_text=True)
    bad = officer.post(act, data={"action": "acknowledge"})
    assert bad.status_code == 400 and "non possibile" in bad.get_data(as_text=True)
    assert officer.post(act, data={"action": "ask_firm",
                                   "text": "Chi ha chiamato?"}).status_code == 302
    assert _complaint(app).state == ComplaintState.AWAITING_FIRM

    member = client_for(app, ids["member"])
    assert f"/firm/complaints/{complaint_id}" in member.get("/firm/complaints").get_data(
        as_text=True)
    firm_page = member.get(f"/firm/complaints/{complaint_id}").get_data(as_text=True)
    assert "Chi ha chiamato?" in firm_page
    assert "segreto@example.it" not in firm_page  # never the reporter's address
    assert member.post(f"/firm/complaints/{complaint_id}",
                       data={"text": ""}).status_code == 400
    assert member.post(f"/firm/complaints/{complaint_id}",
                       data={"text": "Era un subfornitore."}).status_code == 302
    outsider = client_for(app, ids["outsider"])
    assert outsider.get(f"/firm/complaints/{complaint_id}").status_code == 404

    assert officer.post(act, data={"action": "close", "outcome": "resolved",
                                   "text": "Chiarito con l'azienda."}).status_code == 302
    assert _complaint(app).outcome == ComplaintOutcome.RESOLVED
    ministry = client_for(app, ids["ministry"])
    overview = ministry.get("/complaints/overview")
    assert overview.status_code == 200 and "Chiamate Moleste S.r.l." in overview.get_data(
        as_text=True)


def test_the_firm_never_reads_a_worker_report(app, client, ids):
    file_worker_report(client, ids["firm"], text="Il caporeparto Rossi ci obbliga.")
    complaint_id = _complaint(app).id
    officer = client_for(app, ids["officer"])
    act = f"/complaints/{complaint_id}/act"
    officer.post(act, data={"action": "acknowledge"})
    officer.post(act, data={"action": "ask_firm", "text": "Come gestite i numeri chiamanti?"})
    page = client_for(app, ids["member"]).get(f"/firm/complaints/{complaint_id}").get_data(
        as_text=True)
    assert "Come gestite" in page and "Rossi" not in page


def test_an_officer_opens_a_short_notice_audit_over_http(app, client, ids):
    code = file_worker_report(client, ids["firm"])
    complaint_id = _complaint(app).id
    officer = client_for(app, ids["officer"])
    act = f"/complaints/{complaint_id}/act"
    officer.post(act, data={"action": "acknowledge"})
    assert officer.post(act, data={"action": "open_audit",
                                   "text": "Riscontri gravi."}).status_code == 302
    complaint = _complaint(app)
    assert complaint.audit_application_id and complaint.state == ComplaintState.CLOSED
    case = client.post(f"/register/{ids['firm']}/report/follow", data={"code": code})
    assert "audit con breve preavviso" in case.get_data(as_text=True)


def _to(messages, address):
    return [m for m in messages if m["To"] == address]


def _wait_for(smtp_server, address, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not _to(smtp_server.messages, address) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _to(smtp_server.messages, address)


def test_emails_on_filing_asking_and_closing(mail_app, smtp_server):
    ids = cast(mail_app)
    with mail_app.app_context():
        db.session.get(User, ids["officer2"]).locale = "en"
        db.session.commit()
    client = mail_app.test_client()
    client.post(f"/register/{ids['firm']}/report",
                data=public_form(contact_email="mario@example.it"))
    messages = smtp_server.wait(2)
    (italian,) = _to(messages, "officer@registry.it")
    assert "Nuova segnalazione" in italian["Subject"]
    complaint_id = _complaint(mail_app).id
    assert f"/complaints/{complaint_id}" in italian.get_body(("plain",)).get_content()
    # one message each, the second officer's in English (its words come with the catalogue)
    assert len(_wait_for(smtp_server, "officer2@registry.it")) == 1
    officer = client_for(mail_app, ids["officer"])
    act = f"/complaints/{complaint_id}/act"
    officer.post(act, data={"action": "acknowledge"})
    officer.post(act, data={"action": "ask_firm", "text": "Spiegate."})
    with mail_app.app_context():
        member_email = db.session.get(User, ids["member"]).email
    (asked,) = _wait_for(smtp_server, member_email)
    assert f"/firm/complaints/{complaint_id}" in asked.get_body(("plain",)).get_content()
    officer.post(act, data={"action": "close", "outcome": "resolved", "text": "Chiarito."})
    (closed,) = _wait_for(smtp_server, "mario@example.it")
    assert "Chiarito." in closed.get_body(("plain",)).get_content()
    for message in smtp_server.messages:
        assert "," not in message["To"]
        assert not re.search(r"203\.0\.113", message.as_string())


def test_the_daily_job_reminds_officers(mail_app, smtp_server):
    ids = cast(mail_app)
    mail_app.test_client().post(f"/register/{ids['firm']}/report", data=public_form())
    with mail_app.app_context():
        complaint = db.session.scalar(select(Complaint))
        complaint.received_at = complaint.received_at - dt.timedelta(days=6)
        db.session.commit()
    result = mail_app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "complaint_reminders: 1" in result.output
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            "prendere in carico" in m["Subject"] for m in smtp_server.messages):
        time.sleep(0.02)
    reminded = [m for m in smtp_server.messages if "prendere in carico" in m["Subject"]]
    assert {m["To"] for m in reminded} >= {"officer@registry.it", "officer2@registry.it"}
    again = mail_app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "complaint_reminders: 0" in again.output


def test_the_staff_list_exports_with_its_filters(app, client, ids):
    client.post(f"/register/{ids['firm']}/report",
                data=public_form(contact_email="riservato@example.it",
                                 text="=HYPERLINK(\"http://evil\")"))
    file_worker_report(client, ids["firm"])
    with app.app_context():
        firm = db.session.get(Firm, ids["firm"])
        firm.name = "=1+1 Call S.r.l."
        db.session.commit()
    officer = client_for(app, ids["officer"])
    listing = officer.get("/complaints?kind=worker").get_data(as_text=True)
    assert "/complaints/export.csv?kind=worker" in listing
    csv_body = officer.get("/complaints/export.csv?kind=worker").get_data(as_text=True)
    lines = csv_body.strip().splitlines()
    assert len(lines) == 2 and "anonima" in lines[1]
    assert "'=1+1 Call" in lines[1]  # never a formula
    assert "riservato@example.it" not in csv_body and "HYPERLINK" not in csv_body
    data = json.loads(officer.get("/complaints/export.json").get_data(as_text=True))["items"]
    assert len(data) == 2
    assert {d["kind_label"] for d in data} >= {"segnalazione del pubblico"}
    assert {d["kind"] for d in data} == {"public", "worker"}  # the codes as machine fields
    xlsx = officer.get("/complaints/export.xlsx?state=received")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert officer.get("/complaints/export.pdf").status_code == 404


def test_an_officer_of_the_firm_never_sees_its_complaints(app, client, ids):
    file_worker_report(client, ids["firm"], text="Il collega Bianchi sa tutto.")
    complaint_id = _complaint(app).id
    with app.app_context():
        db.session.get(User, ids["officer2"]).firm_id = ids["firm"]
        db.session.commit()
    insider = client_for(app, ids["officer2"])
    assert f"/complaints/{complaint_id}\"" not in insider.get("/complaints").get_data(
        as_text=True)
    assert insider.get(f"/complaints/{complaint_id}").status_code == 404
    assert "Bianchi" not in insider.get("/complaints/export.csv").get_data(as_text=True)
    assert client_for(app, ids["officer"]).get(f"/complaints/{complaint_id}").status_code == 200


def test_the_list_shows_the_acknowledgement_deadline(app, client, ids):
    client.post(f"/register/{ids['firm']}/report", data=public_form())
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        complaint.received_at = complaint.received_at - dt.timedelta(days=6)
        db.session.commit()
    page = client_for(app, ids["officer"]).get("/complaints").get_data(as_text=True)
    assert "in ritardo" in page


def test_the_officer_downloads_the_attachment(app, client, ids):
    client.post(f"/register/{ids['firm']}/report",
                data=public_form(attachment=(io.BytesIO(PNG), "IMG_mario_rossi.png")),
                content_type="multipart/form-data")
    complaint_id = _complaint(app).id
    officer = client_for(app, ids["officer"])
    response = officer.get(f"/complaints/{complaint_id}/attachment")
    assert response.status_code == 200 and response.data == PNG
    # the uploader's file name is not kept (it may name the person)
    assert "mario" not in response.headers["Content-Disposition"]
    assert client_for(app, ids["member"]).get(
        f"/complaints/{complaint_id}/attachment").status_code == 403
