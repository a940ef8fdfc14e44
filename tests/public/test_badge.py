"""The live badge: the firm's current verdict and level, drawn at request time (SVG and PNG),
cached briefly, and the HTML snippet the firm copies from its area."""

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from registry.accounts.models import User
from registry.db import today_in_rome
from registry.extensions import db
from registry.public.badge import COLOURS
from tests import factories, rows

SVG = "{http://www.w3.org/2000/svg}"


def parse(data):
    """The badge as an XML tree: it must be well-formed for an <img> to draw it."""
    return ET.fromstring(data)  # noqa: S314 - our own badge, and strictness is the point


def read_svg(response):
    """(state, title, the words drawn) of a badge response; the SVG must parse as XML."""
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = parse(response.get_data())
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title").text
    words = [t.text for t in root.iter(f"{SVG}text")]
    return root.get("data-state"), title, words


def test_a_valid_firm(client, certified_firm):
    row = certified_firm("Valida S.r.l.", level="L2")
    state, title, words = read_svg(client.get(f"/register/{row.firm_id}/badge.svg"))
    assert state == "valid"
    assert words == ["Bollino Blu", "Valido"]
    assert title == "Valida S.r.l.: Bollino Blu ★★ — Valido"
    root = parse(client.get(f"/register/{row.firm_id}/badge.svg").get_data())
    assert len(root.findall(f".//{SVG}polygon")) == 2  # two stars, drawn as shapes


@pytest.mark.parametrize(("status", "state", "word"), [
    ("suspended", "suspended", "Sospeso"), ("withdrawn", "withdrawn", "Revocato"),
    ("expired", "expired", "Scaduto")])
def test_a_firm_whose_certificate_does_not_hold(client, certified_firm, status, state, word):
    values = {}
    if status == "expired":
        values = {"valid_from": today_in_rome() - dt.timedelta(days=800),
                  "valid_until": today_in_rome() - dt.timedelta(days=2)}
    row = certified_firm(status=status, **values)
    response = client.get(f"/register/{row.firm_id}/badge.svg")
    got_state, title, words = read_svg(response)
    assert (got_state, words[-1]) == (state, word)
    assert "★" not in title  # no level is claimed while the certificate does not hold
    root = parse(response.get_data())
    colours = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    valid = parse(client.get(f"/register/{certified_firm('Altra S.r.l.').firm_id}"
                                     "/badge.svg").get_data())
    assert colours != {r.get("fill") for r in valid.iter(f"{SVG}rect")}


def test_expired_by_its_dates_before_the_nightly_job(client, certified_firm):
    row = certified_firm(valid_from=today_in_rome() - dt.timedelta(days=800),
                         valid_until=today_in_rome() - dt.timedelta(days=1))
    assert read_svg(client.get(f"/register/{row.firm_id}/badge.svg"))[0] == "expired"


def test_a_firm_without_a_certificate(app, client):
    with app.app_context():
        firm_id = factories.make_firm(owner=factories.make_user("applicant")).id
    state, _title, words = read_svg(client.get(f"/register/{firm_id}/badge.svg"))
    assert state == "none" and words[-1] == "Non certificata"


def test_each_state_has_its_own_colour():
    backgrounds = [bg for bg, _ink in COLOURS.values()]
    assert len(set(backgrounds)) == len(backgrounds)


def test_english_on_request_italian_otherwise(client, certified_firm):
    row = certified_firm(status="suspended")
    root = parse(client.get(f"/register/{row.firm_id}/badge.svg?lang=en").get_data())
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert [t.text for t in root.iter(f"{SVG}text")][-1] == "Suspended"
    # the visitor's chosen language never changes the badge: the same address, the same image
    client.get("/lang/en")
    root = parse(client.get(f"/register/{row.firm_id}/badge.svg").get_data())
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "it"
    assert [t.text for t in root.iter(f"{SVG}text")][-1] == "Sospeso"


def test_png(client, certified_firm):
    row = certified_firm()
    response = client.get(f"/register/{row.firm_id}/badge.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.get_data().startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(response.get_data()))
    image.verify()
    assert image.size[1] == 40  # drawn at twice the SVG's 20 px


def test_cache_headers_and_etag(client, certified_firm):
    row = certified_firm()
    response = client.get(f"/register/{row.firm_id}/badge.svg")
    cache = response.headers["Cache-Control"]
    assert "public" in cache and int(cache.split("max-age=")[1].split(",")[0]) <= 300
    etag = response.headers["ETag"]
    again = client.get(f"/register/{row.firm_id}/badge.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_a_change_of_status_shows_on_the_next_request(app, client, certified_firm):
    row = certified_firm()
    first = client.get(f"/register/{row.firm_id}/badge.svg")
    assert read_svg(first)[0] == "valid"
    with app.app_context():
        rows.change_status(row, "suspended")
    second = client.get(f"/register/{row.firm_id}/badge.svg",
                        headers={"If-None-Match": first.headers["ETag"]})
    assert read_svg(second)[0] == "suspended"
    assert second.headers["ETag"] != first.headers["ETag"]


def test_self_contained_for_other_sites(client, certified_firm):
    row = certified_firm("<script>alert(1)</script> & Co")
    response = client.get(f"/register/{row.firm_id}/badge.svg")
    body = response.get_data(as_text=True)
    parse(body)  # the firm's name is escaped
    assert "<script" not in body and "href" not in body and "url(" not in body
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("path", ["/register/999999/badge.svg", "/register/999999/badge.png",
                                  "/register/1/badge.gif"])
def test_unknown_firm_or_type(client, certified_firm, path):
    certified_firm()
    assert client.get(path).status_code == 404


def test_the_firm_copies_the_snippet_from_its_area(app, client, login, certified_firm):
    row = certified_firm("Snippet S.r.l.")
    with app.app_context():
        owner_id = db.session.scalar(db.select(User.id).where(User.firm_id == row.firm_id))
    login(owner_id)
    html = client.get("/firm").get_data(as_text=True)
    assert "Bollino sul tuo sito" in html
    snippet = html.split('id="badge-snippet"')[1].split("</textarea>")[0]
    assert f"/v/{row.number}&#34;&gt;&lt;img src=" in snippet
    assert f"/register/{row.firm_id}/badge.svg" in snippet
    assert "alt=" in snippet


def test_no_snippet_before_a_certificate(app, client, login):
    with app.app_context():
        owner = factories.make_user("applicant")
        factories.make_firm(owner=owner)
        owner_id = owner.id
    login(owner_id)
    html = client.get("/firm").get_data(as_text=True)
    assert "Bollino sul tuo sito" in html and 'id="badge-snippet"' not in html
    assert "sarà disponibile quando" in html
