"""Keyboard only, no mouse: a firm signs up, completes and sends its application, an auditor
scores a criterion, and a buyer reads a verify page and reaches the firm from it. Each field
is reached with Tab (in the page's order), filled by typing, and the form is sent with Enter."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from registry.accounts.models import User
from registry.applications.models import Application
from registry.applications.workflow import ApplicationState
from registry.assessments.models import CriterionScore
from registry.extensions import db
from tests import factories, rows
from tests.steps import assign, open_file

pytestmark = pytest.mark.browser


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e ? (e.id || e.getAttribute('href') || e.tagName) : ''; }")


def tab_to(page, wanted: str, limit: int = 60) -> None:
    """Press Tab until the element with id (or href) `wanted` has the focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if seen[-1] == wanted:
            return
    raise AssertionError(f"{wanted!r} not reached with Tab; focus went {seen}")


def type_date(page, day: dt.date) -> None:
    """Type `day` into the focused date field. Its segments come in the browser's order
    (headless Chromium here is en-US: month first; an Italian browser puts the day first),
    so the order is found as a person finds it: type, read, and if the field shows another
    date, clear its three segments (Backspace, ←) and type the next order."""
    field = page.locator(":focus")
    for pattern in ("%d%m%Y", "%m%d%Y", "%Y%m%d"):
        page.keyboard.type(day.strftime(pattern))
        if field.input_value() == day.isoformat():
            return
        for key in ("Backspace", "ArrowLeft", "Backspace", "ArrowLeft", "Backspace"):
            page.keyboard.press(key)
    raise AssertionError(f"the date field did not take {day} from the keyboard")


def open_file_chooser(page, wanted: str, attempts: int = 3):
    """Press Space on the focused file input `wanted` until its chooser opens.

    On a loaded CI machine Chromium now and then drops the activation of a file input (a
    known headless flake: the key arrives, no chooser is asked for). A chooser that is coming
    comes within a second, so a lost one is pressed again, up to `attempts` times, each time
    only after checking the focus is still on the input: the keyboard path is what is under
    test, never a click or a programmatic set of files."""
    for attempt in range(attempts):
        assert _focused(page) == wanted, f"focus left {wanted!r} for {_focused(page)!r}"
        try:
            with page.expect_file_chooser(timeout=7_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def keyboard_page(chromium):
    context = chromium.new_context(locale="it-IT")
    yield context.new_page()
    context.close()


def test_sign_up_with_the_keyboard_only(live_server, keyboard_page):
    page = keyboard_page
    page.goto(live_server.url + "/account/signup", wait_until="domcontentloaded")
    tab_to(page, "name")
    page.keyboard.type("Giulia Bianchi")
    tab_to(page, "email")
    page.keyboard.type("giulia@tastiera.it")
    tab_to(page, "password")
    page.keyboard.type(factories.PASSWORD)
    tab_to(page, "confirm")
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/account/login")
    expect(page.locator("main")).to_contain_text("Ti abbiamo inviato un'email")
    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "giulia@tastiera.it"))
        assert user is not None and user.email_confirmed_at is None


def test_read_a_verify_page_and_reach_the_firm_with_the_keyboard(live_server,
                                                                  keyboard_page):
    with live_server.app.app_context():
        firm = rows.certified_firm("Tastiera Contact S.r.l.")
    page = keyboard_page
    page.goto(f"{live_server.url}/v/{firm.number}", wait_until="domcontentloaded")
    expect(page.locator("main")).to_contain_text("Tastiera Contact S.r.l.")
    tab_to(page, f"/register/{firm.firm_id}")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tastiera Contact S.r.l.")


def test_a_firm_completes_and_sends_its_application_with_the_keyboard_only(live_server,
                                                                           page_as):
    """The owner writes a criterion's self-declaration, reaches the file chooser of the
    upload, then ticks the DPR 445 declaration and sends the application: Tab, typing, Space
    and Enter only."""
    with live_server.app.app_context():
        owner = factories.make_user("applicant", email="tastiera@impresa.it")
        firm = factories.make_firm(owner=owner)
        application = factories.make_application(firm, owner, complete=True)
        ids = (owner.id, application.id)
    page = page_as(ids[0])
    # "load": every script has run, so no element is re-rendered under the focus.
    page.goto(f"{live_server.url}/applications/{ids[1]}/criteria/LEG-01", wait_until="load")
    tab_to(page, "ev-title")
    page.keyboard.type("DURC in corso di validità")
    tab_to(page, "ev-file")
    chooser = open_file_chooser(page, "ev-file")  # the upload opens
    assert chooser.element.get_attribute("id") == "ev-file"
    tab_to(page, "note-note")
    page.keyboard.type("Versamenti regolari, DURC allegato.")
    tab_to(page, "note-submit")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    expect(page.locator("#note-note")).to_have_value("Versamenti regolari, DURC allegato.")

    page.goto(f"{live_server.url}/applications/{ids[1]}", wait_until="domcontentloaded")
    tab_to(page, "declaration")
    page.keyboard.press("Space")
    expect(page.locator("#declaration")).to_be_checked()
    tab_to(page, "submit")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Inviata")
    with live_server.app.app_context():
        assert db.session.get(Application, ids[1]).state == ApplicationState.SUBMITTED


def test_an_auditor_scores_a_criterion_with_the_keyboard_only(live_server, page_as, app,
                                                             people):
    """The auditor picks a score with the arrow keys, types the evidence reference and the
    records period (12 months, as a 3 requires), and saves with Enter on the button."""
    assert assign(app, people).status_code == 302
    open_file(app, people)
    page = page_as(people["auditor"])
    page.goto(f"{live_server.url}/audit/applications/{people['application']}/criteria/LEG-01",
              wait_until="domcontentloaded")
    tab_to(page, "sc-score-0")  # the first score of the group takes the focus
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # 0 → 1 → 2 → 3
    expect(page.locator("#sc-score-3")).to_be_checked()
    tab_to(page, "sc-evidence_reviewed")
    page.keyboard.type("DURC n. 123 del 01/10/2026, F24 di dodici mesi")
    tab_to(page, "sc-records_from")
    type_date(page, dt.date(2025, 10, 1))
    tab_to(page, "sc-records_to")
    type_date(page, dt.date(2026, 9, 30))
    tab_to(page, "sc-submit")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")
    with app.app_context():
        score = db.session.scalar(db.select(CriterionScore).where(
            CriterionScore.criterion_code == "LEG-01"))
        assert score is not None and score.score == 3, page.locator("main").inner_text()
        assert score.records_from == dt.date(2025, 10, 1)
        assert score.records_to == dt.date(2026, 9, 30)
