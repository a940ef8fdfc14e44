"""The words people read for complaint kinds, states, actions, categories and outcomes."""

from __future__ import annotations

from registry.complaints.workflow import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    ComplaintAction,
    ComplaintCategory,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintState,
)
from registry.i18n import labeller

complaint_kind_label = labeller(ComplaintKind, KIND_LABELS)
complaint_state_label = labeller(ComplaintState, STATE_LABELS)
complaint_action_label = labeller(ComplaintAction, ACTION_LABELS)
complaint_category_label = labeller(ComplaintCategory, CATEGORY_LABELS)
complaint_outcome_label = labeller(ComplaintOutcome, OUTCOME_LABELS)
