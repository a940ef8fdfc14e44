"""A visitor looks up a demo firm's calling number ("Chi mi ha chiamato?") in Chromium:
from the home page to the answer, then to the firm's public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.demo import DEMO_MOVED_NUMBER, load_demo_data
from registry.extensions import db

pytestmark = pytest.mark.browser


def test_a_visitor_looks_up_a_demo_number(live_server, chromium):
    with live_server.app.app_context():
        load_demo_data()
        db.session.commit()
    context = chromium.new_context(locale="it-IT")
    page = context.new_page()
    page.goto(live_server.url + "/", wait_until="domcontentloaded")
    page.get_by_role("link", name="Chi mi ha chiamato?").click()
    expect(page.get_by_role("heading", name="Chi mi ha chiamato?")).to_be_visible()
    page.get_by_label("Numero di telefono").fill("+39 " + DEMO_MOVED_NUMBER)
    page.locator("main").get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("Il numero +390644556677")
    now = page.get_by_role("table", name="Aziende che dichiarano di usare questo numero oggi")
    expect(now.get_by_role("link", name="Eccellenza CX S.p.A.")).to_be_visible()
    expect(now).to_contain_text("Valido")
    before = page.get_by_role("table", name="In passato questo numero è stato dichiarato da")
    expect(before).to_contain_text("Call Nord Società Cooperativa")
    expect(before).to_contain_text("dal 11/01/2021 al 01/03/2024")

    # a malformed number: a message on the field, and the page says 400
    response = page.goto(live_server.url + "/phone?n=06+CALL+ME", wait_until="domcontentloaded")
    assert response.status == 400
    expect(page.locator("#n-error")).to_be_visible()
    # a number nobody declared: the neutral answer
    page.get_by_label("Numero di telefono").fill("333 987 6543")
    page.locator("main").get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("status")).to_contain_text(
        "non risulta dichiarato da nessuna azienda del registro")

    # the firm's public page from the answer
    page.goto(live_server.url + "/phone?n=" + DEMO_MOVED_NUMBER.replace(" ", ""),
              wait_until="domcontentloaded")
    page.get_by_role("link", name="Eccellenza CX S.p.A.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eccellenza CX S.p.A.")
    expect(page.get_by_role("table", name="Aggiornamento delle evidenze")).to_contain_text(
        "01/09/2027")
    expect(page.locator("main")).to_contain_text("Traffico gestito: Italia")
    expect(page.locator("main")).to_contain_text("Rinnovo in corso")
    context.close()
