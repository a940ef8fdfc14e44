"""The statistics' facts (registry/ministry/facts.py): the nightly fold of the history gives,
on every day and filter, exactly the figures history.py computes live from the history,
whether the day asked is folded already, after the fold (folded on the request), or both.

Two data sets: the hand-counted one of test_history.py and a generated one (random firms,
status histories, renewals, applications with events at any hour, around Rome's midnight).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from registry.applications.models import Application, ApplicationEvent
from registry.certificates.labels import status_label
from registry.certificates.models import Certificate, StatusChange
from registry.db import today_in_rome, utcnow
from registry.extensions import db
from registry.firms.models import Firm
from registry.ministry import charts, facts, history
from registry.ministry.history import Filters
from registry.ministry.models import StatisticsFact, StatisticsRun
from registry.ministry.workflow import Period
from tests import factories, rows
from tests.conftest import ON_POSTGRES
from tests.ministry.test_history import JULY, MARCH_26, register, renew  # noqa: F401

REGIONS = ("", "Lazio", "Sicilia")
# The fold and the corrections are Python over rows read the same way on both databases;
# what is the database's own (COPY or executemany, the summed UNION ALL reads, the id
# marks) runs in every case below. So PostgreSQL runs the farthest fold offsets and one
# generated register, SQLite all of them (CI's time on two cores: about a minute saved).
AHEAD = [0, 31] if ON_POSTGRES else [0, 1, 17, 31]
SEEDS = [1] if ON_POSTGRES else [1, 2, 3]


def figures_of(reader, filters: Filters) -> dict:
    """Every figure history.py's functions give, read through `reader` (history or a
    facts.Source)."""
    groups = reader.snapshot(filters)
    return {
        "firms": reader.firms_by_region_and_level(filters, groups),
        "statuses": reader.certificates_by_status(filters, groups),
        "bands": reader.extra_eu_bands(filters, groups),
        "movements": reader.movements(filters),
        "stages": reader.applications_by_stage(filters),
        "stays": {stage: +counter for stage, counter in reader.days_in_stage(filters).items()},
        "decisions": +reader.days_to_decision(filters),
        "areas": {key: +counter for key, counter in reader.area_bands(filters).items()
                  if +counter},
    }


def assert_same(days: list[dt.date], ahead: int, **filters) -> int:
    """For each of `days`, fold through `ahead` days before it (the fold reaches
    facts.HORIZON past its last day) and compare facts and history on that day, over two
    periods; how many comparisons were made."""
    compared = 0
    for day in days:
        facts.compute(day - dt.timedelta(days=ahead))
        source = facts.source(day)
        for start, period in ((dt.date(2024, 1, 1), Period.QUARTER),
                              (day - dt.timedelta(days=40), Period.MONTH)):
            asked = Filters(at=day, start=start, period=period, **filters)
            assert figures_of(source, asked) == figures_of(history, asked), (
                ahead, day, start, period, filters)
            compared += 1
        db.session.rollback()
    return compared


HAND_COUNTED_DAYS = [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 6, 1), JULY,
                     dt.date(2025, 7, 10), dt.date(2025, 12, 15), dt.date(2026, 2, 1),
                     dt.date(2026, 2, 28), MARCH_26]


# 0: the day is the fold's last; 1: today after last night's fold; 31: the farthest ahead.
@pytest.mark.parametrize("ahead", AHEAD)
def test_facts_give_the_hand_counted_figures(app, register, ahead):  # noqa: F811
    with app.app_context():
        for region in REGIONS:
            assert_same(HAND_COUNTED_DAYS, ahead, region=region)
        assert_same(HAND_COUNTED_DAYS, ahead, level="L2")
        assert_same(HAND_COUNTED_DAYS, ahead, scheme="altro-schema")


def test_the_folded_figures_are_the_hand_counted_ones(app, register):  # noqa: F811
    # The same numbers test_history counts by hand, now read from the facts alone.
    with app.app_context():
        facts.compute(dt.date(2026, 6, 30))
        source = facts.source(dt.date(2026, 6, 30))
        july = Filters(at=JULY, start=dt.date(2025, 1, 1))
        assert source.firms_by_region_and_level(july, source.snapshot(july)) == {
            ("Lazio", "L1"): 1, ("Puglia", "L3"): 1, ("Sicilia", "L2"): 1}
        assert source.applications_by_stage(july)["draft"] == 1
        assert source.days_to_decision(july) == Counter({40: 1, 50: 1})
        assert source.movements(july) == {(dt.date(2025, 1, 1), "issued"): 1,
                                          (dt.date(2025, 3, 1), "issued"): 1,
                                          (dt.date(2025, 6, 1), "suspended"): 1}
        assert db.session.scalar(select(func.count()).select_from(StatisticsRun)) == 1


def _random_register(seed: int) -> None:
    """Firms with random status histories and renewals, applications with random events."""
    chance = random.Random(seed)
    regions = ["Lazio", "Puglia", "Sicilia", "Lombardia"]
    for index in range(10):
        valid_from = dt.date(2023, 1, 1) + dt.timedelta(days=chance.randrange(900))
        valid_until = valid_from + dt.timedelta(days=chance.choice([200, 400, 1094]))
        row = rows.certified_firm(f"Casuale {index} S.r.l.", level=chance.choice(
            ["L1", "L2", "L3"]), region=chance.choice(regions), valid_from=valid_from,
            valid_until=valid_until, traffic_italy_pct=100 - (share := chance.choice(
                [0, 5, 20, 40, 70])), traffic_eu_pct=0, traffic_extra_eu_pct=share,
            extra_eu_countries=["AL"] if share else [])
        day = valid_from
        for _step in range(chance.randrange(4)):
            day += dt.timedelta(days=chance.randrange(1, 120))
            status = chance.choice(["suspended", "valid", "withdrawn", "renounced",
                                    "expired"])
            rows.change_status(row, status, on=day)
        if chance.random() < 0.4:
            renew(row, level=chance.choice(["L1", "L2", "L3"]),
                  issued_on=valid_until - dt.timedelta(days=chance.randrange(1, 40)),
                  valid_from=valid_until + dt.timedelta(days=1),
                  valid_until=valid_until + dt.timedelta(days=1095))
        _random_application(chance, row)


def _random_application(chance: random.Random, row) -> None:
    path = [("submit", "draft", "submitted"), ("start_audit", "submitted", "under_audit"),
            ("request_changes", "under_audit", "changes_requested"),
            ("resubmit", "changes_requested", "under_audit"),
            ("complete_assessment", "under_audit", "assessed"),
            (chance.choice(["certify", "refuse"]), "assessed",
             chance.choice(["certified", "refused"]))]
    steps = path[:chance.randrange(len(path) + 1)]
    # Hours around midnight in Rome (22:00–01:00 UTC) as well as in the day.
    moment = (dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
              + dt.timedelta(days=chance.randrange(700), hours=chance.choice([1, 9, 22, 23]),
                             minutes=chance.randrange(60)))
    made = Application(firm_id=row.firm_id, scheme_version_id=factories.default_scheme().id,
                       kind="initial", state=steps[-1][2] if steps else "draft",
                       created_at=moment)
    db.session.add(made)
    db.session.flush()
    for action, before, after in steps:
        moment += dt.timedelta(days=chance.randrange(0, 50), hours=chance.randrange(24))
        db.session.add(ApplicationEvent(application_id=made.id, action=action,
                                        from_state=before, to_state=after, at=moment))
    db.session.commit()


@pytest.mark.parametrize("seed", SEEDS)
def test_facts_give_what_the_history_gives_on_a_generated_register(app, seed):
    chance = random.Random(seed * 7)
    with app.app_context():
        _random_register(seed)
        days = sorted({dt.date(2023, 1, 1) + dt.timedelta(days=chance.randrange(1400))
                       for _ in range(6)} | {dt.date(2025, 3, 1), dt.date(2025, 2, 28)})
        for ahead in (0, 1, 31):
            for region in ("", "Lazio"):
                assert assert_same(days, ahead, region=region) == len(days) * 2
        assert_same(days, 5, level="L3")


def test_the_page_reads_the_facts_and_shows_a_change_of_today_at_once(app, register):  # noqa: F811
    with app.test_request_context("/"):
        today = today_in_rome()
        asked = Filters(at=today, start=dt.date(2025, 1, 1))
        facts.compute(today - dt.timedelta(days=1))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(StatisticsFact)) > 0
        statuses = {figure.key: figure for figure in charts.figures(asked)}["stati"]
        before = dict(statuses.rows)
        # A suspension today, after the night's fold: read from the recent fold.
        rows.change_status(register["P"], "suspended", on=today)
        after = dict({figure.key: figure for figure in charts.figures(asked)}["stati"].rows)
        suspended, valid = status_label("suspended"), status_label("valid")
        assert after == {**before, suspended: before[suspended] + 1,
                         valid: before[valid] - 1}
        assert figures_of(facts.source(today), asked) == figures_of(history, asked)


def test_no_facts_or_facts_too_old_mean_the_history_is_read(app, register):  # noqa: F811
    with app.app_context():
        today = dt.date(2026, 6, 30)
        assert facts.source(today) is None
        facts.compute(today - facts.HORIZON - dt.timedelta(days=1))
        assert facts.source(today) is None
        facts.compute(today - facts.HORIZON)
        assert facts.source(today) is not None


def test_the_nightly_job_folds_the_facts_through_yesterday(app, runner, register):  # noqa: F811
    result = runner.invoke(args=["jobs", "run", "--date", "2026-03-02", "--dry-run"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert facts.latest_run() is None  # a rehearsal folds nothing
    result = runner.invoke(args=["jobs", "run", "--date", "2026-03-02"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        run = facts.latest_run()
        assert run.through == dt.date(2026, 3, 1)
        assert f"statistics_facts: {run.facts}" in result.output
        asked = Filters(at=MARCH_26, start=dt.date(2025, 1, 1))
        assert figures_of(facts.source(dt.date(2026, 3, 2)), asked) == figures_of(history,
                                                                                  asked)


def test_what_is_recorded_after_the_fold_shows_at_once_on_every_day(app, register):  # noqa: F811
    # After last night's fold: a suspension recorded today but effective on a past day, a
    # firm moving region, another declaring more traffic outside the EU, an application
    # moving on and a new one. The history reads them on every day at once (a firm's region
    # and share have no history); so must the facts, until the next fold takes them in.
    until = today_in_rome()
    through = until - dt.timedelta(days=1)
    days = [dt.date(2025, 6, 1), JULY, dt.date(2025, 9, 10), MARCH_26, through, until]
    with app.app_context():
        facts.compute(through)
        db.session.commit()
        a2 = db.session.scalar(select(Application).where(
            Application.firm_id == register["L"].firm_id,
            Application.state == "changes_requested"))
        db.session.add(ApplicationEvent(application_id=a2.id, action="resubmit",
                                        from_state="changes_requested",
                                        to_state="under_audit", at=utcnow()))
        a2.state = "under_audit"
        db.session.add(Application(firm_id=register["P"].firm_id, kind="initial",
                                   scheme_version_id=factories.default_scheme().id,
                                   state="draft", created_at=utcnow()))
        certificate = db.session.get(Certificate, register["P"].certificate_id)
        db.session.add(StatusChange(certificate_id=certificate.id, status="suspended",
                                    effective_on=dt.date(2025, 9, 1), at=utcnow(),
                                    public_reason="Sospeso"))
        db.session.get(Firm, register["L"].firm_id).office_region = "Puglia"
        firm = db.session.get(Firm, register["W"].firm_id)
        firm.traffic_extra_eu_pct, firm.traffic_italy_pct = 40, 60
        db.session.commit()
        source = facts.source(until)
        assert source.recent.counts
        for day in days:
            for region in ("", "Lazio", "Puglia"):
                asked = Filters(at=day, start=dt.date(2025, 1, 1), region=region)
                assert figures_of(source, asked) == figures_of(history, asked), (day, region)
        statuses = figures_of(source, Filters(at=dt.date(2025, 9, 10),
                                              start=dt.date(2025, 1, 1)))["statuses"]
        assert statuses["suspended"] == 1
        stages = figures_of(source, Filters(at=until, start=dt.date(2025, 1, 1)))["stages"]
        assert (stages["under_audit"], stages["draft"]) == (1, 2)


def _certificate(id_: int, scheme: str, changes, *, valid_from=dt.date(2025, 1, 1),
                 valid_until=dt.date(2025, 12, 31)) -> facts.CertificateHistory:
    return facts.CertificateHistory(
        id_, 1, scheme, "Lazio", "none", "L2", valid_from, valid_until, 1, valid_from,
        (("MAN", "B"),), tuple((day, index, status)
                               for index, (day, status) in enumerate(changes, start=id_ * 10)))


def test_a_firm_in_two_schemes_counts_once_over_all_schemes_and_once_in_each():
    tally = facts.Tally(dt.date(2026, 12, 31))
    facts.fold_firm([
        _certificate(1, "bollino-blu", [(dt.date(2025, 1, 1), "valid")]),
        _certificate(2, "altro", [(dt.date(2025, 3, 1), "valid"),
                                  (dt.date(2025, 6, 1), "suspended")],
                     valid_from=dt.date(2025, 3, 1))], tally)

    def on(day: dt.date, scheme: str) -> tuple[int, int]:
        found = [0, 0]
        for (when, group), (amount, firms) in tally.counts.items():
            if (group.kind == facts.Kind.SNAPSHOT and group.scheme == scheme and when <= day
                    and group.in_force):
                found[0] += amount
                found[1] += firms
        return tuple(found)

    # In April both are in force: two certificates, one firm over all schemes.
    assert on(dt.date(2025, 4, 1), facts.ALL_SCHEMES) == (2, 1)
    assert on(dt.date(2025, 4, 1), "altro") == (1, 1)
    # The second suspended in June: one certificate in force, the firm still counted once.
    assert on(dt.date(2025, 7, 1), facts.ALL_SCHEMES) == (1, 1)
    assert on(dt.date(2025, 7, 1), "altro") == (0, 0)
    # Both ended with 2025: the first reads as expired from 1 January, in force nowhere.
    assert on(dt.date(2026, 1, 1), facts.ALL_SCHEMES) == (0, 0)
    assert facts.certificate_key(_certificate(1, "x", [(dt.date(2025, 1, 1), "valid")]),
                                 dt.date(2026, 1, 1)) == ("expired", False)
    assert facts.certificate_key(_certificate(1, "x", [(dt.date(2025, 1, 1), "superseded")]),
                                 dt.date(2025, 6, 1)) is None


def test_a_stay_and_a_decision_are_counted_on_the_day_in_italy_they_ended():
    tally = facts.Tally(dt.date(2026, 12, 31))
    utc = dt.UTC
    # Submitted at 23:30 UTC on 30 March 2025: already 31 March in Italy (summer time).
    facts.fold_application(facts.ApplicationHistory(
        7, "bollino-blu", "Lazio", dt.datetime(2025, 3, 1, 10, tzinfo=utc), "certified", (
            (dt.datetime(2025, 3, 30, 23, 30, tzinfo=utc), 1, "submit", "draft", "submitted"),
            (dt.datetime(2025, 5, 1, 8, tzinfo=utc), 2, "certify", "submitted",
             "certified"))), tally)
    stays = {(day, group.name, group.days): amount
             for (day, group), (amount, _f) in tally.counts.items()
             if group.kind == facts.Kind.STAY and group.region == "Lazio"}
    assert stays == {(dt.date(2025, 3, 31), "draft", 29): 1,
                     (dt.date(2025, 5, 1), "submitted", 31): 1}
    decisions = {(day, group.days) for (day, group) in tally.counts
                 if group.kind == facts.Kind.DECISION}
    assert decisions == {(dt.date(2025, 5, 1), 31)}
