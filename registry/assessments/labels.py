"""The words people read for assessment states, findings, auditor roles and audit types."""

from __future__ import annotations

from registry.assessments.workflow import (
    AUDIT_TYPE_LABELS,
    FINDING_LABELS,
    FINDING_STATUS_LABELS,
    ROLE_LABELS,
    SECOND_SCORING_LABELS,
    STATE_LABELS,
    AssessmentState,
    AuditorRole,
    AuditType,
    FindingKind,
    FindingStatus,
    SecondScoringState,
)
from registry.i18n import labeller

assessment_state_label = labeller(AssessmentState, STATE_LABELS)
finding_label = labeller(FindingKind, FINDING_LABELS)
finding_status_label = labeller(FindingStatus, FINDING_STATUS_LABELS)
auditor_role_label = labeller(AuditorRole, ROLE_LABELS)
audit_type_label = labeller(AuditType, AUDIT_TYPE_LABELS)
second_scoring_label = labeller(SecondScoringState, SECOND_SCORING_LABELS)
