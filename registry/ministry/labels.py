"""The words people read for the statistics' movements, periods and extra-EU bands."""

from __future__ import annotations

from registry.i18n import labeller
from registry.ministry.workflow import (
    EXTRA_EU_LABELS,
    MOVEMENT_LABELS,
    PERIOD_LABELS,
    ExtraEuBand,
    Movement,
    Period,
)

movement_label = labeller(Movement, MOVEMENT_LABELS)
period_label = labeller(Period, PERIOD_LABELS)
extra_eu_label = labeller(ExtraEuBand, EXTRA_EU_LABELS)
