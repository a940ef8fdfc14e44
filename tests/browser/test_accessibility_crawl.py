"""Every page each role can reach passes axe-core's WCAG 2.1 A and AA rules, at phone and
desktop width, and never scrolls sideways.

"Every page each role can reach" is found, not listed: over the demo data (a firm in every
state, one user per role), each demo user's browser starts at the dashboard and follows every
link on the registry's own pages, one page per endpoint, so a page added tomorrow is checked
as soon as a link leads to it. Downloads (PDF, CSV, XLSX, JSON, images) and the links that
change state for the person (log out, language) are not followed.

The pages are HTML rendered by the same templates on either database, so the crawl runs once,
on SQLite; the PostgreSQL run keeps the shorter per-role checks of test_accessibility.py.

A page whose main content (csrf tokens aside) is exactly that of a page already checked at
the same width (a public page, seen again by another role) is not run through axe again: it
is the same markup with a role's menu around it, and each role's menu and layout are checked
on its own pages, its dashboard first. It is still checked for sideways scrolling.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

from registry.accounts.models import User
from registry.demo import DEMO_USERS, load_demo_data
from registry.extensions import db
from tests.loopback import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
    pytest.mark.skipif(os.environ.get("REGISTRY_TEST_DATABASE_URL", "").startswith("postgres"),
                       reason="the same HTML on either database: the crawl runs on SQLite"),
]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = [(390, 844), (1280, 900)]
SHOTS = ARTIFACTS / "accessibility" / "crawl"
NOT_PAGES = (".pdf", ".csv", ".xlsx", ".json", ".svg", ".png", ".atom", ".gz", ".jsonld")
NOT_FOLLOWED = ("/account/logout", "/lang/", "/static/", "/api/")
MAX_PAGES_PER_ROLE = 60
MAIN_CONTENT = """() => {
  const main = (document.querySelector('main') || document.body).cloneNode(true);
  main.querySelectorAll('input[name=csrf_token]').forEach(input => input.remove());
  return main.outerHTML;
}"""


def axe_violations(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                        resultTypes: ['violations']})""", WCAG)
    return [{"rule": v["id"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def links_on(page, origin: str) -> list[str]:
    """The same-origin links of the page, as paths with their query."""
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.endswith(NOT_PAGES) or any(p in parts.path for p in NOT_FOLLOWED):
            continue
        paths.append(path)
    return paths


def endpoint_of(adapter, path: str) -> str | None:
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return endpoint


def test_every_page_each_role_reaches_passes_wcag(live_server, page_as):
    with live_server.app.app_context():
        assert load_demo_data() is True
        db.session.commit()
        # One user per role (the second auditor and officer see the same pages).
        people = {email.split("@")[0]: db.session.scalar(
            db.select(User.id).where(User.email == email)) for email, _n, _r in DEMO_USERS
            if not email.split("@")[0][-1].isdigit()}
    adapter = live_server.app.url_map.bind("127.0.0.1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, object] = {}
    checked: dict[str, list[str]] = {}
    desktop_checked: set[str] = set()  # at desktop width, each endpoint once for all roles
    contents: set[tuple] = set()  # (width, digest of the main content) already checked
    same_content = 0
    for person, user_id in people.items():
        pages = [page_as(user_id, width, height) for width, height in WIDTHS]
        queue, seen = ["/dashboard"], set()
        while queue and len(seen) < MAX_PAGES_PER_ROLE:
            path = queue.pop(0)
            endpoint = endpoint_of(adapter, path)
            if endpoint is None or endpoint in seen:
                continue
            seen.add(endpoint)
            for page, (width, _h) in zip(pages, WIDTHS, strict=True):
                if width != WIDTHS[0][0]:
                    if endpoint in desktop_checked:
                        break
                    desktop_checked.add(endpoint)
                try:
                    response = page.goto(live_server.url + path)
                except PlaywrightError:  # a download served without a file-like name
                    break
                if response is None or response.status != 200 or \
                        "text/html" not in response.headers.get("content-type", ""):
                    break  # a redirect, a refusal or a file: not a page of this role
                where = f"{person} {path} @ {width}px"
                if not page.evaluate("document.documentElement.scrollWidth"
                                     " <= window.innerWidth"):
                    failures[where] = "scrolls sideways"
                content = (width, hashlib.sha256(
                    page.evaluate(MAIN_CONTENT).encode()).hexdigest())
                if content in contents:
                    same_content += 1
                elif violations := axe_violations(page):
                    failures[where] = violations
                    page.screenshot(path=str(SHOTS / f"{person}-{endpoint}-{width}.png"),
                                    full_page=True)
                contents.add(content)
                if width == WIDTHS[0][0]:
                    checked.setdefault(person, []).append(endpoint)
                    queue.extend(p for p in links_on(page, live_server.url)
                                 if endpoint_of(adapter, p) not in seen)
    print({person: len(endpoints) for person, endpoints in checked.items()},
          f"{same_content} pages with the main content of a page checked before")
    # The crawl really went somewhere: every role reached its own pages.
    assert {"dashboard"} <= {e.split(".")[-1] for e in checked["admin"]}
    assert any(e.startswith("ministry.") for e in checked["ministry"]), checked["ministry"]
    assert any(e.startswith("assessments.") for e in checked["auditor"]), checked["auditor"]
    assert any(e.startswith("decisions.") for e in checked["officer"]), checked["officer"]
    assert any(e.startswith("applications.") for e in checked["applicant"])
    assert any(e.startswith("watching.") for e in checked["client"]), checked["client"]
    (ARTIFACTS / "accessibility" / "crawl-failures.txt").write_text(
        "\n".join(f"{where}: {what}" for where, what in failures.items()))
    assert not failures, failures
