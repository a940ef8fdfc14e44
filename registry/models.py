"""Imports every model module so the metadata is complete (Alembic, mapper configuration)."""

from audits.models import SchemeVersion  # noqa: F401
from registry.accounts.models import RecoveryCode, User, UserRole, UserSession  # noqa: F401
from registry.applications.models import (  # noqa: F401
    Application,
    ApplicationEvent,
    ChangeRequest,
    CriterionNote,
    Document,
    DocumentVersion,
    EvidenceLink,
)
from registry.assessments.models import (  # noqa: F401
    Assessment,
    Assignment,
    ConflictDeclaration,
    CriterionScore,
    Finding,
    SecondScore,
    SecondScoring,
)
from registry.auditlog import AuditEvent  # noqa: F401
from registry.certificates.models import (  # noqa: F401
    Certificate,
    CertificateCounter,
    Receipt,
    Reminder,
    SigningKey,
    StatusChange,
)
from registry.complaints.models import Complaint, ComplaintEvent  # noqa: F401
from registry.decisions.models import Appeal, Decision  # noqa: F401
from registry.firms.models import Firm, MembershipRequest, ProfileChange, Site  # noqa: F401
from registry.ministry.models import StatisticsFact, StatisticsRun  # noqa: F401
from registry.public.register_stamp import RegisterChange  # noqa: F401
from registry.watching.models import (  # noqa: F401
    ClientSettings,
    EmailFollow,
    WatchedSupplier,
    WatchEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
