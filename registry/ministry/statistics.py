"""Figures of the whole register for the officials: firms by region, certificates by
status and level, applications in progress. Every figure is one GROUP BY over indexed
columns, so the page costs the same whatever the register's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from audits.schemes_store import current_levels
from registry.applications.models import Application
from registry.applications.workflow import OPEN, ApplicationState
from registry.certificates.models import Certificate
from registry.certificates.status import CertificateStatus
from registry.extensions import db
from registry.firms.models import Firm
from registry.public.register import STATUSES, certified_on


def level_codes() -> tuple[str, ...]:
    """The levels the statistics count, lowest first (the current scheme's)."""
    return tuple(level.code for level in current_levels())


@dataclass
class RegionRow:
    """One region: firms on the platform, firms with a certificate, firms certified on the
    day (status valid and within the dates) by level."""

    region: str
    registered: int = 0
    listed: int = 0
    levels: tuple[str, ...] = ()
    certified: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for level in self.levels:
            self.certified.setdefault(level, 0)

    @property
    def certified_total(self) -> int:
        return sum(self.certified.values())

    def add(self, other: RegionRow) -> None:
        self.registered += other.registered
        self.listed += other.listed
        for level, count in other.certified.items():
            self.certified[level] = self.certified.get(level, 0) + count


@dataclass
class Overview:
    """The statistics block of the officials' register."""

    day: dt.date
    regions: list[RegionRow]
    total: RegionRow
    certificates_by_status: dict[str, int]
    applications_by_state: dict[str, int]


def overview(day: dt.date) -> Overview:
    """Figures of the register as it stands on `day`."""
    rows: dict[str, RegionRow] = {}
    levels = level_codes()

    def row(region: str | None) -> RegionRow:
        name = region or "—"  # a firm abroad or a profile still without an address
        return rows.setdefault(name, RegionRow(name, levels=levels))

    for region, registered, listed in db.session.execute(
            select(Firm.office_region, func.count(), func.count(Firm.current_certificate_id))
            .group_by(Firm.office_region)):
        row(region).registered, row(region).listed = registered, listed
    for region, level, count in db.session.execute(
            select(Firm.office_region, Certificate.level, func.count())
            .join(Certificate, Certificate.id == Firm.current_certificate_id)
            .where(certified_on(day)).group_by(Firm.office_region, Certificate.level)):
        if level in levels:
            row(region).certified[level] = count

    # A valid certificate past its end date is expired for the public even before the
    # nightly job records it: count it as the verify page would show it.
    shown_status = case((and_(Certificate.status == CertificateStatus.VALID,
                              Certificate.valid_until < day),
                         str(CertificateStatus.EXPIRED)), else_=Certificate.status)
    by_status = dict.fromkeys(STATUSES, 0)
    for status, count in db.session.execute(
            select(shown_status, func.count())
            .join(Firm, Firm.current_certificate_id == Certificate.id)
            .group_by(shown_status)):
        by_status[status] = by_status.get(status, 0) + count

    open_states = [state for state in ApplicationState if state in OPEN]
    by_state = {str(state): 0 for state in open_states}
    by_state.update(db.session.execute(
        select(Application.state, func.count())
        .where(Application.state.in_([str(s) for s in open_states]))
        .group_by(Application.state)).all())

    regions = sorted(rows.values(), key=lambda r: (r.region == "—", r.region))
    total = RegionRow("", levels=levels)
    for each in regions:
        total.add(each)
    return Overview(day, regions, total, by_status, by_state)


def pending_applications(firm_ids: Iterable[int]) -> dict[int, int]:
    """Applications still in progress (draft to assessed) per firm, for the listed firms."""
    firm_ids = list(firm_ids)
    if not firm_ids:
        return {}
    return dict(db.session.execute(
        select(Application.firm_id, func.count())
        .where(Application.firm_id.in_(firm_ids),
               Application.state.in_(sorted(OPEN)))
        .group_by(Application.firm_id)).all())
