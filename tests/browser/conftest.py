"""Fixtures for the end-to-end browser tests: the app served on loopback, Debian's Chromium.

The fixtures are named so that they never clash with pytest-playwright's own (`page`,
`context`, `browser`, `playwright`, `base_url`…): we drive Playwright's sync API ourselves,
because the browser is Debian's /usr/bin/chromium, not one `playwright install` downloads.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.loopback import CHROMIUM, free_port
from tests.steps import log_in

# Assertions wait as long as page actions do: on a loaded 2-core machine a navigation and its
# rendering can take longer than Playwright's default 5 s for `expect`.
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class LiveServer:
    """The app served by werkzeug in a background thread on 127.0.0.1."""

    def __init__(self, app, port: int):

        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(make_app):
    """The registry with CSRF on (forms are submitted as a browser does), on a free port."""
    port = free_port()
    app = make_app(WTF_CSRF_ENABLED=True, BASE_URL=f"http://127.0.0.1:{port}")
    server = LiveServer(app, port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chromium():
    """Debian's Chromium launched headless through Playwright's sync API."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_as(chromium, live_server):
    """A factory of browser pages logged in as a user: the session is opened through the
    service (as tests.steps.log_in does) and its cookie handed to the browser. The pages'
    contexts are closed at the end of the test."""
    contexts = []

    def open_page(user_id: int, width: int = 1280, height: int = 900, timeout_ms=10_000):
        client = live_server.app.test_client()
        log_in(client, user_id)
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       locale="it-IT")
        context.add_cookies([{"name": "session", "value": client.get_cookie("session").value,
                              "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        return page

    yield open_page
    for context in contexts:
        context.close()
