"""The public register: search by name (accents, word order), P.IVA, number; filters."""

from registry.extensions import db
from registry.firms.identifiers import normalise_name
from tests import factories


def make(app, name, **firm_values):
    with app.app_context():
        certificate = factories.make_certificate()
        firm = certificate.firm
        firm.name, firm.name_search = name, normalise_name(name)
        for key, value in firm_values.items():
            setattr(firm, key, value)
        db.session.commit()
        return firm.id, firm.vat_number, certificate.number


def names(client, **params):
    data = client.get("/api/v1/register", query_string=params).get_json()
    return sorted(item["firm"]["name"] for item in data["items"]), data["total"]


def test_search_by_name_accents_and_word_order(app, client):
    make(app, "Qualità Contact S.r.l.")
    make(app, "Servizi Clienti Roma S.p.A.")
    assert names(client, q="qualita")[0] == ["Qualità Contact S.r.l."]
    assert names(client, q="CONTACT QUALITÀ")[0] == ["Qualità Contact S.r.l."]
    assert names(client, q="roma clienti")[0] == ["Servizi Clienti Roma S.p.A."]
    assert names(client, q="nessuna")[1] == 0


def test_search_by_vat_and_number(app, client):
    _id, vat, number = make(app, "Alfa S.r.l.")
    make(app, "Beta S.r.l.")
    assert names(client, q=vat)[0] == ["Alfa S.r.l."]
    assert names(client, q=number)[0] == ["Alfa S.r.l."]


def test_filters_and_pagination(app, client):
    make(app, "Lombarda S.r.l.", office_region="Lombardia")
    make(app, "Laziale S.r.l.", office_region="Lazio")
    assert names(client, region="Lazio")[0] == ["Laziale S.r.l."]
    assert names(client, level="L2")[1] == 2 and names(client, level="L3")[1] == 0
    assert names(client, status="suspended")[1] == 0
    page = client.get("/register?q=srl").get_data(as_text=True)
    assert "2 imprese trovate" in page


def test_firm_public_page_and_home_counts(app, client):
    firm_id, _vat, number = make(app, "Gamma S.r.l.")
    page = client.get(f"/register/{firm_id}").get_data(as_text=True)
    assert "Gamma S.r.l." in page and number in page
    assert "Bollino Blu ★★</a>: <strong>1</strong>" in client.get("/").get_data(as_text=True)


def test_name_search_uses_the_word_index(app, client):
    """Renaming a firm updates its words; prefixes of words match, in any order."""
    firm_id, _vat, _number = make(app, "Società Italiana Contatti")
    assert names(client, q="soc ital")[0] == ["Società Italiana Contatti"]
    with app.app_context():
        from registry.firms.models import Firm, FirmNameWord

        firm = db.session.get(Firm, firm_id)
        firm.name, firm.name_search = "Nuovo Nome", normalise_name("Nuovo Nome")
        db.session.commit()
        words = set(db.session.scalars(db.select(FirmNameWord.word).where(
            FirmNameWord.firm_id == firm_id)))
    assert words == {"nuovo", "nome"}
    assert names(client, q="societa")[1] == 0
    assert names(client, q="nome nuovo")[0] == ["Nuovo Nome"]
