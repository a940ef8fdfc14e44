"""The bulk supplier check (/verify/bulk, POST /api/v1/verify): every row answered in
order, bad rows reported with their reason, the verify page's verdict, few queries, bounded
input, formula-safe downloads, a rate limit."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event

from registry.certificates import lookup
from registry.certificates.models import Receipt
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms.identifiers import vat_check_digit

TODAY = today_in_rome()
PERSON_CF = "RSSMRA85T10A562S"  # a valid personal codice fiscale, of no firm


def bad_checksum(vat: str) -> str:
    return vat[:10] + str((int(vat[10]) + 1) % 10)


def unknown_vat() -> str:
    return "0765432100" + vat_check_digit("0765432100")


@pytest.fixture
def firms(certified_firm):
    valid = certified_firm("Valida S.r.l.", level="L3")
    suspended = certified_firm("Sospesa S.p.A.", status="suspended")
    withdrawn = certified_firm("Revocata S.r.l.", status="withdrawn")
    future = certified_firm("Futura S.r.l.", valid_from=TODAY + dt.timedelta(days=10))
    return valid, suspended, withdrawn, future


def receipts_count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Receipt))


def test_pasted_list_answers_every_row_in_order(app, client, firms):
    valid, suspended, withdrawn, future = firms
    lines = [valid.vat_number, suspended.number, bad_checksum(valid.vat_number), "",
             unknown_vat(), f"IT {valid.vat_number[:5]} {valid.vat_number[5:]}", "ciao",
             PERSON_CF, withdrawn.number.lower(), future.vat_number]
    page = client.post("/verify/bulk", data={"items": "\n".join(lines)})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Valida S.r.l." in html and "Sospesa S.p.A." in html
    assert "Il carattere di controllo non è corretto" in html
    assert "Riga vuota." in html
    assert "Ripetuto: è uguale alla riga 1." in html
    assert "Nessun certificato nel registro per questo valore." in html
    assert "Non è una partita IVA, un codice fiscale o un numero di certificato." in html
    assert "<caption>" in html and html.count('<th scope="row">') == len(lines)
    assert "not_found" not in html and "suspended" not in html.split("<main")[-1].replace(
        'data-verdict', '')  # codes never shown
    assert receipts_count(app) == 1  # the check is recorded as one receipt

    api = client.post("/api/v1/verify", json={"items": lines}).get_json()
    assert [i["query"] for i in api["items"]] == [line.strip() for line in lines]
    assert [i["verdict"] for i in api["items"]] == [
        "valid", "suspended", None, None, "not_found", None, None, "not_found", "withdrawn",
        "not_yet_valid"]
    assert [i["error"] and i["error"]["code"] for i in api["items"]] == [
        None, None, "checksum", "empty", "unknown", "duplicate", "format", "unknown", None,
        None]
    assert api["items"][5]["error"]["duplicate_of"] == 1
    first = api["items"][0]
    assert first["firm"]["name"] == "Valida S.r.l." and first["verdict_label"] == "Valido"
    assert first["certificate"]["number"] == valid.number
    assert first["certificate"]["level_label"].startswith("Bollino Blu")
    assert api["counts"] == {"valid": 1, "suspended": 1, "problem": 6, "withdrawn": 1,
                             "not_yet_valid": 1}
    assert api["checked_at"] and api["checked_on"] == TODAY.isoformat()


def test_verdict_is_the_verify_pages(app, client, certified_firm):
    """For every status the bulk answer equals lookup.check(), history included."""
    made = [certified_firm(f"Ditta {status} S.r.l.", status=status, **extra)
            for status, extra in [("valid", {}), ("suspended", {}), ("withdrawn", {}),
                                  ("renounced", {}),
                                  ("expired", {"valid_from": TODAY - dt.timedelta(days=1200)}),
                                  ("valid", {"valid_from": TODAY + dt.timedelta(days=3)})]]
    api = client.post("/api/v1/verify", json={"items": [m.number for m in made]}).get_json()
    with app.app_context():
        expected = [str(lookup.check(m.number).verdict) for m in made]
    assert [i["verdict"] for i in api["items"]] == expected
    assert len(set(expected)) >= 5


def test_a_thousand_values_take_a_few_queries(app, client, firms):
    valid = firms[0]
    items = [valid.vat_number, firms[1].number] + [
        f"BB-2020-{n:05d}" for n in range(1, 999)]
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post("/api/v1/verify", json={"items": items})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 1000
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 10


def test_csv_file_with_header_and_downloads(app, client, firms):
    valid, suspended, *_ = firms
    text = ("ragione sociale;partita iva\n"
            f"Valida;{valid.vat_number}\n"
            f"=HYPERLINK(\"http://x\");{suspended.vat_number}\n"
            f"Sbagliata;{bad_checksum(valid.vat_number)}\n")
    page = client.post("/verify/bulk", data={
        "file": (io.BytesIO(text.encode("utf-8-sig")), "fornitori.csv")},
        content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Rows are numbered as in the file: the header is row 1.
    assert '<th scope="row">2</th>' in html and '<th scope="row">4</th>' in html
    receipt_id = html.split('/receipts/')[1].split('"')[0]

    csv_response = client.get(f"/receipts/{receipt_id}/rows.csv")
    assert csv_response.status_code == 200
    assert csv_response.headers["Cache-Control"] == "no-store"
    table = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    assert table[0][:7] == ["riga", "valore", "azienda", "partita_iva", "numero_certificato",
                            "livello", "esito"]
    assert [r[0] for r in table[1:]] == ["2", "3", "4"]
    assert table[1][2] == "Valida S.r.l." and table[1][6] == "Valido"
    assert table[2][6] == "Sospeso"
    assert "controllo" in table[3][9]

    xlsx = client.get(f"/receipts/{receipt_id}/rows.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][2] == "Valida S.r.l." and values[2][6] == "Sospeso"


def test_xlsx_file_numbers_keep_their_leading_zeros(app, client, certified_firm):
    firm = certified_firm("Zero S.r.l.", vat_number="0123456001" + vat_check_digit(
        "0123456001"))
    book = Workbook()
    sheet = book.active
    sheet.append(["Fornitore"])
    sheet.append([int(firm.vat_number)])  # a spreadsheet turned it into a number
    sheet.append([firm.number])
    buffer = io.BytesIO()
    book.save(buffer)
    page = client.post("/verify/bulk", data={
        "file": (io.BytesIO(buffer.getvalue()), "fornitori.xlsx")},
        content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("Zero S.r.l.") == 2
    assert "Ripetuto" not in html  # a VAT number and a certificate number are two queries


@pytest.mark.parametrize("payload, name, message", [
    (("x\n" * 1002).encode(), "lista.csv", "al massimo 1000 righe"),
    (b"0" * (2 * 1024 * 1024 + 10), "lista.csv", "2 MB"),
    (b"%PDF-1.7\n1 0 obj\n%%EOF\n", "lista.csv", "CSV (testo) o una cartella Excel"),
    (b"PK\x03\x04 not really a zip", "lista.xlsx", "CSV (testo) o una cartella Excel"),
    (b"\n\n", "lista.csv", "vuoto"),
])
def test_bad_files_are_refused_and_nothing_is_recorded(app, client, payload, name, message):
    page = client.post("/verify/bulk", data={"file": (io.BytesIO(payload), name)},
                       content_type="multipart/form-data")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert receipts_count(app) == 0


def test_pasted_list_over_the_limit_and_empty_form(app, client):
    too_many = client.post("/verify/bulk", data={"items": "01234567897\n" * 1001})
    assert too_many.status_code == 400
    assert "al massimo 1000 righe" in too_many.get_data(as_text=True)
    empty = client.post("/verify/bulk", data={"items": "  "})
    assert empty.status_code == 400
    assert "Carica un file o incolla un elenco." in empty.get_data(as_text=True)
    assert receipts_count(app) == 0
    assert client.get("/verify/bulk").status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"items": ["1"] * 1001}, 413), ({"items": "01234567897"}, 400), ({"items": [1, 2]}, 400),
    (["01234567897"], 400), (None, 400)])
def test_api_refuses_bad_bodies(client, body, status):
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_bulk_checks_are_rate_limited(make_app):
    client = make_app(BULK_CHECK_RATE_LIMIT="2 per minute").test_client()
    codes = [client.post("/api/v1/verify", json={"items": ["x"]}).status_code,
             client.post("/verify/bulk", data={"items": "x"}).status_code,
             client.post("/api/v1/verify", json={"items": ["x"]}).status_code]
    assert codes == [200, 200, 429]
    assert client.get("/verify/bulk").status_code == 200  # the form still shows


def test_api_answer_matches_the_openapi_document(client, certified_firm):
    number = certified_firm().number
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["BulkCheck"]
    data = client.post("/api/v1/verify", json={"items": [number, "x"]}).get_json()
    assert set(schema["required"]) <= set(data)
    required = set(schema["properties"]["items"]["items"]["required"])
    assert all(required <= set(item) for item in data["items"])


def test_api_receipt_on_request_and_formula_safe_rows(app, client, certified_firm):
    row = certified_firm("Formula S.r.l.", signed=True)
    plain = client.post("/api/v1/verify", json={"items": [row.number]}).get_json()
    assert "receipt" not in plain and receipts_count(app) == 0
    data = client.post("/api/v1/verify",
                       json={"items": [row.number, "=1+2", "@SUM(A1)"], "receipt": True}
                       ).get_json()
    receipt = data["receipt"]
    assert receipt["url"].endswith(f"/receipts/{receipt['id']}") and receipt["jws"].count(".") == 2
    assert receipts_count(app) == 1
    table = client.get(f"/receipts/{receipt['id']}/rows.csv").get_data(as_text=True)
    assert ";'=1+2;" in table and ";'@SUM(A1);" in table


def test_a_first_row_with_digits_is_never_taken_for_a_header(client, certified_firm):
    row = certified_firm("Intestazione S.r.l.")
    text = f"0123456789X\n{row.vat_number}\n"
    html = client.post("/verify/bulk", data={
        "file": (io.BytesIO(text.encode()), "lista.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert '<th scope="row">1</th>' in html and "intestazione" not in html.lower().replace(
        "intestazione s.r.l.", "")
