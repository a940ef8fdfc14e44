"""Absolute links for emails, QR codes and feeds, built from BASE_URL (also outside requests)."""

from __future__ import annotations

import re

from flask import current_app

# Characters no URL encoding changes, in a path segment or in a query value.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")
_SLOT = "ZZslot{}ZZ"
_SLOTS = re.compile(r"ZZslot(\d+)ZZ")


def _adapter():
    # Bound once per app (binding costs as much as building; an API page builds 40 links).
    adapter = current_app.extensions.get("external_url_adapter")
    if adapter is None:
        adapter = current_app.url_map.bind("registry.invalid", url_scheme="https")
        current_app.extensions["external_url_adapter"] = adapter
    return adapter


def external_url(endpoint: str, **values) -> str:
    """`BASE_URL` + the route's path: the same link from a request, a CLI job or a test."""
    path = _adapter().build(endpoint, values, force_external=False)
    return current_app.config["BASE_URL"].rstrip("/") + path


def external_url_of_values(endpoint: str, **values) -> str:
    """`external_url(endpoint, **values)`, for links built once per row of a list (an API
    page's certificates): the route is built once per app with placeholders, and each call
    fills them in, when every value is made of characters no encoding changes (certificate
    numbers, tokens); any other value takes the router, so the link is always the same."""
    if not all(isinstance(value, str) and _UNRESERVED.fullmatch(value)
               for value in values.values()):
        return external_url(endpoint, **values)
    names = tuple(values)
    key = ("external_url_template", endpoint, names)
    pieces = current_app.extensions.get(key)
    if pieces is None:
        # The link with a marker per value, cut at the markers: literal, index, literal…
        built = external_url(endpoint, **{name: _SLOT.format(index)
                                          for index, name in enumerate(names)})
        pieces = _SLOTS.split(built)
        current_app.extensions[key] = pieces
    return "".join(values[names[int(piece)]] if index % 2 else piece
                   for index, piece in enumerate(pieces))
