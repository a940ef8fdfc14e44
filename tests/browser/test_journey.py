"""The whole journey in a real browser, as the people involved live it.

A firm signs up, confirms its email, registers its profile and an Italian site, applies with
evidence for the seven knock-out criteria and submits; an admin assigns an auditor; the auditor
signs the impartiality declaration, scores the 28 criteria and submits; an officer certifies at
the computed level; the public verify page says "Valido"; the officer suspends the certificate
and the verify page says "Sospeso"; the public register finds the firm by its name typed in
lower case without accents.

Debian's Chromium is driven through Playwright's sync API against the app served on loopback
with CSRF enabled: every form is filled and submitted as a person would. Each step saves a
screenshot to test-artifacts/journey/.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import quote

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from registry.accounts.models import User
from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories
from tests.loopback import ARTIFACTS, CHROMIUM

# Only QR codes: at 72 dpi a row of modules can read as a spurious 1-D barcode.
QR = zxingcpp.BarcodeFormat.QRCode

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is missing (apt-get install -y chromium); "
                              "the browser journey needs Debian's Chromium"),
]

SHOTS = ARTIFACTS / "journey"
TIMEOUT_MS = 10_000

FIRM_NAME = "Società Contatti Blu S.r.l."
FIRM_SEARCH = "societa contatti"  # part of the name, lower case, without the accent
FIRM_EMAIL = "titolare@contattiblu.it"
FIRM_PASSWORD = "Blu-Contatti-2024"
VAT = "01114601006"
LEGAL_REP_TAX_CODE = "RSSMRA85T10A562S"
KNOCKOUT_CODES = ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Journey:
    """Browser contexts (one per person), screenshots and the console log."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.console: list[tuple[str, str, str]] = []  # (type, text, page url)
        self.page_errors: list[str] = []
        self.step = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def person(self):
        """A fresh browser (own cookies) for one person; its console is recorded."""
        context = self.browser.new_context(base_url=self.base_url, locale="it-IT",
                                           viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg, page=page: self.console.append(
            (msg.type, msg.text, page.url)))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def shot(self, page, name: str, full_page: bool = False) -> None:
        self.step += 1
        page.screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"), full_page=full_page)

    def console_errors(self) -> list[tuple[str, str, str]]:
        """Console messages of type "error" (CSP reports, failed loads, script errors)."""
        return [entry for entry in self.console if entry[0] == "error"]

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        # The whole console, kept next to the screenshots (also when the test failed).
        (SHOTS / "console.log").write_text("".join(
            f"[{kind}] {url}\n    {text}\n" for kind, text, url in self.console)
            + "".join(f"[pageerror]\n    {error}\n" for error in self.page_errors),
            encoding="utf-8")


@pytest.fixture
def journey(chromium, live_server):
    run = Journey(chromium, live_server.url)
    yield run
    run.close()


# Helpers ------------------------------------------------------------------------------------
def flash(page):
    """The flashed messages at the top of <main>."""
    return page.locator("main > .alert")


def log_in(page, email: str, password: str, secret: str | None = None,
           journey: Journey | None = None) -> None:
    """The login form; staff then give the code their authenticator app shows (`secret`),
    or, with no second factor yet, enrol one: scan (here: read) the secret, confirm a code,
    keep the recovery codes."""
    visit(page, "/account/login")
    expect(page.get_by_role("heading", name="Accedi al registro")).to_be_visible()
    page.fill("#email", email)
    page.fill("#password", password)
    press(page, "Accedi")
    if secret:
        expect(page.get_by_role("heading", name="Verifica in due passaggi")).to_be_visible()
        page.fill("#code", pyotp.TOTP(secret).now())
        press(page, "Verifica")
    elif "/account/two-factor/enrol" in page.url:
        expect(page.get_by_role("heading", name="Attiva la verifica in due passaggi")
               ).to_be_visible()
        expect(page.locator("main figure svg")).to_be_visible()
        shown = page.locator("#totp-secret").inner_text().replace(" ", "")
        if journey:
            journey.shot(page, "second-factor-enrolment")
            # the QR an authenticator app scans carries the same secret
            image = SHOTS / f"{journey.step:02d}-qr.png"
            page.locator("main figure svg").screenshot(path=str(image))
            decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(image), formats=QR)]
            assert decoded and decoded[0].startswith("otpauth://totp/"), decoded
            assert f"secret={shown}" in decoded[0], decoded
        page.fill("#code", pyotp.TOTP(shown).now())
        press(page, "Attiva il secondo fattore")
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.get_by_role("link", name="Ho conservato i codici, continua").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()


def visit(page, url: str) -> None:
    """Open a page. DOMContentLoaded is enough: the assertions that follow wait for what they
    need, and not waiting for the "load" event (fonts) keeps the journey fast."""
    page.goto(url, wait_until="domcontentloaded")


def press(page, button: str) -> None:
    """Click a form's button in <main> and wait until the page it leads to is parsed."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("main").get_by_role("button", name=button, exact=True).click()


def tick(page, selector: str) -> None:
    """Tick a checkbox or radio as a person does: by clicking its label. Bootstrap Italia
    draws its own box, and the label covers the real input (Playwright's .check() on the
    input would report that the label intercepts the click)."""
    box = page.locator(selector)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def scanned_qr(pdf: bytes, folder: Path) -> str | None:
    """Render the PDF's first page as a phone camera would see it and decode its QR."""
    path = folder / "downloaded.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path),
                    str(folder / "scan")], check=True)
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(next(folder.glob("scan*"))),
                                                   formats=QR)]
    return decoded[0] if decoded else None


def read_outbox(folder: Path, to: str) -> list:
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        if to in message["To"]:
            messages.append(message)
    return messages


# The journey --------------------------------------------------------------------------------
def test_certification_journey(journey, live_server, tmp_path):

    app = live_server.app
    expect.set_options(timeout=TIMEOUT_MS)

    # Set-up an operator would have done: the criteria scheme and the staff accounts.
    with app.app_context():
        factories.default_scheme()
        admin = factories.make_user("admin", email="admin@bollinoblu.it", name="Anna Admin")
        auditor = factories.make_user("auditor", email="valutatore@bollinoblu.it",
                                      name="Vittorio Valutatore")
        officer = factories.make_user("officer", email="responsabile@bollinoblu.it",
                                      name="Rita Responsabile")
        # The auditor and the officer already use an authenticator app; the admin sets one
        # up at the first login (below).
        factories.enrol_second_factor(auditor)
        factories.enrol_second_factor(officer)
        staff = {"admin": admin.email, "auditor": auditor.email, "officer": officer.email}
    evidence_pdf = tmp_path / "evidenza.pdf"
    evidence_pdf.write_bytes(PDF)
    today = dt.date.today()

    # 1. The firm signs up, confirms its address from the email and logs in. ----------------
    firm = journey.person()
    visit(firm, "/account/signup")
    expect(firm.get_by_role("heading", name="Registrazione azienda")).to_be_visible()
    firm.fill("#name", "Giulia Bianchi")
    firm.fill("#email", FIRM_EMAIL)
    firm.fill("#password", FIRM_PASSWORD)
    firm.fill("#confirm", FIRM_PASSWORD)
    journey.shot(firm, "signup-form")
    press(firm, "Registrati")
    expect(firm).to_have_url(re.compile(r"/account/login$"))
    expect(flash(firm)).to_contain_text("Ti abbiamo inviato un'email")
    journey.shot(firm, "signup-done")

    mails = read_outbox(Path(app.config["OUTBOX_FOLDER"]), FIRM_EMAIL)
    assert len(mails) == 1, mails
    assert mails[0]["Subject"] == "Conferma il tuo indirizzo email"
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/account/confirm/\S+", body)
    assert link, body
    assert link.group(0).startswith(live_server.url)
    visit(firm, link.group(0))
    expect(flash(firm)).to_contain_text("Indirizzo email confermato: ora puoi accedere.")
    journey.shot(firm, "email-confirmed")
    log_in(firm, FIRM_EMAIL, FIRM_PASSWORD)
    expect(firm.locator("main")).to_contain_text("Ciao Giulia Bianchi.")
    journey.shot(firm, "firm-logged-in")

    # 2. Profile, operating site, application with evidence, declaration, submission. ------
    visit(firm, "/firm/new")
    expect(firm.get_by_role("heading", name="Registra la tua azienda")).to_be_visible()
    firm.fill("#name", FIRM_NAME)
    firm.select_option("#legal_form", "SRL")
    firm.fill("#vat_number", VAT)
    firm.fill("#tax_code", VAT)
    firm.select_option("#rea_province", "RM")
    firm.fill("#rea_number", "1125501")
    firm.fill("#pec", "contattiblu@legalmail.it")
    firm.fill("#ateco_code", "82.20.00")
    firm.fill("#incorporated_on", "2012-03-15")
    firm.fill("#office_street", "Via Tiburtina 1020")
    firm.fill("#office_postcode", "00156")
    firm.fill("#office_comune", "Roma")
    firm.select_option("#office_province", "RM")
    firm.fill("#legal_rep_name", "Mario Rossi")
    firm.fill("#legal_rep_tax_code", LEGAL_REP_TAX_CODE)
    firm.fill("#legal_rep_role", "Amministratore unico")
    firm.fill("#headcount", "240")
    firm.fill("#fte", "212,5")
    firm.fill("#ccnl_code", "K411")
    firm.fill("#ccnl_name", "CCNL Telecomunicazioni")
    firm.fill("#roc_number", "23473")
    firm.fill("#phone_numbers", "+39 06 12345678\n800 123456")
    firm.fill("#traffic_italy_pct", "90")
    firm.fill("#traffic_eu_pct", "5")
    firm.fill("#traffic_extra_eu_pct", "5")
    firm.select_option("#extra_eu_countries", ["AL"])
    journey.shot(firm, "firm-profile-form", full_page=True)
    press(firm, "Salva il profilo")
    expect(firm).to_have_url(re.compile(r"/firm$"))
    expect(flash(firm)).to_contain_text("Profilo dell'azienda registrato.")
    expect(firm.get_by_role("heading", level=1)).to_have_text(FIRM_NAME)
    expect(firm.locator("main")).to_contain_text(f"P.IVA {VAT}")
    expect(firm.locator("main")).to_contain_text("Albania")
    journey.shot(firm, "firm-profile")

    visit(firm, "/firm/sites/new")
    expect(firm.get_by_role("heading", name="Nuova sede operativa")).to_be_visible()
    firm.fill("#address", "Via Tiburtina 1020")
    firm.fill("#comune", "Roma")
    firm.select_option("#province", "RM")
    firm.select_option("#country", "IT")
    firm.fill("#opened_on", "2015-09-01")
    firm.fill("#seats", "120")
    firm.fill("#headcount", "150")
    tick(firm, 'input[name="service_types"][value="inbound"]')
    tick(firm, 'input[name="service_types"][value="outbound"]')
    tick(firm, 'input[name="channels"][value="voice"]')
    tick(firm, 'input[name="channels"][value="email"]')
    press(firm, "Salva la sede")
    expect(firm).to_have_url(re.compile(r"/firm$"))
    expect(flash(firm)).to_contain_text("Sede operativa aggiunta.")
    journey.shot(firm, "site-added")

    visit(firm, "/applications")
    expect(firm.get_by_role("heading", name="Domande di certificazione")).to_be_visible()
    firm.select_option("#kind", "initial")
    press(firm, "Avvia la domanda")
    expect(firm).to_have_url(re.compile(r"/applications/\d+$"))
    application_id = int(firm.url.rstrip("/").rsplit("/", 1)[1])
    expect(firm.get_by_role("heading", level=1)).to_contain_text(
        f"Domanda n. {application_id}")
    expect(firm.locator("main")).to_contain_text("Prima dell'invio manca ancora:")
    journey.shot(firm, "application-started")

    for code in KNOCKOUT_CODES:
        visit(firm, f"/applications/{application_id}/criteria/{code}")
        expect(firm.get_by_role("heading", level=1)).to_contain_text(code)
        firm.fill("#ev-title", f"Evidenza {code}")
        firm.fill("#ev-effective_on", (today - dt.timedelta(days=30)).isoformat())
        firm.fill("#ev-expires_on", (today + dt.timedelta(days=365)).isoformat())
        firm.set_input_files("#ev-file", str(evidence_pdf))
        press(firm, "Carica il documento")
        expect(flash(firm)).to_contain_text("Documento caricato.")
        expect(firm.locator("main")).to_contain_text(f"Evidenza {code}")
        expect(firm.locator("main")).to_contain_text("evidenza.pdf")
    journey.shot(firm, "evidence-uploaded")

    visit(firm, f"/applications/{application_id}")
    expect(firm.locator("main")).to_contain_text("Criteri con documentazione: 7 su 28")
    expect(firm.locator("#submission-state")).to_contain_text("spunta la dichiarazione")
    tick(firm, "#declaration")
    journey.shot(firm, "application-ready", full_page=True)
    press(firm, "Invia la domanda")
    expect(flash(firm)).to_contain_text("Domanda inviata")
    expect(firm.locator("main .badge.bg-primary")).to_have_text("inviata")
    expect(firm.get_by_role("button", name="Invia la domanda")).to_have_count(0)
    journey.shot(firm, "application-submitted")

    # 3. The admin assigns the auditor. -----------------------------------------------------
    admin_page = journey.person()
    log_in(admin_page, staff["admin"], factories.PASSWORD, journey=journey)
    visit(admin_page, f"/admin/applications/{application_id}")
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text(FIRM_NAME)
    expect(admin_page.locator("main")).to_contain_text(
        "Vittorio Valutatore: nessun impedimento")
    admin_page.select_option("#auditor_id", label="Vittorio Valutatore")
    admin_page.select_option("#role", "lead")
    press(admin_page, "Assegna")
    expect(flash(admin_page)).to_contain_text("Valutatore assegnato.")
    expect(admin_page.locator("main")).to_contain_text(
        "Vittorio Valutatore (Valutatore responsabile) — dichiarazione da firmare")
    journey.shot(admin_page, "auditor-assigned")

    # 4. The auditor declares impartiality, scores every criterion, submits. ---------------
    audit = journey.person()
    log_in(audit, staff["auditor"], factories.PASSWORD, factories.TOTP_SECRET)
    visit(audit, f"/audit/applications/{application_id}")
    expect(audit).to_have_url(re.compile(rf"/audit/applications/{application_id}/declaration$"))
    expect(audit.get_by_role("heading", name="Dichiarazione di imparzialità")).to_be_visible()
    tick(audit, "#decl-confirm")
    journey.shot(audit, "impartiality-declaration")
    press(audit, "Firma la dichiarazione")
    expect(audit).to_have_url(re.compile(rf"/audit/applications/{application_id}$"))
    expect(audit.locator("main")).to_contain_text("Criteri valutati: 0 su 28")

    links = audit.locator(f'main table a[href*="/audit/applications/{application_id}/criteria/"]')
    expect(links).to_have_count(28)
    criteria_paths = [links.nth(i).get_attribute("href") for i in range(28)]
    for number, path in enumerate(criteria_paths, start=1):
        visit(audit, path)
        tick(audit, 'input[name="sc-score"][value="3"]')
        # The scheme's evidence rules: a reference, and 12 months of records for a 3.
        audit.fill("#sc-evidence_reviewed", "Registri 2025, sede di Roma")
        audit.fill("#sc-records_from", "2025-01-01")
        audit.fill("#sc-records_to", "2025-12-31")
        press(audit, "Salva il punteggio")
        expect(flash(audit)).to_contain_text("Punteggio salvato (bozza).")
        expect(audit.locator("main")).to_contain_text(f"Criteri valutati: {number} su 28")
    expect(audit.locator("main")).not_to_contain_text("da valutare")
    expect(audit.locator("main")).to_contain_text("certificabile al livello")
    journey.shot(audit, "all-criteria-scored", full_page=True)
    audit.fill("#det-started_on", "2026-10-05")
    audit.fill("#det-ended_on", "2026-10-07")
    sites = audit.locator('input[name="det-sites"]')
    for i in range(sites.count()):
        tick(audit, f"#{sites.nth(i).get_attribute('id')}")
    press(audit, "Salva date e sedi")
    expect(flash(audit)).to_contain_text("Date e sedi salvate.")
    press(audit, "Invia la valutazione")
    expect(flash(audit)).to_contain_text("Valutazione inviata")
    expect(audit.get_by_role("button", name="Invia la valutazione")).to_have_count(0)
    journey.shot(audit, "assessment-submitted")

    # 5. The officer certifies at the computed level. --------------------------------------
    decide = journey.person()
    log_in(decide, staff["officer"], factories.PASSWORD, factories.TOTP_SECRET)
    visit(decide, f"/officer/applications/{application_id}")
    expect(decide.get_by_role("heading", level=1)).to_contain_text(
        f"Decisione sulla domanda n. {application_id}")
    computed = re.search(r"certificabile al livello (Bollino Blu ★+)",
                         decide.locator("main").inner_text())
    assert computed, decide.locator("main").inner_text()
    level_label = computed.group(1)
    tick(decide, 'input[name="dec-outcome"][value="certify"]')
    # The computed level is the one already chosen: the officer only confirms it.
    expect(decide.locator("#dec-level option:checked")).to_contain_text(level_label)
    journey.shot(decide, "decision-form", full_page=True)
    press(decide, "Registra la decisione")
    expect(decide).to_have_url(re.compile(r"/officer$"))
    expect(flash(decide)).to_contain_text("Decisione registrata.")
    journey.shot(decide, "certified")

    with app.app_context():
        certificate = db.session.scalars(db.select(Certificate).where(
            Certificate.application_id == application_id)).one()
        number, level = certificate.number, certificate.level
        verify_url = lookup.verify_url(certificate)
    assert {"Bollino Blu ★": "L1", "Bollino Blu ★★": "L2",
            "Bollino Blu ★★★": "L3"}[level_label] == level
    assert verify_url.startswith(f"{live_server.url}/v/{number}?t=")

    # 6. Anyone scanning the QR sees "Valido". ----------------------------------------------
    public = journey.person()
    visit(public, verify_url)
    verdict = public.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(verdict.locator(".verdict-word")).to_have_text("Valido")
    expect(public.locator("main")).to_contain_text(FIRM_NAME)
    expect(public.locator("main")).to_contain_text(VAT)
    journey.shot(public, "verify-valid")

    # 6b. The firm finds its certificate in its own area: stars, PDF, verify link, QR. ------
    visit(firm, "/manage/certificates")
    card = firm.locator("main section").filter(has_text=number)
    expect(card).to_contain_text(level_label)
    expect(card.get_by_role("link", name="Pagina di verifica pubblica")).to_have_attribute(
        "href", verify_url)
    journey.shot(firm, "firm-certificates", full_page=True)
    pdf_href = card.get_by_role("link", name="Scarica il certificato (PDF)").get_attribute(
        "href")
    pdf = firm.request.get(f"{live_server.url}{pdf_href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert scanned_qr(pdf.body(), tmp_path) == verify_url  # the QR printed on it
    qr = firm.request.get(f"{live_server.url}/manage/certificates/{number}/qr.svg")
    assert qr.ok and qr.headers["content-type"].startswith("image/svg+xml")

    # 6c. A rename waits for an officer: until then the QR still shows the approved name. ---
    renamed = f"{FIRM_NAME.removesuffix(' S.r.l.')} Italia S.r.l."
    visit(firm, "/firm/changes/new")
    firm.fill("#name", renamed)
    firm.fill("#reason", "Nuova denominazione deliberata dall'assemblea del 20/11/2026.")
    firm.set_input_files("#evidence", str(evidence_pdf))
    journey.shot(firm, "rename-request", full_page=True)
    press(firm, "Invia la richiesta")
    expect(flash(firm)).to_contain_text("fino all'approvazione il registro mostra i dati")
    visit(public, verify_url)
    expect(public.locator("main")).to_contain_text(FIRM_NAME)
    expect(public.locator("main")).not_to_contain_text(renamed)
    change_url = firm.url
    visit(decide, change_url)
    tick(decide, 'input[name="decision"][value="approve"]')
    decide.fill("#reason", "Verbale e visura camerale verificati.")
    press(decide, "Registra la decisione")
    expect(flash(decide)).to_contain_text("Decisione registrata.")
    visit(public, verify_url)  # the QR printed before the change
    expect(public.locator("[data-verdict]")).to_have_attribute("data-verdict", "valid")
    expect(public.locator("main")).to_contain_text(renamed)
    journey.shot(public, "verify-after-rename")

    # 7. The officer suspends it; the verify page says "Sospeso". ---------------------------
    visit(decide, f"/manage/certificates/{number}")
    expect(decide.get_by_role("heading", level=1)).to_have_text(number)
    decide.select_option("#action", "suspend")
    decide.fill("#public_reason", "Sospeso in attesa della verifica delle azioni correttive.")
    decide.fill("#internal_reason", "Segnalazione ricevuta dal Ministero.")
    journey.shot(decide, "suspend-form")
    press(decide, "Registra")
    expect(flash(decide)).to_contain_text("Stato del certificato aggiornato.")
    expect(decide.locator("main")).to_contain_text("Stato registrato: sospeso")
    journey.shot(decide, "suspended")

    visit(public, verify_url)
    expect(verdict).to_have_attribute("data-verdict", "suspended")
    expect(verdict.locator(".verdict-word")).to_have_text("Sospeso")
    expect(public.locator("main")).to_contain_text(
        "Sospeso in attesa della verifica delle azioni correttive.")
    expect(public.locator("main")).not_to_contain_text("Segnalazione ricevuta dal Ministero.")
    journey.shot(public, "verify-suspended")

    # 8. The public register finds the firm by part of its name, lower case, no accents. ----
    visit(public, f"/register?q={quote(FIRM_SEARCH)}")
    expect(public.get_by_role("heading", name="Registro delle imprese certificate")).to_be_visible()
    expect(public.locator("#q")).to_have_value(FIRM_SEARCH)
    expect(public.get_by_role("status").filter(has_text="impresa trovata")).to_have_text(
        "1 impresa trovata")
    row = public.locator("main table tbody tr").filter(has_text=renamed)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(VAT)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Sospeso")
    journey.shot(public, "register-search")

    # 9. A renewal decided before expiry never gives two valid certificates. ---------------
    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == FIRM_EMAIL))
        firm_row = db.session.get(Firm, owner.firm_id)
        renewal = factories.certify(firm_row, owner, "L2", kind="renewal")
        renewal_number, renewal_url = renewal.number, lookup.verify_url(renewal)
        assert renewal.predecessor_number == number
    visit(public, verify_url)
    expect(public.locator("[data-verdict]")).to_have_attribute("data-verdict", "suspended")
    visit(public, renewal_url)
    expect(public.locator("[data-verdict]")).to_have_attribute("data-verdict",
                                                              "not_yet_valid")
    journey.shot(public, f"verify-renewal-{renewal_number}")

    # No page threw and no page logged a console error: none is excused. (The pages' only
    # "verbose" messages are Chromium's autocomplete hints on the password fields.) The CSP
    # must allow what the vendored Bootstrap Italia bundle does: its embedded video.js inserts
    # <style class="vjs-styles-defaults"> on every page, which `style-src 'self'` alone blocks
    # with two errors per page.
    assert not journey.page_errors, journey.page_errors
    assert not journey.console_errors(), journey.console_errors()
