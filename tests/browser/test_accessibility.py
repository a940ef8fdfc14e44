"""Every public page passes axe-core's WCAG 2.1 A and AA rules at desktop and phone width,
never scrolls sideways, and the main menu is reachable on a phone.

axe-core is vendored under tests/browser/vendor/ (tests only) and evaluated in the page
through the DevTools protocol, so the page's own Content-Security-Policy stays in force:
a page that needs an inline script would break here as it breaks for a visitor.
Screenshots land in test-artifacts/accessibility/ (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.extensions import db
from registry.watching import clients
from tests import factories, rows
from tests.loopback import ARTIFACTS, CHROMIUM
from tests.steps import assign, open_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SHOTS = ARTIFACTS / "accessibility"
TIMEOUT_MS = 10_000
WIDTHS = [(390, 844), (1280, 900)]  # a phone, a desktop
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def public_pages(firm_id: int, number: str) -> dict[str, str]:
    """name -> path of every page a visitor reaches without logging in."""
    return {
        "home": "/",
        "register": "/register",
        "firm": f"/register/{firm_id}",
        "verify": f"/v/{number}",
        "scheme": "/scheme",
        "phone": "/phone?n=0612345678",
        "bulk": "/verify/bulk",
        "login": "/account/login",
        "signup": "/account/signup",
        "accessibility": "/accessibility",
        "privacy": "/privacy",
        "legal": "/legal",
        "contacts": "/contacts",
        "api": "/api",
    }


SCREENSHOTS = {"home", "register", "firm", "verify", "scheme"}


def axe_violations(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                        resultTypes: ['violations']})""", WCAG)
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def too_wide(page) -> list[str]:
    """The elements that stick out on the right (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !(e.parentElement && e.parentElement.closest('.table-responsive')))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))
        .concat([`scrollWidth ${document.documentElement.scrollWidth}`])""")


def overlaps(page) -> list[str]:
    """Headings and form labels that overlap each other (a label drawn over a section
    heading, as Bootstrap Italia's floating labels did on the evidence pages)."""
    return page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('main h1, main h2, main h3, main label')]
            .filter(e => e.checkVisibility({contentVisibilityAuto: true}))
            .map(e => [e, e.getBoundingClientRect()]);
        const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
                              && a.top < b.bottom - 1 && b.top < a.bottom - 1;
        const found = [];
        for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++)
                if (!boxes[i][0].contains(boxes[j][0]) && !boxes[j][0].contains(boxes[i][0])
                    && hit(boxes[i][1], boxes[j][1]))
                    found.push(boxes[i][0].textContent.trim().slice(0, 30) + ' / '
                               + boxes[j][0].textContent.trim().slice(0, 30));
        return found;
    }""")


@pytest.fixture
def certified(live_server):
    with live_server.app.app_context():
        return rows.certified_firm("Accessibile S.r.l.", level="L2")


def test_public_pages_pass_wcag_at_phone_and_desktop_width(live_server, chromium, certified):
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures = {}
    for width, height in WIDTHS:
        page = chromium.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(TIMEOUT_MS)
        for name, path in public_pages(certified.firm_id, certified.number).items():
            page.goto(live_server.url + path)
            if name in SCREENSHOTS:
                page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            if not no_horizontal_scroll(page):
                failures[f"{name} @ {width}px"] = ["scrolls sideways", *too_wide(page)]
            violations = axe_violations(page)
            if violations:
                failures[f"{name} @ {width}px"] = violations
        page.close()
    assert not failures, failures


def test_no_page_scrolls_sideways_at_320_px(live_server, chromium, certified):
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    page.set_default_timeout(TIMEOUT_MS)
    wide = []
    for name, path in public_pages(certified.firm_id, certified.number).items():
        page.goto(live_server.url + path)
        if not no_horizontal_scroll(page):
            wide.append(name)
    assert not wide


def test_the_menu_opens_from_a_button_on_a_phone(live_server, chromium):
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/")
    menu = page.get_by_role("navigation", name="Navigazione principale")
    register = menu.get_by_role("link", name="Registro")
    expect(register).to_be_hidden()
    toggle = page.get_by_role("button", name="Apri il menu")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(register).to_be_visible()
    page.screenshot(path=str(SHOTS / "menu-open-390.png"))
    register.click()
    expect(page).to_have_url(live_server.url + "/register")


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(live_server, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Vai al contenuto")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    # The focus is visible: an outline or a box shadow, not the browser's nothing.
    assert page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
               || s.boxShadow !== 'none'; }""")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/#main")


def test_a_buyer_prints_the_verify_and_the_firm_page_for_a_tender_file(live_server, chromium,
                                                                       certified):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    for name, path in [("verify", f"/v/{certified.number}"),
                       ("firm", f"/register/{certified.firm_id}")]:
        page.goto(live_server.url + path)
        source = page.locator(".print-source")
        expect(source).to_be_hidden()
        page.emulate_media(media="print")
        expect(page.locator("header.it-header-wrapper")).to_be_hidden()
        expect(page.locator("footer.it-footer")).to_be_hidden()
        expect(source).to_be_visible()
        expect(source).to_contain_text(live_server.url + path)  # where it was printed from
        expect(source).to_contain_text("Stampato dal Registro Bollino Blu il")
        expect(page.get_by_role("main")).to_contain_text(certified.number)
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        (SHOTS / f"{name}-printed.pdf").write_bytes(pdf)
        if name == "verify":  # the verdict and the facts fit one sheet
            assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
            expect(page.locator(".verdict")).to_be_visible()
        else:  # the follow-by-email button is for the screen, not for the file
            expect(page.get_by_role("link", name="Segui questa azienda")).to_be_hidden()
        page.emulate_media(media="screen")


def test_the_pages_of_the_firm_the_auditor_and_the_officer_pass_wcag(live_server, page_as,
                                                                     app, people):
    """The logged-in pages: a firm's dashboard and application, a draft's evidence forms, an
    auditor's file and scoring form, the officer's queue; screenshots of dashboard,
    application, assessment. No heading or label is drawn over another."""
    assert assign(app, people).status_code == 302
    open_file(app, people)
    application = people["application"]
    with app.app_context():
        drafter = factories.make_user("applicant", email="bozza@impresa.it")
        draft = factories.make_application(factories.make_firm(owner=drafter), drafter,
                                           complete=True)
        people = {**people, "drafter": drafter.id}
        draft_evidence = f"/applications/{draft.id}/criteria/LEG-01"
    by_person = {
        "drafter": {"draft-evidence": draft_evidence},
        "owner": {"dashboard": "/dashboard", "application": f"/applications/{application}",
                  "evidence": f"/applications/{application}/criteria/LEG-01",
                  "firm-profile": "/firm", "delocalisation": "/firm/delocalisation"},
        "auditor": {"audit-queue": "/audit", "assessment": f"/audit/applications/{application}",
                    "scoring": f"/audit/applications/{application}/criteria/LEG-01"},
        "officer": {"officer-queue": "/officer"},
        "admin": {"assignment": f"/admin/applications/{application}"},
    }
    failures = {}
    for width, height in WIDTHS:
        for person, pages in by_person.items():
            page = page_as(people[person], width, height)
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response.ok and page.url.endswith(path), (person, path, page.url)
                if name in ("dashboard", "application", "assessment", "evidence", "scoring",
                            "draft-evidence"):
                    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
                if overlapping := overlaps(page):
                    failures[f"{name} @ {width}px overlaps"] = overlapping
                if not no_horizontal_scroll(page):
                    failures[f"{name} @ {width}px"] = ["scrolls sideways", *too_wide(page)]
                violations = axe_violations(page)
                if violations:
                    failures[f"{name} @ {width}px"] = violations
                assert not failures, failures


def test_the_verify_page_answers_above_the_fold_on_a_phone(live_server, chromium, certified):
    """Scanned with a phone (390 × 844), the verdict, the firm, the level and the validity
    are all on the first screen, without scrolling."""
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + f"/v/{certified.number}")
    fold = page.evaluate("window.innerHeight")
    bottoms = page.evaluate("""() => {
        const after = word => [...document.querySelectorAll('dt')]
            .find(dt => dt.textContent.trim() === word).nextElementSibling;
        const bottom = el => el.getBoundingClientRect().bottom;
        return {verdict: bottom(document.querySelector('[data-verdict]')),
                firm: bottom(after('Azienda')), level: bottom(after('Livello')),
                validity: bottom(after('Validità'))};
    }""")
    for name, bottom in bottoms.items():
        assert 0 < bottom <= fold, f"{name} ends at {bottom:.0f} px, below the first screen"
    assert page.evaluate("window.scrollY") == 0
    page.close()


def test_the_pages_of_the_ministry_and_of_a_client_pass_wcag(live_server, page_as, app,
                                                              certified):
    """The ministry's register (filtered, with a firm on it) and a client company's suppliers
    board and webhooks page, at phone and desktop width."""
    with app.app_context():
        ministry = factories.make_user("ministry", email="ministero@lavoro.gov.it")
        buyer = factories.make_user("client", email="acquisti@cliente.it")
        clients.add_supplier(buyer, certified.firm_id)
        db.session.commit()
        people = {"ministry": ministry.id, "client": buyer.id}
    by_person = {
        "ministry": {"ministry": "/ministry",
                     "ministry-filtered": "/ministry?status=valid&min_extra_eu=0",
                     "ministry-delocalisation": "/ministry/delocalisation"},
        "client": {"suppliers": "/client/suppliers", "webhooks": "/client/webhooks"},
    }
    failures = {}
    for width, height in WIDTHS:
        for person, pages in by_person.items():
            page = page_as(people[person], width, height)
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response.ok and page.url.endswith(path), (person, path, page.url)
                page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
                if not no_horizontal_scroll(page):
                    failures[f"{name} @ {width}px"] = ["scrolls sideways", *too_wide(page)]
                violations = axe_violations(page)
                if violations:
                    failures[f"{name} @ {width}px"] = violations
                assert not failures, failures
