"""The words people read for the statuses of a firm's requests and art. 24-bis notices."""

from __future__ import annotations

from registry.firms.workflow import (
    AUTHORITY_LABELS,
    CHANGE_LABELS,
    DELOCALISATION_LABELS,
    KIND_LABELS,
    DelocalisationStatus,
    NoticeAuthority,
    ProfileChangeKind,
    ProfileChangeStatus,
)
from registry.i18n import labeller

change_label = labeller(ProfileChangeStatus, CHANGE_LABELS)
change_kind_label = labeller(ProfileChangeKind, KIND_LABELS)
authority_label = labeller(NoticeAuthority, AUTHORITY_LABELS)
delocalisation_label = labeller(DelocalisationStatus, DELOCALISATION_LABELS)
