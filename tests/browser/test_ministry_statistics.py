"""A ministry official opens the statistics from the menu, reads a chart with its table and
summary, asks for the figures as of a past day and downloads a table."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pyotp
from playwright.sync_api import expect

from tests import factories, rows
from tests.factories import PASSWORD, TOTP_SECRET

TIMEOUT_MS = 15_000


def test_ministry_official_reads_the_charts_and_downloads_a_table(chromium, live_server):
    expect.set_options(timeout=TIMEOUT_MS)
    app = live_server.app
    with app.app_context():
        factories.default_scheme()
        lazio = rows.certified_firm("Contact Lazio S.r.l.", level="L2", region="Lazio",
                                    valid_from=dt.date(2025, 1, 10))
        rows.certified_firm("Contact Puglia S.r.l.", level="L3", region="Puglia",
                            valid_from=dt.date(2025, 3, 10))
        rows.change_status(lazio, "suspended", on=dt.date(2025, 6, 1))
        official = factories.make_user("ministry", email="funzionaria@mimit.gov.it",
                                       name="Franca Funzionaria")
        factories.enrol_second_factor(official)
        email = official.email

    context = chromium.new_context(base_url=live_server.url, accept_downloads=True,
                                   locale="it-IT")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    try:
        page.goto("/account/login", wait_until="domcontentloaded")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("main").get_by_role("button", name="Accedi", exact=True).click()
        page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("main").get_by_role("button", name="Verifica", exact=True).click()
        expect(page.get_by_role("heading", name="La mia area")).to_be_visible()

        # From the menu (the collapsed one on a narrow window is the same list).
        link = page.get_by_role("link", name="Statistiche", exact=True).first
        page.goto(link.get_attribute("href"), wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Statistiche del registro")).to_be_visible()
        figure = page.locator("#figura-regioni")
        expect(figure.locator("svg.marks")).to_be_visible()
        expect(figure.locator("figcaption")).to_contain_text("le imprese certificate erano 1")
        expect(page.locator("#tabella-regioni")).to_contain_text("Puglia")

        # As of a past day, by the form.
        page.fill("#at", "2025-05-15")
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("main").get_by_role("button", name="Aggiorna", exact=True).click()
        statuses = page.locator("#tabella-stati")
        expect(statuses.locator("tr", has_text="valido")).to_contain_text("2")
        expect(page.locator("#sintesi-stati")).to_contain_text("valido 2, sospeso 0")

        with page.expect_download() as download_info:
            page.locator("#figura-stati").get_by_role("link", name="CSV").click()
        download = download_info.value
        assert download.suggested_filename == "statistiche-stati-2025-05-15.csv"
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert table[0] == ["Stato", "Certificati"]
        assert ["valido", "2"] in table and ["sospeso", "0"] in table
        assert not errors, errors
    finally:
        context.close()
