"""The client role: self-registration, a watch-list added by search or imported from a file
(bad rows reported row by row), the status board, its export, and the email digest."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from registry.accounts.models import User
from registry.certificates.lifecycle import change_status
from registry.db import utcnow
from registry.extensions import db
from registry.models import Certificate, ClientSettings, WatchedSupplier
from registry.security import Role
from registry.watching import clients
from tests import factories, rows
from tests.watching.conftest import user


def test_a_client_company_signs_up_as_client(app, client):
    page = client.get("/account/signup?kind=client").get_data(as_text=True)
    assert 'value="client" checked' in page or "value=\"client\"" in page
    response = client.post("/account/signup", data={
        "kind": "client", "name": "Ufficio Acquisti", "email": "acquisti@banca.it",
        "password": "Correct-Horse-42", "confirm": "Correct-Horse-42"})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(db.select(User).where(User.email == "acquisti@banca.it"))
        assert created.roles == {Role.CLIENT}
    # nobody signs up as staff
    response = client.post("/account/signup", data={
        "kind": "admin", "name": "X", "email": "x@banca.it",
        "password": "Correct-Horse-42", "confirm": "Correct-Horse-42"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "x@banca.it")) is None


def _client_with_firms(app, count=3):
    with app.app_context():
        firms = [rows.certified_firm(f"Fornitore {n} S.r.l.") for n in range(count)]
        client_id = factories.make_user("client").id
        return client_id, firms


def _csv(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_import_reports_every_bad_row(app, client, login):
    client_id, firms = _client_with_firms(app)
    unlisted = None
    with app.app_context():
        unlisted = factories.make_firm(owner=factories.make_user("applicant")).vat_number
    login(client_id)
    data = _csv(["partita_iva", firms[0].vat_number, "12345678901", firms[0].vat_number,
                 "abc", "", unlisted, "IT" + firms[1].vat_number, "=1+2"])
    response = client.post("/client/suppliers/import",
                           data={"file": (io.BytesIO(data), "fornitori.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    with app.app_context():
        report = clients.import_suppliers(user(client_id), data)
    by_line = {r.line: r for r in report}
    assert by_line[2].added is False and "già nella lista" in by_line[2].message
    assert not by_line[3].added  # bad check digit
    assert "ripetuta" in by_line[4].message and "riga 2" in by_line[4].message
    assert not by_line[5].added
    assert 6 not in by_line  # an empty line is no row
    assert "nessuna azienda" in by_line[7].message
    assert not by_line[9].added
    assert "Fornitore 0 S.r.l.: aggiunta" in page and "Fornitore 1 S.r.l.: aggiunta" in page
    assert "nessuna azienda con questa partita IVA nel registro" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WatchedSupplier.id))) == 2


def test_import_from_xlsx_and_refusals(app, client, login):
    client_id, firms = _client_with_firms(app, 2)
    login(client_id)
    workbook = Workbook()
    sheet = workbook.active
    for value in ("Partita IVA", firms[0].vat_number, int(firms[1].vat_number), "00000000000"):
        sheet.append([value])
    out = io.BytesIO()
    workbook.save(out)
    response = client.post("/client/suppliers/import",
                           data={"file": (io.BytesIO(out.getvalue()), "lista.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        assert len(clients.watched_ids(user(client_id))) == 2
    for bad in (b"", b"PK\x03\x04 not a workbook", b"\x00\x01\x02"):
        response = client.post("/client/suppliers/import",
                               data={"file": (io.BytesIO(bad), "x.xlsx")},
                               content_type="multipart/form-data")
        assert response.status_code == 400
    too_many = _csv([firms[0].vat_number] * 1001)
    response = client.post("/client/suppliers/import",
                           data={"file": (io.BytesIO(too_many), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "1000" in response.get_data(as_text=True)


def test_search_add_board_export_remove(app, client, login):
    client_id, firms = _client_with_firms(app, 2)
    with app.app_context():
        officer = user(factories.make_user("officer").id)
        change_status(db.session.get(Certificate, firms[1].certificate_id), "suspend",
                      officer, public_reason="Verifica")
        db.session.commit()
    login(client_id)
    page = client.get("/client/suppliers?q=fornitore 1").get_data(as_text=True)
    assert "Fornitore 1 S.r.l." in page and "Fornitore 0 S.r.l." not in page
    for row in firms:
        assert client.post("/client/suppliers", data={"firm_id": row.firm_id}).status_code == 302
    assert client.post("/client/suppliers", data={"firm_id": firms[0].firm_id}).status_code == 400
    assert client.post("/client/suppliers", data={"firm_id": 999999}).status_code == 400
    board = client.get("/client/suppliers").get_data(as_text=True)
    assert "Sospeso" in board and "Valido" in board
    exported = client.get("/client/suppliers/export.csv")
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    assert table[0][:3] == ["ragione_sociale", "partita_iva", "certificato"]
    assert {r[4] for r in table[1:]} == {"Valido", "Sospeso"}
    xlsx = client.get("/client/suppliers/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 3
    assert client.get("/client/suppliers/export.pdf").status_code == 404
    assert client.post(f"/client/suppliers/{firms[0].firm_id}/remove").status_code == 302
    with app.app_context():
        assert clients.watched_ids(user(client_id)) == {firms[1].firm_id}


def test_immediate_and_daily_digests(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        row = rows.certified_firm()
        officer = user(factories.make_user("officer").id)
        now_client = factories.make_user("client", email="subito@cliente.it")
        now_client.locale = "en"  # each client is written to in the language they chose
        daily_client = factories.make_user("client", email="riepilogo@cliente.it")
        for who in (now_client, daily_client):
            clients.add_supplier(who, row.firm_id)
        clients.set_digest(now_client, "immediate")
        db.session.commit()
        start = utcnow() - dt.timedelta(seconds=1)
        db.session.get(ClientSettings, daily_client.id).last_digest_at = start
        db.session.commit()
        change_status(db.session.get(Certificate, row.certificate_id), "suspend", officer,
                      public_reason="Verifica")
        db.session.commit()
        smtp_server.wait(2)
        [told] = [m for m in smtp_server.messages if m["To"] == "subito@cliente.it"]
        assert told["Subject"].startswith("Bollino Blu: updates on "), told["Subject"]
        assert "suspended" in told.get_body(("plain",)).get_content()
        assert not [m for m in smtp_server.messages if m["To"] == "riepilogo@cliente.it"]
        assert clients.send_daily_digests() == 1
        db.session.commit()
        smtp_server.wait(3)
        [digest] = [m for m in smtp_server.messages if m["To"] == "riepilogo@cliente.it"]
        assert "novità sui tuoi fornitori" in digest["Subject"]
        assert "sospeso" in digest.get_body(("plain",)).get_content()
        # nothing new since: no empty digest
        assert clients.send_daily_digests() == 0


def test_the_daily_job_sends_the_digests(app, runner):
    with app.app_context():
        row = rows.certified_firm()
        client = factories.make_user("client")
        clients.add_supplier(client, row.firm_id)
        db.session.commit()
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "digests: 0" in result.output and "unconfirmed_follows: 0" in result.output
