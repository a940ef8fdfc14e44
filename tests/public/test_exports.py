"""Exports stream the register; public exports never carry private fields."""

import csv
import io
import json

from openpyxl import load_workbook

from registry.extensions import db
from registry.firms.models import Firm
from tests import factories

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
