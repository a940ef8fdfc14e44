"""The certificate lifecycle table, exhaustively: every (status, action) pair."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.certificates.cycle import add_months, may_apply_from, too_many_suspensions
from registry.certificates.status import (
    APPEAL_REVERSALS,
    FIRM_ACTION_REASONS,
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
    (S.WITHDRAWN, A.RESTORE): S.VALID,  # only when an appeal sets the withdrawal aside
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


def test_nothing_leaves_a_terminal_status_but_an_appeal_against_a_withdrawal():
    for action, (sources, _target) in TRANSITIONS.items():
        assert not sources & TERMINAL or (action, sources) == (A.RESTORE, {S.WITHDRAWN})
    assert APPEAL_REVERSALS == {S.SUSPENDED: A.REINSTATE, S.WITHDRAWN: A.RESTORE}
    assert A.RESTORE not in OFFICER_ACTIONS | FIRM_ACTIONS


def test_who_may_act_by_hand():
    assert A.EXPIRE not in OFFICER_ACTIONS | FIRM_ACTIONS
    assert {A.SUSPEND, A.RENOUNCE} == FIRM_ACTIONS  # a suspension on its own request
    assert set(FIRM_ACTION_REASONS) == FIRM_ACTIONS


DAY = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@given(day=DAY, starts=st.lists(DAY, max_size=5))
def test_two_suspensions_within_36_months(day, starts):
    window = add_months(day, -36)
    inside = [began for began in starts if window < began <= day]
    assert too_many_suspensions(starts, day) == (len(inside) >= 2)


@given(refused=st.one_of(st.none(), DAY), withdrawn=st.one_of(st.none(), DAY))
def test_waiting_periods(refused, withdrawn):
    first = may_apply_from(refused, withdrawn)
    if refused is None and withdrawn is None:
        assert first is None
        return
    if refused is not None:
        assert first >= add_months(refused, 6)
    if withdrawn is not None:
        assert first >= add_months(withdrawn, 12)
    assert first in {add_months(refused, 6) if refused else None,
                     add_months(withdrawn, 12) if withdrawn else None}


@pytest.mark.parametrize(("refused", "withdrawn", "first"), [
    (dt.date(2026, 1, 31), None, dt.date(2026, 7, 31)),
    (dt.date(2026, 8, 31), None, dt.date(2027, 2, 28)),
    (None, dt.date(2026, 2, 1), dt.date(2027, 2, 1)),
    (dt.date(2026, 10, 1), dt.date(2026, 2, 1), dt.date(2027, 4, 1))])
def test_waiting_periods_by_example(refused, withdrawn, first):
    assert may_apply_from(refused, withdrawn) == first
