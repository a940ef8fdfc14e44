"""The page layout's fixed parts, rendered once per language and kept.

Every page carries the same head links, brand, menu buttons and footer: some forty
`url_for` and translation calls that give the same text for every request in a language
(by cProfile, about a fifth of a rendered register search page's time). They live in
`templates/layout/` and are rendered on first use per (part, language, script root), then
served from memory for the life of the worker. Nothing in those templates may depend on
the request or the person: those parts (language switch, sign-in zone, menu items,
messages) stay in `base.html`. The navigation links are likewise kept per language and set of roles.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from registry.navigation import nav_links

_lock = threading.Lock()


def _kept(app: Flask) -> dict:
    return app.extensions.setdefault("layout_parts", {})


def layout_part(template: str) -> Markup:
    """The rendered fixed part `template` in the current language."""
    app = current_app._get_current_object()
    key = (template, str(get_locale()), request.script_root)
    kept = _kept(app)
    part = kept.get(key)
    if part is None:
        part = Markup(render_template(template))  # noqa: S704 (an autoescaped template)
        with _lock:
            kept[key] = part
    return part


def kept_nav_links() -> list[tuple[str, str]]:
    """`nav_links()` for this person's roles in the current language, computed once."""
    roles = (tuple(sorted(str(role) for role in current_user.roles))
             if current_user.is_authenticated else None)
    key = ("nav", roles, str(get_locale()), request.script_root)
    kept = _kept(current_app._get_current_object())
    links = kept.get(key)
    if links is None:
        links = nav_links()
        with _lock:
            kept[key] = links
    return links


def register_layout(app: Flask) -> None:
    app.jinja_env.globals["layout_part"] = layout_part
    app.jinja_env.globals["nav_links"] = kept_nav_links
