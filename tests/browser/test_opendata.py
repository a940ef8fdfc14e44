"""In a real browser, /opendata's JSON-LD block passes the Content Security Policy (a data
block is never run, so `script-src 'self'` does not refuse it) and reads back as the
catalogue; the register page leads to it."""

from __future__ import annotations

import json

import pytest

from tests.loopback import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


def test_json_ld_passes_the_csp_and_parses(live_server, chromium):
    page = chromium.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/register")
    page.click("a[href='/opendata']:visible >> nth=0")
    page.wait_for_url("**/opendata")
    text = page.locator("script[type='application/ld+json']").text_content()
    catalog = json.loads(text)
    assert "dcatapit:Catalog" in catalog["@type"]
    assert not [p for p in problems if "Content Security Policy" in p], problems
    page.close()
