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


# Days a firm has to appeal against an adverse decision or status change (domain.md §3.4).
APPEAL_DAYS = 30

# How long a firm waits before applying again (domain.md §3.2 and §3.4, proposed).
WAIT_AFTER_REFUSAL_MONTHS = 6
WAIT_AFTER_WITHDRAWAL_MONTHS = 12
# Two suspensions within this many months lead to withdrawal (domain.md §3.4, proposed).
SUSPENSIONS_BEFORE_WITHDRAWAL = 2
SUSPENSIONS_WINDOW_MONTHS = 36


def may_apply_from(refused_on: dt.date | None, withdrawn_on: dt.date | None) -> dt.date | None:
    """The first day a firm may file a new application: six months after its last refusal,
    twelve after its last withdrawal, whichever is later (None: no waiting period)."""
    dates = [add_months(refused_on, WAIT_AFTER_REFUSAL_MONTHS) if refused_on else None,
             add_months(withdrawn_on, WAIT_AFTER_WITHDRAWAL_MONTHS) if withdrawn_on else None]
    return max((d for d in dates if d is not None), default=None)


def too_many_suspensions(started_on: list[dt.date], day: dt.date) -> bool:
    """True if at least two suspensions began within the 36 months up to `day`."""
    window_start = add_months(day, -SUSPENSIONS_WINDOW_MONTHS)
    return sum(1 for began in started_on
               if window_start < began <= day) >= SUSPENSIONS_BEFORE_WITHDRAWAL


# Surveillance audits fall 12 and 24 months after the certificate starts (domain.md §3.3);
# the daily job opens each one this many days before it is due, so it can be done in time.
SURVEILLANCE_MONTHS = (12, 24)
SURVEILLANCE_LEAD_DAYS = 90


def surveillance_dues(valid_from: dt.date, valid_until: dt.date) -> list[dt.date]:
    """The days by which each surveillance audit of a certificate must be decided (those
    falling within its validity)."""
    return [due for due in (add_months(valid_from, m) for m in SURVEILLANCE_MONTHS)
            if due <= valid_until]


def surveillance_opens(due: dt.date) -> dt.date:
    """The first day the surveillance due on `due` is opened by the daily job."""
    return due - dt.timedelta(days=SURVEILLANCE_LEAD_DAYS)
