"""Role checks, safe redirects, trusted proxies and the security headers of every response."""

from __future__ import annotations

import enum
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, g
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from registry.extensions import login_manager


class Role(enum.StrEnum):
    """What a person may do in the registry. One person may hold several roles."""

    APPLICANT = "applicant"
    AUDITOR = "auditor"
    OFFICER = "officer"
    MINISTRY = "ministry"
    ADMIN = "admin"
    # A client company watching its suppliers (self-registered; no access to any file).
    CLIENT = "client"


# Staff who oversee the whole register: they read every application and certificate.
OVERSIGHT = frozenset({Role.ADMIN, Role.OFFICER, Role.MINISTRY})
# Staff who run the certification itself (start surveillance, manage the workflow).
CERTIFICATION_STAFF = frozenset({Role.ADMIN, Role.OFFICER})
# Staff log in with a password and a second factor: an officer's login can issue a
# certificate. Applicants may add one.
SECOND_FACTOR_ROLES = frozenset({Role.AUDITOR, Role.OFFICER, Role.MINISTRY, Role.ADMIN})


def has_any_role(user, roles) -> bool:
    """True if `user` is logged in and holds at least one of `roles`."""
    return bool(user.is_authenticated) and any(user.has_role(role) for role in roles)


def roles_required(*roles: Role):
    """Anonymous users go to the login page; logged-in users without one of `roles` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not any(current_user.has_role(role) for role in roles):
                abort(403)
            # A page only a logged-in person may see is never stored by a browser or proxy.
            mark_private()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def mark_private() -> None:
    """This response is for one person only: `Cache-Control: no-store` (see below)."""
    g.private_page = True


def private_blueprint(blueprint):
    """Every page of `blueprint` is private, including those open to anonymous visitors
    (a password-reset link, an invitation): none may be kept by a browser or a proxy."""
    blueprint.before_request(mark_private)
    return blueprint


def login_required(view):
    """Any logged-in user."""
    return roles_required()(view)


def is_safe_redirect(target: str | None) -> bool:
    """Only paths on this site: `?next=` must never send a user to another host."""
    if not target:
        return False
    parts = urlsplit(target)
    # No control character either: a line break would end the Location header, and browsers
    # drop a TAB or newline from a URL ("/\t/evil.example" would become "//evil.example").
    return (not parts.scheme and not parts.netloc and target.startswith("/")
            and not target.startswith("//") and "\\" not in target and target.isprintable())


def trust_proxies(app: Flask) -> None:
    """Behind `PROXY_FIX` reverse proxies, read the client address and scheme from their
    X-Forwarded-For / X-Forwarded-Proto headers (the last N hops only).

    With the default 0 the headers are ignored: anyone can send them, so trusting them
    without a proxy that overwrites them would let a client pick its own rate-limit bucket.
    Behind a proxy and with 0, every client would share the proxy's address.
    """
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


CSP = (
    # Bootstrap Italia's bundle injects styles at run time and its CSS embeds an icon font as
    # a data: URL, so styles allow 'unsafe-inline'; scripts stay strictly same-origin, which
    # is what stops injected markup from running code.
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    """No inline script anywhere, no framing, no MIME sniffing; HSTS in production."""

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["ENV_NAME"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if g.get("private_page"):
            headers.setdefault("Cache-Control", "no-store")
        return response
