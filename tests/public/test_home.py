"""The home page explains the register to a newcomer: what the bollino certifies, the levels
by their ★ names, how to verify a QR code, how a firm applies (with a way to sign up), and the
search."""

from __future__ import annotations

from tests.steps import log_in


def test_the_home_page_explains_the_register_and_invites_firms(client):
    html = client.get("/").text
    assert "Che cosa certifica il Bollino Blu" in html
    for stars in ("Bollino Blu ★<", "Bollino Blu ★★<", "Bollino Blu ★★★<"):
        assert stars in html, stars
    assert "livello 1 di 3" in html and "livello 3 di 3" in html  # for screen readers
    assert "L1" not in html.replace('level=L1', '') and ">L2<" not in html
    assert "Come verificare un certificato" in html and "QR code" in html
    assert "registry.test" in html  # the address a genuine verify page starts with
    assert 'href="/account/signup"' in html and 'href="/account/login"' in html
    assert 'action="/register"' in html and 'id="home-q"' in html


def test_a_logged_in_person_is_sent_to_their_area_instead(client, users):
    log_in(client, users["applicant"])
    html = client.get("/").text
    assert 'href="/dashboard"' in html
    assert 'href="/account/signup"' not in html
