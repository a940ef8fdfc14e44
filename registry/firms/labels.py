"""The words people read for the statuses of a firm's requests."""

from __future__ import annotations

from registry.firms.workflow import (
    CHANGE_LABELS,
    KIND_LABELS,
    ProfileChangeKind,
    ProfileChangeStatus,
)
from registry.i18n import labeller

change_label = labeller(ProfileChangeStatus, CHANGE_LABELS)
change_kind_label = labeller(ProfileChangeKind, KIND_LABELS)
