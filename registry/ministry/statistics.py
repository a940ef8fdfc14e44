"""Figures of the whole register for the officials: firms by region, certificates by
status and level, applications in progress. Every figure is one GROUP BY over indexed
columns, so the page costs the same whatever the register's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from registry.applications.models import Application
from registry.applications.services import OPEN_STATES
from registry.applications.workflow import State
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.firms.models import Firm

LEVELS = ("L1", "L2", "L3")
STATUSES = ("valid", "suspended", "withdrawn", "expired", "renounced")


@dataclass
class RegionRow:
    """One region: firms on the platform, firms with a certificate, firms certified on the
    day (status valid and within the dates) by level."""

    region: str
    registered: int = 0
    listed: int = 0
    certified: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    @property
    def certified_total(self) -> int:
        return sum(self.certified.values())

    def add(self, other: RegionRow) -> None:
        self.registered += other.registered
        self.listed += other.listed
        for level in LEVELS:
            self.certified[level] += other.certified[level]


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

    def row(region: str | None) -> RegionRow:
        name = region or "—"  # a firm abroad or a profile still without an address
        return rows.setdefault(name, RegionRow(name))

    for region, registered, listed in db.session.execute(
            select(Firm.office_region, func.count(), func.count(Firm.current_certificate_id))
            .group_by(Firm.office_region)):
        row(region).registered, row(region).listed = registered, listed
    certified_now = and_(Certificate.status == "valid", Certificate.valid_from <= day,
                         Certificate.valid_until >= day)
    for region, level, count in db.session.execute(
            select(Firm.office_region, Certificate.level, func.count())
            .join(Certificate, Certificate.id == Firm.current_certificate_id)
            .where(certified_now).group_by(Firm.office_region, Certificate.level)):
        if level in LEVELS:
            row(region).certified[level] = count

    # A valid certificate past its end date is expired for the public even before the
    # nightly job records it: count it as the verify page would show it.
    shown_status = case((and_(Certificate.status == "valid", Certificate.valid_until < day),
                         "expired"), else_=Certificate.status)
    by_status = dict.fromkeys(STATUSES, 0)
    for status, count in db.session.execute(
            select(shown_status, func.count())
            .join(Firm, Firm.current_certificate_id == Certificate.id)
            .group_by(shown_status)):
        by_status[status] = by_status.get(status, 0) + count

    open_states = [state for state in State if state in OPEN_STATES]
    by_state = {str(state): 0 for state in open_states}
    by_state.update(db.session.execute(
        select(Application.state, func.count())
        .where(Application.state.in_([str(s) for s in open_states]))
        .group_by(Application.state)).all())

    regions = sorted(rows.values(), key=lambda r: (r.region == "—", r.region))
    total = RegionRow("")
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
               Application.state.in_([str(s) for s in OPEN_STATES]))
        .group_by(Application.firm_id)).all())
