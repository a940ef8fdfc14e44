"""Imports every model module so the metadata is complete (Alembic, mapper configuration)."""

from audits.models import (  # noqa: F401
    Assessment,
    Assignment,
    ChangeRequest,
    ConflictDeclaration,
    CriterionScore,
    Finding,
    SchemeVersion,
)
from registry.accounts.models import User, UserRole  # noqa: F401
from registry.applications.models import (  # noqa: F401  # noqa: F401
    Appeal,
    Application,
    ApplicationEvent,
    CriterionNote,
    Decision,
    Document,
    DocumentVersion,
    EvidenceLink,
)
from registry.auditlog import AuditEvent  # noqa: F401
from registry.certificates.models import (  # noqa: F401
    Certificate,
    CertificateCounter,
    Reminder,
    SigningKey,
    StatusChange,
)
from registry.firms.models import Firm, MembershipRequest, Site  # noqa: F401
