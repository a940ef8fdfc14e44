"""The auditor's assessment: its states, the kinds of finding, the auditors' roles and the
audit types (standard library only).

An assessment is a draft while the auditor scores; submitting it locks it, and only an
officer sending the file back to the firm reopens it.
"""

from __future__ import annotations

import enum

from registry.applications.workflow import ApplicationKind
from registry.wording import N_


class AssessmentState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class FindingKind(enum.StrEnum):
    MAJOR_NC = "major_nc"
    MINOR_NC = "minor_nc"
    OBSERVATION = "observation"
    GOOD_PRACTICE = "good_practice"


class FindingStatus(enum.StrEnum):
    """A nonconformity is open until the firm gives its corrective-action plan, and closed
    when the auditor has verified the correction."""

    OPEN = "open"
    PLANNED = "planned"
    CLOSED = "closed"


class AuditorRole(enum.StrEnum):
    LEAD = "lead"
    SECOND = "second"


class AuditType(enum.StrEnum):
    """The audit types of IAF MD 1 (they set the site sample, see audits.sampling)."""

    INITIAL = "initial"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"


class AssignmentEnd(enum.StrEnum):
    """Why an assignment ended before the audit did (the row stays, as history)."""

    CONFLICT_DECLARED = "conflict"


# The auditor may change scores, findings, dates and sites.
OPEN = frozenset({AssessmentState.DRAFT})
# Findings that need a corrective action by a date.
NONCONFORMITIES = frozenset({FindingKind.MAJOR_NC, FindingKind.MINOR_NC})

STATE_LABELS = {AssessmentState.DRAFT: N_("in corso"),
                AssessmentState.SUBMITTED: N_("inviata")}
FINDING_LABELS = {
    FindingKind.MAJOR_NC: N_("Non conformità maggiore"),
    FindingKind.MINOR_NC: N_("Non conformità minore"),
    FindingKind.OBSERVATION: N_("Osservazione"),
    FindingKind.GOOD_PRACTICE: N_("Buona pratica"),
}
FINDING_STATUS_LABELS = {FindingStatus.OPEN: N_("da correggere"),
                         FindingStatus.PLANNED: N_("piano presentato, da verificare"),
                         FindingStatus.CLOSED: N_("chiuso")}
ROLE_LABELS = {AuditorRole.LEAD: N_("Valutatore responsabile"),
               AuditorRole.SECOND: N_("Secondo valutatore")}
AUDIT_TYPE_LABELS = {AuditType.INITIAL: N_("audit iniziale"),
                     AuditType.SURVEILLANCE: N_("audit di sorveglianza"),
                     AuditType.RECERTIFICATION: N_("audit di rinnovo")}


def audit_type_for(application_kind: str) -> AuditType:
    """The audit an application calls for: surveillance for a surveillance, recertification
    for a renewal, initial otherwise."""
    return {ApplicationKind.SURVEILLANCE: AuditType.SURVEILLANCE,
            ApplicationKind.RENEWAL: AuditType.RECERTIFICATION,
            }.get(ApplicationKind(application_kind), AuditType.INITIAL)


class SecondScoringState(enum.StrEnum):
    """A blind second scoring (auditor calibration): drawn and waiting for the second
    auditor, then done. It never changes the assessment or the decision."""

    PENDING = "pending"
    DONE = "done"


SECOND_SCORING_LABELS = {SecondScoringState.PENDING: N_("da svolgere"),
                         SecondScoringState.DONE: N_("svolta")}
