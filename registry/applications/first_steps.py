"""A new firm's first steps, for the checklist on its dashboard: confirm the email, the firm
profile, the sites, the application, the evidence, the submission — where the firm is now
and the page for the next step."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from registry.applications.models import Application
from registry.applications.services import missing_items
from registry.extensions import db
from registry.firms.models import Firm
from registry.security import Role


@dataclass(frozen=True)
class Step:
    """One step: what to do, whether it is done, and the page where it is done."""

    key: str
    label: str
    done: bool
    endpoint: str | None = None
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FirstSteps:
    steps: list[Step]

    @property
    def current(self) -> Step | None:
        """The first step not yet done (None: all done)."""
        return next((step for step in self.steps if not step.done), None)

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)


def first_steps(user) -> FirstSteps | None:
    """The checklist of an applicant whose firm has not submitted an application yet (None
    for other people, and once the first application has been submitted)."""
    if not user.has_role(Role.APPLICANT):
        return None
    firm = db.session.get(Firm, user.firm_id) if user.firm_id else None
    latest = None
    if firm is not None:
        latest = db.session.scalar(db.select(Application).where(
            Application.firm_id == firm.id).order_by(Application.id.desc()).limit(1))
    if latest is not None and latest.submitted_at is not None:
        return None
    has_site = firm is not None and any(site.is_italy for site in firm.open_sites)
    evidence_done = latest is not None and not any(
        item.code.startswith("evidence.") for item in missing_items(latest))
    detail = {"application_id": latest.id} if latest is not None else {}
    return FirstSteps([
        Step("email", _l("Conferma il tuo indirizzo email"),
             user.email_confirmed_at is not None),
        Step("profile", _l("Registra il profilo dell'azienda"), firm is not None,
             "firms.new" if firm is None else "firms.profile"),
        Step("sites", _l("Indica almeno una sede operativa in Italia"), has_site,
             "firms.new_site" if firm is not None else None),
        Step("application", _l("Apri la domanda di certificazione"), latest is not None,
             "applications.index" if firm is not None else None),
        Step("evidence", _l("Carica la documentazione dei criteri obbligatori"),
             evidence_done, "applications.detail" if latest is not None else None, detail),
        Step("submit", _l("Invia la domanda"), False,
             "applications.detail" if latest is not None else None, detail),
    ])
