"""The art. 24-bis DL 83/2012 rules on moving call-centre work outside the EU, as pure
functions over plain facts (no database): tested exhaustively in tests/firms.

Since 2017 an operator that moves call-centre activity to a non-EU country, itself or through
third parties, notifies at least 30 days before the move: the Ministry of Labour and INL, MIMIT
and the Garante (domain.md S13, S15). Here a "move" is an obligation: an open operating site
outside the EU, or an extra-EU country the firm declares traffic from without a site there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from registry.firms.geography import is_eu
from registry.firms.workflow import (
    REQUIRED_AUTHORITIES,
    DelocalisationStatus,
    NoticeAuthority,
)

NOTICE_DAYS = 30  # art. 24-bis c.1 as replaced by L. 232/2016: "almeno 30 giorni prima"


@dataclass(frozen=True)
class SiteFact:
    """What the rules need of an operating site."""

    site_id: int
    country: str
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class NoticeFact:
    """What the rules need of a notice on record (withdrawn ones are left out by the caller)."""

    authority: NoticeAuthority | str
    country: str
    sent_on: dt.date
    move_on: dt.date
    site_id: int | None = None
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Obligation:
    """One move outside the EU that needs the three notices: a site (site_id set) or an
    extra-EU country served through third parties (site_id None; country None when the firm
    declares extra-EU traffic without saying where)."""

    country: str | None
    site_id: int | None = None
    opened_on: dt.date | None = None


@dataclass(frozen=True)
class ObligationCheck:
    """The state of one obligation: each authority's status, and the whole."""

    obligation: Obligation
    by_authority: dict[NoticeAuthority, DelocalisationStatus]

    @property
    def status(self) -> DelocalisationStatus:
        return worst(self.by_authority.values())

    @property
    def missing(self) -> list[NoticeAuthority]:
        return [a for a in NoticeAuthority
                if self.by_authority[a] == DelocalisationStatus.MISSING]

    @property
    def late(self) -> list[NoticeAuthority]:
        return [a for a in NoticeAuthority if self.by_authority[a] == DelocalisationStatus.LATE]


# Worst first: one missing notice outweighs any number of late or compliant ones.
SEVERITY = (DelocalisationStatus.MISSING, DelocalisationStatus.LATE,
            DelocalisationStatus.COMPLIANT, DelocalisationStatus.NOT_CONCERNED)


def worst(statuses: Iterable[DelocalisationStatus]) -> DelocalisationStatus:
    """The most serious of `statuses` (missing > late > compliant); none: not concerned."""
    found = set(statuses)
    return next((s for s in SEVERITY if s in found), DelocalisationStatus.NOT_CONCERNED)


def is_extra_eu(country: str | None) -> bool:
    """True for a country code outside the EU (Italy and the EU territories are inside)."""
    return bool(country) and not is_eu(str(country).upper())


def latest_timely_day(move_on: dt.date) -> dt.date:
    """The last day a notice for a move on `move_on` may be sent: 30 days before."""
    return move_on - dt.timedelta(days=NOTICE_DAYS)


def reference_day(notice: NoticeFact, opened_on: dt.date | None) -> dt.date:
    """The day the 30 days count back from: the planned move, or the site's opening when the
    site opened earlier than announced (the move happened then)."""
    if opened_on is not None and opened_on < notice.move_on:
        return opened_on
    return notice.move_on


def is_timely(notice: NoticeFact, opened_on: dt.date | None = None) -> bool:
    """A notice sent at least 30 days before its move (or before the site opened)."""
    return notice.sent_on <= latest_timely_day(reference_day(notice, opened_on))


def obligations(sites: Sequence[SiteFact], traffic_extra_eu_pct: int | None,
                extra_eu_countries: Sequence[str]) -> list[Obligation]:
    """The moves outside the EU a firm must have notified.

    Every open site outside the EU is one. So is every extra-EU country the firm declares
    traffic from with no open site there (work through third parties counts as well). A firm
    declaring an extra-EU share but no country has one obligation with no country.
    """
    found: list[Obligation] = []
    site_countries: set[str] = set()
    for site in sorted(sites, key=lambda s: s.site_id):
        if site.closed_on is None and is_extra_eu(site.country):
            found.append(Obligation(site.country.upper(), site.site_id, site.opened_on))
            site_countries.add(site.country.upper())
    countries = sorted({c.upper() for c in extra_eu_countries if is_extra_eu(c)}
                       - site_countries)
    found.extend(Obligation(country) for country in countries)
    if not found and (traffic_extra_eu_pct or 0) > 0:
        found.append(Obligation(None))
    return found


def covers(notice: NoticeFact, obligation: Obligation) -> bool:
    """Whether `notice` is about `obligation`: the same site; else, for a notice about no
    site, the same country (MIMIT's list of countries counts). A country-less obligation is
    covered by any notice not tied to a site."""
    if obligation.site_id is not None and notice.site_id == obligation.site_id:
        return True
    if notice.site_id is not None:
        return False
    if obligation.country is None:
        return True
    countries = {notice.country.upper(), *(c.upper() for c in notice.countries)}
    return obligation.country in countries


def check_obligation(obligation: Obligation,
                     notices: Iterable[NoticeFact]) -> ObligationCheck:
    """Each authority's status for one move: compliant when a notice to it was sent in time,
    late when every notice to it came late, missing when there is none."""
    relevant = [n for n in notices if covers(n, obligation)]
    result = {}
    for authority in (a for a in NoticeAuthority if a in REQUIRED_AUTHORITIES):
        sent = [n for n in relevant if NoticeAuthority(n.authority) == authority]
        if not sent:
            result[authority] = DelocalisationStatus.MISSING
        elif any(is_timely(n, obligation.opened_on) for n in sent):
            result[authority] = DelocalisationStatus.COMPLIANT
        else:
            result[authority] = DelocalisationStatus.LATE
    return ObligationCheck(obligation, result)


def check_firm(sites: Sequence[SiteFact], traffic_extra_eu_pct: int | None,
               extra_eu_countries: Sequence[str],
               notices: Sequence[NoticeFact]) -> list[ObligationCheck]:
    """Every obligation of a firm with its status (empty: the firm is not concerned)."""
    return [check_obligation(o, notices)
            for o in obligations(sites, traffic_extra_eu_pct, extra_eu_countries)]


def classify(checks: Sequence[ObligationCheck]) -> DelocalisationStatus:
    """A firm's overall status: not concerned (no move outside the EU), compliant, late
    notice (all sent, one came late) or missing notice (one never sent)."""
    return worst(check.status for check in checks)


def blocking_sites(checks: Sequence[ObligationCheck]) -> list[ObligationCheck]:
    """The sites abroad that knock certification out: an open extra-EU site with a notice
    missing (LEG-05: undeclared extra-EU delocalisation). A late notice is a matter for the
    authorities' fines, not a knock-out: the move was declared."""
    return [c for c in checks if c.obligation.site_id is not None and c.missing]
