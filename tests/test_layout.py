"""The layout's fixed parts are kept per language, the menu per set of roles (registry/layout):
a kept part never crosses languages, and a person's menu follows their roles."""

from __future__ import annotations

from registry.accounts.models import User
from registry.extensions import db


def test_fixed_parts_follow_the_language(client):
    italian = client.get("/").get_data(as_text=True)
    assert "Dichiarazione di accessibilità" in italian and "Vai al contenuto" in italian
    client.get("/lang/en?next=/")
    english = client.get("/").get_data(as_text=True)
    assert "Accessibility statement" in english
    assert "Dichiarazione di accessibilità" not in english
    client.get("/lang/it?next=/")
    assert client.get("/register").get_data(as_text=True).count(
        "Dichiarazione di accessibilità") == 1


def test_the_menu_follows_the_person_and_their_roles(app, client, login, users):
    assert "Statistiche" not in client.get("/").get_data(as_text=True)
    login(users["ministry"])
    page = client.get("/").get_data(as_text=True)
    assert "Statistiche" in page and "Delocalizzazioni" in page and "Utenti" not in page
    with app.app_context():
        user = db.session.get(User, users["ministry"])
        user.set_roles(["ministry", "admin"])
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Utenti" in page and "Delocalizzazioni" in page
