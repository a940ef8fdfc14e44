"""Fixtures of the watching tests: a real HTTP receiver on loopback, and a client account
that watches a certified firm through a webhook endpoint."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from registry.extensions import db
from registry.models import User, WatchedSupplier
from registry.watching import webhooks
from tests import factories, rows
from tests.loopback import free_port


class Receiver:
    """An HTTP server in a thread: answers each POST with the next code of `codes` (then
    200), verifies the signature with the library's own verifier, keeps what arrived."""

    def __init__(self):
        self.codes: list[int] = []
        self.secret: str | None = None
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                code = receiver.codes.pop(0) if receiver.codes else 200
                receiver.received.append({"headers": headers, "payload": payload,
                                          "verified": verified, "code": code})
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"x" * 2000 if code >= 500 else b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/bollino"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def watched(receiver):
    """Within an app context: a certified firm, an officer, and a client account watching
    the firm with an endpoint at `receiver`. Returns a dict of ids (and the secret)."""

    def make(app, name: str = "Fornitore Uno S.r.l."):
        with app.app_context():
            row = rows.certified_firm(name)
            officer = factories.make_user("officer")
            client = factories.make_user("client", email="acquisti@cliente.it")
            db.session.add(WatchedSupplier(user_id=client.id, firm_id=row.firm_id))
            endpoint, secret = webhooks.create_endpoint(client, receiver.url)
            db.session.commit()
            receiver.secret = secret
            return {"row": row, "officer": officer.id, "client": client.id,
                    "endpoint": endpoint.id, "secret": secret}

    return make


def user(user_id: int) -> User:
    return db.session.get(User, user_id)
