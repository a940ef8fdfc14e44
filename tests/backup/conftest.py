"""Restore targets: a fresh empty database (a new SQLite file, or a second PostgreSQL
database created for the test and dropped after it) and an app with its own empty folders."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from registry import create_app
from registry.extensions import db
from tests.conftest import ON_POSTGRES, PG_URL, base_config

PASSPHRASE_VAR = "BB_TEST_BACKUP_PASSPHRASE"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv(PASSPHRASE_VAR, PASSPHRASE)
    return PASSPHRASE_VAR


def _server_engine():
    server = make_url(PG_URL).set(database="postgres")
    return create_engine(server, isolation_level="AUTOCOMMIT")


@pytest.fixture
def new_database(tmp_path):
    """`new_database(dialect=None)`: the URL of a database with nothing in it, on this run's
    database server (PostgreSQL: created here, dropped at the end), or SQLite when asked."""
    created: list[str] = []

    def make(dialect: str | None = None) -> str:
        dialect = dialect or ("postgresql" if ON_POSTGRES else "sqlite")
        if dialect == "sqlite":
            folder = tmp_path / f"db-{uuid.uuid4().hex[:8]}"
            folder.mkdir()
            return f"sqlite:///{folder / 'registry.sqlite3'}"
        url = make_url(PG_URL)
        name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
        engine = _server_engine()
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        created.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    yield make
    if created:
        engine = _server_engine()
        with engine.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def target_app(tmp_path):
    """`target_app(url, **config)`: an app on `url` with its own, empty instance folders."""
    apps = []

    def make(url: str, **overrides):
        folder = tmp_path / f"target-{len(apps)}"
        app = create_app({**base_config(folder, url), **overrides})
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# The object-store backend's fixtures (moto's S3 server on loopback), for the round trip
# from and into an S3 bucket.
from tests.storage.conftest import s3_endpoint, s3_settings  # noqa: E402, F401
