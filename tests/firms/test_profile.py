"""The firm profile and its operating sites through the web pages."""

import datetime as dt

import pytest

from registry.accounts.models import User
from registry.auditlog import AuditEvent
from registry.extensions import db
from registry.firms.models import Firm, MembershipRequest, Site
from tests import factories


def form_data(**overrides) -> dict:
    """A valid /firm/new submission, as a browser sends it."""
    values = factories.firm_values(**overrides)
    data = {}
    for key, value in values.items():
        if key == "phone_numbers" and isinstance(value, list):
            value = "\n".join(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = value if isinstance(value, list) else str(value)
    return data


def site_data(**overrides) -> dict:
    data = {"address": "Via Roma 1", "comune": "Catanzaro", "province": "CZ", "country": "IT",
            "seats": "80", "headcount": "95", "service_types": ["inbound"],
            "channels": ["voice", "chat"], "opened_on": "2020-02-03"}
    data.update(overrides)
    return data


@pytest.fixture
def applicant(app, users):
    return users["applicant"]


@pytest.fixture
def member(app):
    """An applicant who owns a firm; returns (user id, firm id)."""
    with app.app_context():
        user = factories.make_user("applicant")
        firm = factories.make_firm(owner=user)
        return user.id, firm.id


def page(response) -> str:
    return response.get_data(as_text=True)


def firm_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Firm.id)))


# Creating the profile ------------------------------------------------------------------------
def test_new_firm_page_suggests_defaults(client, login, applicant):
    login(applicant)
    body = page(client.get("/firm/new"))
    assert 'value="K411"' in body and "CCNL Telecomunicazioni" in body
    assert 'value="82.20.00"' in body
    assert "Roma (RM)" in body and "Sud Sardegna (SU)" in body
    assert "Albania" in body and ">Francia<" not in body  # extra-EU choice only


def test_create_firm_happy_path(app, client, login, applicant):
    login(applicant)
    data = form_data(name="Àlfa Contact S.r.l.", vat_number="IT 00743110157",
                     tax_code="00743110157", office_province="MB", fte="212,5",
                     phone_numbers="06 1234567\n+39 800 123 456\n06 1234567")
    response = client.post("/firm/new", data=data)
    assert response.status_code == 302, page(response)
    assert response.headers["Location"].endswith("/firm")
    with app.app_context():
        firm = db.session.scalar(db.select(Firm))
        user = db.session.get(User, applicant)
        assert firm.vat_number == "00743110157"
        assert firm.name_search == "alfa contact srl"
        assert firm.office_region == "Lombardia"
        assert str(firm.fte) == "212.5"
        assert firm.phone_numbers == ["+39061234567", "+39800123456"]
        assert firm.extra_eu_countries == ["AL"]
        assert firm.owner_id == applicant and user.firm_id == firm.id
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "firm.created"))
        assert event.actor_id == applicant and event.after["vat_number"] == "00743110157"
        assert event.before is None
    body = page(client.get("/firm"))
    assert "Àlfa Contact S.r.l." in body and "15/03/2012" in body and "212,5" in body
    assert client.get("/firm/new").status_code == 302  # one firm per person


@pytest.mark.parametrize("overrides, field_message", [
    ({"vat_number": "00743110158"}, "(di controllo) non corrisponde"),
    ({"vat_number": "00000000000"}, "non è una partita IVA reale"),
    ({"vat_number": "0074311015"}, "11 cifre"),
    ({"vat_number": "0074311015A"}, "solo cifre"),
    ({"vat_number": "12345678903"}, "ufficio provinciale"),
    ({"traffic_italy_pct": "80", "traffic_eu_pct": "10", "traffic_extra_eu_pct": "5"},
     "devono sommare a 100: ora sommano a 95"),
    ({"traffic_italy_pct": "90", "traffic_eu_pct": "0", "traffic_extra_eu_pct": "10",
      "extra_eu_countries": []}, "scegli i paesi in cui è gestito"),
    ({"traffic_italy_pct": "100", "traffic_eu_pct": "0", "traffic_extra_eu_pct": "0",
      "extra_eu_countries": ["AL"]}, "La quota di traffico fuori UE è 0"),
    ({"headcount": "10", "fte": "12"}, "non possono superare le persone in organico"),
    ({"incorporated_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
     "non può essere nel futuro"),
    ({"tax_code": "RSSMRA85T10A562S"}, "solo per la ditta individuale"),
    ({"legal_rep_tax_code": "00743110157"}, "codice fiscale personale"),
    ({"rea_number": "12345678"}, "da 1 a 7 cifre"),
    ({"office_postcode": "0015"}, "Il CAP ha 5 cifre"),
    ({"ateco_code": "82-20"}, "82.20.00"),
    ({"phone_numbers": "06 1234567\n+44 20 1234"}, "Riga 2"),
    ({"phone_numbers": ""}, "Campo obbligatorio"),
    ({"traffic_extra_eu_pct": "abc"}, "Indica un numero intero"),
    ({"extra_eu_countries": ["FR"]}, "Scegli solo paesi fuori dall"),
    ({"office_province": "ZZ"}, "Scegli una provincia dall"),
    ({"name": ""}, "Campo obbligatorio"),
])
def test_create_firm_errors_keep_input_and_save_nothing(app, client, login, applicant,
                                                       overrides, field_message):
    login(applicant)
    data = form_data(**{"name": "Beta Servizi S.p.A.", "legal_form": "SPA", **overrides})
    response = client.post("/firm/new", data=data)
    body = page(response)
    assert response.status_code == 200
    assert field_message in body
    assert 'class="invalid-feedback"' in body or 'alert-danger' in body
    if overrides.get("name") != "":
        assert 'value="Beta Servizi S.p.A."' in body  # input kept
    assert firm_count(app) == 0
    with app.app_context():
        assert db.session.get(User, applicant).firm_id is None
        assert not db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "firm.created"))


def test_all_errors_show_at_once(client, login, applicant):
    login(applicant)
    data = form_data(vat_number="00743110158", headcount="5", fte="6",
                     traffic_italy_pct="50", traffic_eu_pct="0", traffic_extra_eu_pct="0")
    body = page(client.post("/firm/new", data=data))
    assert "(di controllo) non corrisponde" in body and "non possono superare" in body
    assert "sommano a 50" in body


def test_sole_trader_may_use_a_personal_tax_code(app, client, login, applicant):
    login(applicant)
    data = form_data(legal_form="DITTA_INDIVIDUALE", tax_code="rssmra85t10a562s")
    assert client.post("/firm/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Firm.tax_code)) == "RSSMRA85T10A562S"


def test_duplicate_vat_number_offers_to_join(app, client, login, applicant):
    with app.app_context():
        owner = factories.make_user("applicant", email="titolare@contactitalia.it")
        existing = factories.make_firm(owner=owner, vat_number="01114601006")
        existing_id = existing.id
    login(applicant)
    # even with other mistakes in the form, the existing firm is named first
    response = client.post("/firm/new", data=form_data(vat_number="011 1460 1006",
                                                       name="Altro nome", headcount="1",
                                                       fte="9"))
    body = page(response)
    assert response.status_code == 200
    assert "Azienda già registrata" in body and "01114601006" in body
    assert 'action="/firm/join"' in body and "Chiedi di entrare" in body
    assert 'value="Altro nome"' in body  # input kept in case the number was a typo
    assert "titolare@contactitalia.it" not in body  # the owner's address stays private
    assert firm_count(app) == 1
    response = client.post("/firm/join", data={"join-vat_number": "01114601006",
                                               "join-message": "Sono del back office."})
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalar(db.select(MembershipRequest))
        assert (request.firm_id, request.kind, request.status) == (existing_id, "join",
                                                                   "pending")
        assert request.user_id == applicant and request.message == "Sono del back office."
    assert "in attesa" in page(client.get("/firm/new"))


# Editing -------------------------------------------------------------------------------------
def test_edit_writes_an_audit_event_with_before_and_after(app, client, login, member):
    user_id, firm_id = member
    login(user_id)
    body = page(client.get("/firm/edit"))
    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        vat = firm.vat_number
        assert 'value="Contact Italia S.r.l."' in body and firm.phone_numbers[0] in body
    data = form_data(vat_number=vat, name="Contact Italia Nord S.r.l.", headcount="250",
                     office_province="TO", office_comune="Torino", office_postcode="10121")
    assert client.post("/firm/edit", data=data).status_code == 302
    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        assert firm.name == "Contact Italia Nord S.r.l." and firm.office_region == "Piemonte"
        assert firm.name_search == "contact italia nord srl"
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "firm.updated"))
        assert event.actor_id == user_id and event.object_id == str(firm_id)
        assert event.before["name"] == "Contact Italia S.r.l."
        assert event.after["name"] == "Contact Italia Nord S.r.l."
        assert (event.before["headcount"], event.after["headcount"]) == (240, 250)
        assert (event.before["office_region"], event.after["office_region"]) == ("Lazio",
                                                                                 "Piemonte")
    # saving the same values again records nothing
    client.post("/firm/edit", data=data)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "firm.updated")) == 1


def test_edit_cannot_take_another_firms_vat_number(app, client, login, member):
    with app.app_context():
        other = factories.make_firm(vat_number="00743110157")
        assert other
    login(member[0])
    body = page(client.post("/firm/edit", data=form_data(vat_number="00743110157")))
    # A partita IVA never changes on a firm (another firm's even less).
    assert "La partita IVA di un&#39;azienda non si modifica" in body
    with app.app_context():
        assert db.session.get(Firm, member[1]).vat_number != "00743110157"


def test_profile_without_firm_goes_to_new(client, login, applicant):
    login(applicant)
    response = client.get("/firm")
    assert response.status_code == 302 and response.headers["Location"].endswith("/firm/new")


# Operating sites -----------------------------------------------------------------------------
def test_add_edit_and_close_a_site(app, client, login, member):
    user_id, firm_id = member
    login(user_id)
    assert client.get("/firm/sites/new").status_code == 200
    assert client.post("/firm/sites/new", data=site_data()).status_code == 302
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.firm_id == firm_id))
        site_id = site.id
        assert (site.province, site.service_types, site.channels) == ("CZ", ["inbound"],
                                                                      ["voice", "chat"])
    body = page(client.get("/firm"))
    assert "Catanzaro (CZ)" in body and "03/02/2020" in body
    response = client.post(f"/firm/sites/{site_id}/edit",
                           data=site_data(seats="100", service_types=["inbound", "back_office"]))
    assert response.status_code == 302
    assert client.post(f"/firm/sites/{site_id}/close").status_code == 302
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.seats == 100 and site.closed_on is not None  # kept, with its history
        actions = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.object_type == "site").order_by(AuditEvent.id)).all()
        assert actions == ["site.created", "site.updated", "site.closed"]
        updated = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "site.updated"))
        assert (updated.before["seats"], updated.after["seats"]) == (80, 100)
    assert "Chiusa il" in page(client.get("/firm"))
    # a closed site is history: no more edits, no second closing
    body = page(client.post(f"/firm/sites/{site_id}/edit", data=site_data(seats="5")))
    assert "La sede è chiusa" in body
    body = page(client.post(f"/firm/sites/{site_id}/close", follow_redirects=True))
    assert "già chiusa" in body


@pytest.mark.parametrize("overrides, message", [
    ({"service_types": []}, "almeno un tipo di servizio"),
    ({"province": ""}, "Per una sede in Italia scegli la provincia"),
    ({"seats": "0"}, "tra 1 e"),
    ({"opened_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "nel futuro"),
    ({"address": ""}, "Campo obbligatorio"),
])
def test_site_errors(app, client, login, member, overrides, message):
    login(member[0])
    response = client.post("/firm/sites/new", data=site_data(**overrides))
    assert response.status_code == 200 and message in page(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Site.id))) == 0


def test_site_abroad_needs_no_province(app, client, login, member):
    login(member[0])
    data = site_data(country="AL", province="", comune="Tirana")
    assert client.post("/firm/sites/new", data=data).status_code == 302
    with app.app_context():
        site = db.session.scalar(db.select(Site))
        assert (site.country, site.province, site.is_italy) == ("AL", None, False)
    assert "Tirana, Albania" in page(client.get("/firm"))


def test_firm_a_member_gets_404_on_firm_b_sites(app, client, login, member):
    with app.app_context():
        other_owner = factories.make_user("applicant")
        firm_b = factories.make_firm(owner=other_owner)
        site_b = factories.make_site(firm_b).id
        missing = site_b + 1000
    login(member[0])
    for site_id in (site_b, missing):  # someone else's and nobody's look the same
        assert client.get(f"/firm/sites/{site_id}/edit").status_code == 404
        assert client.post(f"/firm/sites/{site_id}/edit",
                           data=site_data(seats="1")).status_code == 404
        assert client.post(f"/firm/sites/{site_id}/close").status_code == 404
    with app.app_context():
        site = db.session.get(Site, site_b)
        assert site.closed_on is None and site.seats == 120
        assert not db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.object_type == "site"))
