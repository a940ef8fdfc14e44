"""A visitor reads the scheme in a real browser, and another site shows a firm's live badge.

From the home page the visitor follows the link to the scheme, opens a criterion to read its scoring
guide, and prints: the navigation is gone and every criterion is open. From a certificate's
verify page, "Che cosa significa Bollino Blu ★★?" lands on the levels of the version that
certificate was granted under. A page of another origin shows the badge as an <img>
(nothing in it is blocked), and after the certificate is suspended the badge says so.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import expect

from tests import rows
from tests.loopback import ARTIFACTS, CHROMIUM, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

SHOTS = ARTIFACTS / "scheme"
TIMEOUT_MS = 10_000


@contextmanager
def another_site(html: bytes):
    """A page served from another origin (its own port on loopback: Chromium would refuse
    a public page the loopback register's image), for as long as the block runs."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def certified(live_server):
    with live_server.app.app_context():
        return rows.certified_firm("Schema Visibile S.r.l.", level="L2")


def test_a_visitor_reads_the_scheme_and_prints_it(live_server, chromium, certified):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/")
    page.get_by_role("main").get_by_role("link", name="criteri, livelli e regole").click()
    expect(page).to_have_url(live_server.url + "/scheme")
    expect(page.get_by_role("heading", level=1)).to_contain_text("versione 1.0")

    guide = page.locator("#criterion-leg-01-body")
    expect(guide).to_be_hidden()
    page.locator("#criterion-leg-01-h button").click()
    expect(guide).to_be_visible()
    expect(guide).to_contain_text("Guida al punteggio")
    page.screenshot(path=str(SHOTS / "01-criterion-open.png"))

    page.emulate_media(media="print")
    expect(page.locator("header.it-header-wrapper")).to_be_hidden()
    expect(page.locator("footer.it-footer")).to_be_hidden()
    for body in page.locator(".accordion-collapse").all():
        expect(body).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    (SHOTS / "scheme-printed.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/v/{certified.number}")
    page.get_by_role("link", name="Che cosa significa Bollino Blu ★★?").click()
    expect(page).to_have_url(f"{live_server.url}/scheme/bollino-blu-cc/1.0#levels")
    expect(page.locator("#levels")).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "02-levels.png"))


def test_another_site_shows_the_live_badge(live_server, chromium, certified):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    badge = f"{live_server.url}/register/{certified.firm_id}/badge.svg"
    html = (f'<a href="{live_server.url}/v/{certified.number}">'
            f'<img id="b" src="{badge}" alt="Bollino Blu"></a>').encode()
    with another_site(html) as other:
        page.goto(other)
        page.wait_for_function("document.getElementById('b').complete")
        assert page.evaluate("document.getElementById('b').naturalWidth") > 100
        page.screenshot(path=str(SHOTS / "03-badge-valid.png"))

        with live_server.app.app_context():
            rows.change_status(certified, "suspended")
        assert "Sospeso" in page.request.get(badge).text()
        page.reload()
        page.wait_for_function("document.getElementById('b').complete")
        assert page.evaluate("document.getElementById('b').naturalWidth") > 100
        page.screenshot(path=str(SHOTS / "04-badge-suspended.png"))
