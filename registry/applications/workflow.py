"""The application's states and the transitions between them, as data (standard library only).

Every state change of an application goes through `next_state`; anything not in the table is
refused with a clear error instead of being silently ignored.
"""

from __future__ import annotations

import enum


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_AUDIT = "under_audit"
    CHANGES_REQUESTED = "changes_requested"
    ASSESSED = "assessed"
    CERTIFIED = "certified"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    START_AUDIT = "start_audit"
    REQUEST_CHANGES = "request_changes"
    COMPLETE_ASSESSMENT = "complete_assessment"
    CERTIFY = "certify"
    REFUSE = "refuse"
    OVERTURN = "overturn"


# action: (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.SUBMIT: (frozenset({State.DRAFT, State.CHANGES_REQUESTED}), State.SUBMITTED),
    Action.WITHDRAW: (frozenset({State.DRAFT, State.SUBMITTED, State.UNDER_AUDIT,
                                 State.CHANGES_REQUESTED, State.ASSESSED}), State.WITHDRAWN),
    Action.START_AUDIT: (frozenset({State.SUBMITTED}), State.UNDER_AUDIT),
    Action.REQUEST_CHANGES: (frozenset({State.SUBMITTED, State.UNDER_AUDIT, State.ASSESSED}),
                             State.CHANGES_REQUESTED),
    Action.COMPLETE_ASSESSMENT: (frozenset({State.UNDER_AUDIT}), State.ASSESSED),
    Action.CERTIFY: (frozenset({State.ASSESSED}), State.CERTIFIED),
    Action.REFUSE: (frozenset({State.ASSESSED}), State.REFUSED),
    # An upheld appeal turns a refusal into a certification.
    Action.OVERTURN: (frozenset({State.REFUSED}), State.CERTIFIED),
}

DECIDED = frozenset({State.CERTIFIED, State.REFUSED})
# States in which the firm may still change its notes and evidence.
EDITABLE_BY_FIRM = frozenset({State.DRAFT, State.CHANGES_REQUESTED})


class TransitionError(Exception):
    """The action is not allowed from the current state."""

    def __init__(self, state: State, action: Action):
        super().__init__(f"'{action}' is not allowed from state '{state}'")
        self.state = state
        self.action = action


def next_state(state: State | str, action: Action | str) -> State:
    """The state `action` leads to from `state`, or TransitionError."""
    state, action = State(state), Action(action)
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise TransitionError(state, action)
    return target


def allowed_actions(state: State | str) -> set[Action]:
    """Every action the table allows from `state` (permissions are checked elsewhere)."""
    return {action for action, (sources, _) in TRANSITIONS.items() if State(state) in sources}
