"""Every stored code a person may read has a word in Italian and in English, from one table
beside its enum; no code (`under_audit`, `L2`, `suspended`) is ever shown as it is stored."""

import pytest

from registry.applications.labels import action_label, kind_label, state_label
from registry.applications.workflow import Action, ApplicationKind, ApplicationState
from registry.assessments.labels import (
    assessment_state_label,
    audit_type_label,
    auditor_role_label,
    finding_label,
)
from registry.assessments.workflow import AssessmentState, AuditorRole, AuditType, FindingKind
from registry.certificates import labels as certificate_labels
from registry.certificates.status import CertificateAction, CertificateStatus
from registry.certificates.verdict import Verdict
from registry.decisions.labels import appeal_outcome_label, outcome_label
from registry.decisions.workflow import AppealOutcome, DecisionOutcome
from registry.i18n import labeller

LABELLED = [
    (ApplicationState, state_label), (ApplicationKind, kind_label), (Action, action_label),
    (AssessmentState, assessment_state_label), (AuditType, audit_type_label),
    (AuditorRole, auditor_role_label), (FindingKind, finding_label),
    (CertificateStatus, certificate_labels.status_label),
    (CertificateAction, certificate_labels.action_label),
    (Verdict, certificate_labels.verdict_label),
    (DecisionOutcome, outcome_label), (AppealOutcome, appeal_outcome_label),
]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize(("kind", "label"), LABELLED, ids=lambda x: getattr(x, "__name__", ""))
def test_every_code_has_a_word_in_both_languages(app, kind, label, lang):
    with app.test_request_context(f"/?lang={lang}"):
        words = {member: label(member) for member in kind}
        assert label(str(next(iter(kind)))) == words[next(iter(kind))]  # stored strings too
    for member, word in words.items():
        # English may share a plain word with the code ("valid"), never its spelling as code.
        assert word and "_" not in word, (member, word)
        assert lang == "en" or word != str(member), (member, word)
    # Distinct codes read as distinct words, except where the contract maps them together.
    assert len(set(words.values())) == len(words) or kind is Verdict


def test_english_differs_from_italian(app):
    with app.test_request_context("/?lang=it"):
        italian = state_label(ApplicationState.UNDER_AUDIT)
    with app.test_request_context("/?lang=en"):
        english = state_label(ApplicationState.UNDER_AUDIT)
    assert italian == "in valutazione" and english not in ("", italian)


def test_no_value_reads_as_a_dash(app):
    with app.test_request_context("/"):
        assert state_label(None) == "—" and certificate_labels.level_label(None) == "—"


def test_a_table_missing_a_member_is_refused_at_start_up():
    with pytest.raises(ValueError, match="no label"):
        labeller(AuditorRole, {AuditorRole.LEAD: "Responsabile"})


@pytest.mark.parametrize(("code", "italian", "english"), [
    ("L1", "Bollino Blu ★", "Bollino Blu ★"), ("L3", "Bollino Blu ★★★", "Bollino Blu ★★★")])
def test_levels_read_as_the_scheme_names_them(app, code, italian, english):
    with app.test_request_context("/?lang=it"):
        assert certificate_labels.level_label(code) == italian
    with app.test_request_context("/?lang=en"):
        assert certificate_labels.level_label(code) == english
