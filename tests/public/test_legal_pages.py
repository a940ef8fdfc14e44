"""The pages every Italian public service has (accessibility statement, privacy notice, legal
notes, contacts) and the API documentation: public, in both languages, linked from every
page's footer, and saying what the configuration says about who runs the register."""

from __future__ import annotations

import re

import pytest

from registry.public.openapi import document

PAGES = {"/accessibility": "Dichiarazione di accessibilità", "/privacy": "Informativa",
         "/legal": "Note legali", "/contacts": "Contatti", "/api": "API pubblica"}


@pytest.fixture
def configured(make_app):
    return make_app(CONTACT_EMAIL="scrivici@registro.example", DPO_EMAIL="dpo@registro.example",
                    CONTROLLER_NAME="Ente Gestore Esempio S.p.A.",
                    CONTROLLER_ADDRESS="Via Roma 1, 00100 Roma")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_legal_page_is_public_in_both_languages(client, lang):
    client.get(f"/lang/{lang}")
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert f'<html lang="{lang}">' in response.text


def test_the_italian_titles(client):
    for path, title in PAGES.items():
        assert title in client.get(path).text, path


def test_the_footer_links_every_legal_page_and_the_scheme(client):
    html = client.get("/").text
    footer = html[html.index("<footer"):]
    for path in [*PAGES, "/scheme", "/register"]:
        assert f'href="{path}"' in footer, path


def test_the_accessibility_statement_is_honest_and_gives_a_feedback_address(configured):
    html = configured.test_client().get("/accessibility").text
    assert "parzialmente conforme" in html
    assert "legge 9 gennaio 2004, n. 4" in html
    assert 'href="mailto:scrivici@registro.example"' in html
    assert "https://form.agid.gov.it/" in html  # AgID's procedure when we do not answer
    assert html.count("<li>") >= 3  # the known gaps, listed


def test_the_privacy_notice_names_controller_dpo_data_retention_and_rights(configured):
    html = configured.test_client().get("/privacy").text
    for fact in ["Ente Gestore Esempio S.p.A.", "Via Roma 1, 00100 Roma",
                 'mailto:dpo@registro.example', "legale rappresentante", "Lavoratori",
                 "indirizzo IP", "Conservazione", "120 minuti", "12 ore", "48 ore",
                 "Garante per la protezione dei dati personali", "art. 6.1.b"]:
        assert fact in html, fact


def test_the_contacts_page_gives_the_configured_addresses(configured):
    html = configured.test_client().get("/contacts").text
    assert "mailto:scrivici@registro.example" in html and "mailto:dpo@registro.example" in html


def test_the_api_page_renders_every_operation_and_schema_of_the_openapi_document(app, client):
    html = client.get("/api").text
    with app.test_request_context():
        doc = document(app.config["BASE_URL"])
    for path, operations in doc["paths"].items():
        for method in operations:
            assert f"{method.upper()} {path}" in html, (method, path)
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in html, name
    for param in doc["paths"]["/api/v1/register"]["get"]["parameters"]:
        assert f"<code>{param['name']}</code>" in html
    assert '<a href="/api/v1/openapi.json">' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script: the CSP holds
