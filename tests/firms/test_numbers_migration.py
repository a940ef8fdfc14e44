"""The migration from the JSON list `firm.phone_numbers` to the `calling_number` table:
valid values normalised to E.164, invalid ones and numbers already taken by another firm
logged and skipped (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from registry.extensions import db

BEFORE = "48b69a264126"


def _firm_row(vat: str, numbers) -> dict:
    return {
        "name": f"Firma {vat}", "name_search": f"firma {vat}", "legal_form": "SRL",
        "vat_number": vat, "tax_code": vat, "rea_province": "RM", "rea_number": "1",
        "pec": "a@pec.it", "ateco_code": "82.20.00", "incorporated_on": dt.date(2010, 1, 1),
        "office_street": "Via Roma 1", "office_postcode": "00100", "office_comune": "Roma",
        "office_province": "RM", "office_region": "Lazio", "legal_rep_name": "Mario Rossi",
        "legal_rep_tax_code": "RSSMRA85T10A562S", "legal_rep_role": "Amministratore",
        "headcount": 10, "fte": 10, "ccnl_code": "K411", "ccnl_name": "CCNL",
        "roc_number": "1", "phone_numbers": numbers, "traffic_italy_pct": 100,
        "traffic_eu_pct": 0, "traffic_extra_eu_pct": 0, "extra_eu_countries": [],
        "created_at": dt.datetime(2021, 5, 4, 9, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2021, 5, 4, 9, tzinfo=dt.UTC),
    }


def test_existing_numbers_are_normalised_and_bad_ones_skipped(app, capfd):
    with app.app_context():
        downgrade(revision=BEFORE)
        firm = sa.Table("firm", sa.MetaData(), autoload_with=db.engine)
        with db.engine.begin() as connection:
            connection.execute(firm.insert(), [
                _firm_row("01234567897", ["06 1234567", "+39 333 123 4567", "not a phone",
                                          "12345", "06 1234567"]),
                _firm_row("00743110157", ["0039 06 1234567", "(02) 8765-4321"]),
                _firm_row("07643520567", []),
            ])
        capfd.readouterr()
        upgrade()  # alembic's logging configuration writes the warnings to stderr
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT f.vat_number, c.number, c.valid_from, c.valid_until "
                "FROM calling_number c JOIN firm f ON f.id = c.firm_id "
                "ORDER BY f.vat_number, c.number")).all()
            columns = {c["name"] for c in sa.inspect(connection).get_columns("firm")}
    assert [tuple(r[:2]) for r in rows] == [
        ("00743110157", "+390287654321"),
        ("01234567897", "+39061234567"), ("01234567897", "+393331234567")]
    assert {str(r[2]) for r in rows} == {"2021-05-04"} and {r[3] for r in rows} == {None}
    assert "phone_numbers" not in columns
    warnings = capfd.readouterr().err
    assert "'not a phone'" in warnings and "'12345'" in warnings
    assert "+39061234567 already declared by firm" in warnings
