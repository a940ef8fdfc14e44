"""The register's figures as they stood on a past day, from the status history.

Every figure here is read from the append-only history tables, never from today's columns:
a certificate's status on day D is the last `certificate_status_change` effective on or
before D (a valid certificate past its end date counts as expired, as the verify page shows
it); an application's stage on D is the `to_state` of its last `application_event` before
the end of D (an application created by then with no event yet is in the state it was
created in: its first event's starting state). So the same
question asked later gets the same answer, whatever happened since.

Each figure is one or two GROUP BY queries whatever the register's size: rows come back per
region, level, status, day or score, never per firm, and the few hundred groups are shaped
in Python (periods, medians from a histogram of whole days). "The last change of each
certificate by D" and "the last event of each application before D" are one seek per row
down the composite indexes ix_certificate_status_change_as_of and ix_application_event_as_of
(SQLite), or one DISTINCT ON / window pass over the history (PostgreSQL, where a lookup per
row costs more than a sort); the figures' statements run with PostgreSQL's JIT off.

Two things have no history and are read as they are today: a firm's region (its registered
office) and its declared extra-EU share of traffic. The page says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, cast, func, or_, select, text, true

from audits.models import SchemeVersion
from audits.schemes_store import level_of
from registry.applications.models import Application, ApplicationEvent
from registry.applications.workflow import DECIDED, OPEN, Action, ApplicationState
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.status import CertificateStatus
from registry.extensions import db
from registry.firms.geography import REGIONS
from registry.firms.models import Firm
from registry.inputs import iso_date
from registry.ministry.workflow import EXTRA_EU_BOUNDS, ExtraEuBand, Movement, Period

ROME = ZoneInfo("Europe/Rome")
C = CertificateStatus
# The statuses a certificate can be counted in on a day (a superseded revision is replaced by
# its successor, which carries the number on).
COUNTED_STATUSES = (C.VALID, C.SUSPENDED, C.WITHDRAWN, C.EXPIRED, C.RENOUNCED)
# The status changes each movement counts (an issuance is counted from `issued_on`).
MOVED_TO = {Movement.SUSPENDED: C.SUSPENDED, Movement.WITHDRAWN: C.WITHDRAWN,
            Movement.EXPIRED: C.EXPIRED, Movement.RENOUNCED: C.RENOUNCED}
# Stages whose time the pipeline measures, in the order an application passes them.
STAGES = (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.UNDER_AUDIT,
          ApplicationState.CHANGES_REQUESTED, ApplicationState.ASSESSED)
NO_REGION = "—"  # a firm abroad or a profile still without an address


@dataclass(frozen=True)
class Filters:
    """What the officials ask: the day the figures stand on (`at`), the first day of the
    periods counted, their length, and the region, level and scheme (empty = all)."""

    at: dt.date
    start: dt.date
    period: Period = Period.MONTH
    region: str = ""
    level: str = ""
    scheme: str = ""


# --- the pieces every figure shares ------------------------------------------------------

def end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Rome, in UTC (history times are stored in UTC)."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ROME)
    return midnight.astimezone(dt.UTC)


def _days_between(start, end):
    """Whole days from `start` to `end` (two timestamp columns), in SQL."""
    if _postgresql():
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    return cast(func.julianday(end) - func.julianday(start), Integer)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def status_on(day: dt.date):
    """Each certificate's last recorded status effective by `day` (NULL when it has none
    yet), as a column of `Certificate`: a correlated lookup that is one seek per certificate
    down ix_certificate_status_change_as_of, where a window or DISTINCT ON over the whole
    history sorted every change the register ever recorded."""
    change = StatusChange.__table__.alias("change_as_of")
    return (select(change.c.status)
            .where(change.c.certificate_id == Certificate.id, change.c.effective_on <= day)
            .order_by(change.c.effective_on.desc(), change.c.id.desc())
            .limit(1).correlate(Certificate).scalar_subquery())


# The per-row lookups below sit in MATERIALIZED common table expressions: inlined into the
# outer GROUP BY (both databases flatten a plain subquery), each lookup would run once per
# mention of its column — four or five times per certificate.

def _certificates_on(filters: Filters, *columns):
    """The certificates `filters` select (region, level, scheme) with their firm's columns
    and `columns`, and their status on `filters.at` (column `status`), as a subquery: the
    status is looked up once per certificate, after the cheap filters. PostgreSQL reads the
    last change of every certificate in one DISTINCT ON pass (cheaper there than a lookup
    per row); SQLite seeks each certificate's down ix_certificate_status_change_as_of."""
    if _postgresql():
        last = (select(StatusChange.certificate_id, StatusChange.status)
                .where(StatusChange.effective_on <= filters.at)
                .distinct(StatusChange.certificate_id)
                .order_by(StatusChange.certificate_id, StatusChange.effective_on.desc(),
                          StatusChange.id.desc()).subquery("last_change"))
        return (select(Certificate.id.label("certificate_id"), *columns, last.c.status)
                .join(Firm, Firm.id == Certificate.firm_id)
                .join(last, last.c.certificate_id == Certificate.id)
                .where(*_certificate_filters(filters))
                .cte("certificates_on").prefix_with("MATERIALIZED"))
    return (select(Certificate.id.label("certificate_id"), *columns,
                   status_on(filters.at).label("status"))
            .join(Firm, Firm.id == Certificate.firm_id)
            .where(*_certificate_filters(filters))
            .cte("certificates_on").prefix_with("MATERIALIZED"))


def execute(statement):
    """Execute one of the figures' statements. PostgreSQL's JIT compiler judges these
    whole-register GROUP BYs costly enough to compile, and compiling takes longer than
    running them (hundreds of ms at 30,000 firms): it is off for the transaction."""
    if _postgresql():
        db.session.execute(text("SET LOCAL jit = off"))
    return db.session.execute(statement)


def _certificate_filters(filters: Filters) -> list:
    conditions = []
    if filters.region:
        conditions.append(Firm.office_region == filters.region)
    if filters.level:
        conditions.append(Certificate.level == filters.level)
    if filters.scheme:
        conditions.append(Certificate.scheme_code == filters.scheme)
    return conditions


def _in_force(filters: Filters):
    """Certificates valid on `filters.at` (status valid, within their dates), filtered.
    Their area lists (the widest column) are read only for those in force."""
    current = _certificates_on(filters, Certificate.valid_from, Certificate.valid_until)
    return (select(Certificate.id.label("certificate_id"), Certificate.firm_id,
                   Certificate.level, Certificate.areas)
            .join(current, current.c.certificate_id == Certificate.id)
            .where(current.c.status == str(C.VALID), current.c.valid_from <= filters.at,
                   current.c.valid_until >= filters.at)
            .subquery("in_force"))


def median(histogram: Counter) -> float | None:
    """The median of values counted in `histogram` (value: how many), None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value in sorted(histogram):
        count = histogram[value]
        while middle and middle[0] < seen + count:
            found.append(value)
            middle.pop(0)
        seen += count
    return sum(found) / len(found)


def period_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the month or quarter `day` falls in."""
    if period == Period.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def periods(start: dt.date, end: dt.date, period: Period) -> list[dt.date]:
    """The first days of every month or quarter from `start` to `end`, both included."""
    step = 3 if period == Period.QUARTER else 1
    first, found = period_start(start, period), []
    while first <= end:
        found.append(first)
        month = first.month - 1 + step
        first = dt.date(first.year + month // 12, month % 12 + 1, 1)
    return found


# --- the figures -------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """One group of certificates on a day: their status as shown that day, whether they were
    in force (valid and within their dates), their firms' region, level and extra-EU band;
    how many certificates and how many distinct firms."""

    status: str
    in_force: bool
    region: str
    level: str
    band: str
    certificates: int
    firms: int


def snapshot(filters: Filters) -> list[Snapshot]:
    """The register on `filters.at` in one GROUP BY: the figures by region, level, status
    and extra-EU band are sums over these groups (one pass over the history, not four)."""
    current = _certificates_on(
        filters, Certificate.firm_id, Certificate.level, Certificate.valid_from,
        Certificate.valid_until, Firm.office_region, Firm.traffic_extra_eu_pct)
    at = filters.at
    # A valid certificate past its end date reads as expired before the nightly job says so.
    shown = case((and_(current.c.status == str(C.VALID), current.c.valid_until < at),
                  str(C.EXPIRED)), else_=current.c.status)
    in_force = case((and_(current.c.status == str(C.VALID), current.c.valid_from <= at,
                          current.c.valid_until >= at), 1), else_=0)
    share = current.c.traffic_extra_eu_pct
    band = case(*((and_(share >= low, share <= high), str(name))
                  for name, (low, high) in EXTRA_EU_BOUNDS.items()),
                else_=str(ExtraEuBand.OVER_50))
    # No status yet on the day (issued later): not counted, as a superseded revision.
    found = execute(
        select(shown, in_force, current.c.office_region, current.c.level, band, func.count(),
               func.count(func.distinct(current.c.firm_id)))
        .where(current.c.status != str(C.SUPERSEDED))
        .group_by(shown, in_force, current.c.office_region, current.c.level, band))
    return [Snapshot(status, bool(flag), region or NO_REGION, level, name, certificates, firms)
            for status, flag, region, level, name, certificates, firms in found]


def firms_by_region_and_level(filters: Filters,
                              groups: list[Snapshot] | None = None) -> dict[tuple[str, str], int]:
    """(region, level): firms holding a certificate in force on `filters.at`."""
    counts: Counter = Counter()
    for group in snapshot(filters) if groups is None else groups:
        if group.in_force:
            counts[(group.region, group.level)] += group.firms
    return dict(counts)


def certificates_by_status(filters: Filters,
                           groups: list[Snapshot] | None = None) -> dict[str, int]:
    """Status: certificates (one per number: superseded revisions left out) with that status
    on `filters.at` (a valid one past its end date reads as expired)."""
    counts = dict.fromkeys((str(s) for s in COUNTED_STATUSES), 0)
    for group in snapshot(filters) if groups is None else groups:
        counts[group.status] = counts.get(group.status, 0) + group.certificates
    return counts


def extra_eu_bands(filters: Filters, groups: list[Snapshot] | None = None) -> dict[str, int]:
    """Band: firms holding a certificate in force on `filters.at` whose declared extra-EU
    share of traffic (today's declaration: it has no history) falls in the band."""
    counts = {str(name): 0 for name in ExtraEuBand}
    for group in snapshot(filters) if groups is None else groups:
        if group.in_force:
            counts[group.band] += group.firms
    return counts


def movements(filters: Filters) -> dict[tuple[dt.date, str], int]:
    """(first day of the period, movement): issuances (first revisions, by `issued_on`) and
    status changes to suspended, withdrawn, expired or renounced (by the day they took
    effect), from `filters.start` to `filters.at`. Read per day, shaped into periods here."""
    counts: Counter = Counter()
    if filters.start > filters.at:
        return {}
    days = and_(Certificate.issued_on >= filters.start, Certificate.issued_on <= filters.at)
    for day, count in execute(
            select(Certificate.issued_on, func.count())
            .join(Firm, Firm.id == Certificate.firm_id)
            .where(days, Certificate.revision == 1, *_certificate_filters(filters))
            .group_by(Certificate.issued_on)):
        counts[(period_start(day, filters.period), str(Movement.ISSUED))] += count
    by_status = {str(status): str(movement) for movement, status in MOVED_TO.items()}
    for day, status, count in execute(
            select(StatusChange.effective_on, StatusChange.status, func.count())
            .join(Certificate, Certificate.id == StatusChange.certificate_id)
            .join(Firm, Firm.id == Certificate.firm_id)
            .where(StatusChange.effective_on >= filters.start,
                   StatusChange.effective_on <= filters.at,
                   StatusChange.status.in_(list(by_status)), *_certificate_filters(filters))
            .group_by(StatusChange.effective_on, StatusChange.status)):
        counts[(period_start(day, filters.period), by_status[status])] += count
    return dict(counts)


def _application_filters(filters: Filters) -> list:
    # The level is decided at the end: applications in progress have none, so the pipeline
    # is filtered by region and scheme only (the page says so).
    conditions = []
    if filters.region:
        conditions.append(Firm.office_region == filters.region)
    if filters.scheme:
        conditions.append(SchemeVersion.code == filters.scheme)
    return conditions


def _applications():
    return (select(Application.id).join(Firm, Firm.id == Application.firm_id)
            .join(SchemeVersion, SchemeVersion.id == Application.scheme_version_id))


def _event_before(end: dt.datetime, column):
    """`column` of each application's last event before `end` (NULL when none), as a column
    of `Application`: one seek per application down ix_application_event_as_of."""
    event = ApplicationEvent.__table__.alias("event_before")
    return (select(event.c[column])
            .where(event.c.application_id == Application.id, event.c.at < end)
            .order_by(event.c.at.desc(), event.c.id.desc())
            .limit(1).correlate(Application).scalar_subquery())


def applications_by_stage(filters: Filters) -> dict[str, int]:
    """Open stage: applications in it at the end of `filters.at`."""
    end = end_of(filters.at)
    # No event yet: the application is still in the state it was created in (its first
    # event's starting state; today's, when it has no event at all).
    first = ApplicationEvent.__table__.alias("first_event")
    created_in = (select(first.c.from_state).where(first.c.application_id == Application.id)
                  .order_by(first.c.at, first.c.id).limit(1)
                  .correlate(Application).scalar_subquery())
    asked = (_applications().with_only_columns(
                 func.coalesce(_event_before(end, "to_state"), created_in, Application.state)
                 .label("stage"))
             .where(Application.created_at < end, *_application_filters(filters))
             .cte("asked").prefix_with("MATERIALIZED"))
    counts = {str(state): 0 for state in STAGES}
    for state, count in execute(
            select(asked.c.stage, func.count()).group_by(asked.c.stage)):
        if state in OPEN:
            counts[state] = count
    return counts


def days_in_stage(filters: Filters) -> dict[str, Counter]:
    """Stage: a histogram (whole days: how many stays) of the stays in that stage that
    ended between `filters.start` and the end of `filters.at`. A draft's stay runs from the
    application's creation to its first event.

    A stay ends with an event in the range and began with the application's event just
    before it (by time, then id): the events in the range are read, and each one's
    predecessor is one seek down ix_application_event_as_of — not the whole history
    (SQLite; PostgreSQL runs a window over the history instead, faster there)."""
    if _postgresql():
        return _days_in_stage_in_one_pass(filters)
    end, begin = end_of(filters.at), end_of(filters.start - dt.timedelta(days=1))
    histograms: dict[str, Counter] = {str(state): Counter() for state in STAGES}
    if filters.start > filters.at:
        return histograms
    ending = ApplicationEvent.__table__.alias("ending")
    before = ApplicationEvent.__table__.alias("before")

    def previous(column):
        return (select(before.c[column])
                .where(before.c.application_id == ending.c.application_id,
                       or_(before.c.at < ending.c.at,
                           and_(before.c.at == ending.c.at, before.c.id < ending.c.id)))
                .order_by(before.c.at.desc(), before.c.id.desc())
                .limit(1).correlate(ending).scalar_subquery())

    stays = (_applications().with_only_columns(
                 previous("to_state").label("stage"), previous("at").label("since"),
                 ending.c.at.label("until"))
             .join(ending, ending.c.application_id == Application.id)
             .where(ending.c.at >= begin, ending.c.at < end, *_application_filters(filters))
             .cte("stays").prefix_with("MATERIALIZED"))
    days = _days_between(stays.c.since, stays.c.until)
    for stage, length, count in execute(
            select(stays.c.stage, days, func.count())
            .where(stays.c.since.is_not(None))
            .group_by(stays.c.stage, days)):
        if stage in histograms:
            histograms[stage][max(length, 0)] += count
    event = ApplicationEvent.__table__.alias("first_event")
    first_at = (select(event.c.at).where(event.c.application_id == Application.id)
                .order_by(event.c.at, event.c.id).limit(1)
                .correlate(Application).scalar_subquery())
    drafts = (_applications().with_only_columns(
                  Application.created_at.label("created_at"), first_at.label("first_at"))
              .where(*_application_filters(filters)).cte("drafts").prefix_with("MATERIALIZED"))
    days = _days_between(drafts.c.created_at, drafts.c.first_at)
    for length, count in execute(
            select(days, func.count())
            .where(drafts.c.first_at >= begin, drafts.c.first_at < end)
            .group_by(days)):
        histograms[str(ApplicationState.DRAFT)][max(length, 0)] += count
    return histograms


def days_to_decision(filters: Filters) -> Counter:
    """A histogram (whole days: how many applications) of the time from an application's
    first submission to its decision, for decisions taken from `filters.start` to
    `filters.at`. Both instants are looked up per application down
    ix_application_event_as_of (SQLite; PostgreSQL groups the whole history instead)."""
    if _postgresql():
        return _days_to_decision_in_one_pass(filters)
    end, begin = end_of(filters.at), end_of(filters.start - dt.timedelta(days=1))
    if filters.start > filters.at:
        return Counter()
    sent, taken = (ApplicationEvent.__table__.alias(name) for name in ("sent", "taken"))
    first_sent = (select(func.min(sent.c.at))
                  .where(sent.c.application_id == Application.id,
                         sent.c.action == str(Action.SUBMIT))
                  .correlate(Application).scalar_subquery())
    decided = (select(func.min(taken.c.at))
               .where(taken.c.application_id == Application.id,
                      taken.c.to_state.in_([str(s) for s in DECIDED]))
               .correlate(Application).scalar_subquery())
    asked = (_applications().with_only_columns(first_sent.label("first_sent"),
                                               decided.label("decided"))
             .where(*_application_filters(filters)).cte("asked").prefix_with("MATERIALIZED"))
    days = _days_between(asked.c.first_sent, asked.c.decided)
    histogram: Counter = Counter()
    for length, count in execute(
            select(days, func.count())
            .where(asked.c.first_sent.is_not(None), asked.c.decided >= begin,
                   asked.c.decided < end)
            .group_by(days)):
        histogram[max(length, 0)] += count
    return histogram


def _days_in_stage_in_one_pass(filters: Filters) -> dict[str, Counter]:
    """`days_in_stage` on PostgreSQL: windows and GROUP BYs over the whole history,
    which it hashes and sorts faster than it runs a lookup per row."""
    end, begin = end_of(filters.at), end_of(filters.start - dt.timedelta(days=1))
    histograms: dict[str, Counter] = {str(state): Counter() for state in STAGES}
    if filters.start > filters.at:
        return histograms
    stays = (select(ApplicationEvent.application_id, ApplicationEvent.to_state.label("stage"),
                    ApplicationEvent.at.label("since"),
                    func.lead(ApplicationEvent.at).over(
                        partition_by=ApplicationEvent.application_id,
                        order_by=(ApplicationEvent.at, ApplicationEvent.id)).label("until"))
             .where(ApplicationEvent.at < end).subquery())
    days = _days_between(stays.c.since, stays.c.until)
    for stage, length, count in execute(
            _applications().with_only_columns(stays.c.stage, days, func.count())
            .join(stays, stays.c.application_id == Application.id)
            .where(stays.c.until.is_not(None), stays.c.until >= begin,
                   *_application_filters(filters))
            .group_by(stays.c.stage, days)):
        if stage in histograms:
            histograms[stage][max(length, 0)] += count
    first = (select(ApplicationEvent.application_id,
                    func.min(ApplicationEvent.at).label("first_at"))
             .group_by(ApplicationEvent.application_id).subquery())
    days = _days_between(Application.created_at, first.c.first_at)
    for length, count in execute(
            _applications().with_only_columns(days, func.count())
            .join(first, first.c.application_id == Application.id)
            .where(first.c.first_at >= begin, first.c.first_at < end,
                   *_application_filters(filters))
            .group_by(days)):
        histograms[str(ApplicationState.DRAFT)][max(length, 0)] += count
    return histograms


def _days_to_decision_in_one_pass(filters: Filters) -> Counter:
    """`days_to_decision` on PostgreSQL: windows and GROUP BYs over the whole history,
    which it hashes and sorts faster than it runs a lookup per row."""
    end, begin = end_of(filters.at), end_of(filters.start - dt.timedelta(days=1))
    if filters.start > filters.at:
        return Counter()
    submitted = (select(ApplicationEvent.application_id,
                        func.min(ApplicationEvent.at).label("first_sent"))
                 .where(ApplicationEvent.action == str(Action.SUBMIT))
                 .group_by(ApplicationEvent.application_id).subquery())
    decided = (select(ApplicationEvent.application_id,
                      func.min(ApplicationEvent.at).label("decided"))
               .where(ApplicationEvent.to_state.in_([str(s) for s in DECIDED]))
               .group_by(ApplicationEvent.application_id).subquery())
    days = _days_between(submitted.c.first_sent, decided.c.decided)
    histogram: Counter = Counter()
    for length, count in execute(
            _applications().with_only_columns(days, func.count())
            .join(submitted, submitted.c.application_id == Application.id)
            .join(decided, decided.c.application_id == Application.id)
            .where(decided.c.decided >= begin, decided.c.decided < end,
                   *_application_filters(filters))
            .group_by(days)):
        histogram[max(length, 0)] += count
    return histogram


def area_bands(filters: Filters) -> dict[tuple[str, str], Counter]:
    """(area code, level): a histogram (band: how many certificates) of the area results
    printed on the certificates in force on `filters.at` — the band (A, B, C…) each area
    scored, as the certificate shows it. Read from the certificates' area lists in SQL
    (json_each on SQLite, json_array_elements on PostgreSQL): a few rows per certificate,
    where the criterion scores behind them would be dozens."""
    in_force = _in_force(filters)
    if _postgresql():
        each = func.json_array_elements(in_force.c.areas).table_valued("value")
        code, band = each.c.value.op("->>")("code"), each.c.value.op("->>")("band")
    else:
        each = func.json_each(in_force.c.areas).table_valued("value")
        code = func.json_extract(each.c.value, "$.code")
        band = func.json_extract(each.c.value, "$.band")
    histograms: dict[tuple[str, str], Counter] = {}
    for area, level, letter, count in execute(
            select(code, in_force.c.level, band, func.count())
            .select_from(in_force)
            .join(each, true())
            .group_by(code, in_force.c.level, band)):
        if area and letter:
            histograms.setdefault((area, level), Counter())[letter] += count
    return histograms


def scheme_codes() -> list[str]:
    """The codes of every scheme loaded (a certificate names one of them), for the filter."""
    return sorted(db.session.scalars(select(SchemeVersion.code).distinct()))


# --- what the officials ask ----------------------------------------------------------------

MAX_YEARS = 20  # periods beyond this are no chart anyone reads


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - months
    return dt.date(month // 12, month % 12 + 1, 1)


def _day(raw: str) -> dt.date | None:
    try:
        return iso_date(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Asked:
    """The filters read from a request: `problems` are unknown filter values (a 400 with the
    message); `blank` says why no figure can be drawn (an impossible day) and `no_range` why
    the figures over a period cannot (an empty or impossible range): both answer 200."""

    filters: Filters
    problems: list[str]
    blank: str | None = None
    no_range: str | None = None


def read_filters(args, today: dt.date) -> Asked:
    """The statistics' filters from a page's or a download's arguments (`at`, `from`,
    `period`, `region`, `level`, `scheme`); empty values mean the defaults: today, the
    twelve months up to `at`, by month, everything."""
    problems: list[str] = []
    region = args.get("region", "")
    known_region = next((r for r in REGIONS if r.casefold() == region.casefold()), None)
    if region and known_region is None:
        problems.append(_("Regione sconosciuta: «%(value)s».", value=region[:40]))
    level = args.get("level", "")
    if level and level_of(level) is None:
        problems.append(_("Livello sconosciuto: «%(value)s».", value=level[:40]))
        level = ""
    scheme = args.get("scheme", "")
    if scheme and scheme not in scheme_codes():
        problems.append(_("Schema sconosciuto: «%(value)s».", value=scheme[:40]))
        scheme = ""
    period = args.get("period", "") or str(Period.MONTH)
    if period not in set(Period):
        problems.append(_("Periodo sconosciuto: «%(value)s» (mese o trimestre).",
                          value=period[:40]))
        period = str(Period.MONTH)

    blank = no_range = None
    raw_at = args.get("at", "")
    at = _day(raw_at) if raw_at else today
    if at is None:
        blank = _("La data «%(value)s» non esiste: scrivi una data vera nel formato "
                  "AAAA-MM-GG.", value=raw_at[:40])
        at = today
    elif at > today:
        blank = _("La data %(day)s è nel futuro: le statistiche arrivano fino a oggi.",
                  day=at.strftime("%d/%m/%Y"))
        at = today
    raw_start = args.get("from", "")
    start = _day(raw_start) if raw_start else _months_before(at, 11)
    if start is None:
        no_range = _("La data d'inizio «%(value)s» non esiste: scrivi una data vera nel "
                     "formato AAAA-MM-GG.", value=raw_start[:40])
        start = _months_before(at, 11)
    elif start > at:
        no_range = _("Il periodo scelto è vuoto: la data d'inizio viene dopo la data delle "
                     "statistiche.")
        start = at
    elif start.year < at.year - MAX_YEARS:
        no_range = _("Il periodo scelto è troppo lungo: al massimo %(years)d anni.",
                     years=MAX_YEARS)
        start = _months_before(at, 11)
    filters = Filters(at=at, start=start, period=Period(period), region=known_region or "",
                      level=level, scheme=scheme)
    return Asked(filters, problems, blank, no_range)


def query_args(filters: Filters) -> dict[str, str]:
    """The filters as URL arguments (for the download links)."""
    values = {"at": filters.at.isoformat(), "from": filters.start.isoformat(),
              "period": str(filters.period), "region": filters.region,
              "level": filters.level, "scheme": filters.scheme}
    return {key: value for key, value in values.items() if value}
