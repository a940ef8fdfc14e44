"""The assessment's enums and sets: audit types follow the application kind."""

import pytest

from audits import sampling
from registry.applications.workflow import ApplicationKind
from registry.assessments.workflow import (
    NONCONFORMITIES,
    OPEN,
    AssessmentState,
    AuditType,
    FindingKind,
    audit_type_for,
)


@pytest.mark.parametrize(("kind", "audit_type"), [
    (ApplicationKind.INITIAL, AuditType.INITIAL),
    (ApplicationKind.RENEWAL, AuditType.RECERTIFICATION),
    (ApplicationKind.SURVEILLANCE, AuditType.SURVEILLANCE),
    ("renewal", AuditType.RECERTIFICATION)])
def test_audit_type_for_each_kind(kind, audit_type):
    assert audit_type_for(kind) == audit_type


def test_every_audit_type_has_a_site_sample_rule():
    assert {str(t) for t in AuditType} == set(sampling.FACTORS)


def test_sets():
    assert {AssessmentState.DRAFT} == OPEN
    assert {FindingKind.MAJOR_NC, FindingKind.MINOR_NC} == NONCONFORMITIES
