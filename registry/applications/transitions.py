"""`transition()`: the only writer of `Application.state`.

It checks the workflow table, appends the application's history and writes the audit log.
A concurrent change of the same application fails on its version counter and is reported as
a conflict; the caller's view rolls back.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from registry import auditlog
from registry.applications.labels import action_label, state_label
from registry.applications.models import Application, ApplicationEvent
from registry.applications.workflow import Action, TransitionError, next_state
from registry.errors import Conflict, InvalidTransition
from registry.extensions import db


def transition(application: Application, action: Action, actor, note: str | None = None
               ) -> ApplicationEvent:
    """Move the application along the workflow, recording history and the audit log."""
    before = application.state
    try:
        target = next_state(before, action)
    except TransitionError:
        raise InvalidTransition(_("Operazione «%(a)s» non consentita: la domanda è nello stato "
                                  "«%(s)s».", a=action_label(action), s=state_label(before))
                                ) from None
    application.state = target
    event = ApplicationEvent(application=application, action=str(action), from_state=before,
                             to_state=target, actor_id=getattr(actor, "id", None), note=note)
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("La domanda è stata modificata da qualcun altro nel frattempo: "
                         "ricarica la pagina.")) from None
    auditlog.record(f"application.{action}", "application", application.id, actor=actor,
                    before={"state": before}, after={"state": str(target)}, note=note)
    return event
