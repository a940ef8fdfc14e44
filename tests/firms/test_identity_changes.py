"""Identity changes are requests, not edits: once a firm has applied, its name, legal form,
registered office, legal representative and traffic shares change only on an officer's
approval; the partita IVA never changes; until approval every public page shows the approved
data; a refused step leaves the database as it was."""

import datetime as dt
import io

import pytest

from registry.accounts.models import User
from registry.auditlog import AuditEvent
from registry.certificates import lifecycle, lookup
from registry.certificates.models import Certificate
from registry.certificates.revisions import reissue_if_changed
from registry.extensions import db
from registry.firms.changes import decide_change
from registry.firms.models import Firm, ProfileChange
from tests import factories
from tests.steps import client_for

RIVAL = "Concorrente Onesto S.p.A."


def _form(app, firm_id, **overrides) -> dict:
    """The firm's profile as the edit form submits it, with `overrides`."""
    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        values = {**factories.firm_values(), **{
            key: value for key, value in firm.profile_dict().items()
            if key in factories.firm_values()}, **overrides}
    data = {}
    for key, value in values.items():
        if key == "phone_numbers":
            value = "\n".join(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = value if isinstance(value, list | tuple) else str(value)
    return data


def _state(app, firm_id) -> tuple:
    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        return (firm.name, firm.vat_number, firm.office_street,
                db.session.scalar(db.select(db.func.count()).select_from(Certificate)),
                db.session.scalar(db.select(db.func.count()).select_from(ProfileChange)),
                db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)))


@pytest.fixture
def certified(app):
    """A firm certified through the real workflow (so it has applied), its owner, an
    officer, and the certificate's verify URL with the token printed on it."""
    with app.app_context():
        certificate = factories.make_certificate()
        officer = factories.make_user("officer")
        return {"firm": certificate.firm_id, "owner": certificate.firm.owner_id,
                "officer": officer.id, "number": certificate.number,
                "url": lookup.verify_url(certificate).split("registry.test", 1)[1]}


def _verdict_page(client, url) -> str:
    return client.get(url).get_data(as_text=True)


def test_a_certified_firm_cannot_rename_itself(app, client, login, certified):
    login(certified["owner"])
    before = _state(app, certified["firm"])
    body = client.post("/firm/edit", data=_form(app, certified["firm"], name=RIVAL)
                       ).get_data(as_text=True)
    assert "Dato certificato" in body
    assert _state(app, certified["firm"]) == before
    assert RIVAL not in _verdict_page(app.test_client(), certified["url"])


def test_the_partita_iva_never_changes(app, client, login, certified):
    login(certified["owner"])
    before = _state(app, certified["firm"])
    for path in ("/firm/edit", "/firm/changes/new"):
        data = _form(app, certified["firm"], vat_number="00743110157",
                     reason="Fusione", evidence=(io.BytesIO(factories.MINIMAL_PDF), "atto.pdf"))
        body = client.post(path, data=data, content_type="multipart/form-data"
                           ).get_data(as_text=True)
        assert "partita IVA" in body and "non si modifica" in body
    assert _state(app, certified["firm"]) == before


def test_a_request_waits_for_approval_then_the_certificate_is_revised(app, client, login,
                                                                     certified):
    login(certified["owner"])
    data = _form(app, certified["firm"], name="Voce Nuova S.r.l.",
                 reason="Cambio di denominazione deliberato dall'assemblea",
                 evidence=(io.BytesIO(factories.MINIMAL_PDF + b"%atto"), "verbale.pdf"))
    response = client.post("/firm/changes/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    public = app.test_client()
    page = _verdict_page(public, certified["url"])
    assert "Voce Nuova" not in page and 'data-verdict="valid"' in page
    with app.app_context():
        change = db.session.scalar(db.select(ProfileChange))
        assert change.status == "pending" and change.changes["name"][1] == "Voce Nuova S.r.l."
        change_id = change.id
    assert "Voce Nuova" not in public.get(f"/register/{certified['firm']}"
                                          ).get_data(as_text=True)
    # The owner cannot approve it; an officer can, with a reason.
    before = _state(app, certified["firm"])
    client.post(f"/firm/changes/{change_id}", data={"decision": "approve", "reason": "Ok"})
    assert _state(app, certified["firm"]) == before
    officer = client_for(app, certified["officer"])
    evidence = officer.get(f"/firm/changes/{change_id}/evidence")
    assert evidence.status_code == 200 and evidence.data.startswith(b"%PDF")
    assert officer.post(f"/firm/changes/{change_id}", data={
        "decision": "approve", "reason": "Verbale e visura verificati."}).status_code == 302
    page = _verdict_page(public, certified["url"])  # the old QR, printed before the change
    assert "Voce Nuova S.r.l." in page and 'data-verdict="valid"' in page
    with app.app_context():
        revisions = db.session.scalars(db.select(Certificate).where(
            Certificate.number == certified["number"]).order_by(Certificate.revision)).all()
        assert [(c.revision, c.status, c.firm_name) for c in revisions][-1] == (
            2, "valid", "Voce Nuova S.r.l.")
        assert db.session.get(ProfileChange, change_id).decision_reason.startswith("Verbale")


def test_a_refused_request_changes_nothing_public(app, client, login, certified):
    login(certified["owner"])
    data = _form(app, certified["firm"], legal_rep_name="Anna Bianchi",
                 reason="Nuovo amministratore",
                 evidence=(io.BytesIO(factories.MINIMAL_PDF), "nomina.pdf"))
    assert client.post("/firm/changes/new", data=data,
                       content_type="multipart/form-data").status_code == 302
    with app.app_context():
        change = db.session.scalar(db.select(ProfileChange))
        decide_change(change, db.session.get(User, certified["officer"]), False,
                      "La nomina non risulta dalla visura.")
        db.session.commit()
        firm = db.session.get(Firm, certified["firm"])
        assert firm.legal_rep_name != "Anna Bianchi" and change.status == "refused"


def test_a_request_needs_a_reason_and_evidence(app, client, login, certified):
    login(certified["owner"])
    before = _state(app, certified["firm"])
    body = client.post("/firm/changes/new", data=_form(app, certified["firm"], name=RIVAL),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Allega il documento" in body and "Campo obbligatorio" in body
    assert _state(app, certified["firm"]) == before


def test_a_revision_keeps_the_public_reason_of_a_suspension(app, certified):
    with app.app_context():
        officer = db.session.get(User, certified["officer"])
        certificate = lookup.find(certified["number"])
        lifecycle.change_status(certificate, "suspend", officer,
                                public_reason="DURC irregolare")
        db.session.commit()
        firm = db.session.get(Firm, certified["firm"])
        firm.office_street = "Via Nuova 1"
        reissue_if_changed(firm, officer)
        db.session.commit()
        current = lookup.find(certified["number"])
        assert current.revision == 2 and current.status == "suspended"
        assert current.history[-1].public_reason == "DURC irregolare"


def _site_form(**overrides) -> dict:
    data = {"address": "Via del Corso 10", "comune": "Catanzaro", "province": "CZ",
            "country": "IT", "seats": "60", "headcount": "70", "service_types": ["inbound"],
            "channels": ["voice"], "opened_on": "2026-10-01"}
    data.update(overrides)
    return data


def _public_sites(app, firm_id) -> str:
    return app.test_client().get(f"/register/{firm_id}").get_data(as_text=True)


def test_sites_change_only_on_an_approved_request(app, client, login, certified):
    login(certified["owner"])
    before = _state(app, certified["firm"])
    # A new site without reason and evidence is refused; nothing changes.
    body = client.post("/firm/sites/new", data=_site_form(),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Spiega il motivo della modifica" in body
    assert _state(app, certified["firm"]) == before
    response = client.post("/firm/sites/new", data=_site_form(
        reason="Nuova sede aperta il 1/10", evidence=(io.BytesIO(factories.MINIMAL_PDF),
                                                      "contratto.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Catanzaro" not in _public_sites(app, certified["firm"])
    with app.app_context():
        change = db.session.scalar(db.select(ProfileChange))
        assert change.kind == "site_add" and change.status == "pending"
        officer = db.session.get(User, certified["officer"])
        decide_change(change, officer, True, "Contratto di locazione verificato.")
        db.session.commit()
        firm = db.session.get(Firm, certified["firm"])
        assert "Catanzaro (CZ)" in [s.public_place() for s in firm.open_sites]
        current = lookup.find(certified["number"])
        assert "Catanzaro (CZ)" in current.sites and current.revision == 2
    assert "Catanzaro" in _public_sites(app, certified["firm"])


def test_closing_a_site_is_a_request_too(app, client, login, certified):
    login(certified["owner"])
    with app.app_context():
        site_id = db.session.get(Firm, certified["firm"]).open_sites[0].id
    # The direct close of a firm that has applied changes nothing.
    client.post(f"/firm/sites/{site_id}/close")
    with app.app_context():
        assert db.session.get(Firm, certified["firm"]).open_sites[0].id == site_id
    page = client.get(f"/firm/sites/{site_id}/close").get_data(as_text=True)
    assert "Chiusura della sede" in page
    response = client.post(f"/firm/sites/{site_id}/close", data={
        "reason": "Trasferimento del personale", "evidence": (
            io.BytesIO(factories.MINIMAL_PDF), "disdetta.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        change = db.session.scalar(db.select(ProfileChange))
        assert change.kind == "site_close" and change.site_id == site_id
        decide_change(change, db.session.get(User, certified["officer"]), False,
                      "La sede risulta ancora operativa.")
        db.session.commit()
        assert db.session.get(Firm, certified["firm"]).open_sites[0].id == site_id
