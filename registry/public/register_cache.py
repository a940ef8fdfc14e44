"""Rendered register pages (HTML list and API list), kept per worker and revalidated by the
register's stamp on every hit.

The register's list and search are the same bytes for every anonymous visitor asking the
same question on the same day. A hit costs one lookup of the stamp (the newest row of
`register_change`, a short walk of its primary key) and a dictionary read; any transaction that
changes a firm, a site, a calling number, a certificate or a status moves the stamp, so the
next request renders afresh, in every worker: a suspension never lingers in a kept page.
The day (in Rome) is part of the key, as on the verify page, so a certificate that expires
at midnight leaves the kept pages with no change on record. Signed-in people (their pages
carry their own navigation) and error answers are never kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app, request

from registry.i18n import select_locale
from registry.public import register_stamp
from registry.public.verify_cache import Cache, serve_kept

MAX_ENTRIES = 512


def init_app(app) -> None:
    app.config.setdefault("REGISTER_CACHE", True)
    app.extensions["register_cache"] = Cache(MAX_ENTRIES)


def _cacheable() -> bool:
    return (current_app.config["REGISTER_CACHE"]
            and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies)


def serve(kind: str, day: dt.date, render: Callable[[], tuple[str, int]]) -> tuple[bytes, int]:
    """The page of `kind` ("html" or "api") for this request's URL: kept while the
    register's stamp holds, else rendered. The stamp is read before rendering, so a change
    landing in between leaves a stale stamp on the kept page, never a stale page."""
    if not _cacheable():
        body, status = render()
        return body.encode(), status
    # The host is in the key: the API's `next` link is absolute.
    return serve_kept(current_app.extensions["register_cache"],
                      (kind, request.host, request.full_path, select_locale(), day),
                      (register_stamp.stamp(),), render, keep=lambda status: status == 200)
