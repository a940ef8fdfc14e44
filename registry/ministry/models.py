"""The statistics' facts: the register's history folded into counts per day (see facts.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import utcnow
from registry.extensions import db


class StatisticsFact(db.Model):
    """One count of the statistics on one day, for one group (scheme, region, level and what
    is counted). For a figure on a day (`kind` snapshot, stage, area) a row is either the
    change of the count on `day` or, with `checkpoint`, the whole count at the end of `day`;
    for a figure over a period (movement, stay, decision) it is what happened on `day`.
    Rewritten whole by each night's computation: derived data, never a record."""

    __tablename__ = "statistics_fact"
    __table_args__ = (Index("ix_statistics_fact_kind_day", "kind", "checkpoint", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    checkpoint: Mapped[bool] = mapped_column(default=False)
    day: Mapped[dt.date]
    scheme: Mapped[str] = mapped_column(String(60))
    region: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(40))  # a status, stage, area or movement
    in_force: Mapped[bool] = mapped_column(default=False)
    band: Mapped[str] = mapped_column(String(20))  # extra-EU band or area band
    days: Mapped[int] = mapped_column(default=0)  # a stay's or a decision's length
    amount: Mapped[int]
    firms: Mapped[int] = mapped_column(default=0)


class StatisticsRun(db.Model):
    """One computation of the facts: through which day they hold and when they were made."""

    __tablename__ = "statistics_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[dt.date]
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    facts: Mapped[int]
    seconds: Mapped[float]
    # The last status change, application event and application the fold read.
    last_change_id: Mapped[int]
    last_event_id: Mapped[int]
    last_application_id: Mapped[int]


class StatisticsFirm(db.Model):
    """Each firm's region and extra-EU band as the last computation folded them: a firm
    whose region or band has changed since is corrected on each request (facts.py)."""

    __tablename__ = "statistics_firm"

    firm_id: Mapped[int] = mapped_column(primary_key=True)  # derived data: no foreign key
    region: Mapped[str] = mapped_column(String(40))
    band: Mapped[str] = mapped_column(String(20))
