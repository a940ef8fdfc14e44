"""Keyboard only, no mouse: a firm signs up, and a buyer reads a verify page and reaches
the firm from it. Each field is reached with Tab (in the page's order), filled by typing, and
the form is sent with Enter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.accounts.models import User
from registry.extensions import db
from tests import factories, rows

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
