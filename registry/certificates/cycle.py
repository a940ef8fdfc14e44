"""Dates of the certification cycle (standard library only): months added the calendar way,
a certificate's validity, and how a renewal runs on from the certificate it replaces."""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later (clamped to the month's end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def validity(starts_on: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """Valid from `starts_on` for `months` months (last day included)."""
    return starts_on, add_months(starts_on, months) - ONE_DAY


def renewal_validity(decided_on: dt.date, months: int,
                     predecessor_until: dt.date | None) -> tuple[dt.date, dt.date]:
    """The validity of a certificate decided on `decided_on` for a firm whose certificate of
    the same scheme runs until `predecessor_until` (None: it holds none in force).

    Decided before the old one expires, the new one runs on from the day after its expiry,
    so the firm is never without a certificate and never holds two valid at once (ISO/IEC
    17021-1 recertification); decided after, it starts on the decision day.
    """
    if predecessor_until is not None and decided_on <= predecessor_until:
        return validity(predecessor_until + ONE_DAY, months)
    return validity(decided_on, months)
