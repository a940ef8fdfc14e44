"""The navigation bar: which links each role sees. Computed here, not in templates."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.db import today_in_rome
from registry.security import Role

# (endpoint, label, roles that see it; empty = everyone)
NAV_ITEMS = [
    ("core.home", _l("Home"), ()),
    ("public.register_page", _l("Registro"), ()),
    ("public.scheme_in_force", _l("Lo schema"), ()),
    ("core.dashboard", _l("La mia area"), ("*",)),
    ("applications.index", _l("Domande"), (Role.APPLICANT,)),
    ("assessments.index", _l("Incarichi di valutazione"), (Role.AUDITOR,)),
    ("decisions.index", _l("Decisioni"), (Role.OFFICER,)),
    ("decisions.decisions_taken", _l("Decisioni prese"), (Role.OFFICER, Role.ADMIN)),
    ("certificates.index", _l("Certificati"), (Role.OFFICER, Role.ADMIN, Role.MINISTRY)),
    ("certificates.index", _l("I miei certificati"), (Role.APPLICANT,)),
    ("ministry.index", _l("Registro completo"), (Role.MINISTRY,)),
    ("ministry.delocalisation", _l("Delocalizzazioni"), (Role.MINISTRY,)),
    ("ministry.statistics_page", _l("Statistiche"), (Role.MINISTRY, Role.ADMIN)),
    ("decisions.admin_queue", _l("Domande in corso"), (Role.ADMIN,)),
    ("admin.users", _l("Utenti"), (Role.ADMIN,)),
    ("admin.schemes", _l("Schemi"), (Role.ADMIN,)),
    ("calibration.index", _l("Calibrazione"), (Role.ADMIN,)),
    ("calibration.second_scorings", _l("Doppie valutazioni"), (Role.AUDITOR,)),
    ("admin.audit_log", _l("Registro degli eventi"), (Role.ADMIN,)),
    ("firms.profile", _l("La mia azienda"), (Role.APPLICANT,)),
    ("firms.changes_index", _l("Modifiche dei dati"), (Role.OFFICER,)),
    ("complaints.index", _l("Segnalazioni"), (Role.OFFICER,)),
    ("complaints.overview", _l("Segnalazioni"), (Role.MINISTRY,)),
    ("complaints.firm_list", _l("Segnalazioni"), (Role.APPLICANT,)),
    ("watching.suppliers", _l("I miei fornitori"), (Role.CLIENT,)),
    ("watching.webhooks_page", _l("Webhook"), (Role.CLIENT,)),
]


def nav_links() -> list[tuple[str, str]]:
    """Links for the current user, in order."""
    links = []
    for endpoint, label, roles in NAV_ITEMS:
        if roles == ("*",) and not current_user.is_authenticated:
            continue
        if roles and roles != ("*",) and not (
            current_user.is_authenticated and any(current_user.has_role(r) for r in roles)
        ):
            continue
        # One link per page: a person with several roles sees the first label that fits.
        if endpoint in current_app.view_functions and url_for(endpoint) not in {
                url for url, _label in links}:
            links.append((url_for(endpoint), str(label)))
    return links


def register_navigation(app: Flask) -> None:
    # The day the page was made: a printed page (verify, firm) says when it was consulted.
    # The day, not the minute: kept pages are kept for the day (and revalidated by their
    # stamp), so a minute would be the moment the page was first rendered, not printed.
    app.jinja_env.globals["page_day"] = today_in_rome
