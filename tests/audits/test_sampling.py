"""Site sampling after IAF MD 1: √n, 0.6·√n, 0.8·√n rounded up; a quarter chosen at random."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audits.sampling import FACTORS, random_minimum, sample_size, surveillance_criteria

TYPES = ["initial", "surveillance", "recertification"]


@pytest.mark.parametrize(("sites", "initial", "surveillance", "recertification"), [
    (0, 0, 0, 0),
    (1, 1, 1, 1),
    (2, 2, 1, 2),     # √2 = 1.41, 0.85, 1.13
    (4, 2, 2, 2),     # 2, 1.2, 1.6
    (9, 3, 2, 3),     # 3, 1.8, 2.4
    (10, 4, 2, 3),    # 3.16, 1.90, 2.53
    (25, 5, 3, 4),    # exactly 5, 3, 4: no rounding up past an exact result
    (26, 6, 4, 5),    # just past a square: 5.10, 3.06, 4.08
    (100, 10, 6, 8),
    (101, 11, 7, 9),
])
def test_sample_sizes(sites, initial, surveillance, recertification):
    assert [sample_size(sites, kind) for kind in TYPES] == [initial, surveillance,
                                                            recertification]


@given(sites=st.integers(1, 10**7), kind=st.sampled_from(TYPES))
def test_sample_is_the_factor_times_the_root_rounded_up(sites, kind):
    size = sample_size(sites, kind)
    target = FACTORS[kind] ** 2 * sites  # the square of factor·√n, exactly
    assert size * size >= target > (size - 1) * (size - 1)
    assert 1 <= size <= sites


@given(sites=st.integers(0, 10**6))
def test_sample_grows_with_sites_and_is_smaller_at_surveillance(sites):
    for kind in TYPES:
        assert sample_size(sites + 1, kind) >= sample_size(sites, kind)
    assert (sample_size(sites, "surveillance") <= sample_size(sites, "recertification")
            <= sample_size(sites, "initial") <= sites)


def test_factors_are_those_of_iaf_md1():
    assert [FACTORS[kind] for kind in TYPES] == [1, Fraction(6, 10), Fraction(8, 10)]
    assert set(FACTORS) == set(TYPES)


@pytest.mark.parametrize(("sample", "at_random"), [
    (0, 0), (1, 1), (3, 1), (4, 1), (5, 2), (8, 2), (9, 3), (10, 3), (12, 3), (13, 4)])
def test_random_minimum(sample, at_random):
    assert random_minimum(sample) == at_random


@given(sample=st.integers(0, 10**6))
def test_random_minimum_is_a_quarter_rounded_up(sample):
    chosen = random_minimum(sample)
    assert 4 * chosen >= sample > 4 * (chosen - 1)
    assert chosen <= sample


@pytest.mark.parametrize(("sites", "kind"), [
    (-1, "initial"), (2.0, "initial"), (True, "initial"), ("4", "initial"),
    (4, "special"), (4, "Initial"), (4, "")])
def test_sample_size_refuses_bad_input(sites, kind):
    with pytest.raises(ValueError):
        sample_size(sites, kind)


@pytest.mark.parametrize("sample", [-1, 1.5, None, False])
def test_random_minimum_refuses_bad_input(sample):
    with pytest.raises(ValueError):
        random_minimum(sample)


CODES = [f"{area}-{n:02d}" for area in ("MAN", "ORG", "FOR", "LEG") for n in range(1, 8)]
KNOCKOUTS = ["LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03"]


@given(n=st.integers(0, 40), k=st.integers(0, 10), visits=st.integers(1, 4))
def test_surveillance_rotation_covers_every_criterion_in_the_cycle(n, k, visits):
    codes = [f"C{i:02d}" for i in range(n)]
    knockouts = codes[:min(k, n)]
    others = [c for c in codes if c not in knockouts]
    chosen = [surveillance_criteria(codes, knockouts, v, visits) for v in range(visits)]
    for visit in chosen:
        assert set(knockouts) <= set(visit)                       # every knock-out, always
        assert 2 * len(set(visit) - set(knockouts)) >= len(others)  # at least half the rest
        assert visit == [c for c in codes if c in visit]          # in scheme order
    assert set().union(*chosen) == set(codes)                     # all re-scored in a cycle


def test_surveillance_criteria_of_the_default_scheme():
    first = surveillance_criteria(CODES, KNOCKOUTS, 0)
    second = surveillance_criteria(CODES, KNOCKOUTS, 1)
    assert len(first) == len(second) == 7 + 11 and set(first) | set(second) == set(CODES)
    with pytest.raises(ValueError):
        surveillance_criteria(CODES, KNOCKOUTS, 2)
