"""Imports every model module so the metadata is complete (Alembic, mapper configuration)."""

from registry.accounts.models import User, UserRole  # noqa: F401
from registry.auditlog import AuditEvent  # noqa: F401
from registry.firms.models import Firm, MembershipRequest, Site  # noqa: F401
