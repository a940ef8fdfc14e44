"""The public register: search by name (accents, word order), P.IVA, number; filters.

The certified firms are inserted as rows (`certified_firm`, see tests/rows.py): these tests
read the register, they do not exercise the certification workflow."""

from registry.certificates import lifecycle, lookup, revisions
from registry.extensions import db
from registry.firms.identifiers import normalise_name
from registry.firms.models import Firm
from registry.public import register
from tests import factories


def names(client, **params):
    data = client.get("/api/v1/register", query_string=params).get_json()
    return sorted(item["firm"]["name"] for item in data["items"]), data["total"]


def test_search_by_name_accents_and_word_order(client, certified_firm):
    certified_firm("Qualità Contact S.r.l.")
    certified_firm("Servizi Clienti Roma S.p.A.")
    assert names(client, q="qualita")[0] == ["Qualità Contact S.r.l."]
    assert names(client, q="CONTACT QUALITÀ")[0] == ["Qualità Contact S.r.l."]
    assert names(client, q="roma clienti")[0] == ["Servizi Clienti Roma S.p.A."]
    assert names(client, q="nessuna")[1] == 0


def test_search_by_vat_and_number(client, certified_firm):
    alfa = certified_firm("Alfa S.r.l.")
    certified_firm("Beta S.r.l.")
    assert names(client, q=alfa.vat_number)[0] == ["Alfa S.r.l."]
    assert names(client, q=alfa.number)[0] == ["Alfa S.r.l."]


def test_filters_and_pagination(client, certified_firm):
    certified_firm("Lombarda S.r.l.", region="Lombardia")
    certified_firm("Laziale S.r.l.", region="Lazio")
    assert names(client, region="Lazio")[0] == ["Laziale S.r.l."]
    assert names(client, level="L2")[1] == 2 and names(client, level="L3")[1] == 0
    assert names(client, status="suspended")[1] == 0
    page = client.get("/register?q=srl").get_data(as_text=True)
    assert "2 imprese trovate" in page


def test_firm_public_page_and_home_counts(client, certified_firm):
    gamma = certified_firm("Gamma S.r.l.")
    page = client.get(f"/register/{gamma.firm_id}").get_data(as_text=True)
    assert "Gamma S.r.l." in page and gamma.number in page
    home = client.get("/").get_data(as_text=True)
    assert ('Bollino Blu ★★</span><span class="visually-hidden">Bollino Blu, 2 stelle su 3</span>'
            "</a>: <strong>1</strong>") in home


def test_name_search_follows_renames(app, client, certified_firm):
    """The full-text index follows every rename; prefixes of words match, in any order."""
    firm_id = certified_firm("Società Italiana Contatti").firm_id
    assert names(client, q="soc ital")[0] == ["Società Italiana Contatti"]
    with app.app_context():

        firm = db.session.get(Firm, firm_id)
        firm.name, firm.name_search = "Nuovo Nome", normalise_name("Nuovo Nome")
        db.session.commit()
    assert names(client, q="societa")[1] == 0
    assert names(client, q="nome nuovo")[0] == ["Nuovo Nome"]


def test_pages_are_stable_sorted_and_counted(client, certified_firm):
    """Twenty-two firms: two pages in name order, the same total on each, and a page past
    the end is empty but still counts (text searches count with the page's own query)."""
    for index in range(22):
        certified_firm(f"Servizi Pagina {index:02d} S.r.l.",
                       region="Puglia" if index % 2 else None)
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


def test_sort_by_level_within_a_search(client, certified_firm):
    for level, name in (("L1", "Livello Zeta"), ("L3", "Livello Alfa"), ("L2", "Livello Beta")):
        certified_firm(name, level=level)
    data = client.get("/api/v1/register", query_string={"q": "livello", "sort": "level"}).get_json()
    assert [i["certificate"]["level"] for i in data["items"]] == ["L3", "L2", "L1"]


def test_the_register_shows_the_latest_revision_and_listing_verdicts_match(
        app, client, certified_firm):
    """After a reissue the firm's current certificate is the new revision; the verdict shown
    in a listing (from the recorded status) equals the verify page's (from the history).
    The first revision is inserted as rows; the reissue and the suspension go through the
    real services, whose bookkeeping is part of what is checked."""

    row = certified_firm("Revisioni S.r.l.")
    number = row.number
    with app.app_context():

        firm = db.session.get(Firm, row.firm_id)
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


def test_download_links_keep_the_filters_and_drop_the_page_cursor_and_kind():
    args = {"q": "contact", "region": "Lazio", "page": "3", "after": "xyz", "kind": "pdf"}
    assert register.export_args(args) == {"q": "contact", "region": "Lazio"}
