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


def test_name_search_follows_renames(app, client):
    """The full-text index follows every rename; prefixes of words match, in any order."""
    firm_id, _vat, _number = make(app, "Società Italiana Contatti")
    assert names(client, q="soc ital")[0] == ["Società Italiana Contatti"]
    with app.app_context():
        from registry.firms.models import Firm

        firm = db.session.get(Firm, firm_id)
        firm.name, firm.name_search = "Nuovo Nome", normalise_name("Nuovo Nome")
        db.session.commit()
    assert names(client, q="societa")[1] == 0
    assert names(client, q="nome nuovo")[0] == ["Nuovo Nome"]


def test_pages_are_stable_sorted_and_counted(app, client):
    """Twenty-two firms: two pages in name order, the same total on each, and a page past
    the end is empty but still counts (text searches count with the page's own query)."""
    for index in range(22):
        make(app, f"Servizi Pagina {index:02d} S.r.l.", **({"office_region": "Puglia"}
                                                            if index % 2 else {}))
    first = client.get("/api/v1/register", query_string={"q": "servizi pag"}).get_json()
    second = client.get(first["next"]).get_json()
    listed = [item["firm"]["name"] for item in first["items"] + second["items"]]
    assert listed == [f"Servizi Pagina {index:02d} S.r.l." for index in range(22)]
    assert first["total"] == second["total"] == 22 and second["next"] is None
    beyond = client.get("/api/v1/register", query_string={"q": "servizi", "page": 5})
    assert beyond.get_json()["items"] == [] and beyond.get_json()["total"] == 22
    assert names(client, q="pagina", region="Puglia")[1] == 11
    browse = client.get("/api/v1/register", query_string={"page": 2}).get_json()
    assert browse["total"] == 22 and len(browse["items"]) == 2


def test_sort_by_level_within_a_search(app, client):
    with app.app_context():
        for level, name in (("L1", "Livello Zeta"), ("L3", "Livello Alfa"), ("L2", "Livello Beta")):
            certificate = factories.make_certificate(level)
            certificate.firm.name = name
            certificate.firm.name_search = normalise_name(name)
            db.session.commit()
    data = client.get("/api/v1/register", query_string={"q": "livello", "sort": "level"}).get_json()
    assert [i["certificate"]["level"] for i in data["items"]] == ["L3", "L2", "L1"]


def test_the_register_shows_the_latest_revision_and_listing_verdicts_match(app, client):
    """After a reissue the firm's current certificate is the new revision; the verdict shown
    in a listing (from the recorded status) equals the verify page's (from the history)."""
    from registry.certificates import lifecycle, lookup, revisions

    firm_id, _vat, number = make(app, "Revisioni S.r.l.")
    with app.app_context():
        from registry.firms.models import Firm

        firm = db.session.get(Firm, firm_id)
        officer = factories.make_user("officer")
        firm.office_street = "Via Nuova 1"
        new = revisions.reissue_if_changed(firm, officer)[0]
        db.session.commit()
        assert firm.current_certificate_id == new.id and new.revision == 2
        lifecycle.change_status(new, "suspend", officer, public_reason="Verifica in corso",
                                internal_reason="interna")
        db.session.commit()
        certificate = db.session.get(type(new), new.id)
        assert lookup.listed(certificate).verdict == lookup.check(number).verdict == "suspended"
    item = client.get("/api/v1/register", query_string={"q": number}).get_json()["items"][0]
    assert item["certificate"]["revision"] == 2 and item["certificate"]["verdict"] == "suspended"
