"""Parts that later stages of certification add to the firm's application page.

The firm's file comes before the decision in the dependency order, so it cannot ask the
decisions feature for its part of the page; that feature registers a function at start-up
which renders it (the decision, the appeal and its form).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from registry.accounts.models import User
from registry.applications.models import Application

Section = Callable[[Application, User], str]
SECTIONS: list[Section] = []


def register_section(render: Section) -> None:
    """Add `render(application, user)` to the application page (idempotent)."""
    if render not in SECTIONS:
        SECTIONS.append(render)


def render_sections(application: Application, user: User) -> list[Markup]:
    """Every registered part of the page, rendered for `user`, in registration order."""
    return [Markup(render(application, user)) for render in SECTIONS]  # noqa: S704 - rendered templates
