"""Resending the confirmation email: from the login page's "not confirmed" message and from
a small page; rate-limited; the same answer whether or not the address has an account or is
already confirmed (no enumeration)."""

import re

from tests import factories


def _resend(client, email):
    return client.post("/account/confirm/resend", data={"email": email},
                       follow_redirects=True)


def test_an_unconfirmed_account_gets_a_new_link(mail_app, smtp_server):
    with mail_app.app_context():
        factories.make_user("applicant", email="new@firm.it", confirmed=False)
    client = mail_app.test_client()
    response = _resend(client, "New@Firm.it")
    assert response.status_code == 200
    (message,) = smtp_server.wait(1)
    assert message["To"] == "new@firm.it"
    link = re.search(r"https?://\S+/account/confirm/\S+", message.get_content()).group(0)
    assert client.get(link.split("registry.test", 1)[-1]).status_code == 302


def test_the_answer_is_the_same_for_unknown_and_confirmed_addresses(mail_app, smtp_server):
    with mail_app.app_context():
        factories.make_user("applicant", email="known@firm.it", confirmed=True)
        factories.make_user("applicant", email="pending@firm.it", confirmed=False)
    client = mail_app.test_client()
    pages = [_resend(client, email).get_data(as_text=True)
             for email in ("nobody@firm.it", "known@firm.it", "pending@firm.it")]
    flashes = [re.search(r"Se l&#39;indirizzo corrisponde[^<]*", page).group(0)
               for page in pages]
    assert len(set(flashes)) == 1
    messages = smtp_server.wait(1)
    assert [m["To"] for m in messages] == ["pending@firm.it"]


def test_the_login_page_offers_a_resend_when_the_address_is_not_confirmed(app, client):
    with app.app_context():
        factories.make_user("applicant", email="late@firm.it", confirmed=False)
    body = client.post("/account/login", data={"email": "late@firm.it",
                                               "password": factories.PASSWORD}
                       ).get_data(as_text=True)
    assert "Conferma prima il tuo indirizzo email" in body
    assert 'action="/account/confirm/resend"' in body
    assert 'name="email" value="late@firm.it"' in body
    assert client.get("/account/confirm/resend").status_code == 200


def test_resending_is_rate_limited(app, client):
    codes = [client.post("/account/confirm/resend", data={"email": "x@firm.it"}).status_code
             for _ in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429
