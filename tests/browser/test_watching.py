"""In Chromium with CSRF on: a visitor follows a firm by email from its page; a client
company signs in, finds a supplier, adds it, sees it on its board, registers a webhook and
is shown the secret once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.extensions import db
from tests import factories, rows
from tests.loopback import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

SHOTS = ARTIFACTS / "watching"
CLIENT_EMAIL = "acquisti@cliente-browser.it"


def test_follow_a_firm_and_watch_suppliers(live_server, chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server.app.app_context():
        row = rows.certified_firm("Fornitore Visibile S.r.l.")
        factories.make_user("client", email=CLIENT_EMAIL)
        db.session.commit()
    page = chromium.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/register/{row.firm_id}")
    page.get_by_role("link", name=re.compile("Segui questa azienda")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Segui")
    page.get_by_label("La tua email").fill("lettore@esempio.it")
    page.get_by_role("button", name="Segui questa azienda").click()
    expect(page.get_by_role("status")).to_contain_text("riceverai un'email")
    page.screenshot(path=str(SHOTS / "follow.png"), full_page=True)

    page.goto(f"{live_server.url}/account/login")
    page.fill("#email", CLIENT_EMAIL)
    page.fill("#password", factories.PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.get_by_role("link", name="I miei fornitori").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I miei fornitori")
    page.get_by_label("Ragione sociale o partita IVA").fill(row.vat_number)
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("button", name=re.compile("Aggiungi Fornitore Visibile")).click()
    board = page.get_by_role("table", name=re.compile("Stato dei fornitori"))
    expect(board).to_contain_text("Fornitore Visibile S.r.l.")
    expect(board).to_contain_text("Valido")
    page.screenshot(path=str(SHOTS / "board.png"), full_page=True)

    page.get_by_role("link", name="Webhook").first.click()
    page.get_by_label(re.compile("Indirizzo dell'endpoint")).fill("https://example.com/hook")
    page.get_by_role("button", name="Registra l'endpoint").click()
    expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
    page.goto(f"{live_server.url}/client/webhooks")
    expect(page.locator("#webhook-secret")).to_have_count(0)
    page.get_by_role("button", name="Invia un evento di prova").click()
    expect(page.get_by_role("table", name="Ultime consegne")).to_contain_text("webhook.test")
    page.screenshot(path=str(SHOTS / "webhooks.png"), full_page=True)
