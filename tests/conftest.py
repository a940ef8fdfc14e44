"""Fixtures: an app on a fresh database per test, clients, users of every role, real SMTP.

The schema comes from the Alembic migrations (never `create_all`), once per run: on SQLite a
migrated template file is copied for each test; on PostgreSQL (REGISTRY_TEST_DATABASE_URL)
the migrated database is emptied after each test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from registry import create_app
from registry.extensions import db, limiter
from tests import factories, route_builders, rows
from tests.firms.routes_table import firm_route_objects
from tests.loopback import free_port
from tests.steps import log_in
from tests.watching.routes_table import watching_route_objects

route_builders.install()

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = PG_URL.startswith("postgresql")


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if ON_POSTGRES else 'SQLite (file per test)'}"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set REGISTRY_TEST_DATABASE_URL="
                               "postgresql+psycopg://postgres@127.0.0.1:5432/<db>")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BASE_URL": "http://registry.test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "KEYS_FOLDER": str(tmp_path / "keys"),
        "OUTBOX_FOLDER": str(tmp_path / "outbox"),
        "MAIL_SERVER": None,
    }


def migrate(database_url: str, workdir: Path) -> None:
    """Build the schema with the real migrations."""

    app = create_app(base_config(workdir, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database: a template file on SQLite, the migrated server DB on PostgreSQL."""
    workdir = tmp_path_factory.mktemp("template")
    if ON_POSTGRES:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            # A test database needs no durability across a crash of the server: a commit
            # that waits for the disk cost a fifth of the PostgreSQL suite's time. Every
            # later connection (the apps', gunicorn's in the tests that start one) has it.
            # A user who does not own the database keeps the waits: slower, as correct.
            with contextlib.suppress(DBAPIError), conn.begin_nested():
                conn.execute(text("DO $$ BEGIN EXECUTE format("
                                  "'ALTER DATABASE %I SET synchronous_commit = off', "
                                  "current_database()); END $$"))
        engine.dispose()
        migrate(PG_URL, workdir)
        return PG_URL
    path = workdir / "template.sqlite3"
    migrate(f"sqlite:///{path}", workdir)
    return path


@pytest.fixture
def database_url(database_template, tmp_path):
    if ON_POSTGRES:
        yield PG_URL
        _empty_postgres(PG_URL)
    else:
        path = tmp_path / "registry.sqlite3"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


_cleanup: dict = {}


def _empty_postgres(url: str) -> None:
    """Empty every table after a test, and restart every id sequence (tests may count ids
    from 1, as on a fresh SQLite copy). Only the tables the test wrote to are emptied, with
    DELETE and the foreign-key and append-only triggers off for this one transaction
    (`session_replication_role`, the server's superuser in CI): a TRUNCATE of all 44
    tables cost about 200 ms per test, a quarter of the PostgreSQL suite; this costs about
    15. Without the privilege it falls back to TRUNCATE of the tables written to."""
    if url not in _cleanup:
        engine = create_engine(url)
        with engine.connect() as conn:
            tables = [row[0] for row in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                "AND tablename <> 'alembic_version'"))]
        _cleanup[url] = (engine, text(" UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")"  # noqa: S608 (catalogue names)
            for t in tables)))
    engine, written = _cleanup[url]
    with engine.begin() as conn:
        tables = [row[0] for row in conn.execute(written)]
        if tables:
            try:
                with conn.begin_nested():
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
            except Exception:  # not a superuser: TRUNCATE needs no such privilege
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 (catalogue names)
        conn.execute(text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"))


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app with extra config (e.g. CSRF on, production settings)."""
    created = []

    def build(**overrides):
        app = create_app({**base_config(tmp_path, database_url), **overrides})
        created.append(app)
        with app.app_context():
            limiter.reset()
        return app

    yield build
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One user per role, plus an applicant with no firm; keyed by role name."""
    with app.app_context():
        made = {role: factories.make_user(role=role) for role in factories.ROLES}
        return {role: user.id for role, user in made.items()}


@pytest.fixture
def certified_firm(app):
    """`rows.certified_firm` inside `app`'s context: a certified firm inserted as rows (no
    workflow), for read-side tests; returns its `rows.Row`."""

    def make(name: str = "Contact Italia S.r.l.", **values) -> rows.Row:
        with app.app_context():
            return rows.certified_firm(name, **values)

    return make


@pytest.fixture
def login(client):
    def do(user_id: int):
        log_in(client, user_id)
        return client

    return do


# Real SMTP on loopback -----------------------------------------------------------------------
class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on a free loopback port; `.messages` holds what arrived."""

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app that sends its email to the loopback SMTP server."""
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)


@pytest.fixture
def route_objects(app, users):
    """Ids of objects the permission table's paths refer to ({firm}, {application}, …)."""

    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        application = factories.make_application(firm, owner, complete=True)
        objects = {"application": application.id,
                   "scheme": application.scheme_version_id}
    return {**firm_route_objects(app), **watching_route_objects(app), **objects}


@pytest.fixture
def people(app):
    """A firm with a submitted application, two auditors, two officers and an admin."""
    with app.app_context():
        owner = factories.make_user("applicant", email="owner@firm.it")
        firm = factories.make_firm(owner=owner)
        application = factories.make_application(firm, owner, complete=True, state="submitted")
        ids = {"owner": owner.id, "firm": firm.id, "application": application.id}
        for name, role in (("auditor", "auditor"), ("auditor2", "auditor"),
                           ("officer", "officer"), ("officer2", "officer"),
                           ("admin", "admin")):
            ids[name] = factories.make_user(role, email=f"{name}@registry.it").id
        return ids


# The fuzz test's tally (tests/test_fuzz.py), printed at the end of the session ------------
FUZZ_TALLY = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def fuzz_tally(pytestconfig):
    """Requests the fuzz test made and how many answered >= 500 or malformed."""
    return pytestconfig.stash.setdefault(
        FUZZ_TALLY, {"requests": 0, "server_errors": 0, "malformed": 0})


def pytest_terminal_summary(terminalreporter, config):
    tally = config.stash.get(FUZZ_TALLY, None)
    if not tally:
        return
    database = "PostgreSQL" if ON_POSTGRES else "SQLite"
    line = (f"fuzz ({database}): {tally['requests']} requests, {tally['server_errors']} "
            f"responses >= 500, {tally['malformed']} malformed bodies")
    terminalreporter.write_sep("-", "fuzz")
    terminalreporter.write_line(line)
    if os.environ.get("FUZZ_REPORT"):
        Path(os.environ["FUZZ_REPORT"]).write_text(
            json.dumps({"database": database, **tally}) + "\n", encoding="utf-8")


@event.listens_for(Engine, "connect")
def _no_waiting_for_the_disk(dbapi_connection, _record) -> None:
    # A test's SQLite file lives for one test: a commit need not wait for the disk (the
    # PostgreSQL test database has synchronous_commit off for the same reason).
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
