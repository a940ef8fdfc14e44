"""Bad input is a 4xx with a message, never a 500 (issue 13, point 7 and the smaller ones).

Every test here runs on SQLite and on PostgreSQL (REGISTRY_TEST_DATABASE_URL): PostgreSQL is
where a NUL byte or an id past the INTEGER range used to reach the driver and fail.
"""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from registry.applications.models import Application, CriterionNote
from registry.applications.workflow import ApplicationState
from registry.extensions import db
from registry.firms.models import Firm
from tests import rows
from tests.steps import client_for

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("path", [
    "/register/2147483648", "/register/99999999999999999999", "/register/" + "9" * 5000,
    "/register/0", "/register/-1", "/register/%D9%A3",
])
def test_ids_outside_the_integer_column_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_private_ids_outside_the_integer_column_are_not_found(app, users):
    admin = client_for(app, users["admin"])
    for path in ("/applications/2147483648", "/admin/users/2147483648",
                 "/officer/appeals/99999999999999999999"):
        assert admin.get(path).status_code == 404, path
    assert admin.get(f"/admin/users/{users['auditor']}").status_code == 200


@pytest.mark.parametrize("number", ["99999999999999999999", "50001", "0", "-3", "x"])
def test_a_bad_page_is_named(client, number):
    response = client.get(f"/register?page={number}")
    assert response.status_code == 400
    assert "Pagina non valida" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/register?page={number}")
    assert api.status_code == 400
    assert api.json["error"]["code"] == "bad_request"
    assert "Pagina non valida" in api.json["error"]["message"]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85",
                                       "\uffff"])
def test_control_characters_in_a_query_are_refused(client, character):
    for path in ("/register", "/register/export.csv", "/ministry", "/v/BB-2026-00001"):
        response = client.get(path, query_string={"q": f"a{character}b"})
        assert response.status_code == 400, path
        assert "caratteri di controllo" in response.get_data(as_text=True)
    api = client.get("/api/v1/register", query_string={"region": character})
    assert api.status_code == 400 and api.json["error"]["code"] == "bad_request"
    assert client.get("/register", query_string={f"k{character}": "1"}).status_code == 400


def test_control_characters_in_a_path_are_refused(client):
    for path in ("/v/BB-2026-00001%00", "/api/v1/certificates/BB%00",
                 "/certificates/BB%0A.pdf", "/nowhere%00"):
        assert client.get(path).status_code == 400, path


def test_control_characters_in_a_form_are_refused_and_nothing_is_stored(app, people):
    owner = client_for(app, people["owner"])
    with app.app_context():
        before = db.session.get(Firm, people["firm"]).name
    response = owner.post("/firm/edit", data={"name": "Nuovo\x00Nome S.r.l."})
    assert response.status_code == 400
    assert "caratteri di controllo" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Firm, people["firm"]).name == before


def test_line_breaks_pass_in_a_multi_line_field(app, people):
    with app.app_context():  # back to a draft: the firm may write its notes
        db.session.get(Application, people["application"]).state = ApplicationState.DRAFT
        db.session.commit()
    owner = client_for(app, people["owner"])
    response = owner.post(f"/applications/{people['application']}/criteria/LEG-01",
                          data={"note-note": "Prima riga\r\n\tSeconda riga",
                                "note-submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(CriterionNote.note)) == \
            "Prima riga\r\n\tSeconda riga"


def test_a_refused_note_save_answers_with_a_message_and_changes_nothing(app, people):
    # The application is submitted: the firm can no longer edit it. This was a 500 when the
    # old `_run` helper returned None; `run_use_case` answers the form with the reason.
    owner = client_for(app, people["owner"])
    response = owner.post(f"/applications/{people['application']}/criteria/LEG-01",
                          data={"note-note": "Tardi", "note-submit": "1"})
    assert response.status_code < 500
    assert "bloccata" in response.get_data(as_text=True)
    officer = client_for(app, people["officer"])
    response = officer.post(f"/applications/{people['application']}/criteria/LEG-01",
                            data={"note-note": "Non mia", "note-submit": "1"})
    assert response.status_code < 500
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CriterionNote)) == 0


@pytest.mark.parametrize("target", [
    "/x\r\nSet-Cookie: a=b", "/x\nLocation: https://evil.example/", "/\t/evil.example",
    "/x\r",
])
def test_language_switch_with_a_line_break_in_next_goes_home(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "a=b" not in response.headers.get("Set-Cookie", "")


def test_language_switch_with_another_control_character_is_refused(client):
    response = client.get("/lang/en", query_string={"next": "/x\x0bY"})
    assert response.status_code == 400 and "Location" not in response.headers


def test_atom_feed_stays_well_formed_with_control_characters(app, client):
    with app.app_context():
        row = rows.certified_firm("Alfa\x02 S.r.l.")
        rows.change_status(row, "suspended",
                           public_reason="Sospeso\x0b per\x1b verifica\ufffe <urgente> & \"x\"")
    response = client.get("/feeds/status.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.data)  # noqa: S314 - our own feed, and strictness is the point
    summaries = [entry.find(f"{ATOM}summary").text or "" for entry in
                 feed.findall(f"{ATOM}entry")]
    assert 'Sospeso per verifica <urgente> & "x"' in summaries


def test_method_not_allowed_says_which_methods_are(client):
    page = client.post("/register")
    assert page.status_code == 405
    assert set(page.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    api = client.delete("/api/v1/register")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]
    assert api.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("query, words", [
    ("region=Atlantide", "Regione sconosciuta"), ("level=L9", "Livello sconosciuto"),
    ("status=foo", "Stato sconosciuto"), ("sort=price", "Ordinamento sconosciuto"),
    ("province=ZZ", "Provincia sconosciuta"), ("scheme=NOPE", "Schema sconosciuto"),
    ("region=Lazio%0A", "Regione sconosciuta"),
])
def test_unknown_filter_values_are_named(client, certified_firm, query, words):
    certified_firm("Alfa S.r.l.", region="Lazio")
    api = client.get(f"/api/v1/register?{query}")
    assert api.status_code == 400
    assert api.json["error"]["code"] == "bad_request" and words in api.json["error"]["message"]
    page = client.get(f"/register?{query}")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert words in text and "Alfa S.r.l." in text  # named, ignored, the register still shown


def test_known_filter_values_still_work(client, certified_firm):
    certified_firm("Alfa S.r.l.", region="Lazio")
    certified_firm("Beta S.r.l.", region="Puglia")
    for query in ("region=lazio", "region=Lazio&level=L2&status=valid&sort=level",
                  "province=rm", "scheme=&page=1"):
        api = client.get(f"/api/v1/register?{query}")
        assert api.status_code == 200, query
    assert [item["firm"]["name"] for item in client.get(
        "/api/v1/register?region=lazio").json["items"]] == ["Alfa S.r.l."]


def test_at_accepts_only_a_full_iso_date(client, certified_firm):
    number = certified_firm("Alfa S.r.l.", valid_from=dt.date(2025, 6, 1)).number
    for bad in ("20260101", "2026-W01-1", "2026-1-1", "2026-02-30", "x"):
        page = client.get(f"/v/{number}?at={bad}")
        assert page.status_code == 400, bad
        assert "AAAA-MM-GG" in page.get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{number}?at={bad}")
        assert api.status_code == 400 and api.json["error"]["code"] == "bad_request"
    assert client.get(f"/v/{number}?at=2026-01-01").status_code == 200
    assert client.get(f"/api/v1/certificates/{number}?at=2026-01-01").json["verdict"] == "valid"


# Found by tests/test_fuzz.py ----------------------------------------------------------------

def test_fte_not_a_number_is_a_form_error(app, people):
    owner = client_for(app, people["owner"])
    form = owner.get("/firm/edit").get_data(as_text=True)
    assert "fte" in form
    response = owner.post("/firm/edit", data={"fte": "NaN", "headcount": "10"})
    assert response.status_code == 200
    assert "Indica un numero" in response.get_data(as_text=True)


def test_report_of_an_audit_in_progress_with_a_finding(app, people):
    # A finding is recorded before every criterion is scored: the report shows it, with no
    # result yet (the scoring engine refuses incomplete scores, which was a 500).
    assert client_for(app, people["admin"]).post(
        f"/admin/applications/{people['application']}",
        data={"auditor_id": people["auditor"], "role": "lead"}).status_code == 302
    auditor = client_for(app, people["auditor"])
    base = f"/audit/applications/{people['application']}"
    assert auditor.post(f"{base}/declaration",
                        data={"decl-confirm": "y", "decl-submit": "1"}).status_code == 302
    assert auditor.post(f"{base}/criteria/LEG-01",
                        data={"fd-kind": "minor_nc", "fd-text": "Registro incompleto",
                              "fd-due_on": "2030-01-31", "fd-submit": "1"}).status_code == 302
    page = auditor.get(f"/applications/{people['application']}/report")
    assert page.status_code == 200
    assert "Registro incompleto" in page.get_data(as_text=True)
    assert "audit è in corso" in page.get_data(as_text=True)
    pdf = auditor.get(f"/applications/{people['application']}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
