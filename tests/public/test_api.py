"""OpenAPI document, Atom feed, CORS and the API's rate limit."""

import datetime as dt

import feedparser
from openapi_spec_validator import validate

from tests import rows


def test_openapi_document_validates(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/api/v1/certificates/{number}" in document["paths"]


def test_api_responses_match_the_documented_required_fields(client, certified_firm):
    number = certified_firm().number
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]
    data = client.get(f"/api/v1/certificates/{number}").get_json()
    assert set(schema["Certificate"]["required"]) <= set(data)
    page = client.get("/api/v1/register").get_json()
    assert set(schema["RegisterPage"]["required"]) <= set(page)


def test_atom_feed_parses_newest_first(app, client, certified_firm):
    row = certified_firm(valid_from=dt.date.today() - dt.timedelta(days=30))
    with app.app_context():
        rows.change_status(row, "suspended", public_reason="DURC")
    response = client.get("/feeds/status.atom")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    terms = [entry.tags[0].term for entry in feed.entries]
    assert terms[:2] == ["suspended", "valid"]


def test_cors_on_the_api(client):
    response = client.get("/api/v1/keys", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_says_when_to_retry(make_app):
    app = make_app(API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/keys").status_code == 200
    response = client.get("/api/v1/keys")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
