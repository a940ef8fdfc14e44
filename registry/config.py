"""Configuration: defaults, then instance/config.py, then REGISTRY_* variables, then tests.

Loaded inside `create_app`, never at import time.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS: dict = {
    "ENV_NAME": "development",
    "BASE_URL": "http://127.0.0.1:5000",
    "SQLALCHEMY_DATABASE_URI": None,  # filled with the SQLite file in instance/ when unset
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_SENDER": "Registro Bollino Blu <noreply@bollinoblu.local>",
    "MAIL_TIMEOUT": 10,
    "PASSWORD_HASH_METHOD": "scrypt",
    "PASSWORD_MIN_LENGTH": 10,
    "RESET_TOKEN_MAX_AGE": 3600,  # a reset link lives one hour
    "CONFIRM_TOKEN_MAX_AGE": 3 * 24 * 3600,
    "INVITATION_MAX_AGE": 14 * 24 * 3600,
    # Failed logins count per account *and* client address (an attacker's failures never
    # lock the owner out from elsewhere) and per address; successful ones do not count.
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "20 per 15 minutes",
    # Failed second-factor codes (TOTP or recovery) count per account, from any address.
    "SECOND_FACTOR_LIMIT": "5 per 15 minutes",
    "API_RATE_LIMIT": "300 per minute",
    # Register exports per client address, and how long one may take (seconds): below a
    # worker's timeout (gunicorn's default is 30 s), so an export never gets a worker killed.
    "EXPORT_RATE_LIMIT": "10 per minute",
    # "Chi mi ha chiamato?" lookups (page and API) per client address.
    "PHONE_LOOKUP_RATE_LIMIT": "30 per minute",
    "EXPORT_TIME_LIMIT": 25,
    # Bulk supplier checks (up to 1,000 values each) and signed receipts (each signs a PDF
    # or a JWS: CPU), per client address.
    "BULK_CHECK_RATE_LIMIT": "10 per minute",
    "RECEIPT_RATE_LIMIT": "20 per minute",
    # Limits must be shared by every worker: redis://host:6379 in production. memory://
    # counts per process, so production accepts it only with WORKERS = 1.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "registry",
    "WORKERS": None,  # app processes sharing the limits; production with memory:// needs 1
    "PROXY_FIX": 0,  # trusted reverse proxies in front (X-Forwarded-For / -Proto)
    # A session's "last seen" is written at most this often (not on every request).
    "SESSION_TOUCH_SECONDS": 300,
    # A session ends after this long unused, and in any case this long after the login.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 12,
    # Between a correct password and the second factor (code or enrolment).
    "LOGIN_PENDING_MAX_AGE": 600,
    "SECOND_FACTOR_ISSUER": "Registro Bollino Blu",
    # Key material for TOTP secrets and recovery-code hashes; SECRET_KEY when unset. Set it
    # to rotate SECRET_KEY without resetting everybody's second factor.
    "SECOND_FACTOR_KEY": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_ENABLED": True,
    "MAX_UPLOAD_MB": 20,
    # The hard ceiling of a request body, a last resort well above MAX_UPLOAD_MB: a file up
    # to this size reaches its form, which answers "too large" with what was typed kept.
    "MAX_REQUEST_MB": 100,
    "UPLOAD_FOLDER": None,  # instance/uploads
    "KEYS_FOLDER": None,  # instance/keys
    "OUTBOX_FOLDER": None,  # instance/outbox
    "CERTIFICATES_FOLDER": None,  # instance/certificates (issued PDFs, local storage)
    "OPENDATA_FOLDER": None,  # instance/opendata (the nightly open-data dump, local storage)
    # Where evidence files, issued PDFs and signing keys live: "local" (the folders above) or
    # "s3" (an S3-compatible object store shared by several app servers; see README).
    "STORAGE_BACKEND": "local",
    "S3_BUCKET": None,
    "S3_ENDPOINT_URL": None,  # e.g. https://minio.internal:9000; unset for AWS S3
    "S3_REGION": None,
    "S3_ACCESS_KEY_ID": None,  # unset: boto3's usual chain (AWS_* variables, instance role)
    "S3_SECRET_ACCESS_KEY": None,
    "S3_PREFIX": "",  # a folder inside the bucket, e.g. "registry/"
    "PDF_SIGNING_PKCS12": None,
    # Development and tests create missing signing keys on first use; production never does
    # (`flask --app registry keys init` is an explicit step there).
    "AUTO_CREATE_KEYS": True,
    "PDF_SIGNING_PKCS12_PASSWORD": None,
    "BABEL_DEFAULT_LOCALE": "it",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
    "LANGUAGES": ["it", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "PREFERRED_URL_SCHEME": "http",
    # Following a firm by email: how long a confirmation link lives, and how long a second
    # request for the same address and firm stays silent (no mailbox flooding).
    "FOLLOW_CONFIRM_MAX_AGE": 48 * 3600,
    "FOLLOW_RESEND_MINUTES": 10,
    "FOLLOW_RATE_LIMIT": "10 per hour",
    # Webhooks: retries after the first failure (seconds, each with ±10 % jitter), the
    # request timeout, and when a failing endpoint is disabled (its owner is emailed).
    "WEBHOOK_RETRY_DELAYS": [60, 300, 1800, 7200, 28800, 86400],
    "WEBHOOK_TIMEOUT": 5,
    "WEBHOOK_DISABLE_AFTER_HOURS": 24,
    "WEBHOOK_DISABLE_AFTER_FAILURES": 15,
    "WEBHOOK_POLL_SECONDS": 5,
    "WEBHOOK_MAX_ENDPOINTS": 5,
    # The legal pages (privacy notice, accessibility statement, contacts): who runs the
    # register, where people write, and when the accessibility statement was last reviewed.
    "CONTROLLER_NAME": "Gestore del Registro Bollino Blu",
    "CONTROLLER_ADDRESS": None,
    # The controller's identifiers in the open-data catalogue (DCAT-AP_IT dct:identifier of
    # the publisher: the IPA code, else the tax code).
    "CONTROLLER_IPA_CODE": None,
    "CONTROLLER_TAX_CODE": None,
    "CONTACT_EMAIL": "info@bollinoblu.local",
    "DPO_EMAIL": "dpo@bollinoblu.local",
    "ACCESSIBILITY_REVIEWED_ON": "2026-11-29",
}

# REGISTRY_<NAME> environment variables map onto these keys; values are parsed as JSON when
# they look like JSON (numbers, booleans, lists), otherwise taken as strings.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "ENV": "ENV_NAME",
}


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill app.config in the documented order and check it for the chosen environment."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_from_environment())
    if test_config:
        app.config.update(test_config)
    instance = Path(app.instance_path)
    for key, folder in (("UPLOAD_FOLDER", "uploads"), ("KEYS_FOLDER", "keys"),
                        ("OUTBOX_FOLDER", "outbox")):
        if not app.config.get(key):
            app.config[key] = str(instance / folder)
    if not app.config.get("CERTIFICATES_FOLDER"):
        # Tests keep issued PDFs beside their keys, out of the project's instance folder.
        base = Path(app.config["KEYS_FOLDER"]).parent if app.config.get("TESTING") else instance
        app.config["CERTIFICATES_FOLDER"] = str(base / "certificates")
    if not app.config.get("OPENDATA_FOLDER"):
        base = Path(app.config["KEYS_FOLDER"]).parent if app.config.get("TESTING") else instance
        app.config["OPENDATA_FOLDER"] = str(base / "opendata")
    _check_storage(app)
    app.config["MAX_CONTENT_LENGTH"] = (max(int(app.config["MAX_REQUEST_MB"]),
                                            int(app.config["MAX_UPLOAD_MB"]) + 1)
                                        * 1024 * 1024)
    if app.config["ENV_NAME"] == "production":
        _check_production(app)
    else:
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            instance.mkdir(parents=True, exist_ok=True)
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'registry.sqlite3'}"
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _development_secret(instance)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite does not pool meaningfully; pre-ping only adds a query per checkout.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}


def _from_environment() -> dict:
    values = {}
    for name, raw in os.environ.items():
        if not name.startswith("REGISTRY_") or name.startswith("REGISTRY_TEST_"):
            continue
        key = name.removeprefix("REGISTRY_")
        key = ENV_ALIASES.get(key, key)
        values[key] = _parse(raw)
    return values


def _parse(raw: str):
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if not isinstance(value, str) else raw


def _check_storage(app: Flask) -> None:
    backend = app.config["STORAGE_BACKEND"]
    if backend not in ("local", "s3"):
        raise ConfigurationError(
            f"REGISTRY_STORAGE_BACKEND={backend!r}: use \"local\" or \"s3\".")
    if backend == "s3" and not app.config.get("S3_BUCKET"):
        raise ConfigurationError("REGISTRY_STORAGE_BACKEND=s3 needs REGISTRY_S3_BUCKET.")


MIN_SECRET_KEY_BYTES = 32


def _check_production(app: Flask) -> None:
    secret = app.config.get("SECRET_KEY")
    if not secret:
        raise ConfigurationError(
            "REGISTRY_ENV=production needs REGISTRY_SECRET_KEY: set a long random value."
        )
    if len(secret.encode() if isinstance(secret, str) else secret) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(
            f"REGISTRY_SECRET_KEY is too short: production needs at least "
            f"{MIN_SECRET_KEY_BYTES} bytes (e.g. python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))')."
        )
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not url.startswith("postgresql"):
        raise ConfigurationError(
            "REGISTRY_ENV=production needs REGISTRY_DATABASE_URL=postgresql+psycopg://…"
        )
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and app.config.get("WORKERS") != 1:
        raise ConfigurationError(
            "REGISTRY_ENV=production needs a rate-limit store shared by every worker: set "
            "REGISTRY_RATELIMIT_STORAGE_URI=redis://host:6379, or REGISTRY_WORKERS=1 if "
            "exactly one app process serves the registry."
        )
    app.config["AUTO_CREATE_KEYS"] = False
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["PREFERRED_URL_SCHEME"] = "https"


def _development_secret(instance: Path) -> str:
    """A key generated once and kept in instance/, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
