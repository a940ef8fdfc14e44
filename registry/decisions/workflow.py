"""The outcomes of an officer's decision and of an appeal (standard library only)."""

from __future__ import annotations

import enum

from registry.wording import N_


class DecisionOutcome(enum.StrEnum):
    CERTIFY = "certify"
    REFUSE = "refuse"


class AppealOutcome(enum.StrEnum):
    """`upheld`: the appeal is rejected and the refusal stands; `overturned`: the refusal
    is set aside and the firm is certified at the computed level."""

    UPHELD = "upheld"
    OVERTURNED = "overturned"


# Decisions a firm may appeal against.
APPEALABLE = frozenset({DecisionOutcome.REFUSE})

OUTCOME_LABELS = {DecisionOutcome.CERTIFY: N_("certificata"),
                  DecisionOutcome.REFUSE: N_("respinta")}
APPEAL_LABELS = {AppealOutcome.UPHELD: N_("respinto"),
                 AppealOutcome.OVERTURNED: N_("accolto")}
