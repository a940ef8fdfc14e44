"""The scoring engine: criterion scores in, every figure and every reason out (domain.md §3.1-3.2).

Pure Python, standard library only. Sums are exact `Fraction`s so a threshold is met
exactly at its value (an area at 60 % passes a 60 % minimum); the `Decimal` figures,
rounded half-up to two places, are for display only and never compared with a threshold.
Reasons are codes with parameters, not sentences: the app words them in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from audits.scheme import Criterion, Level, Scheme

Number = int | float | Decimal | Fraction

class IncompleteScores(ValueError):
    """Some criteria have not been scored yet; `missing` lists their codes, in scheme order."""

    def __init__(self, missing: list[str]):
        self.missing = list(missing)
        super().__init__("not yet scored: " + ", ".join(self.missing))


@dataclass(frozen=True)
class Reason:
    """One line of the explanation: a stable code and the figures it needs, for translation."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AreaResult:
    """An area's score. `pct` is None when every criterion of the area was N/A."""

    code: str
    weight: int
    min_pct: int | float
    pct: Decimal | None
    applicable_count: int
    na_count: int
    passed_minimum: bool
    pct_exact: Fraction | None = None
    # The public band of this area (see `band`), None when the area was all N/A.
    band: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """The engine's whole result. `level` is None unless `certifiable`."""

    areas: tuple[AreaResult, ...]
    overall_pct: Decimal | None
    level: Level | None
    certifiable: bool
    knockouts_failed: tuple[str, ...]
    major_nonconformities: tuple[str, ...]
    minor_nonconformities: tuple[str, ...]
    reasons: tuple[Reason, ...]
    overall_exact: Fraction | None = None

    def area(self, code: str) -> AreaResult:
        """The result of one area; KeyError if the scheme has no such area."""
        for result in self.areas:
            if result.code == code:
                return result
        raise KeyError(code)

    @property
    def level_code(self) -> str | None:
        """The level reached ("L1", "L2", "L3") or None."""
        return self.level.code if self.level else None


def band_cutoffs(scheme: Scheme) -> tuple[tuple[Fraction, str], ...]:
    """The minimum score of each public band, best first: A, B, C… for each level's minimum
    overall score (highest level first), then one band for the lowest area minimum. With the
    default scheme: A >= 85, B >= 72, C >= 60, D >= 50 (and E below)."""
    minima = sorted({_exact(level.min_overall) for level in scheme.levels}, reverse=True)
    minima.append(min(_exact(area.min_pct) for area in scheme.areas))
    return tuple((minimum, chr(ord("A") + i)) for i, minimum in enumerate(minima))


def band(pct: Number, scheme: Scheme) -> str:
    """The band printed on certificates for an area score in %, from the scheme's own
    thresholds (`band_cutoffs`); below all of them, the letter after the last band.

    The public registry shows bands rather than detailed scores (domain.md §3.5: scores
    are not public).
    """
    exact = _exact(pct)
    cutoffs = band_cutoffs(scheme)
    for minimum, letter in cutoffs:
        if exact >= minimum:
            return letter
    return chr(ord(cutoffs[-1][1]) + 1)


def _exact(value: Number) -> Fraction:
    """A threshold as an exact fraction; a float is read as the decimal the JSON wrote."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def level_rank(code: str | None) -> int:
    """The rank of a level code: "L1" → 1 … "L3" → 3; None (no level) → 0."""
    if code is None:
        return 0
    match = re.fullmatch(r"L([1-9][0-9]*)", str(code))
    if match is None:
        raise ValueError(f"not a level code: {code!r}")
    return int(match.group(1))


def display_pct(exact: Fraction) -> Decimal:
    """A percentage for display: rounded half-up to 2 places, computed exactly."""
    hundredths = exact * 100
    rounded = (hundredths.numerator * 2 + hundredths.denominator) // (2 * hundredths.denominator)
    return Decimal(rounded).scaleb(-2)


def evaluate(scheme: Scheme, scores: Mapping[str, int | None]) -> Evaluation:
    """Apply the scheme's rules to a complete set of scores.

    `scores` maps every criterion code to an integer score, or to None for N/A. Raises
    `ValueError` for unknown codes, scores off the scale and N/A where the criterion does
    not allow it, then `IncompleteScores` if any criterion is missing.
    Rules, in order (domain.md §3.2): a knock-out below its minimum, a score of 0 (open
    major nonconformity) or an area below its minimum makes the firm not certifiable;
    otherwise it reaches the highest level whose thresholds are all met, if any.
    """
    _check_scores(scheme, scores)
    # Criterion lists are in area order, then by code: the scheme file's order is irrelevant.
    area_order = {area.code: index for index, area in enumerate(scheme.areas)}
    ordered = sorted(scheme.criteria, key=lambda c: (area_order[c.area], c.code))
    applicable = [(c, scores[c.code]) for c in ordered if scores[c.code] is not None]
    areas = tuple(_area_result(scheme, area, applicable) for area in scheme.areas)
    overall = _overall(areas)
    knockouts = [(c, s) for c, s in applicable if c.knockout and s < c.ko_min_score]
    failed = {c.code for c, _s in knockouts}
    # A score at the bottom of the scale is an open major nonconformity unless it is already
    # a failed knock-out; 1 is a minor one (corrective-action plan, does not block).
    majors = [c for c, s in applicable if s == scheme.scale_min and c.code not in failed]
    minors = [c for c, s in applicable if s == scheme.scale_min + 1 and c.code not in failed]
    reasons = [Reason("knockout_failed", {"criterion": c.code, "score": s,
                                          "minimum": c.ko_min_score}) for c, s in knockouts]
    reasons += [Reason("major_nonconformity", {"criterion": c.code, "score": scheme.scale_min})
                for c in majors]
    reasons += [Reason("minor_nonconformity", {"criterion": c.code, "score": scheme.scale_min + 1})
                for c in minors]
    reasons += [Reason("area_not_applicable", {"area": a.code}) for a in areas if a.pct is None]
    reasons += [Reason("area_below_minimum", {"area": a.code, "pct": a.pct, "minimum": a.min_pct})
                for a in areas if not a.passed_minimum]
    blocked = bool(knockouts or majors) or not all(a.passed_minimum for a in areas)
    level = None
    if overall is None:
        reasons.append(Reason("nothing_applicable", {}))
    elif not blocked:
        level, outcome = _level(scheme, areas, applicable, overall)
        reasons += outcome
    return Evaluation(
        areas=areas, overall_pct=None if overall is None else display_pct(overall),
        level=level, certifiable=level is not None,
        knockouts_failed=tuple(c.code for c, _s in knockouts),
        major_nonconformities=tuple(c.code for c in majors),
        minor_nonconformities=tuple(c.code for c in minors),
        reasons=tuple(reasons), overall_exact=overall,
    )


def _check_scores(scheme: Scheme, scores: Mapping[str, int | None]) -> None:
    """Reject every bad value at once; only then complain about what is missing."""
    problems = [f"{code}: unknown criterion" for code in scores
                if code not in {c.code for c in scheme.criteria}]
    missing = []
    for criterion in scheme.criteria:
        if criterion.code not in scores:
            missing.append(criterion.code)
            continue
        value = scores[criterion.code]
        if value is None:
            if not criterion.na_allowed:
                problems.append(f"{criterion.code}: N/A is not allowed for this criterion")
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{criterion.code}: a score must be a whole number, not {value!r}")
        elif not scheme.scale_min <= value <= scheme.scale_max:
            problems.append(f"{criterion.code}: score {value} is outside "
                            f"{scheme.scale_min}-{scheme.scale_max}")
    if problems:
        raise ValueError("; ".join(problems))
    if missing:
        raise IncompleteScores(missing)


def _area_result(scheme: Scheme, area, applicable: list[tuple[Criterion, int]]) -> AreaResult:
    """Area % = 100·Σ(w·s) / (max·Σw) over the area's applicable criteria (domain.md §3.1)."""
    mine = [(c, s) for c, s in applicable if c.area == area.code]
    total = len(scheme.criteria_of(area.code))
    if not mine:
        # Nothing to measure: the area drops out of the overall and cannot fail its minimum.
        return AreaResult(area.code, area.weight, area.min_pct, None, 0, total, True)
    weights = sum(c.weight for c, _s in mine)
    exact = Fraction(100 * sum(c.weight * s for c, s in mine), scheme.scale_max * weights)
    return AreaResult(area.code, area.weight, area.min_pct, display_pct(exact), len(mine),
                      total - len(mine), exact >= _exact(area.min_pct), exact,
                      band(exact, scheme))


def _overall(areas: tuple[AreaResult, ...]) -> Fraction | None:
    """Overall % = Σ(area weight·area %) / Σ(area weight) over areas with a score."""
    scored = [a for a in areas if a.pct_exact is not None]
    if not scored:
        return None
    return sum((a.weight * a.pct_exact for a in scored), Fraction(0)) / sum(
        a.weight for a in scored)


def _level(scheme: Scheme, areas: tuple[AreaResult, ...],
           applicable: list[tuple[Criterion, int]],
           overall: Fraction) -> tuple[Level | None, list[Reason]]:
    """The highest level whose thresholds are all met, with a line for each level above it."""
    misses = {level.code: _missed(level, areas, applicable, overall) for level in scheme.levels}
    reached = [level for level in scheme.levels if not misses[level.code]["because"]]
    level = max(reached, key=lambda lv: lv.rank) if reached else None
    reasons = []
    if level is not None:
        reasons.append(Reason("level_reached", {"level": level.code,
                                                "overall": display_pct(overall),
                                                "min_overall": level.min_overall}))
    elif overall < _exact(scheme.levels[0].min_overall):
        reasons.append(Reason("overall_below_minimum", {
            "level": scheme.levels[0].code, "overall": display_pct(overall),
            "minimum": scheme.levels[0].min_overall}))
    above = [lv for lv in scheme.levels if level is None or lv.rank > level.rank]
    reasons += [Reason("level_missed", misses[lv.code]) for lv in above]
    return level, reasons


def _missed(level: Level, areas: tuple[AreaResult, ...],
            applicable: list[tuple[Criterion, int]], overall: Fraction) -> dict[str, Any]:
    """Which of the level's thresholds the figures miss, with the figures that miss them."""
    areas_below = [a.code for a in areas
                   if a.pct_exact is not None and a.pct_exact < _exact(level.min_each_area)]
    criteria_below = [] if level.min_criterion_score is None else [
        c.code for c, s in applicable if s < level.min_criterion_score]
    because = [name for name, missed in (
        ("min_overall", overall < _exact(level.min_overall)),
        ("min_each_area", bool(areas_below)),
        ("min_criterion_score", bool(criteria_below))) if missed]
    return {"level": level.code, "because": because, "overall": display_pct(overall),
            "min_overall": level.min_overall, "areas_below": areas_below,
            "min_each_area": level.min_each_area, "criteria_below": criteria_below,
            "min_criterion_score": level.min_criterion_score}
