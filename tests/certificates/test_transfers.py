"""A merger or transfer of business: an officer withdraws the old certificate and issues
one to the new legal entity, with a new number that names the old one and the same
validity dates; the partita IVA of a firm never changes."""

from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories
from tests.steps import client_for


def _setup(app, certified_firm):
    row = certified_firm("Vecchia Voce S.r.l.", signed=True)
    with app.app_context():
        officer = factories.make_user("officer")
        new_owner = factories.make_user("applicant")
        newco = factories.make_firm(owner=new_owner, name="Nuova Voce S.p.A.")
        return row, officer.id, newco.vat_number, newco.id


def _count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Certificate))


def test_an_officer_transfers_the_certificate_to_the_new_legal_entity(app, certified_firm):
    row, officer_id, vat, newco_id = _setup(app, certified_firm)
    officer = client_for(app, officer_id)
    response = officer.post(f"/manage/certificates/{row.number}/transfer", data={
        "tr-target_vat": vat, "tr-reason": "Atto di fusione per incorporazione del 2/11"})
    assert response.status_code == 302
    with app.app_context():
        old = lookup.find(row.number)
        (new,) = db.session.scalars(db.select(Certificate).where(
            Certificate.firm_id == newco_id)).all()
        assert old.status == "withdrawn" and "Nuova Voce S.p.A." in old.history[-1].public_reason
        assert new.predecessor_number == row.number and new.status == "valid"
        assert (new.valid_from, new.valid_until, new.level) == (
            old.valid_from, old.valid_until, old.level)
        assert new.firm_name == "Nuova Voce S.p.A." and new.vat_number == vat
        assert db.session.get(Firm, newco_id).current_certificate_id == new.id
        new_url = lookup.verify_url(new)
    public = app.test_client()
    assert 'data-verdict="withdrawn"' in public.get(f"/v/{row.number}").get_data(as_text=True)
    page = public.get(new_url.split("registry.test", 1)[1]).get_data(as_text=True)
    assert 'data-verdict="valid"' in page and "Nuova Voce S.p.A." in page


def test_a_transfer_needs_a_registered_firm_and_an_officer(app, certified_firm):
    row, officer_id, vat, _newco = _setup(app, certified_firm)
    before = _count(app)
    officer = client_for(app, officer_id)
    body = officer.post(f"/manage/certificates/{row.number}/transfer", data={
        "tr-target_vat": "00743110157", "tr-reason": "Cessione"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "deve prima registrare il proprio profilo" in body
    assert _count(app) == before and lookup_status(app, row.number) == "valid"
    with app.app_context():
        owner_id = db.session.get(Firm, row.firm_id).owner_id
    client_for(app, owner_id).post(f"/manage/certificates/{row.number}/transfer", data={
        "tr-target_vat": vat, "tr-reason": "Cessione"})
    assert _count(app) == before and lookup_status(app, row.number) == "valid"


def lookup_status(app, number):
    with app.app_context():
        return lookup.find(number).status
