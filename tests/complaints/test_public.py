"""The public report and the workers' anonymous channel over HTTP: filing, bad input, the
honeypot, the receipt code (shown once, followed in a POST body, no enumeration) and the
anonymity of the worker channel (nothing identifying in any table or in the logs)."""

import datetime as dt
import io
import logging
import re

import pytest
from sqlalchemy import select

from registry.complaints.models import Complaint, ComplaintEvent
from registry.complaints.services import MAX_ATTACHMENT_MB, receipt_hash
from registry.complaints.workflow import ComplaintAction, ComplaintKind, ComplaintState
from registry.db import ROME
from registry.extensions import db
from tests.complaints.conftest import cast

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')


def _yesterday() -> str:
    return (dt.datetime.now(ROME) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def public_form(**overrides) -> dict:
    return {"called_at": _yesterday(), "calling_number": "02 1234 5678",
            "text": "Mi hanno chiamato alle 21 per vendermi un contratto luce.",
            "contact_email": "", **overrides}


def _rows(app, model):
    with app.app_context():
        return db.session.scalars(select(model)).all()


def test_the_firm_page_links_to_the_report(client, ids):
    page = client.get(f"/register/{ids['firm']}").get_data(as_text=True)
    assert f"/register/{ids['firm']}/report" in page and "Segnala" in page


def test_a_public_report_is_filed(app, client, ids):
    response = client.post(f"/register/{ids['firm']}/report",
                           data=public_form(contact_email="mario@example.it"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Segnalazione ricevuta" in response.get_data(as_text=True)
    with app.app_context():
        (complaint,) = db.session.scalars(select(Complaint)).all()
        assert complaint.kind == ComplaintKind.PUBLIC
        assert complaint.state == ComplaintState.RECEIVED
        assert complaint.calling_number == "+390212345678"
        assert complaint.contact_email == "mario@example.it"
        assert complaint.certificate_number == ids["number"]
        assert [e.action for e in complaint.events] == [ComplaintAction.FILE]


def test_an_attachment_is_kept(app, client, ids):
    data = public_form(attachment=(io.BytesIO(PNG), "schermata.png"))
    response = client.post(f"/register/{ids['firm']}/report", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        (complaint,) = db.session.scalars(select(Complaint)).all()
        assert complaint.attachment_mime == "image/png"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"text": "   "}, "Descrivi che cosa è successo"),
    ({"calling_number": "12"}, "numero"),
    ({"called_at": "ieri sera"}, "Data e ora non valide"),
    ({"called_at": "2026-02-30T10:00"}, "Data e ora non valide"),
    ({"called_at": ""}, "Indica data e ora della chiamata"),
    ({"called_at": (dt.datetime.now(ROME) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
     "nel futuro"),
    ({"contact_email": "non-una-email"}, "Indirizzo email non valido"),
    ({"text": "x" * 5001}, "troppo lungo"),
])
def test_bad_input_is_refused_with_a_message(app, client, ids, overrides, message):
    response = client.post(f"/register/{ids['firm']}/report", data=public_form(**overrides))
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert not _rows(app, Complaint)


def test_an_oversized_attachment_is_refused(app, client, ids):
    big = PNG + b"\0" * (MAX_ATTACHMENT_MB * 1024 * 1024)
    response = client.post(f"/register/{ids['firm']}/report/worker",
                           data={"text": "Ci obbligano a mentire.",
                                 "attachment": (io.BytesIO(big), "foto.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert f"{MAX_ATTACHMENT_MB} MB" in response.get_data(as_text=True)
    assert not _rows(app, Complaint) and not _rows(app, ComplaintEvent)


def test_the_honeypot_refuses_quietly(app, client, ids):
    response = client.post(f"/register/{ids['firm']}/report",
                           data=public_form(website="http://spam.example"))
    assert response.status_code == 400
    assert not _rows(app, Complaint)


def test_an_unlisted_firm_has_no_report_page(client):
    assert client.get("/register/999999/report").status_code == 404


def file_worker_report(client, firm_id, text="Ci fanno chiamare numeri non dichiarati.",
                       **environ) -> str:
    response = client.post(f"/register/{firm_id}/report/worker", data={"text": text},
                           **environ)
    assert response.status_code == 200, response.get_data(as_text=True)
    return CODE.search(response.get_data(as_text=True)).group(1)


def test_a_worker_gets_a_receipt_code_and_follows_the_case(app, client, ids):
    code = file_worker_report(client, ids["firm"])
    assert len(code.replace("-", "")) == 20
    with app.app_context():
        (complaint,) = db.session.scalars(select(Complaint)).all()
        # only the hash is stored
        assert complaint.receipt_hash == receipt_hash(code)
        assert code not in repr([getattr(complaint, c.key) for c in Complaint.__table__.c])
    page = client.post(f"/register/{ids['firm']}/report/follow", data={"code": code.lower()})
    assert page.status_code == 200
    assert "ricevuta" in page.get_data(as_text=True)
    sent = client.post(f"/register/{ids['firm']}/report/follow",
                       data={"code": code, "text": "Aggiungo: succede ogni sera."})
    assert sent.status_code == 200 and "Aggiungo: succede ogni sera." in sent.get_data(
        as_text=True)
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(ComplaintEvent))]
        assert actions == [ComplaintAction.FILE, ComplaintAction.REPORTER_MESSAGE]


def test_the_receipt_code_never_goes_in_a_url(client, ids):
    code = file_worker_report(client, ids["firm"])
    # A code put in the URL opens nothing: the case is shown only for a POST body.
    page = client.get(f"/register/{ids['firm']}/report/follow?code={code}")
    assert page.status_code == 200
    assert 'id="complaint-state"' not in page.get_data(as_text=True)
    assert f'value="{code}"' not in page.get_data(as_text=True)


def test_wrong_and_nonexistent_codes_answer_alike(client, ids):
    code = file_worker_report(client, ids["firm"])
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")  # well formed, never issued
    answers = [client.post(f"/register/{ids['firm']}/report/follow", data={"code": value})
               for value in (wrong, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "no", "", "x" * 500)]
    assert {a.status_code for a in answers} == {404}
    bodies = {re.sub(r'name="csrf_token"[^>]*>', "", a.get_data(as_text=True))
              for a in answers}
    assert len(bodies) == 1


def test_a_public_report_cannot_be_followed_by_code(app, client, ids):
    client.post(f"/register/{ids['firm']}/report", data=public_form())
    with app.app_context():
        (complaint,) = db.session.scalars(select(Complaint)).all()
        assert complaint.receipt_hash is None
    assert client.post(f"/register/{ids['firm']}/report/follow",
                       data={"code": ""}).status_code == 404


IP = "203.0.113.77"
AGENT = "AnonTestBrowser/9.87 (Segreto; rv:123456)"


def test_nothing_identifies_the_worker(app, client, ids, caplog):
    caplog.set_level(logging.DEBUG)
    environ = {"environ_base": {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT},
               "headers": {"User-Agent": AGENT, "X-Forwarded-For": IP}}
    code = file_worker_report(client, ids["firm"], **environ)
    client.post(f"/register/{ids['firm']}/report/follow",
                data={"code": code, "text": "Un altro messaggio."}, **environ)
    found = []
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for value in row:
                    text = str(value)
                    if IP in text or "AnonTestBrowser" in text or code in text:
                        found.append((table.name, text[:80]))
    assert not found, found
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert IP not in logged and "AnonTestBrowser" not in logged and code not in logged


def test_filing_is_limited_per_address_without_keeping_it(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(COMPLAINT_RATE_LIMIT="2 per hour")
    ids = cast(app)
    client = app.test_client()
    environ = {"environ_base": {"REMOTE_ADDR": IP}}
    statuses = [client.post(f"/register/{ids['firm']}/report/worker",
                            data={"text": "Segnalo."}, **environ).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    # another address has its own allowance
    assert client.post(f"/register/{ids['firm']}/report/worker", data={"text": "Segnalo."},
                       environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 200
    assert IP not in "\n".join(r.getMessage() for r in caplog.records)


def test_a_message_too_long_is_refused_with_a_message(app, client, ids):
    code = file_worker_report(client, ids["firm"])
    response = client.post(f"/register/{ids['firm']}/report/follow",
                           data={"code": code, "text": "x" * 5001})
    assert response.status_code == 400
    assert "5000 caratteri" in response.get_data(as_text=True)
    assert len(_rows(app, ComplaintEvent)) == 1
