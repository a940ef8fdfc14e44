"""The public firm page and API say more (evidence freshness per area, renewal in progress,
traffic shares, sites abroad, services and channels), and the register filters on where a
firm works and what it offers (issue 14, point 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from registry.extensions import db
from registry.models import (
    Application,
    Certificate,
    Document,
    DocumentVersion,
    EvidenceLink,
    Firm,
    Site,
)


def _evidence(application_id: int, firm_id: int, criterion: str, *expiries) -> None:
    """One document linked to `criterion`, with a version per expiry (the last counts)."""
    document = Document(firm_id=firm_id, application_id=application_id,
                        title=f"Evidenza {criterion}")
    db.session.add(document)
    db.session.flush()
    uploader = db.session.get(Firm, firm_id).owner_id
    for number, expires_on in enumerate(expiries, start=1):
        db.session.add(DocumentVersion(
            document_id=document.id, number=number, sha256=f"{number:064d}",
            filename="doc.pdf", content_type="application/pdf", size=10,
            effective_on=dt.date(2025, 1, 1), expires_on=expires_on,
            uploaded_by_id=uploader))
    db.session.add(EvidenceLink(application_id=application_id, criterion_code=criterion,
                                document_id=document.id))


@pytest.fixture
def firm_with_facts(app, certified_firm):
    row = certified_firm("Fatti Chiari S.r.l.", province="CZ")
    with app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        application_id = certificate.application_id
        # MAN: two documents, the earliest expiry counts; the first document's newer version
        # replaces its older (earlier) expiry.
        _evidence(application_id, row.firm_id, "MAN-01", dt.date(2026, 1, 1),
                  dt.date(2031, 3, 31))
        _evidence(application_id, row.firm_id, "MAN-02", dt.date(2030, 6, 30))
        # ORG: no expiry; LEG: already expired
        _evidence(application_id, row.firm_id, "ORG-01", None)
        _evidence(application_id, row.firm_id, "LEG-03", dt.date(2024, 12, 31))
        firm = db.session.get(Firm, row.firm_id)
        firm.traffic_italy_pct, firm.traffic_eu_pct, firm.traffic_extra_eu_pct = 70, 10, 20
        firm.extra_eu_countries = ["AL", "TN"]
        db.session.add(Site(firm_id=firm.id, address="Rruga e Durresit 10", comune="Tirana",
                            province=None, country="AL", seats=40, headcount=45,
                            service_types=["back_office"], channels=["email", "chat"]))
        db.session.add(Site(firm_id=firm.id, address="Via Chiusa 1", comune="Milano",
                            province="MI", country="IT", seats=10, headcount=10,
                            service_types=["outbound"], channels=["social"],
                            closed_on=dt.date(2024, 1, 1)))
        db.session.commit()
    return row


def test_the_firm_page_shows_evidence_freshness_traffic_sites_services(client,
                                                                       firm_with_facts):
    body = client.get(f"/register/{firm_with_facts.firm_id}").get_data(as_text=True)
    assert "Evidenze valide fino al" in body
    assert "30/06/2030" in body and "31/03/2031" not in body and "01/01/2026" not in body
    assert "nessuna scadenza indicata" in body
    assert "scadute il 31/12/2024" in body
    assert "Italia 70%, altri paesi UE 10%, fuori UE 20%" in body
    assert "Albania" in body and "Tunisia" in body
    assert "estero: Albania" in body
    assert "Back office" in body and "Chat" in body and "Email" in body and "Voce" in body
    assert "Social network" not in body  # only a closed site offered it
    assert "Rinnovo in corso" not in body


def test_the_firm_api_gives_the_same(client, firm_with_facts):
    answer = client.get(f"/api/v1/register/{firm_with_facts.firm_id}").get_json()
    firm = answer["firm"]
    assert firm["traffic"] == {"italy_pct": 70, "eu_pct": 10, "extra_eu_pct": 20}
    assert firm["countries_abroad"] == ["AL"] and firm["extra_eu_countries"] == ["AL", "TN"]
    assert firm["service_types"] == ["inbound", "outbound", "back_office"]
    assert firm["channels"] == ["voice", "email", "chat"]
    assert firm["renewal_in_progress"] is False
    assert {e["area"]: e["valid_until"] for e in firm["evidence"]} == {
        "MAN": "2030-06-30", "ORG": None, "LEG": "2024-12-31"}
    assert {e["area"]: e["documents"] for e in firm["evidence"]}["MAN"] == 2
    assert answer["certificate"]["number"] == firm_with_facts.number
    assert client.get("/api/v1/register/999999").status_code == 404


@pytest.mark.parametrize("state, submitted_days_before_expiry, shown", [
    ("submitted", 30, True), ("under_audit", 1, True), ("draft", None, False),
    ("refused", 30, False), ("submitted", -3, False),
])
def test_renewal_in_progress(app, client, certified_firm, state, submitted_days_before_expiry,
                             shown):
    row = certified_firm("Rinnovo S.r.l.")
    with app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        old = db.session.get(Application, certificate.application_id)
        submitted = None
        if submitted_days_before_expiry is not None:
            day = certificate.valid_until - dt.timedelta(days=submitted_days_before_expiry)
            submitted = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
        db.session.add(Application(firm_id=row.firm_id, scheme_version_id=old.scheme_version_id,
                                   kind="renewal", state=state, created_by_id=old.created_by_id,
                                   submitted_at=submitted))
        db.session.commit()
    body = client.get(f"/register/{row.firm_id}").get_data(as_text=True)
    assert ("Rinnovo in corso" in body) is shown
    answer = client.get(f"/api/v1/register/{row.firm_id}").get_json()
    assert answer["firm"]["renewal_in_progress"] is shown


# Filters -------------------------------------------------------------------------------------
@pytest.fixture
def spread(app, certified_firm):
    """Three firms: office in Rome with a site in Catanzaro (back office, email); office and
    site in Milan (inbound, voice); office in Turin with a closed site in Calabria."""
    rome = certified_firm("Roma Sud S.r.l.", province="RM")
    milan = certified_firm("Milano Voce S.r.l.", province="MI")
    turin = certified_firm("Torino Chiuso S.r.l.", province="TO")
    with app.app_context():
        db.session.add(Site(firm_id=rome.firm_id, address="Via Lido 3", comune="Catanzaro",
                            province="CZ", country="IT", seats=50, headcount=60,
                            service_types=["back_office"], channels=["email"]))
        db.session.add(Site(firm_id=turin.firm_id, address="Via Mare 9", comune="Cosenza",
                            province="CS", country="IT", seats=50, headcount=60,
                            service_types=["back_office"], channels=["messaging"],
                            closed_on=dt.date(2024, 5, 1)))
        db.session.commit()
    return {"rome": rome.firm_id, "milan": milan.firm_id, "turin": turin.firm_id}


def _ids(client, **params) -> set[int]:
    response = client.get("/api/v1/register", query_string=params)
    assert response.status_code == 200, response.get_json()
    return {item["firm"]["id"] for item in response.get_json()["items"]}


def test_filters_on_operating_sites_services_and_channels(client, spread):
    assert _ids(client, site_region="Calabria") == {spread["rome"]}
    assert _ids(client, site_region="calabria") == {spread["rome"]}  # case ignored
    assert _ids(client, region="Calabria") == set()  # the registered office is elsewhere
    assert _ids(client, site_province="cz") == {spread["rome"]}
    assert _ids(client, site_province="CS") == set()  # that site is closed
    assert _ids(client, site_region="Lombardia") == {spread["milan"]}
    assert _ids(client, service="back_office") == {spread["rome"]}
    assert _ids(client, service="inbound") == {spread["rome"], spread["milan"],
                                               spread["turin"]}
    assert _ids(client, channel="email") == {spread["rome"]}
    assert _ids(client, channel="messaging") == set()
    # filters combine on the same site: Rome's back office is not in Lombardy
    assert _ids(client, site_region="Lazio", service="back_office") == set()
    assert _ids(client, site_region="Calabria", service="back_office",
                channel="email", level="L2") == {spread["rome"]}
    body = client.get("/register?site_region=Calabria&service=back_office").get_data(
        as_text=True)
    assert "Roma Sud S.r.l." in body and "Milano Voce" not in body


@pytest.mark.parametrize("params, message", [
    ({"site_region": "Atlantide"}, "Regione delle sedi sconosciuta"),
    ({"site_province": "ZZ"}, "Provincia delle sedi sconosciuta"),
    ({"service": "telepathy"}, "Tipo di servizio sconosciuto"),
    ({"channel": "pigeon"}, "Canale sconosciuto"),
])
def test_unknown_filter_values_are_named(client, params, message):
    api = client.get("/api/v1/register", query_string=params)
    assert api.status_code == 400 and message in api.get_json()["error"]["message"]
    page = client.get("/register", query_string=params)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_the_filter_form_offers_the_new_filters(client):
    body = client.get("/register").get_data(as_text=True)
    for name in ("site_region", "site_province", "service", "channel", "level"):
        assert f'<label for="{name}"' in body


def test_a_filtered_page_costs_a_fixed_number_of_queries(app, client, spread,
                                                         certified_firm):
    for index in range(6):
        certified_firm(f"Altra {index} S.r.l.", province="CZ")
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/api/v1/register?site_region=Calabria&service=inbound&channel=voice")
        few = len(statements)
        statements.clear()
        client.get("/api/v1/register?site_region=Calabria")
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert few == many  # no query per listed firm


def test_the_openapi_document_names_the_new_filters_and_the_firm(client):
    document = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in document["paths"]["/api/v1/register"]["get"]["parameters"]}
    assert {"site_region", "site_province", "service", "channel", "level"} <= names
    assert "/api/v1/register/{firm_id}" in document["paths"]

