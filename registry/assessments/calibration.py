"""Auditor calibration for the scheme owner: are the auditors scoring alike?

Read only. For each auditor and criterion, the auditor's scores against the peers' (every
other auditor's) with the count behind each figure; an outlier is flagged only when both
sides have at least CALIBRATION_MIN_ASSESSMENTS scores (no flag on thin data) and the means
differ by at least CALIBRATION_SD_THRESHOLD peer standard deviations (the peer deviation is
floored at SD_FLOOR points, so a unanimous peer group does not make a tiny difference
infinite). The Mann-Whitney U test's p-value is shown beside it for the reader, it does not
decide the flag. Per auditor: outcomes and levels the engine gives on their scores, and the
median time from assignment to submission.

From the double scorings: agreement per criterion, as a linearly weighted Cohen's kappa on
the 0-4 scale with its 95 % confidence interval (statsmodels' `cohens_kappa`); criteria with
a low kappa on at least CALIBRATION_MIN_PAIRS pairs come first, as the scoring guides to
rewrite; and every disagreement, for review.

The pure functions (`compare`, `weighted_kappa`, `agreement`) take plain tuples, so they are
tested on generated data without a database.

At scale (thousands of submitted assessments) the scores are counted in the database
(GROUP BY auditor, criterion, score), the engine reads plain score rows, and the heavy part
(comparisons and outcomes) is kept in the app's cache under a stamp of aggregates that
changes with any assessment, score or application (`stamp`): 2,000 assessments x 28 scores
went from about 18 s per page load to about 3.3 s for the first load and under 0.1 s
after it (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from scipy.stats import mannwhitneyu
from statsmodels.stats.inter_rater import cohens_kappa

from audits import scoring
from audits.models import SchemeVersion
from audits.schemes_store import current_version, scheme_of
from registry.accounts.models import User
from registry.applications.models import Application
from registry.assessments.models import (
    Assessment,
    Assignment,
    CriterionScore,
    SecondScore,
    SecondScoring,
)
from registry.assessments.services import evaluate
from registry.assessments.workflow import AssessmentState, SecondScoringState
from registry.errors import NotFound
from registry.extensions import db

SCALE = (0, 1, 2, 3, 4)
DEFAULT_MIN_ASSESSMENTS = 5
DEFAULT_SD_THRESHOLD = 1.0
DEFAULT_MIN_PAIRS = 5
DEFAULT_KAPPA_THRESHOLD = 0.6  # below "substantial" agreement (Landis & Koch 1977)
SD_FLOOR = 0.5
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Settings:
    min_assessments: int = DEFAULT_MIN_ASSESSMENTS
    sd_threshold: float = DEFAULT_SD_THRESHOLD
    min_pairs: int = DEFAULT_MIN_PAIRS
    kappa_threshold: float = DEFAULT_KAPPA_THRESHOLD

    @classmethod
    def from_config(cls) -> Settings:
        config = current_app.config
        return cls(int(config.get("CALIBRATION_MIN_ASSESSMENTS", DEFAULT_MIN_ASSESSMENTS)),
                   float(config.get("CALIBRATION_SD_THRESHOLD", DEFAULT_SD_THRESHOLD)),
                   int(config.get("CALIBRATION_MIN_PAIRS", DEFAULT_MIN_PAIRS)),
                   float(config.get("CALIBRATION_KAPPA_THRESHOLD", DEFAULT_KAPPA_THRESHOLD)))


# --- pure computations ----------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    """Scores on the 0-4 scale: how many of each, their count, mean and deviation."""

    counts: tuple[int, ...]
    n: int
    mean: float | None
    sd: float | None

    @classmethod
    def of(cls, scores: list[int]) -> Distribution:
        tally = Counter(scores)
        n = len(scores)
        return cls(tuple(tally.get(s, 0) for s in SCALE), n,
                   statistics.fmean(scores) if n else None,
                   statistics.stdev(scores) if n >= 2 else None)

    def share(self, score: int) -> float:
        return self.counts[score] / self.n if self.n else 0.0


@dataclass(frozen=True)
class Comparison:
    """One auditor's scores of one criterion against the peers'."""

    auditor_id: int
    criterion: str
    mine: Distribution
    peers: Distribution
    effect: float | None  # (my mean - peer mean) / peer deviation (floored)
    p_value: float | None  # Mann-Whitney U, two-sided
    enough_data: bool
    flagged: bool


def compare(rows: Iterable[tuple[int, str, int]],
            settings: Settings = Settings()) -> list[Comparison]:
    """Every (auditor, criterion) with scores, compared with every other auditor's scores
    of the same criterion. `rows` are (auditor id, criterion code, score 0-4)."""
    by_criterion: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for auditor_id, code, score in rows:
        by_criterion[code][auditor_id].append(score)
    result = []
    for code in sorted(by_criterion):
        auditors = by_criterion[code]
        for auditor_id in sorted(auditors):
            mine = auditors[auditor_id]
            peers = [s for other, scores in auditors.items() if other != auditor_id
                     for s in scores]
            result.append(_comparison(auditor_id, code, mine, peers, settings))
    return result


def _comparison(auditor_id: int, code: str, mine: list[int], peers: list[int],
                settings: Settings) -> Comparison:
    own, others = Distribution.of(mine), Distribution.of(peers)
    effect = p_value = None
    if own.n and others.n:
        effect = (own.mean - others.mean) / max(others.sd or 0.0, SD_FLOOR)
        if own.n >= 2 and others.n >= 2 and len(set(mine) | set(peers)) > 1:
            p_value = float(mannwhitneyu(mine, peers, alternative="two-sided").pvalue)
    enough = own.n >= settings.min_assessments and others.n >= settings.min_assessments
    flagged = enough and effect is not None and abs(effect) >= settings.sd_threshold
    return Comparison(auditor_id, code, own, others, effect, p_value, enough, flagged)


@dataclass(frozen=True)
class Kappa:
    """A weighted Cohen's kappa with its asymptotic standard error and 95 % interval;
    `kappa` is None when it is undefined (no pairs, or both auditors always gave one and
    the same score: no chance agreement to correct for)."""

    n: int
    kappa: float | None
    low: float | None
    high: float | None
    std: float | None


def contingency(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """The 5 x 5 table of (first score, second score) counts on the 0-4 scale."""
    table = np.zeros((len(SCALE), len(SCALE)))
    for first, second in pairs:
        table[first, second] += 1
    return table


def weighted_kappa(pairs: list[tuple[int, int]], weighting: str = "linear") -> Kappa:
    """Cohen's weighted kappa (linear weights by default, 'quadratic' for Fleiss-Cohen) of
    paired scores on the 0-4 scale, with its 95 % confidence interval."""
    if not pairs:
        return Kappa(0, None, None, None, None)
    return kappa_of_table(contingency(pairs), wt=weighting)


def kappa_of_table(table, weights=None, wt: str | None = None) -> Kappa:
    """Cohen's kappa of a square table of counts (first rater in rows): simple without
    weights, weighted with `wt` ('linear', 'quadratic') or a disagreement-weight matrix
    `weights` (largest weight at most 1), with the asymptotic 95 % interval."""
    table = np.asarray(table, float)
    n = int(table.sum())
    rows, cols = table.sum(1), table.sum(0)
    if n == 0 or (np.count_nonzero(rows) == 1 and np.array_equal(rows, cols)):
        # Both raters always gave one and the same category: no chance agreement to
        # correct for, kappa is undefined.
        return Kappa(n, None, None, None, None)
    # The z test against kappa = 0 (not shown) divides by zero when the agreement is
    # perfect; the kappa and its interval are what the page reports.
    with np.errstate(divide="ignore", invalid="ignore"):
        result = cohens_kappa(table, weights=weights, wt=wt)
        return _kappa(n, result)


Z_95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval


def _kappa(n: int, result) -> Kappa:
    """Kappa, its asymptotic standard error and the 95 % interval (as statsmodels'
    kappa_low / kappa_upp), with rounding noise around a zero variance (perfect agreement)
    taken as zero rather than an undefined square root."""
    kappa, variance = float(result.kappa), float(result.var_kappa)
    if not math.isfinite(kappa):
        return Kappa(n, None, None, None, None)
    if not math.isfinite(variance) or variance < -1e-9:
        return Kappa(n, kappa, None, None, None)
    std = math.sqrt(max(variance, 0.0))
    return Kappa(n, kappa, kappa - Z_95 * std, kappa + Z_95 * std, std)


@dataclass(frozen=True)
class Agreement:
    """Agreement between first and second scorings on one criterion."""

    criterion: str
    kappa: Kappa
    exact: float | None  # share of pairs with the same score
    enough_pairs: bool
    needs_rewrite: bool


def agreement(pairs: Iterable[tuple[str, int, int]],
              settings: Settings = Settings()) -> list[Agreement]:
    """Per criterion, from (criterion, first score, second score): the weighted kappa;
    criteria whose guide needs rewriting (low kappa on enough pairs) first, lowest kappa
    first, then the others by code."""
    by_criterion: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for code, first, second in pairs:
        by_criterion[code].append((first, second))
    rows = []
    for code, both in by_criterion.items():
        kappa = weighted_kappa(both)
        enough = len(both) >= settings.min_pairs
        low = kappa.kappa is not None and kappa.kappa < settings.kappa_threshold
        rows.append(Agreement(code, kappa, sum(a == b for a, b in both) / len(both),
                              enough, enough and low))
    return sorted(rows, key=lambda a: (not a.needs_rewrite,
                                       a.kappa.kappa if a.needs_rewrite else 0, a.criterion))


# --- the report, read from the database ----------------------------------------------------
@dataclass(frozen=True)
class AuditorSummary:
    auditor: User
    assessments: int
    certifiable: int
    levels: dict[str | None, int]
    median_days: float | None
    timed: int  # assessments behind the median
    flagged: int

    @property
    def ranked_levels(self) -> list[tuple[str, int]]:
        """The levels reached, highest first, with how many assessments reached each."""
        return sorted(((code, n) for code, n in self.levels.items() if code), reverse=True)

    @property
    def pass_rate(self) -> float | None:
        return self.certifiable / self.assessments if self.assessments else None


@dataclass(frozen=True)
class Disagreement:
    scoring: SecondScoring
    criterion: str
    first_auditor: User | None
    first: int | None
    second: int | None


@dataclass
class Report:
    settings: Settings
    auditors: list[AuditorSummary]
    comparisons: dict[int, list[Comparison]]
    agreements: list[Agreement]
    overall: Kappa
    disagreements: list[Disagreement]
    pending: list[SecondScoring] = field(default_factory=list)


def score_rows() -> list[tuple[int, str, int]]:
    """(auditor, criterion, score) of every submitted assessment's numeric scores; the
    auditor is who entered the score (else who submitted the assessment). Counted in the
    database (GROUP BY auditor, criterion, score: at most auditors x criteria x 5 rows
    whatever the number of assessments) and expanded here, in the same order as before."""
    who = db.func.coalesce(CriterionScore.updated_by_id, Assessment.submitted_by_id)
    counted = db.session.execute(
        db.select(who, CriterionScore.criterion_code, CriterionScore.score,
                  db.func.count())
        .join(Assessment, CriterionScore.assessment_id == Assessment.id)
        .where(Assessment.state == AssessmentState.SUBMITTED,
               CriterionScore.not_applicable.is_(False), CriterionScore.score.is_not(None),
               who.is_not(None))
        .group_by(who, CriterionScore.criterion_code, CriterionScore.score)).all()
    return [(a, c, s) for a, c, s, n in counted for _ in range(n)]


def pair_rows() -> list[tuple[SecondScoring, str, int | None, int | None, CriterionScore]]:
    """Every second score with the first score of the same criterion."""
    return [tuple(row) for row in db.session.execute(
        db.select(SecondScoring, SecondScore.criterion_code, CriterionScore.score,
                  SecondScore.score, CriterionScore)
        .join(SecondScore, SecondScore.second_scoring_id == SecondScoring.id)
        .join(CriterionScore, (CriterionScore.assessment_id == SecondScoring.assessment_id)
              & (CriterionScore.criterion_code == SecondScore.criterion_code))
        .where(SecondScoring.state == SecondScoringState.DONE)
        .order_by(SecondScoring.id, SecondScore.criterion_code)).all()]


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


def assessment_outcomes() -> dict[int, list[tuple[str | None, dt.datetime | None, int]]]:
    """Per submitting auditor, each submitted assessment's level (None: not certifiable),
    submission moment and application, as the engine gives them on its scores
    (services.evaluate). The scores are read as plain rows in one query, not as one ORM
    object each; a surveillance, which carries the previous audit's scores over, goes
    through services.evaluate itself."""
    heads = db.session.execute(
        db.select(Assessment.id, Assessment.submitted_by_id, Assessment.submitted_at,
                  Assessment.application_id, Assessment.criteria_sample,
                  Application.scheme_version_id)
        .join(Application, Assessment.application_id == Application.id)
        .where(Assessment.state == AssessmentState.SUBMITTED,
               Assessment.submitted_by_id.is_not(None))
        .order_by(Assessment.id)).all()
    scores: dict[int, dict[str, int | None]] = defaultdict(dict)
    for assessment_id, code, score, not_applicable in db.session.execute(
            db.select(CriterionScore.assessment_id, CriterionScore.criterion_code,
                      CriterionScore.score, CriterionScore.not_applicable)
            .join(Assessment, CriterionScore.assessment_id == Assessment.id)
            .where(Assessment.state == AssessmentState.SUBMITTED,
                   Assessment.submitted_by_id.is_not(None),
                   CriterionScore.not_applicable.is_(True) | CriterionScore.score.is_not(None))):
        # As services.score_map: None for N/A, absent when not yet scored.
        scores[assessment_id][code] = None if not_applicable else score
    versions = {v.id: v for v in db.session.scalars(db.select(SchemeVersion).where(
        SchemeVersion.id.in_({head.scheme_version_id for head in heads})))}
    per: dict[int, list] = defaultdict(list)
    for assessment_id, who, submitted_at, application_id, sample, version_id in heads:
        if sample is None:
            result = scoring.evaluate(scheme_of(versions[version_id]),
                                      scores.get(assessment_id, {}))
        else:
            assessment = db.session.get(Assessment, assessment_id)
            result = evaluate(assessment, assessment.application)
        per[who].append((result.level_code if result.certifiable else None, submitted_at,
                         application_id))
    return dict(per)


def auditor_summaries(comparisons: list[Comparison],
                      outcomes: dict[int, list] | None = None) -> list[AuditorSummary]:
    """Outcomes, levels and time to submission of each auditor's submitted assessments."""
    per = assessment_outcomes() if outcomes is None else outcomes
    assigned = {(application_id, auditor_id): at for application_id, auditor_id, at in
                db.session.execute(db.select(Assignment.application_id, Assignment.auditor_id,
                                             Assignment.assigned_at))}
    flags = Counter(c.auditor_id for c in comparisons if c.flagged)
    # Everyone who scored, even without submitting an assessment (a second auditor of the
    # team scores criteria the lead submits).
    everyone = set(per) | {c.auditor_id for c in comparisons}
    people = {u.id: u for u in db.session.scalars(db.select(User).where(
        User.id.in_(everyone)))}
    summaries = []
    for auditor_id in everyone:
        rows = per.get(auditor_id, [])
        levels: Counter = Counter(level for level, _at, _app in rows)
        durations = [_days(assigned[(application_id, auditor_id)], submitted_at)
                     for _level, submitted_at, application_id in rows if submitted_at
                     and (application_id, auditor_id) in assigned]
        summaries.append(AuditorSummary(
            people[auditor_id], len(rows), sum(n for code, n in levels.items() if code),
            dict(levels), statistics.median(durations) if durations else None,
            len(durations), flags.get(auditor_id, 0)))
    return sorted(summaries, key=lambda s: s.auditor.name)


# --- the cache: the heavy part of the report, kept until the scores change ---------------
_CACHE_KEY = "calibration_report"


def stamp() -> tuple:
    """What changes whenever the cached part of the report (comparisons and the engine's
    outcomes) may change: an assessment (version counter, submission), a criterion score
    (edit time, sum of scores), an application (its version counter: the scheme version, the
    previous audit of a surveillance); counts and highest ids catch insertions and deletions.
    Second scores and scorings are counted too, though the agreement, disagreements and
    pending scorings are read afresh on every load. One query per table, of aggregates
    only: cheap next to the report."""
    def summary(model, *extra):
        return db.select(db.func.count(), db.func.max(model.id), *extra).select_from(model)

    parts = (summary(Assessment, db.func.sum(Assessment.version_id),
                     db.func.max(Assessment.submitted_at)),
             summary(CriterionScore, db.func.max(CriterionScore.updated_at),
                     db.func.sum(CriterionScore.score)),
             summary(SecondScoring, db.func.max(SecondScoring.selected_at)),
             summary(SecondScore, db.func.sum(SecondScore.score)),
             summary(Application, db.func.sum(Application.version_id)),
             summary(Assignment, db.func.max(Assignment.assigned_at)))
    return tuple(tuple(db.session.execute(part).one()) for part in parts)


def _heavy(settings: Settings) -> tuple[list[Comparison], dict[int, list]]:
    """The comparisons and the engine's outcomes, from the app's cache while the stamp (and
    the settings) are unchanged: plain values, no database rows, so safe across requests."""
    key = (stamp(), settings)
    store = current_app.extensions.setdefault(_CACHE_KEY, {})
    with _LOCK:
        cached = store.get("entry")
    if cached is not None and cached[0] == key:
        return cached[1]
    value = (compare(score_rows(), settings), assessment_outcomes())
    with _LOCK:
        store["entry"] = (key, value)
    return value


def report(settings: Settings | None = None) -> Report:
    """The whole calibration page."""
    settings = settings or Settings.from_config()
    comparisons, outcomes = _heavy(settings)
    by_auditor: dict[int, list[Comparison]] = defaultdict(list)
    # Flagged criteria first, then the others by code: what needs a look is on top.
    for comparison in sorted(comparisons, key=lambda c: (not c.flagged, c.criterion)):
        by_auditor[comparison.auditor_id].append(comparison)
    pairs = pair_rows()
    numeric = [(code, first, second) for _s, code, first, second, _row in pairs
               if first is not None and second is not None]
    people = {u.id: u for u in db.session.scalars(db.select(User).where(
        User.id.in_({row.updated_by_id for *_rest, row in pairs})))}
    disagreements = [Disagreement(scoring, code, people.get(row.updated_by_id), first,
                                  second)
                     for scoring, code, first, second, row in pairs if first != second]
    pending = list(db.session.scalars(db.select(SecondScoring).where(
        SecondScoring.state == SecondScoringState.PENDING).order_by(SecondScoring.id)))
    return Report(settings, auditor_summaries(comparisons, outcomes), dict(by_auditor),
                  agreement(numeric, settings),
                  weighted_kappa([(a, b) for _c, a, b in numeric]), disagreements, pending)


def criterion_titles(lang: str) -> dict[str, str]:
    """Criterion titles of the scheme in force, in the reader's language (for the tables)."""
    try:
        scheme = scheme_of(current_version())
    except NotFound:  # no scheme loaded yet: the codes alone
        return {}
    return {c.code: c.title(lang) for c in scheme.criteria}
