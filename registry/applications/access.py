"""Who may read or change a firm's application.

The firm's members and the staff who oversee the register read every file; later stages of
certification (the auditors assigned to a file) are above this package in the dependency
order, so they register a predicate in `READERS` at start-up instead of being imported here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from registry.accounts.models import User
from registry.applications.models import Application
from registry.applications.workflow import EDITABLE_BY_FIRM, ApplicationState
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.security import OVERSIGHT, Role, has_any_role

Reader = Callable[[User, Application], bool]
READERS: list[Reader] = []


def register_reader(predicate: Reader) -> None:
    """Let `predicate(user, application)` grant read access too (idempotent)."""
    if predicate not in READERS:
        READERS.append(predicate)


def is_firm_member(user: User, application: Application) -> bool:
    return (user.is_authenticated and user.has_role(Role.APPLICANT)
            and user.firm_id == application.firm_id)


def can_view(user: User, application: Application) -> bool:
    """Firm members, staff who oversee the register, and whoever a registered reader admits
    (the auditors assigned to it)."""
    if not user.is_authenticated:
        return False
    if is_firm_member(user, application) or has_any_role(user, OVERSIGHT):
        return True
    return any(reader(user, application) for reader in READERS)


def get_for(user: User, application_id: int) -> Application:
    """The application if `user` may see it; otherwise 404, so ids cannot be probed."""
    application = db.session.get(Application, application_id)
    if application is None or not can_view(user, application):
        raise NotFound(_("Domanda non trovata."))
    return application


def can_edit(user: User, application: Application) -> bool:
    """The firm's members change notes and evidence while the file is open to them."""
    return (is_firm_member(user, application)
            and ApplicationState(application.state) in EDITABLE_BY_FIRM)


def require_firm_editor(user: User, application: Application) -> None:
    """Only the firm's members change notes and evidence, and only while it is open to them."""
    if not is_firm_member(user, application):
        raise NotPermitted(_("Solo l'azienda può modificare la propria domanda."))
    if ApplicationState(application.state) not in EDITABLE_BY_FIRM:
        raise DomainError(_("La domanda è bloccata: non si può modificare in questo stato."))
