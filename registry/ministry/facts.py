"""The statistics' facts: the register's history folded, once a night, into counts per day.

Asked live, a figure "as of" a day reads every certificate's and every application's history
(seconds at 100,000 firms). The history is append-only, so the nightly job folds it once
into small per-day counts (`statistics_fact`): for a figure on a day, how each group's count
changed on each day plus the whole count on the first of every month (a checkpoint); for a
figure over a period, what happened on each day and in each month. A figure on day D is then
the checkpoint before D plus at most a month of changes; a figure over a period, its whole
months plus the days at its two ends; the database sums them to the figure's own columns.
Every figure but the register on a day (which shows regions) also has its rows summed over
all regions, which the page without a region filter reads.

Days after the last computation (today, and any night the job missed) are folded on each
request from the few firms and applications that moved since: every certificate of a firm
with a change, a start or an end of validity after that day, every application with an event
or created after it. So today's figures show a suspension the moment it is recorded.

The fold gives what history.py computes live, by the same rules (history.py's docstring):
the tests compare the two on generated histories. What is recorded after the fold about a day
already folded is corrected on each request too: a status change effective on a past day,
and a firm's new region or extra-EU share (which have no history: the history reads today's
on every day). Each such firm is folded as it is now, less as the fold saw it (its changes
recorded before the fold, its region and band kept in `statistics_firm`).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

from sqlalchemy import delete, false, func, or_, select, true, union_all

from audits.models import SchemeVersion
from registry.applications.models import Application, ApplicationEvent
from registry.applications.workflow import DECIDED, OPEN, Action, ApplicationState
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import CertificateStatus
from registry.db import utcnow
from registry.extensions import db
from registry.firms.models import Firm
from registry.ministry.history import (
    COUNTED_STATUSES,
    MOVED_TO,
    NO_REGION,
    ROME,
    STAGES,
    Filters,
    execute,
    period_start,
)
from registry.ministry.models import StatisticsFact, StatisticsFirm, StatisticsRun
from registry.ministry.workflow import EXTRA_EU_BOUNDS, ExtraEuBand, Movement

C = CertificateStatus
ALL_SCHEMES = "*"  # snapshot rows over every scheme at once (a firm counted once)
# Rows over every region at once, for each figure but the snapshot (which shows regions):
# the figures without a region filter read a twentieth of the rows.
ALL_REGIONS = "*"
# The facts are folded this many days ahead of the last day that has ended; beyond that
# (the nightly job stopped for a month) the page computes from the history instead.
HORIZON = dt.timedelta(days=31)
CHUNK = 5000  # rows per INSERT statement
_DAY = dt.timedelta(days=1)


class Kind(StrEnum):
    SNAPSHOT = "snapshot"  # certificates (and firms) by status on a day
    AREA = "area"  # area results of the certificates in force on a day
    STAGE = "stage"  # open applications by stage on a day
    MOVEMENT = "movement"  # issuances and status changes on a day
    STAY = "stay"  # stays in a stage that ended on a day, by length
    DECISION = "decision"  # decisions on a day, by days since the first submission


ON_A_DAY = (Kind.SNAPSHOT, Kind.AREA, Kind.STAGE)
MOVEMENT_OF = {str(status): movement for movement, status in MOVED_TO.items()}


class Group(NamedTuple):
    """What a fact counts, apart from its day (a tuple: millions are hashed in a fold)."""

    kind: str
    scheme: str
    region: str
    level: str = ""
    name: str = ""
    in_force: bool = False
    band: str = ""
    days: int = 0


class Tally:
    """Facts being folded: (day, group) → [amount, firms]."""

    def __init__(self, through: dt.date):
        self.through = through  # the last day folded
        self.counts: dict[tuple[dt.date, Group], list[int]] = {}

    def add(self, day: dt.date, group: Group, amount: int, firms: int = 0) -> None:
        if day > self.through:
            return
        for key in ((day, group),) if group.kind == Kind.SNAPSHOT else (
                (day, group), (day, Group._make((*group[:2], ALL_REGIONS, *group[3:])))):
            count = self.counts.get(key)
            if count is None:
                self.counts[key] = [amount, firms]
            else:
                count[0] += amount
                count[1] += firms


# --- the fold: pure functions of a certificate's or an application's history --------------

@dataclass(frozen=True, slots=True)
class CertificateHistory:
    id: int
    firm_id: int
    scheme: str
    region: str
    band: str  # the firm's extra-EU band
    level: str
    valid_from: dt.date
    valid_until: dt.date
    revision: int
    issued_on: dt.date
    areas: tuple[tuple[str, str], ...]
    changes: tuple[tuple[dt.date, int, str], ...]  # (effective_on, id, status), in order


def extra_eu_band(share: int | None) -> str:
    """The band of a declared extra-EU share (as history.snapshot's CASE puts it)."""
    for name, (low, high) in EXTRA_EU_BOUNDS.items():
        if share is not None and low <= share <= high:
            return str(name)
    return str(ExtraEuBand.OVER_50)


def certificate_key(certificate: CertificateHistory, day: dt.date) -> tuple[str, bool] | None:
    """(status as shown on `day`, in force) or None when not counted that day (no status
    yet, or superseded by a revision)."""
    status = None
    for effective_on, _id, recorded in certificate.changes:
        if effective_on > day:
            break
        status = recorded
    if status is None or status == C.SUPERSEDED:
        return None
    valid = status == C.VALID
    shown = str(C.EXPIRED) if valid and certificate.valid_until < day else status
    return shown, valid and certificate.valid_from <= day <= certificate.valid_until


def certificate_steps(certificate: CertificateHistory) -> Iterator[tuple[dt.date, tuple | None,
                                                                         tuple | None]]:
    """(day, key before, key from that day) for each day the certificate's key changes."""
    days = sorted({on for on, _id, _s in certificate.changes}
                  | {certificate.valid_from, certificate.valid_until + dt.timedelta(days=1)})
    before = None
    for day in days:
        key = certificate_key(certificate, day)
        if key != before:
            yield day, before, key
            before = key


def fold_firm(certificates: list[CertificateHistory], tally: Tally) -> None:
    """Fold one firm's certificates: snapshot changes (a firm counted once per group, per
    scheme and over all schemes), area results in force, issuances and status movements."""
    steps = sorted(((day, before, after, certificate)
                    for certificate in certificates
                    for day, before, after in certificate_steps(certificate)),
                   key=lambda step: step[0])
    held: Counter = Counter()
    for day, before, after, certificate in steps:
        for scheme in (certificate.scheme, ALL_SCHEMES):
            for key, sign in ((before, -1), (after, 1)):
                if key is None:
                    continue
                group = Group(Kind.SNAPSHOT, scheme, certificate.region, certificate.level,
                              key[0], key[1], certificate.band)
                was = held[group]
                held[group] += sign
                tally.add(day, group, sign, (held[group] > 0) - (was > 0))
        for key, sign in ((before, -1), (after, 1)):
            if key is not None and key[1]:
                for code, band in certificate.areas:
                    tally.add(day, Group(Kind.AREA, certificate.scheme, certificate.region,
                                         certificate.level, code, band=band), sign)
    for certificate in certificates:
        moved = Group(Kind.MOVEMENT, certificate.scheme, certificate.region, certificate.level)
        if certificate.revision == 1:
            tally.add(certificate.issued_on, _named(moved, Movement.ISSUED), 1)
        for effective_on, _id, status in certificate.changes:
            if status in MOVEMENT_OF:
                tally.add(effective_on, _named(moved, MOVEMENT_OF[status]), 1)


def _named(group: Group, name: str) -> Group:
    return Group(group.kind, group.scheme, group.region, group.level, str(name))


@dataclass(frozen=True, slots=True)
class ApplicationHistory:
    id: int
    scheme: str
    region: str
    created_at: dt.datetime  # UTC
    state: str  # the state it was created in (its first event's starting state)
    events: tuple[tuple[dt.datetime, int, str, str, str], ...]  # (at, id, action, from, to)


def rome_day(moment: dt.datetime) -> dt.date:
    """The day in Italy of an instant stored in UTC."""
    return _rome_day(moment.date(), moment.hour)


@functools.lru_cache(maxsize=4096)
def _rome_day(day: dt.date, hour: int) -> dt.date:
    # Italy's offset changes on the hour (01:00 UTC), so the UTC day and hour decide.
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC).astimezone(ROME).date()


def whole_days(since: dt.datetime, until: dt.datetime) -> int:
    """Whole days from one instant to a later one (0 when not later)."""
    return max(int((until - since).total_seconds() // 86400), 0)


def application_stage(application: ApplicationHistory, day: dt.date) -> str | None:
    """The application's state at the end of `day` (None before it existed): its last event's
    by then, or the state it was created in."""
    stage = None
    for at, _id, _action, _before, after in application.events:
        if rome_day(at) > day:
            break
        stage = after
    if stage is not None:
        return stage
    if rome_day(application.created_at) > day:
        return None
    return application.state


def fold_application(application: ApplicationHistory, tally: Tally) -> None:
    """Fold one application: its open stage day by day, each stay that ended (by length),
    and its decision (days from the first submission)."""
    base = {"scheme": application.scheme, "region": application.region}
    days = sorted({rome_day(application.created_at)}
                  | {rome_day(at) for at, *_rest in application.events})
    before = None
    for day in days:
        stage = application_stage(application, day)
        stage = stage if stage in OPEN else None
        if stage != before:
            for name, sign in ((before, -1), (stage, 1)):
                if name is not None:
                    tally.add(day, Group(Kind.STAGE, name=name, **base), sign)
            before = stage
    events = application.events
    stages = {str(stage) for stage in STAGES}
    if events:
        first_at = events[0][0]
        tally.add(rome_day(first_at), Group(Kind.STAY, name=str(ApplicationState.DRAFT),
                                            days=whole_days(application.created_at, first_at),
                                            **base), 1)
    for previous, event in pairwise(events):
        if previous[4] in stages:
            tally.add(rome_day(event[0]), Group(Kind.STAY, name=previous[4],
                                                days=whole_days(previous[0], event[0]),
                                                **base), 1)
    sent = min((at for at, _id, action, *_rest in events if action == Action.SUBMIT),
               default=None)
    decided = min((at for at, *_rest, after in events if after in DECIDED), default=None)
    if sent is not None and decided is not None:
        tally.add(rome_day(decided), Group(Kind.DECISION, days=whole_days(sent, decided),
                                           **base), 1)


def month_totals(tally: Tally) -> dict[tuple[dt.date, Group], list[int]]:
    """For the figures over a period: each month's total (on the month's first day), so a
    year is read as twelve totals and the days of the two months at its ends."""
    found: dict[tuple[dt.date, Group], list[int]] = defaultdict(lambda: [0, 0])
    for (day, group), (amount, firms) in tally.counts.items():
        if group.kind not in ON_A_DAY:
            count = found[(day.replace(day=1), group)]
            count[0] += amount
            count[1] += firms
    return found


def checkpoints(tally: Tally) -> dict[tuple[dt.date, Group], list[int]]:
    """The whole count of each figure on a day at the first of every month (rows with a
    count), from the changes folded in `tally` (from the beginning)."""
    changes = sorted(((day, group, count) for (day, group), count in tally.counts.items()
                      if group.kind in ON_A_DAY), key=lambda change: change[0])
    if not changes:
        return {}
    state: dict[Group, list[int]] = defaultdict(lambda: [0, 0])
    found: dict[tuple[dt.date, Group], list[int]] = {}
    first = changes[0][0].replace(day=1)
    index = 0
    while first <= tally.through:
        while index < len(changes) and changes[index][0] <= first:
            _day, group, (amount, firms) = changes[index]
            state[group][0] += amount
            state[group][1] += firms
            index += 1
        for group, (amount, firms) in state.items():
            if amount or firms:
                found[(first, group)] = [amount, firms]
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return found


# --- reading the register's history ------------------------------------------------------

@dataclass(frozen=True)
class Marks:
    """How far the register's history went when a fold began: the last status change,
    application event and application (ids only grow), and the instant (for firms' edits)."""

    change: int
    event: int
    application: int
    at: dt.datetime

    @classmethod
    def now(cls) -> Marks:
        change, event, application = db.session.execute(select(
            select(func.coalesce(func.max(StatusChange.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(ApplicationEvent.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(Application.id), 0)).scalar_subquery())).one()
        return cls(change, event, application, utcnow())

    @classmethod
    def of(cls, run: StatisticsRun) -> Marks:
        return cls(run.last_change_id, run.last_event_id, run.last_application_id,
                   run.computed_at)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def load_certificates(firm_ids: Iterable[int] | None = None, *,
                      marks: Marks | None = None,
                      attributes: dict[int, tuple[str, str]] | None = None
                      ) -> Iterator[list[CertificateHistory]]:
    """Each firm's certificates with their histories (every firm, or those of `firm_ids`),
    one list per firm. With `marks`, as the register held them then: the changes recorded
    up to the mark, and no certificate without one (issuance records its first change as it
    writes the certificate); with `attributes`, those firms' region and extra-EU band as
    given instead of today's."""
    statement = (select(Certificate.id, Certificate.firm_id, Certificate.scheme_code,
                        Firm.office_region, Firm.traffic_extra_eu_pct, Certificate.level,
                        Certificate.valid_from, Certificate.valid_until, Certificate.revision,
                        Certificate.issued_on, Certificate.areas)
                 .join(Firm, Firm.id == Certificate.firm_id)
                 .order_by(Certificate.firm_id, Certificate.id))
    changes = (select(StatusChange.certificate_id, StatusChange.effective_on, StatusChange.id,
                      StatusChange.status)
               .order_by(StatusChange.certificate_id, StatusChange.effective_on,
                         StatusChange.id))
    if firm_ids is not None:
        wanted = sorted(set(firm_ids))
        if not wanted:
            return
        statement = statement.where(Certificate.firm_id.in_(wanted))
        changes = changes.join(Certificate, Certificate.id == StatusChange.certificate_id
                               ).where(Certificate.firm_id.in_(wanted))
    history: dict[int, list] = defaultdict(list)
    later: set[int] = set()  # certificates with a change recorded after the mark
    for certificate_id, effective_on, change_id, status in db.session.execute(changes):
        if marks is not None and change_id > marks.change:
            later.add(certificate_id)
        else:
            history[certificate_id].append((effective_on, change_id, status))
    firm, found = None, []
    for (id_, firm_id, scheme, region, share, level, valid_from, valid_until, revision,
         issued_on, areas) in db.session.execute(statement):
        if id_ in later and id_ not in history:
            continue  # written after the mark
        if firm_id != firm and found:
            yield found
            found = []
        firm = firm_id
        results = tuple((str(area.get("code")), str(area.get("band")))
                        for area in areas or () if area.get("code") and area.get("band"))
        region, band = (attributes or {}).get(firm_id) or (region or "", extra_eu_band(share))
        found.append(CertificateHistory(
            id_, firm_id, scheme, region, band, level, valid_from, valid_until, revision,
            issued_on, results, tuple(history.pop(id_, ()))))
    if found:
        yield found


def load_applications(application_ids: Iterable[int] | None = None, *,
                      firm_ids: Iterable[int] = (),
                      regions: dict[int, str] | None = None,
                      marks: Marks | None = None) -> Iterator[ApplicationHistory]:
    """Every application (or those of `application_ids` and of `firm_ids`) with its events;
    with `regions`, those firms' region as given instead of today's; with `marks`, as the
    register held them then (the events up to the mark; none created after it)."""
    statement = (select(Application.id, SchemeVersion.code, Firm.office_region,
                        Application.created_at, Application.state, Application.firm_id)
                 .join(Firm, Firm.id == Application.firm_id)
                 .join(SchemeVersion, SchemeVersion.id == Application.scheme_version_id))
    events = (select(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.id,
                     ApplicationEvent.action, ApplicationEvent.from_state,
                     ApplicationEvent.to_state)
              .join(Application, Application.id == ApplicationEvent.application_id)
              .order_by(ApplicationEvent.application_id, ApplicationEvent.at,
                        ApplicationEvent.id))
    if application_ids is not None:
        ids, firms = sorted(set(application_ids)), sorted(set(firm_ids))
        if not ids and not firms:
            return
        wanted = or_(Application.id.in_(ids), Application.firm_id.in_(firms))
        statement, events = statement.where(wanted), events.where(wanted)
    history: dict[int, list] = defaultdict(list)
    created_in: dict[int, str] = {}  # the state each was created in: its first event's
    for application_id, at, event_id, action, before, after in db.session.execute(events):
        created_in.setdefault(application_id, before)
        if marks is None or event_id <= marks.event:
            history[application_id].append((_utc(at), event_id, action, before, after))
    for id_, scheme, region, created_at, state, firm_id in db.session.execute(statement):
        if marks is not None and id_ > marks.application:
            continue
        region = (regions or {}).get(firm_id, region or "")
        yield ApplicationHistory(id_, scheme, region, _utc(created_at),
                                 created_in.get(id_, state), tuple(history.pop(id_, ())))


def fold(tally: Tally, firms: Iterable[list[CertificateHistory]],
         applications: Iterable[ApplicationHistory]) -> Tally:
    for certificates in firms:
        fold_firm(certificates, tally)
    for application in applications:
        fold_application(application, tally)
    return tally


# --- the nightly computation ---------------------------------------------------------------

def compute(through: dt.date) -> StatisticsRun:
    """Fold the whole history into facts through `through` (the last day that has ended),
    replacing the previous computation's, in the caller's transaction."""
    started, marks = time.perf_counter(), Marks.now()
    # Folded beyond `through`, as far as the history already says (a start or an end of
    # validity, a change recorded for a later day): the days until the next fold then only
    # need what is recorded after this one (recent). Up to the marks read first, so that a
    # change written meanwhile is left to `recent`, not counted twice.
    tally = fold(Tally(through + HORIZON), load_certificates(marks=marks),
                 load_applications(marks=marks))
    rows = [_row(day, group, counts, False) for (day, group), counts in tally.counts.items()
            if counts[0] or counts[1] or group.kind not in ON_A_DAY]
    rows += [_row(day, group, counts, True)
             for totals in (checkpoints(tally), month_totals(tally))
             for (day, group), counts in totals.items()]
    # In the order the reads walk the index, so the rows each read visits lie together.
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    db.session.execute(delete(StatisticsFact))
    _insert("statistics_fact", COLUMNS, rows)
    # Each firm's region and band as folded: a later change is corrected per request.
    db.session.execute(delete(StatisticsFirm))
    _insert("statistics_firm", ("firm_id", "region", "band"),
            [(firm_id, region or "", extra_eu_band(share)) for firm_id, region, share in
             db.session.execute(select(Firm.id, Firm.office_region,
                                       Firm.traffic_extra_eu_pct))])
    run = StatisticsRun(through=through, facts=len(rows), last_change_id=marks.change,
                        last_event_id=marks.event, last_application_id=marks.application,
                        computed_at=marks.at, seconds=round(time.perf_counter() - started, 2))
    db.session.add(run)
    db.session.flush()
    return run


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


COLUMNS = ("kind", "checkpoint", "day", "scheme", "region", "level", "name", "in_force",
           "band", "days", "amount", "firms")


def _row(day: dt.date, group: Group, counts: list[int], checkpoint: bool) -> tuple:
    return (str(group.kind), checkpoint, day, group.scheme, group.region, group.level,
            group.name, group.in_force, group.band, group.days, counts[0], counts[1])


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Write plain rows through the driver: hundreds of thousands of them, where the ORM's
    bulk insert spends most of a night's computation building parameters."""
    connection = db.session.connection()
    cursor = connection.connection.dbapi_connection.cursor()
    names = ", ".join(columns)
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # SQLite keeps dates as ISO text and booleans as 0/1, as SQLAlchemy writes them.
            marks = ", ".join("?" * len(columns))
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                    [tuple(_sqlite(value) for value in row)
                     for row in rows[start:start + CHUNK]])
    finally:
        cursor.close()


def _sqlite(value):
    if isinstance(value, bool):
        return int(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def latest_run() -> StatisticsRun | None:
    return db.session.scalars(select(StatisticsRun).order_by(StatisticsRun.id.desc())
                              .limit(1)).first()


# --- reading the facts -------------------------------------------------------------------

@dataclass(frozen=True)
class OnADay:
    """The register on a day as the figures read it: firms with a certificate in force by
    (region, level) and by extra-EU band, certificates by status."""

    firms: dict[tuple[str, str], int]
    statuses: Counter
    bands: Counter


@dataclass
class Source:
    """The facts of the last computation (through `through`) and the fold of what moved
    after it up to `until` (`recent`): the figures read as history.py's functions do."""

    through: dt.date
    until: dt.date
    recent: Tally = field(repr=False)

    # -- figures on a day --

    def _on(self, kind: Kind, filters: Filters, dims: tuple[str, ...], measure: str = "amount",
            *, in_force: bool = False, level: bool = True) -> Counter:
        """The count at the end of `filters.at`, per `dims` (the figure's own columns): the
        checkpoint of the month plus the changes since, summed by the database, plus the
        recent fold. `in_force` counts only certificates in force. A month without a
        checkpoint row had nothing to count on its first day (the fold writes one on every
        month's first day with a count)."""
        day = min(filters.at, self.through)
        point = day.replace(day=1)
        conditions = [*self._conditions(filters, kind, level=level)]
        if in_force:
            conditions.append(StatisticsFact.in_force == true())
        found: Counter = Counter()
        for *key, count in self._summed(kind, dims, measure, conditions, [
                (true(), point, point), (false(), point + _DAY, day)]):
            found[tuple(key)] += int(count)
        index = 0 if measure == "amount" else 1
        for (day_, group), counts in self.recent.counts.items():
            if (group.kind == kind and day_ <= filters.at and (group.in_force or not in_force)
                    and self._wanted(group, filters, level=level)):
                found[tuple(getattr(group, name) for name in dims)] += counts[index]
        return found

    @staticmethod
    def _summed(kind: Kind, dims: tuple[str, ...], measure: str, conditions: list,
                spans: list[tuple]) -> Iterator[tuple]:
        """`measure` summed per `dims` over the rows of `kind` in `spans` (checkpoint flag,
        first day, last day): one statement, each span a range of the index (an OR of
        them would read every row of the kind)."""
        spans = [(flag, low, high) for flag, low, high in spans if low <= high]
        if not spans:
            return iter(())
        parts = [select(*(getattr(StatisticsFact, name) for name in dims),
                        getattr(StatisticsFact, measure).label("measure"))
                 .where(StatisticsFact.kind == str(kind), StatisticsFact.checkpoint == flag,
                        StatisticsFact.day >= low, StatisticsFact.day <= high, *conditions)
                 for flag, low, high in spans]
        rows = union_all(*parts).subquery("spans") if len(parts) > 1 else parts[0].subquery(
            "spans")
        columns = [rows.c[name] for name in dims]
        return iter(execute(select(*columns, func.sum(rows.c.measure)).group_by(*columns)))

    @staticmethod
    def _wanted(group: Group, filters: Filters, *, level: bool = True) -> bool:
        scheme = (filters.scheme or ALL_SCHEMES) if group.kind == Kind.SNAPSHOT else (
            filters.scheme or group.scheme)
        region = filters.region or (ALL_REGIONS if group.kind != Kind.SNAPSHOT else "")
        return (group.scheme == scheme and (not region or group.region == region)
                and (not level or not filters.level or group.level == filters.level))

    @staticmethod
    def _conditions(filters: Filters, kind: Kind, *, level: bool = True) -> list:
        conditions = []
        if kind == Kind.SNAPSHOT:
            conditions.append(StatisticsFact.scheme == (filters.scheme or ALL_SCHEMES))
        elif filters.scheme:
            conditions.append(StatisticsFact.scheme == filters.scheme)
        if filters.region or kind != Kind.SNAPSHOT:
            conditions.append(StatisticsFact.region == (filters.region or ALL_REGIONS))
        if level and filters.level:
            conditions.append(StatisticsFact.level == filters.level)
        return conditions

    def snapshot(self, filters: Filters) -> OnADay:
        """The three views of the register on `filters.at` the figures read."""
        firms = self._on(Kind.SNAPSHOT, filters, ("region", "level"), "firms", in_force=True)
        return OnADay(
            {(region or NO_REGION, level): count
             for (region, level), count in firms.items() if count},
            self._on(Kind.SNAPSHOT, filters, ("name",)),
            self._on(Kind.SNAPSHOT, filters, ("band",), "firms", in_force=True))

    @staticmethod
    def firms_by_region_and_level(filters: Filters, groups: OnADay) -> dict[tuple[str, str],
                                                                              int]:
        return dict(groups.firms)

    @staticmethod
    def certificates_by_status(filters: Filters, groups: OnADay) -> dict[str, int]:
        counts = dict.fromkeys((str(status) for status in COUNTED_STATUSES), 0)
        for (status,), count in groups.statuses.items():
            if count:
                counts[status] = counts.get(status, 0) + count
        return counts

    @staticmethod
    def extra_eu_bands(filters: Filters, groups: OnADay) -> dict[str, int]:
        counts = {str(name): 0 for name in ExtraEuBand}
        for (band,), count in groups.bands.items():
            counts[band] += count
        return counts

    def applications_by_stage(self, filters: Filters) -> dict[str, int]:
        counts = {str(state): 0 for state in STAGES}
        for (name,), count in self._on(Kind.STAGE, filters, ("name",), level=False).items():
            if count:
                counts[name] = counts.get(name, 0) + count
        return counts

    def area_bands(self, filters: Filters) -> dict[tuple[str, str], Counter]:
        histograms: dict[tuple[str, str], Counter] = {}
        for (area, level, band), count in self._on(
                Kind.AREA, filters, ("name", "level", "band")).items():
            if count:
                histograms.setdefault((area, level), Counter())[band] += count
        return histograms

    # -- figures over a period --

    def _over(self, kind: Kind, filters: Filters, *, level: bool, by_day: bool = False
              ) -> Iterator[tuple[dt.date | None, str, int, int]]:
        """(day or None, name, days, count) over the days from `filters.start` to
        `filters.at`: per day (a whole month on its first day) when `by_day`, else summed.
        Whole months are read from their totals, the days of the months at the ends."""
        if filters.start > filters.at:
            return
        low, high = filters.start, min(filters.at, self.through)
        first_month = low if low.day == 1 else _next_month(low)
        after_months = _next_month(high) if (high + _DAY).day == 1 else high.replace(day=1)
        if first_month < after_months:
            spans = [(true(), first_month, after_months - _DAY),
                     (false(), low, first_month - _DAY), (false(), after_months, high)]
        else:
            spans = [(false(), low, high)]
        dims = (("day",) if by_day else ()) + ("name", "days")
        for *key, amount in self._summed(kind, dims, "amount",
                                         self._conditions(filters, kind, level=level), spans):
            day, name, days = key if by_day else (None, *key)
            yield day, name, days, int(amount)
        for (day, group), (amount, _firms) in self.recent.counts.items():
            if (group.kind == kind and filters.start <= day <= filters.at
                    and self._wanted(group, filters, level=level)):
                yield day, group.name, group.days, amount

    def movements(self, filters: Filters) -> dict[tuple[dt.date, str], int]:
        counts: Counter = Counter()
        for day, name, _days, amount in self._over(Kind.MOVEMENT, filters, level=True,
                                                    by_day=True):
            counts[(period_start(day, filters.period), name)] += amount
        # Corrections can cancel a count out: no entry, as the history gives none.
        return {key: count for key, count in counts.items() if count}

    def days_in_stage(self, filters: Filters) -> dict[str, Counter]:
        histograms: dict[str, Counter] = {str(state): Counter() for state in STAGES}
        for _day, name, days, amount in self._over(Kind.STAY, filters, level=False):
            if name in histograms:
                histograms[name][days] += amount
        return {name: +histogram for name, histogram in histograms.items()}

    def days_to_decision(self, filters: Filters) -> Counter:
        histogram: Counter = Counter()
        for _day, _name, days, amount in self._over(Kind.DECISION, filters, level=False):
            histogram[days] += amount
        return +histogram


def source(until: dt.date) -> Source | None:
    """The facts as of `until` (today): the last computation and the corrections for what
    was recorded after it; None when there is no computation or it does not reach `until`."""
    run = latest_run()
    if run is None or until > run.through + HORIZON:
        return None
    return Source(run.through + HORIZON, until, recent(until, Marks.of(run)))


def recent(until: dt.date, marks: Marks) -> Tally:
    """What was recorded after the fold (after its `marks`), on every day up to `until`: the
    firms with a status change or a certificate recorded since, or a new region or extra-EU
    band, and the applications with an event or created since, each folded as it is now
    less as the fold saw it (its history recorded before the fold, its region and band kept
    in `statistics_firm`)."""
    # Ids only grow: what was recorded since is a range of each primary key.
    late = set(db.session.scalars(
        select(Certificate.firm_id)
        .join(StatusChange, StatusChange.certificate_id == Certificate.id)
        .where(StatusChange.id > marks.change)))
    moved: dict[int, tuple[str, str]] = {}
    for firm_id, region, share, was_region, was_band in db.session.execute(
            select(Firm.id, Firm.office_region, Firm.traffic_extra_eu_pct,
                   StatisticsFirm.region, StatisticsFirm.band)
            .join(StatisticsFirm, StatisticsFirm.firm_id == Firm.id)
            .where(Firm.updated_at >= marks.at)):
        if (region or "", extra_eu_band(share)) != (was_region, was_band):
            moved[firm_id] = (was_region, was_band)
    applications = set(db.session.scalars(
        select(ApplicationEvent.application_id).where(ApplicationEvent.id > marks.event)))
    applications.update(db.session.scalars(
        select(Application.id).where(Application.id > marks.application)))
    tally = Tally(until)
    if not late and not moved and not applications:
        return tally
    firms = late | set(moved)
    now = fold(Tally(until), load_certificates(firms),
               load_applications(applications, firm_ids=moved))
    regions = {firm_id: region for firm_id, (region, _band) in moved.items()}
    then = fold(Tally(until),
                load_certificates(firms, marks=marks, attributes=moved),
                load_applications(applications, firm_ids=moved, regions=regions,
                                  marks=marks))
    for key in now.counts.keys() | then.counts.keys():
        amount, firms_ = now.counts.get(key, (0, 0))
        was_amount, was_firms = then.counts.get(key, (0, 0))
        if amount != was_amount or firms_ != was_firms:
            tally.counts[key] = [amount - was_amount, firms_ - was_firms]
    return tally
