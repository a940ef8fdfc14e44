"""The words people read for an application's states, kinds and actions."""

from __future__ import annotations

from registry.applications.workflow import (
    ACTION_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    Action,
    ApplicationKind,
    ApplicationState,
)
from registry.i18n import labeller

state_label = labeller(ApplicationState, STATE_LABELS)
kind_label = labeller(ApplicationKind, KIND_LABELS)
action_label = labeller(Action, ACTION_LABELS)
