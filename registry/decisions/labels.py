"""The words people read for decision and appeal outcomes."""

from __future__ import annotations

from registry.decisions.workflow import (
    APPEAL_LABELS,
    OUTCOME_LABELS,
    AppealOutcome,
    DecisionOutcome,
)
from registry.i18n import labeller

outcome_label = labeller(DecisionOutcome, OUTCOME_LABELS)
appeal_outcome_label = labeller(AppealOutcome, APPEAL_LABELS)
