"""The application state machine, exhaustively: every (state, action) pair."""

import pytest

from registry.applications.workflow import (
    TRANSITIONS,
    Action,
    ApplicationState,
    TransitionError,
    allowed_actions,
    next_state,
)

EXPECTED = {
    (ApplicationState.DRAFT, Action.SUBMIT): ApplicationState.SUBMITTED,
    (ApplicationState.CHANGES_REQUESTED, Action.SUBMIT): ApplicationState.SUBMITTED,
    (ApplicationState.SUBMITTED, Action.START_AUDIT): ApplicationState.UNDER_AUDIT,
    (ApplicationState.SUBMITTED, Action.REQUEST_CHANGES): ApplicationState.CHANGES_REQUESTED,
    (ApplicationState.UNDER_AUDIT, Action.REQUEST_CHANGES): ApplicationState.CHANGES_REQUESTED,
    (ApplicationState.ASSESSED, Action.REQUEST_CHANGES): ApplicationState.CHANGES_REQUESTED,
    (ApplicationState.UNDER_AUDIT, Action.COMPLETE_ASSESSMENT): ApplicationState.ASSESSED,
    (ApplicationState.ASSESSED, Action.CERTIFY): ApplicationState.CERTIFIED,
    (ApplicationState.ASSESSED, Action.REFUSE): ApplicationState.REFUSED,
    (ApplicationState.REFUSED, Action.OVERTURN): ApplicationState.CERTIFIED,
    **{(s, Action.WITHDRAW): ApplicationState.WITHDRAWN for s in (
        ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.UNDER_AUDIT,
        ApplicationState.CHANGES_REQUESTED, ApplicationState.ASSESSED)},
}


@pytest.mark.parametrize("state", list(ApplicationState))
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
    assert allowed_actions(ApplicationState.CERTIFIED) == set()
    assert allowed_actions(ApplicationState.WITHDRAWN) == set()
    assert allowed_actions(ApplicationState.REFUSED) == {Action.OVERTURN}


def test_table_covers_every_action():
    assert set(TRANSITIONS) == set(Action)
