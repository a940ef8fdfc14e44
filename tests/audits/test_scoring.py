"""The scoring engine against domain.md §3.1-3.2: figures, thresholds, reasons, properties."""

import copy
import dataclasses
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from audits.scheme import DEFAULT_SCHEME_PATH, Scheme, load_scheme_file, parse_scheme
from audits.scoring import (
    IncompleteScores,
    Reason,
    band,
    band_cutoffs,
    display_pct,
    evaluate,
    level_rank,
)

SCHEME, RAW, _HASH = load_scheme_file(DEFAULT_SCHEME_PATH)
CODES = [c.code for c in SCHEME.criteria]
NON_KNOCKOUTS = [c.code for c in SCHEME.criteria if not c.knockout]


def all_at(score: int, **changes) -> dict:
    """Every criterion at `score`, then the changes (keyword names use _ for -)."""
    scores = dict.fromkeys(CODES, score)
    scores.update({code.replace("_", "-"): value for code, value in changes.items()})
    return scores


def scheme_with(mutate) -> Scheme:
    data = copy.deepcopy(RAW)
    mutate(data)
    return parse_scheme(data)


def _allow_na(data, where=lambda c: True):
    for c in data["criteria"]:
        if not c["knockout"] and where(c):
            c.update(na_allowed=True, na_rule_it="Se non pertinente.", na_rule_en="If irrelevant.")


# Every criterion that is not a knock-out may be N/A: for the properties about N/A.
NA_SCHEME = scheme_with(_allow_na)

# domain.md §3.2 worked example: MAN 61.25, ORG 71.25, FOR 57.5 (FOR-04 = 1), LEG 65.28
# (LEG-07 N/A, denominator 360). Baseline 2 everywhere, then the weights that add the rest:
# MAN +45 (15+15+15), ORG +85 (all but ORG-01), FOR +45 (20+15+10) and -15 for FOR-04,
# LEG +55 (15+15+15+10).
WORKED = all_at(
    2, MAN_01=3, MAN_03=3, MAN_04=3,
    ORG_02=3, ORG_03=3, ORG_04=3, ORG_05=3, ORG_06=3, ORG_07=3,
    FOR_01=3, FOR_03=3, FOR_05=3, FOR_04=1,
    LEG_01=3, LEG_03=3, LEG_04=3, LEG_06=3, LEG_07=None,
)


def pcts(result) -> dict:
    return {a.code: a.pct for a in result.areas}


# --- the worked example ----------------------------------------------------------------------

def test_worked_example_area_figures():
    result = evaluate(SCHEME, WORKED)
    assert pcts(result) == {"MAN": Decimal("61.25"), "ORG": Decimal("71.25"),
                            "FOR": Decimal("57.50"), "LEG": Decimal("65.28")}
    assert result.area("LEG").pct_exact == Fraction(235, 360) * 100
    assert (result.area("LEG").applicable_count, result.area("LEG").na_count) == (6, 1)
    assert all(a.passed_minimum for a in result.areas)


def test_worked_example_overall_and_level():
    result = evaluate(SCHEME, WORKED)
    # 0.25×61.25 + 0.25×71.25 + 0.20×57.5 + 0.30×65.2777… = 64.2083…: "64.2 %" in the doc.
    assert result.overall_exact == Fraction(1541, 24)
    assert result.overall_pct == Decimal("64.21")
    assert round(result.overall_pct, 1) == Decimal("64.2")
    assert result.level.code == "L1" and result.certifiable
    assert result.minor_nonconformities == ("FOR-04",)
    assert result.major_nonconformities == result.knockouts_failed == ()


def test_worked_example_reasons():
    reasons = evaluate(SCHEME, WORKED).reasons
    assert reasons[:2] == (
        Reason("minor_nonconformity", {"criterion": "FOR-04", "score": 1}),
        Reason("level_reached", {"level": "L1", "overall": Decimal("64.21"), "min_overall": 60}),
    )
    missed_l2 = reasons[2]
    assert missed_l2.code == "level_missed" and missed_l2.params["level"] == "L2"
    # Misses ★★ because the overall is below 72 and FOR below 60.
    assert missed_l2.params["because"] == ["min_overall", "min_each_area"]
    assert missed_l2.params["areas_below"] == ["FOR"]
    assert missed_l2.params["criteria_below"] == []
    assert reasons[3].params["level"] == "L3"
    assert reasons[3].params["because"] == ["min_overall", "min_each_area", "min_criterion_score"]
    assert reasons[3].params["criteria_below"] == ["FOR-04"]
    assert len(reasons) == 4


# --- levels and exact thresholds ----------------------------------------------------------------

# Every area at exactly 60 % (Σ w·s = 240 in each area).
AT_60 = all_at(2, MAN_02=3, MAN_06=3, MAN_07=3, ORG_03=3, ORG_06=3, ORG_07=3,
               FOR_01=3, FOR_02=3, LEG_02=3, LEG_06=3, LEG_07=3)


def test_exactly_60_overall_reaches_l1():
    result = evaluate(SCHEME, AT_60)
    assert result.overall_exact == 60 and all(a.pct_exact == 60 for a in result.areas)
    assert result.level.code == "L1"
    missed = [r.params for r in result.reasons if r.code == "level_missed"]
    # Areas at exactly 60 meet L2's area minimum: only the overall misses.
    assert missed[0]["level"] == "L2" and missed[0]["because"] == ["min_overall"]


def test_just_below_60_is_not_certifiable():
    result = evaluate(SCHEME, {**AT_60, "MAN-07": 2})
    # MAN drops by 10/4 = 2.5 points to 57.5, the overall by a quarter of that: 59.375.
    assert result.overall_exact == Fraction(475, 8) and result.area("MAN").passed_minimum
    assert result.level is None and not result.certifiable
    assert result.reasons[0] == Reason("overall_below_minimum", {
        "level": "L1", "overall": Decimal("59.38"), "minimum": 60})
    assert [r.params["level"] for r in result.reasons[1:]] == ["L1", "L2", "L3"]
    assert result.reasons[1].params["because"] == ["min_overall"]


def test_exactly_72_overall_with_an_area_at_exactly_60_reaches_l2():
    # MAN, ORG, LEG at 75, FOR at 60: 18.75 + 18.75 + 12 + 22.5 = 72.
    result = evaluate(SCHEME, all_at(3, FOR_03=2, FOR_04=2, FOR_05=2, FOR_06=2, FOR_07=2))
    assert result.area("FOR").pct_exact == 60 and result.overall_exact == 72
    assert result.level.code == "L2"


def test_exactly_85_with_an_area_at_exactly_75_reaches_l3():
    # MAN 75, ORG 95, FOR 85, LEG 85: 18.75 + 23.75 + 17 + 25.5 = 85.
    scores = all_at(3, ORG_01=4, ORG_02=4, ORG_04=4, ORG_05=4, ORG_06=4, ORG_07=4,
                    FOR_01=4, FOR_02=4, LEG_02=4, LEG_06=4, LEG_07=4)
    result = evaluate(SCHEME, scores)
    assert pcts(result) == {"MAN": Decimal("75.00"), "ORG": Decimal("95.00"),
                            "FOR": Decimal("85.00"), "LEG": Decimal("85.00")}
    assert result.overall_exact == 85 and result.level.code == "L3"


@pytest.mark.parametrize(("score", "level", "pct"), [
    (4, "L3", Decimal("100.00")), (3, "L2", Decimal("75.00")), (2, None, Decimal("50.00"))])
def test_uniform_scores(score, level, pct):
    result = evaluate(SCHEME, all_at(score))
    assert result.level_code == level and result.overall_pct == pct
    assert set(pcts(result).values()) == {pct}


def test_just_compliant_firm_is_not_certified():
    # domain.md §3.2: every criterion at 2 scores 50 % and is deliberately not certified.
    result = evaluate(SCHEME, all_at(2))
    assert not result.certifiable and result.reasons[0].code == "overall_below_minimum"


def test_l3_needs_no_criterion_below_2():
    result = evaluate(SCHEME, all_at(4, MAN_06=1))
    assert result.area("MAN").pct == Decimal("92.50") and result.overall_exact > 85
    assert result.level.code == "L2"
    missed = result.reasons[-1].params
    assert missed["level"] == "L3" and missed["because"] == ["min_criterion_score"]
    assert missed["criteria_below"] == ["MAN-06"]
    assert result.minor_nonconformities == ("MAN-06",)


def test_knockout_passed_at_its_minimum_of_1_still_blocks_l3():
    result = evaluate(SCHEME, all_at(4, LEG_01=1))
    assert result.knockouts_failed == () and result.minor_nonconformities == ("LEG-01",)
    assert result.level.code == "L2"


@pytest.mark.parametrize("knockout", [c for c in SCHEME.criteria if c.knockout],
                         ids=lambda c: c.code)
def test_knockout_failure_with_perfect_other_scores(knockout):
    result = evaluate(SCHEME, {**all_at(4), knockout.code: knockout.ko_min_score - 1})
    assert not result.certifiable and result.level is None
    assert result.knockouts_failed == (knockout.code,)
    assert result.major_nonconformities == result.minor_nonconformities == ()
    assert result.reasons == (Reason("knockout_failed", {
        "criterion": knockout.code, "score": knockout.ko_min_score - 1,
        "minimum": knockout.ko_min_score}),)
    assert result.overall_exact > 85  # the figures are still computed and shown


def test_major_nonconformity_blocks():
    result = evaluate(SCHEME, all_at(4, MAN_06=0))
    assert not result.certifiable and result.major_nonconformities == ("MAN-06",)
    assert result.reasons == (Reason("major_nonconformity", {"criterion": "MAN-06", "score": 0}),)


def test_area_below_minimum_blocks_whatever_the_overall():
    scores = all_at(4, **{c.code.replace("-", "_"): 1 for c in SCHEME.criteria_of("FOR")})
    scores["FOR-03"] = 2
    result = evaluate(SCHEME, scores)
    assert result.area("FOR").pct == Decimal("28.75") and not result.area("FOR").passed_minimum
    assert result.overall_exact > 85 and not result.certifiable
    assert result.reasons[-1] == Reason("area_below_minimum", {
        "area": "FOR", "pct": Decimal("28.75"), "minimum": 50})
    assert len(result.minor_nonconformities) == 6


def test_area_exactly_at_its_minimum_passes():
    scheme = scheme_with(lambda data: data["areas"][2].update(min_pct=57.5))
    result = evaluate(scheme, WORKED)
    assert result.area("FOR").passed_minimum and result.level.code == "L1"
    below = evaluate(scheme_with(lambda data: data["areas"][2].update(min_pct=57.6)), WORKED)
    assert not below.area("FOR").passed_minimum and not below.certifiable


def test_all_na_in_an_area():
    scheme = scheme_with(lambda data: _allow_na(data, lambda c: c["area"] == "ORG"))
    scores = {**all_at(4), **dict.fromkeys([c.code for c in scheme.criteria_of("ORG")])}
    scores.update({c.code: 2 for c in scheme.criteria_of("FOR")})
    scores.update({c.code: 3 for c in scheme.criteria_of("LEG")})
    result = evaluate(scheme, scores)
    org = result.area("ORG")
    assert (org.pct, org.pct_exact, org.applicable_count, org.na_count) == (None, None, 0, 7)
    assert org.passed_minimum and org.band is None
    # The overall is renormalised over the other areas: (25×100 + 20×50 + 30×75) / 75.
    assert result.overall_exact == Fraction(5750, 75) and result.overall_pct == Decimal("76.67")
    assert Reason("area_not_applicable", {"area": "ORG"}) in result.reasons
    assert result.level.code == "L1"  # FOR at 50 misses L2's area minimum


def test_nothing_applicable():
    def everything_optional(data):
        for c in data["criteria"]:
            c.update(knockout=False, ko_min_score=None)
        _allow_na(data)
    scheme = scheme_with(everything_optional)
    result = evaluate(scheme, dict.fromkeys(CODES))
    assert result.overall_pct is None and result.overall_exact is None
    assert not result.certifiable and result.reasons[-1] == Reason("nothing_applicable", {})


# --- input checks ---------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"MAN-01": 5}, "MAN-01: score 5 is outside 0-4"),
    ({"MAN-01": -1}, "MAN-01: score -1 is outside 0-4"),
    ({"MAN-01": None}, "MAN-01: N/A is not allowed for this criterion"),
    ({"LEG-04": None}, "LEG-04: N/A is not allowed for this criterion"),
    ({"MAN-01": "3"}, "MAN-01: a score must be a whole number, not '3'"),
    ({"MAN-01": 2.0}, "MAN-01: a score must be a whole number, not 2.0"),
    ({"MAN-01": True}, "MAN-01: a score must be a whole number, not True"),
    ({"XYZ-01": 3}, "XYZ-01: unknown criterion"),
])
def test_bad_scores_are_refused(change, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(") + "$"):
        evaluate(SCHEME, {**all_at(3), **change})


def test_missing_scores_are_listed():
    scores = all_at(3)
    del scores["LEG-02"], scores["MAN-01"]
    with pytest.raises(IncompleteScores) as caught:
        evaluate(SCHEME, scores)
    assert caught.value.missing == ["MAN-01", "LEG-02"]
    assert str(caught.value) == "not yet scored: MAN-01, LEG-02"
    with pytest.raises(IncompleteScores):
        evaluate(SCHEME, {})


def test_bad_values_are_reported_before_missing_ones():
    scores = {**all_at(3), "MAN-02": 9}
    del scores["MAN-01"]
    with pytest.raises(ValueError, match="MAN-02: score 9") as caught:
        evaluate(SCHEME, scores)
    assert not isinstance(caught.value, IncompleteScores)


# --- bands, ranks, rounding --------------------------------------------------------------------

@pytest.mark.parametrize(("pct", "letter"), [
    (100, "A"), (85, "A"), (Decimal("84.99"), "B"), (72, "B"), (71.99, "C"), (60, "C"),
    (Fraction(11999, 200), "D"), (50, "D"), (Decimal("49.99"), "E"), (0, "E")])
def test_band(pct, letter):
    assert band(pct, SCHEME) == letter


def test_band_cutoffs_come_from_the_scheme():
    """A, B, C at the levels' overall minima (best first), D at the lowest area minimum."""
    assert band_cutoffs(SCHEME) == ((85, "A"), (72, "B"), (60, "C"), (50, "D"))


def test_area_result_band():
    result = evaluate(SCHEME, WORKED)
    assert [a.band for a in result.areas] == ["C", "C", "D", "C"]


@pytest.mark.parametrize(("code", "rank"), [("L1", 1), ("L2", 2), ("L3", 3), (None, 0)])
def test_level_rank(code, rank):
    assert level_rank(code) == rank


@pytest.mark.parametrize("code", ["", "L", "L0", "l1", "3", "L1 "])
def test_level_rank_refuses_other_codes(code):
    with pytest.raises(ValueError, match="not a level code"):
        level_rank(code)


def test_level_ranks_agree_with_the_scheme():
    assert [level_rank(lv.code) for lv in SCHEME.levels] == [lv.rank for lv in SCHEME.levels]


@pytest.mark.parametrize(("exact", "shown"), [
    (Fraction(12345, 1000), "12.35"),  # half-up, not banker's rounding
    (Fraction(12355, 1000), "12.36"), (Fraction(1, 3) * 100, "33.33"),
    (Fraction(2, 3) * 100, "66.67"), (Fraction(100), "100.00"), (Fraction(0), "0.00"),
    (Fraction(1175, 18), "65.28")])
def test_display_pct(exact, shown):
    assert str(display_pct(exact)) == shown


def test_evaluation_is_immutable():
    result = evaluate(SCHEME, WORKED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.certifiable = False  # type: ignore[misc]
    with pytest.raises(KeyError):
        result.area("XYZ")


# --- properties ------------------------------------------------------------------------------

def score_maps(scheme: Scheme = SCHEME):
    """Complete score maps: 0-4 for each criterion, or N/A where the criterion allows it."""
    def value(criterion):
        scores = st.integers(scheme.scale_min, scheme.scale_max)
        return st.one_of(st.none(), scores) if criterion.na_allowed else scores
    return st.fixed_dictionaries({c.code: value(c) for c in scheme.criteria})


PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(scores=score_maps(NA_SCHEME), data=st.data())
def test_raising_one_score_never_lowers_the_level_or_the_overall(scores, data):
    raisable = [code for code, score in scores.items() if score is not None and score < 4]
    assume(raisable)
    code = data.draw(st.sampled_from(raisable))
    before = evaluate(NA_SCHEME, scores)
    after = evaluate(NA_SCHEME, {**scores, code: data.draw(st.integers(scores[code] + 1, 4))})
    if before.overall_exact is not None:
        assert after.overall_exact >= before.overall_exact
    assert level_rank(after.level_code) >= level_rank(before.level_code)
    assert after.certifiable or not before.certifiable


@PROPERTY
@given(scores=score_maps(NA_SCHEME), code=st.sampled_from(NON_KNOCKOUTS))
def test_marking_a_criterion_na_never_changes_other_areas(scores, code):
    before = evaluate(NA_SCHEME, scores)
    after = evaluate(NA_SCHEME, {**scores, code: None})
    area = NA_SCHEME.criterion(code).area
    assert [a for a in after.areas if a.code != area] == [
        a for a in before.areas if a.code != area]


@PROPERTY
@given(scores=score_maps(), data=st.data())
def test_a_failed_knockout_always_means_not_certifiable(scores, data):
    knockout = data.draw(st.sampled_from(SCHEME.knockouts))
    failing = data.draw(st.integers(0, knockout.ko_min_score - 1))
    result = evaluate(SCHEME, {**scores, knockout.code: failing})
    assert not result.certifiable and result.level is None
    assert knockout.code in result.knockouts_failed


@PROPERTY
@given(scores=score_maps(), order=st.permutations(CODES),
       criteria_order=st.permutations(range(len(CODES))))
def test_result_ignores_the_order_of_scores_and_of_the_scheme(scores, order, criteria_order):
    baseline = evaluate(SCHEME, scores)
    shuffled_scores = {code: scores[code] for code in order}
    data = copy.deepcopy(RAW)
    data["criteria"] = [data["criteria"][index] for index in criteria_order]
    shuffled_scheme = parse_scheme(data)
    assert evaluate(SCHEME, shuffled_scores) == baseline
    assert evaluate(shuffled_scheme, scores) == baseline
    assert evaluate(shuffled_scheme, shuffled_scores) == baseline


def test_scheme_file_round_trips_through_json():
    # The engine reads the same figures from a document that went through the database.
    assert evaluate(parse_scheme(json.loads(json.dumps(RAW))), WORKED) == evaluate(SCHEME, WORKED)
