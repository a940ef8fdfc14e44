"""Absolute links for emails, QR codes and feeds, built from BASE_URL (also outside requests)."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """`BASE_URL` + the route's path: the same link from a request, a CLI job or a test."""
    # Bound once per app (binding costs as much as building; an API page builds 40 links).
    adapter = current_app.extensions.get("external_url_adapter")
    if adapter is None:
        adapter = current_app.url_map.bind("registry.invalid", url_scheme="https")
        current_app.extensions["external_url_adapter"] = adapter
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["BASE_URL"].rstrip("/") + path
