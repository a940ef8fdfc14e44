"""In Chromium with CSRF on: a worker files an anonymous report from a firm's public page,
keeps the receipt code and follows the case with it; an officer signs in, acknowledges the
report and turns it into a short-notice audit; the worker then reads the outcome."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from registry.extensions import db
from tests import factories, rows
from tests.browser.test_accessibility import axe_violations
from tests.loopback import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

SHOTS = ARTIFACTS / "complaints"
OFFICER_EMAIL = "responsabile@segnalazioni-browser.it"


def _follow(page, base: str, firm_id: int, code: str) -> None:
    page.goto(f"{base}/register/{firm_id}/report/follow", wait_until="domcontentloaded")
    page.get_by_label("Codice di ricevuta").fill(code)
    page.get_by_role("button", name="Apri la segnalazione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La tua segnalazione")
    # the code travelled in the body, never in the address
    assert code not in page.url


def test_a_worker_report_becomes_a_short_notice_audit(live_server, chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server.app.app_context():
        row = rows.certified_firm("Contatti Veloci S.r.l.")
        officer = factories.make_user("officer", email=OFFICER_EMAIL)
        factories.enrol_second_factor(officer)
        db.session.commit()
    base = live_server.url
    worker = chromium.new_page()
    worker.set_default_timeout(10_000)

    worker.goto(f"{base}/register/{row.firm_id}", wait_until="domcontentloaded")
    worker.get_by_role("link", name="Segnala").click()
    expect(worker.get_by_role("heading", level=1)).to_contain_text("Segnala un problema")
    worker.get_by_role("link", name="Usa il canale anonimo per i lavoratori").click()
    expect(worker.get_by_role("heading", level=1)).to_contain_text("Segnalazione anonima")
    worker.get_by_label("Che cosa vuoi segnalare").fill(
        "Ci fanno chiamare numeri iscritti al Registro delle opposizioni.")
    worker.get_by_role("button", name="Invia in forma anonima").click()
    code = worker.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code), code
    worker.screenshot(path=str(SHOTS / "receipt.png"), full_page=True)

    _follow(worker, base, row.firm_id, code)
    expect(worker.locator("#complaint-state")).to_have_text("da prendere in carico")
    worker.get_by_label("Messaggio per il responsabile").fill("Succede ogni sera dalle 20.")
    worker.get_by_role("button", name="Invia il messaggio").click()
    expect(worker.locator("main")).to_contain_text("Succede ogni sera dalle 20.")

    staff = chromium.new_page()
    staff.set_default_timeout(10_000)
    staff.goto(f"{base}/account/login", wait_until="domcontentloaded")
    staff.fill("#email", OFFICER_EMAIL)
    staff.fill("#password", factories.PASSWORD)
    staff.get_by_role("button", name="Accedi").click()
    staff.fill("#code", pyotp.TOTP(factories.TOTP_SECRET).now())
    staff.get_by_role("button", name="Verifica").click()
    staff.get_by_role("link", name="Segnalazioni").first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Segnalazioni")
    staff.get_by_role("table").get_by_role("link").first.click()
    expect(staff.locator("main")).to_contain_text("Registro delle opposizioni")
    staff.get_by_role("button", name="Prendi in carico").click()
    expect(staff.locator("#complaint-state")).to_have_text("presa in carico")
    staff.get_by_label("Messaggio", exact=True).fill("Grazie: verificheremo presto.")
    staff.get_by_role("button", name="Invia il messaggio").click()
    staff.locator("#text-open_audit").fill("Riscontri precisi: audit senza preavviso.")
    staff.get_by_role("button", name="Apri l'audit").click()
    expect(staff.locator("#complaint-outcome")).to_have_text("audit con breve preavviso")
    expect(staff.get_by_role("link", name=re.compile(r"Domanda n\. \d+"))).to_be_visible()
    staff.screenshot(path=str(SHOTS / "officer.png"), full_page=True)

    _follow(worker, base, row.firm_id, code)
    expect(worker.locator("#complaint-state")).to_have_text("chiusa")
    expect(worker.locator("main")).to_contain_text("Grazie: verificheremo presto.")
    expect(worker.locator("main")).to_contain_text("audit con breve preavviso")
    worker.screenshot(path=str(SHOTS / "followed.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_pages_pass_wcag(live_server, chromium, width):
    with live_server.app.app_context():
        row = rows.certified_firm("Contatti Accessibili S.r.l.")
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(10_000)
    failures = {}
    for path in ("report", "report/worker", "report/follow"):
        page.goto(f"{live_server.url}/register/{row.firm_id}/{path}",
                  wait_until="domcontentloaded")
        if found := axe_violations(page):
            failures[path] = [v["rule"] for v in found]
    # the page with an error on every field, and the receipt code
    page.goto(f"{live_server.url}/register/{row.firm_id}/report", wait_until="domcontentloaded")
    page.get_by_role("button", name="Invia la segnalazione").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    if found := axe_violations(page):
        failures["report-errors"] = [v["rule"] for v in found]
    page.goto(f"{live_server.url}/register/{row.firm_id}/report/worker",
              wait_until="domcontentloaded")
    page.get_by_label("Che cosa vuoi segnalare").fill("Segnalo un problema.")
    page.get_by_role("button", name="Invia in forma anonima").click()
    expect(page.locator("#receipt-code")).to_be_visible()
    if found := axe_violations(page):
        failures["receipt"] = [v["rule"] for v in found]
    assert not failures, failures
