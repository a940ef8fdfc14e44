"""Every complaint code a person reads has a word (Italian source, English in the
catalogue), one table beside its enum."""

import pytest

from registry.complaints import labels
from registry.complaints.workflow import (
    ComplaintAction,
    ComplaintCategory,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintState,
)

LABELLED = [(ComplaintKind, labels.complaint_kind_label),
            (ComplaintState, labels.complaint_state_label),
            (ComplaintAction, labels.complaint_action_label),
            (ComplaintCategory, labels.complaint_category_label),
            (ComplaintOutcome, labels.complaint_outcome_label)]


@pytest.mark.parametrize(("kind", "label"), LABELLED, ids=lambda x: getattr(x, "__name__", ""))
def test_every_code_has_a_distinct_italian_word(app, kind, label):
    with app.test_request_context("/?lang=it"):
        words = {member: label(member) for member in kind}
    for member, word in words.items():
        assert word and "_" not in word and word != str(member), (member, word)
    assert len(set(words.values())) == len(words)
