"""The application state machine, exhaustively: every (state, action) pair."""

import pytest

from registry.applications.workflow import (
    TRANSITIONS,
    Action,
    State,
    TransitionError,
    allowed_actions,
    next_state,
)

EXPECTED = {
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.CHANGES_REQUESTED, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.START_AUDIT): State.UNDER_AUDIT,
    (State.SUBMITTED, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.UNDER_AUDIT, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.ASSESSED, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.UNDER_AUDIT, Action.COMPLETE_ASSESSMENT): State.ASSESSED,
    (State.ASSESSED, Action.CERTIFY): State.CERTIFIED,
    (State.ASSESSED, Action.REFUSE): State.REFUSED,
    (State.REFUSED, Action.OVERTURN): State.CERTIFIED,
    **{(s, Action.WITHDRAW): State.WITHDRAWN for s in (
        State.DRAFT, State.SUBMITTED, State.UNDER_AUDIT, State.CHANGES_REQUESTED, State.ASSESSED)},
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_pair(state, action):
    if (state, action) in EXPECTED:
        assert next_state(state, action) == EXPECTED[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(TransitionError):
            next_state(state, action)
        assert action not in allowed_actions(state)


def test_decided_and_withdrawn_are_final_except_appeal():
    assert allowed_actions(State.CERTIFIED) == set()
    assert allowed_actions(State.WITHDRAWN) == set()
    assert allowed_actions(State.REFUSED) == {Action.OVERTURN}


def test_table_covers_every_action():
    assert set(TRANSITIONS) == set(Action)
