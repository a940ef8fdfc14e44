"""The art. 24-bis rules as pure functions: obligations, timeliness, each authority's status,
the firm's classification and the knock-out, case by case and with generated facts."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.firms.delocalisation import (
    NOTICE_DAYS,
    NoticeFact,
    Obligation,
    SiteFact,
    blocking_sites,
    check_firm,
    check_obligation,
    classify,
    covers,
    is_extra_eu,
    is_timely,
    latest_timely_day,
    obligations,
    worst,
)
from registry.firms.workflow import DelocalisationStatus as S
from registry.firms.workflow import NoticeAuthority as A

MOVE = dt.date(2025, 6, 1)
ON_TIME = MOVE - dt.timedelta(days=NOTICE_DAYS)
LATE = ON_TIME + dt.timedelta(days=1)
TIRANA = SiteFact(1, "AL", opened_on=MOVE)


def three(sent=ON_TIME, move=MOVE, site_id=1, country="AL", **late):
    """One notice to each authority; `late={authority: day}` overrides a sending day."""
    return [NoticeFact(a, country, late.get(str(a), sent), move, site_id) for a in A]


# Countries ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "outside"), [
    ("AL", True), ("TN", True), ("GB", True), ("CH", True), ("al", True),
    ("IT", False), ("FR", False), ("RE", False), ("AX", False), ("", False), (None, False)])
def test_is_extra_eu(code, outside):
    assert is_extra_eu(code) is outside


# Timeliness ---------------------------------------------------------------------------------
def test_thirty_days_before_is_in_time_twenty_nine_is_late():
    assert latest_timely_day(MOVE) == dt.date(2025, 5, 2)
    assert is_timely(NoticeFact(A.MIMIT, "AL", ON_TIME, MOVE))
    assert not is_timely(NoticeFact(A.MIMIT, "AL", LATE, MOVE))
    assert not is_timely(NoticeFact(A.MIMIT, "AL", MOVE + dt.timedelta(days=5), MOVE))


def test_a_site_opened_before_the_announced_move_counts_from_its_opening():
    notice = NoticeFact(A.LABOUR, "AL", ON_TIME, MOVE, 1)
    assert is_timely(notice, opened_on=MOVE + dt.timedelta(days=60))  # opened later: fine
    assert not is_timely(notice, opened_on=MOVE - dt.timedelta(days=1))


@settings(max_examples=300, deadline=None)
@given(sent=st.dates(dt.date(2013, 1, 1), dt.date(2030, 12, 31)),
       move=st.dates(dt.date(2013, 1, 1), dt.date(2030, 12, 31)),
       opened=st.none() | st.dates(dt.date(2013, 1, 1), dt.date(2030, 12, 31)))
def test_timely_means_at_least_thirty_days_before_the_earlier_of_move_and_opening(
        sent, move, opened):
    reference = min(move, opened) if opened else move
    assert is_timely(NoticeFact(A.GARANTE, "AL", sent, move), opened) == \
        ((reference - sent).days >= NOTICE_DAYS)


# Obligations --------------------------------------------------------------------------------
def test_no_site_abroad_and_no_extra_eu_traffic_is_no_obligation():
    assert obligations([SiteFact(1, "IT"), SiteFact(2, "FR")], 0, []) == []
    assert classify(check_firm([SiteFact(1, "IT")], 0, [], [])) == S.NOT_CONCERNED


def test_each_open_extra_eu_site_is_an_obligation_closed_ones_are_not():
    sites = [SiteFact(2, "TN"), SiteFact(1, "AL", MOVE),
             SiteFact(3, "RS", closed_on=MOVE), SiteFact(4, "IT")]
    assert obligations(sites, 0, []) == [Obligation("AL", 1, MOVE), Obligation("TN", 2)]


def test_traffic_countries_without_a_site_are_obligations_through_third_parties():
    assert obligations([TIRANA], 10, ["AL", "TN", "FR"]) == [
        Obligation("AL", 1, MOVE), Obligation("TN")]
    assert obligations([], 10, []) == [Obligation(None)]
    assert obligations([], 0, ["MA"]) == [Obligation("MA")]


def test_a_notice_covers_its_site_or_for_no_site_its_countries():
    site = Obligation("AL", 1)
    third = Obligation("TN")
    anywhere = Obligation(None)
    assert covers(NoticeFact(A.LABOUR, "AL", ON_TIME, MOVE, 1), site)
    assert not covers(NoticeFact(A.LABOUR, "AL", ON_TIME, MOVE, 2), site)
    assert covers(NoticeFact(A.LABOUR, "AL", ON_TIME, MOVE), site)  # same country, no site
    assert not covers(NoticeFact(A.LABOUR, "AL", ON_TIME, MOVE, 1), third)
    assert covers(NoticeFact(A.MIMIT, "AL", ON_TIME, MOVE, None, ("AL", "TN")), third)
    assert not covers(NoticeFact(A.MIMIT, "AL", ON_TIME, MOVE), third)
    assert covers(NoticeFact(A.GARANTE, "MA", ON_TIME, MOVE), anywhere)
    assert not covers(NoticeFact(A.GARANTE, "MA", ON_TIME, MOVE, 7), anywhere)


# Statuses -----------------------------------------------------------------------------------
def test_three_notices_in_time_are_compliant():
    check = check_obligation(Obligation("AL", 1, MOVE), three())
    assert check.status == S.COMPLIANT and check.missing == [] and check.late == []


@pytest.mark.parametrize("authority", list(A))
def test_one_missing_notice_is_missing(authority):
    notices = [n for n in three() if n.authority != authority]
    check = check_obligation(Obligation("AL", 1, MOVE), notices)
    assert check.status == S.MISSING and check.missing == [authority]


@pytest.mark.parametrize("authority", list(A))
def test_one_late_notice_is_late(authority):
    check = check_obligation(Obligation("AL", 1, MOVE), three(**{str(authority): LATE}))
    assert check.status == S.LATE and check.late == [authority]


def test_a_late_notice_followed_by_a_timely_one_is_compliant():
    notices = [*three(sent=LATE), *three()]
    assert check_obligation(Obligation("AL", 1, MOVE), notices).status == S.COMPLIANT


def test_missing_outweighs_late():
    notices = three(**{str(A.MIMIT): LATE})[:2]  # labour in time, mimit late, no garante
    assert check_obligation(Obligation("AL", 1, MOVE), notices).status == S.MISSING


def test_extra_eu_traffic_without_any_notice_is_missing():
    assert classify(check_firm([], 5, ["AL"], [])) == S.MISSING
    assert classify(check_firm([], 5, [], [])) == S.MISSING


def test_traffic_notified_by_country_is_compliant():
    notices = three(site_id=None, country="AL")
    assert classify(check_firm([], 5, ["AL"], notices)) == S.COMPLIANT


@pytest.mark.parametrize(("statuses", "expected"), [
    ([], S.NOT_CONCERNED), ([S.COMPLIANT], S.COMPLIANT), ([S.COMPLIANT, S.LATE], S.LATE),
    ([S.LATE, S.MISSING, S.COMPLIANT], S.MISSING)])
def test_worst(statuses, expected):
    assert worst(statuses) == expected


# The knock-out ------------------------------------------------------------------------------
def test_only_a_site_abroad_with_a_missing_notice_blocks_certification():
    site_missing = check_firm([TIRANA], 0, [], three()[:2])
    assert [c.obligation.site_id for c in blocking_sites(site_missing)] == [1]
    site_late = check_firm([TIRANA], 0, [], three(sent=LATE))
    assert classify(site_late) == S.LATE and blocking_sites(site_late) == []
    traffic_only = check_firm([], 10, ["AL"], [])
    assert classify(traffic_only) == S.MISSING and blocking_sites(traffic_only) == []
    assert blocking_sites(check_firm([TIRANA], 0, [], three())) == []


# Exhaustive: every combination of each authority's notice (none / late / in time) --------
CASES = [None, "late", "on_time"]


@pytest.mark.parametrize("labour", CASES)
@pytest.mark.parametrize("mimit", CASES)
@pytest.mark.parametrize("garante", CASES)
def test_every_combination_of_notices(labour, mimit, garante):
    notices = [NoticeFact(a, "AL", LATE if case == "late" else ON_TIME, MOVE, 1)
               for a, case in ((A.LABOUR, labour), (A.MIMIT, mimit), (A.GARANTE, garante))
               if case is not None]
    checks = check_firm([TIRANA], 0, [], notices)
    cases = {labour, mimit, garante}
    expected = S.MISSING if None in cases else S.LATE if "late" in cases else S.COMPLIANT
    assert classify(checks) == expected
    assert bool(blocking_sites(checks)) == (None in cases)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(A)), st.sampled_from(["AL", "TN", "RS"]),
                          st.integers(-60, 90), st.sampled_from([None, 1, 2])), max_size=8),
       st.lists(st.sampled_from(["AL", "TN", "RS", "FR"]), max_size=3),
       st.integers(0, 100))
def test_classification_properties(raw, countries, share):
    sites = [SiteFact(1, "AL", MOVE), SiteFact(2, "TN", None)]
    notices = [NoticeFact(a, c, MOVE - dt.timedelta(days=d), MOVE, s) for a, c, d, s in raw]
    checks = check_firm(sites, share, countries, notices)
    status = classify(checks)
    # Two open sites abroad: always concerned, one check per site at least.
    assert status != S.NOT_CONCERNED and len(checks) >= 2
    # Compliant only when every obligation has every authority in time.
    assert (status == S.COMPLIANT) == all(
        s == S.COMPLIANT for c in checks for s in c.by_authority.values())
    # Adding the three timely notices for every obligation always makes the firm compliant.
    extra = [NoticeFact(a, c.obligation.country or "AL", ON_TIME, MOVE, c.obligation.site_id)
             for c in checks for a in A]
    assert classify(check_firm(sites, share, countries, [*notices, *extra])) == S.COMPLIANT
