"""An upload too large is caught in the browser before it is sent: the limit is stated
beside the field, the message appears beside it and the form stays on the page with what was
typed (static/js/upload-limit.js, a same-origin script under the CSP)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.loopback import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is missing (apt-get install -y chromium)"),
]


def test_a_file_over_the_limit_is_refused_before_sending(live_server, chromium):
    context = chromium.new_context(locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method) if r.method == "POST" else None)
    try:
        page.goto(f"{live_server.url}/verify/bulk")
        expect(page.locator("#file-limit")).to_have_text("Dimensione massima: 2 MB.")
        page.fill("#items", "01234567897")
        page.set_input_files("#file", files=[{"name": "fornitori.csv", "mimeType": "text/csv",
                                              "buffer": b"a;b\n" * (800 * 1024)}])
        expect(page.locator("#file-size-error")).to_be_visible()
        expect(page.locator("#file-size-error")).to_contain_text("supera la dimensione massima")
        page.get_by_role("button", name="Verifica l'elenco").click()
        expect(page.locator("#file")).to_be_focused()
        assert requests == []  # nothing was sent
        expect(page.locator("#items")).to_have_value("01234567897")
        page.set_input_files("#file", files=[])
        expect(page.locator("#file-size-error")).to_be_hidden()
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
