"""The application shell: configuration, error pages, headers, health."""

import pytest

from registry import create_app
from registry.config import ConfigurationError


def test_home_is_public(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Registro Bollino Blu" in response.get_data(as_text=True)


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="REGISTRY_SECRET_KEY"):
        create_app({"ENV_NAME": "production",
                    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1/x"})


def test_production_refuses_sqlite(monkeypatch):
    with pytest.raises(ConfigurationError, match="postgresql"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "s" * 40,
                    "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})


PRODUCTION = {"ENV_NAME": "production", "SECRET_KEY": "s" * 32,
              "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1/x",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}


@pytest.mark.parametrize("key", ["abc", "s" * 31, "è" * 15])  # "è" is two bytes: 30 bytes
def test_production_refuses_a_short_secret_key(key):
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        create_app({**PRODUCTION, "SECRET_KEY": key})


def test_production_accepts_a_32_byte_secret_key():
    assert create_app({**PRODUCTION, "SECRET_KEY": "è" * 16}).config["ENV_NAME"] == "production"


def test_production_refuses_per_process_rate_limits_with_several_workers():
    for workers in (None, 2, 4):
        with pytest.raises(ConfigurationError, match="REGISTRY_RATELIMIT_STORAGE_URI=redis"):
            create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://",
                        "WORKERS": workers})


def test_production_accepts_memory_limits_with_exactly_one_worker(monkeypatch):
    monkeypatch.setenv("REGISTRY_WORKERS", "1")
    app = create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["WORKERS"] == 1


def test_production_environment_variable_refuses(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    with pytest.raises(ConfigurationError):
        create_app()


def test_production_sets_secure_cookies():
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/static/css/registry.css")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://registro.example.it")
    monkeypatch.setenv("REGISTRY_MAX_UPLOAD_MB", "5")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["BASE_URL"] == "https://registro.example.it"
    assert app.config["MAX_UPLOAD_MB"] == 5


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["script-src"]
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in headers  # only in production


def test_pages_have_no_inline_script(client):
    html = client.get("/account/login").get_data(as_text=True)
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), "inline <script> would be blocked by the CSP"
    assert " onclick=" not in html and " style=" not in html


def test_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_trace(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Errore interno" in body


def test_method_not_allowed_page(client):
    assert client.post("/").status_code == 405


def test_language_switch_to_english(client):
    client.get("/lang/en?next=/")
    assert "Bollino Blu Register" in client.get("/").get_data(as_text=True)
    client.get("/lang/it?next=/")
    assert "Registro Bollino Blu" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_external_redirect(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_public_page_sets_no_cookie(client):
    response = client.get("/")
    assert "Set-Cookie" not in response.headers
