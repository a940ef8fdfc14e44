"""Who else may read an application: the auditors assigned to it, once they have declared
their impartiality."""

from __future__ import annotations

from registry.applications.assignments import is_assigned
from registry.security import Role


def is_assigned_auditor(user, application) -> bool:
    """True if `user` is an auditor assigned to `application` with a signed declaration."""
    return user.has_role(Role.AUDITOR) and is_assigned(user, application.id)
