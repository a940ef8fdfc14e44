"""The certificate lifecycle table, exhaustively: every (status, action) pair."""

import pytest

from registry.certificates.status import (
    FIRM_ACTIONS,
    LISTED,
    LIVE,
    OFFICER_ACTIONS,
    TERMINAL,
    TRANSITIONS,
    CertificateAction,
    CertificateStatus,
    actions_from,
)
from registry.certificates.verdict import ENDED_AS

S, A = CertificateStatus, CertificateAction
EXPECTED = {
    (S.VALID, A.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, A.REINSTATE): S.VALID,
    **{(s, A.WITHDRAW): S.WITHDRAWN for s in (S.VALID, S.SUSPENDED)},
    **{(s, A.RENOUNCE): S.RENOUNCED for s in (S.VALID, S.SUSPENDED)},
    **{(s, A.EXPIRE): S.EXPIRED for s in (S.VALID, S.SUSPENDED)},
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair(status, action):
    sources, target = TRANSITIONS[action]
    if (status, action) in EXPECTED:
        assert status in sources and target == EXPECTED[status, action]
        assert action in actions_from(status)
    else:
        assert status not in sources and action not in actions_from(str(status))


def test_named_sets_partition_the_statuses():
    assert set(S) == LIVE | TERMINAL and not LIVE & TERMINAL
    assert set(LISTED) == set(S) - {S.SUPERSEDED}
    assert set(ENDED_AS) == TERMINAL


def test_nothing_leaves_a_terminal_status():
    for _action, (sources, _target) in TRANSITIONS.items():
        assert not sources & TERMINAL


def test_who_may_act_by_hand():
    assert A.EXPIRE not in OFFICER_ACTIONS | FIRM_ACTIONS
    assert {A.RENOUNCE} == FIRM_ACTIONS
