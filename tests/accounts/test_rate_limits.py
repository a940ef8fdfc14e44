"""Login limits that slow an attacker without locking the owner out, client addresses read
through trusted proxies only, and limits shared by several workers through Redis."""

import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from flask import request

from tests import factories
from tests.factories import PASSWORD
from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}
OWNER = {"REMOTE_ADDR": "192.0.2.10"}


def _login(client, email, password, environ=None, headers=None):
    return client.post("/account/login", data={"email": email, "password": password},
                       environ_base=environ or {}, headers=headers or {})


def test_attackers_failures_do_not_lock_the_owner_out(app, client):
    with app.app_context():
        factories.make_user("applicant", email="target@example.it")
    for _ in range(5):
        assert _login(client, "target@example.it", "wrong-guess-1", ATTACKER).status_code == 200
    # the attacker's address is slowed down, even with the right password…
    assert _login(client, "target@example.it", PASSWORD, ATTACKER).status_code == 429
    # …but the owner, from their own address, gets in
    owner = app.test_client()
    assert _login(owner, "target@example.it", PASSWORD, OWNER).status_code == 302
    assert owner.get("/dashboard").status_code == 200


# Trusted proxies ------------------------------------------------------------------------------
def _forwarded(address):
    return {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}


def _scheme_route(app):
    """A probe route for these tests only: what the app believes about the client."""
    app.add_url_rule("/_probe", "probe", lambda: f"{request.scheme} {request.remote_addr}")


def test_behind_a_trusted_proxy_each_client_has_its_bucket(make_app):
    app = make_app(PROXY_FIX=1, LOGIN_LIMIT_PER_ADDRESS="3 per minute",
                   LOGIN_LIMIT_PER_ACCOUNT="1000 per minute")
    _scheme_route(app)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(3):
        assert _login(client, f"u{n}@example.it", "wrong-guess-1", proxy,
                      _forwarded("203.0.113.1")).status_code == 200
    assert _login(client, "u9@example.it", "wrong-guess-1", proxy,
                  _forwarded("203.0.113.1")).status_code == 429
    assert _login(client, "u9@example.it", "wrong-guess-1", proxy,
                  _forwarded("203.0.113.2")).status_code == 200
    probe = client.get("/_probe", environ_base=proxy, headers=_forwarded("203.0.113.9"))
    assert probe.get_data(as_text=True) == "https 203.0.113.9"


def test_without_proxy_fix_forwarded_headers_are_ignored(make_app):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="3 per minute",
                   LOGIN_LIMIT_PER_ACCOUNT="1000 per minute")
    _scheme_route(app)
    client = app.test_client()
    for n in range(3):
        assert _login(client, f"u{n}@example.it", "wrong-guess-1",
                      headers=_forwarded(f"203.0.113.{n}")).status_code == 200
    # a client cannot pick a fresh bucket by sending a header
    assert _login(client, "u9@example.it", "wrong-guess-1",
                  headers=_forwarded("203.0.113.99")).status_code == 429
    probe = client.get("/_probe", headers=_forwarded("203.0.113.9"))
    assert probe.get_data(as_text=True) == "http 127.0.0.1"


# Two workers, one Redis ----------------------------------------------------------------------
WORKER = """
import sys
from werkzeug.serving import make_server
from registry import create_app
make_server("127.0.0.1", int(sys.argv[1]), create_app()).serve_forever()
"""


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _post(port, path, form):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = "&".join(f"{k}={v}" for k, v in form.items())
    connection.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    status = connection.getresponse().status
    connection.close()
    return status


def _wait_until_serving(port, process):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker exited: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("worker did not start")


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own, and its keys deleted afterwards."""
    if not _redis_reachable():
        pytest.skip("needs the Redis server at 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis(*REDIS)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_login_limit_counts_across_two_workers_on_one_redis(app, database_url, tmp_path,
                                                            redis_prefix):
    with app.app_context():
        factories.make_user("applicant", email="target@example.it")
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "REGISTRY_DATABASE_URL": database_url,
           "REGISTRY_SECRET_KEY": "two-workers-test-secret-key-0123456789",
           "REGISTRY_WTF_CSRF_ENABLED": "false",
           "REGISTRY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
           "REGISTRY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
           "REGISTRY_RATELIMIT_KEY_PREFIX": redis_prefix,
           "REGISTRY_UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "REGISTRY_KEYS_FOLDER": str(tmp_path / "keys"),
           "REGISTRY_OUTBOX_FOLDER": str(tmp_path / "outbox")}
    ports = [free_port(), free_port()]
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(port)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for port in ports]
    try:
        for port, worker in zip(ports, workers, strict=True):
            _wait_until_serving(port, worker)
        wrong = {"email": "target@example.it", "password": "wrong-guess-1"}
        # five failures in all, spread over both workers (3 + 2): each alone is under 5
        statuses = [_post(ports[n % 2], "/account/login", wrong) for n in range(5)]
        assert statuses == [200] * 5
        right = {"email": "target@example.it", "password": PASSWORD}
        assert _post(ports[0], "/account/login", right) == 429
        assert _post(ports[1], "/account/login", right) == 429
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
            worker.stderr.close()
    # the counters live in Redis, under this test's prefix, not in either worker
    client = redis.Redis(*REDIS)
    stored = [key.decode() for key in client.scan_iter(match=f"*{redis_prefix}*")]
    client.close()
    assert stored and all("login" in key for key in stored), stored
