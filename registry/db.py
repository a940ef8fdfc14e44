"""Declarative base, naming convention and the UTC datetime type shared by every model."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import registry as mapper_registry

# A fixed naming convention gives every constraint a stable name, so Alembic migrations are
# identical on SQLite (batch mode recreates tables by name) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ROME = ZoneInfo("Europe/Rome")


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware. Use as a column default (the callable)."""
    return dt.datetime.now(dt.UTC)


def today_in_rome() -> dt.date:
    """The calendar date in Italy: validity dates, deadlines and "not in the future" are
    judged by Italian time, whatever the server's time zone."""
    return dt.datetime.now(ROME).date()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every database and returns aware UTC datetimes.

    SQLite has no timezone support, so we never hand it aware values; PostgreSQL gets
    `timestamp without time zone` holding UTC, the same on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = mapper_registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime},
    )


# Created by migrations with dialect-specific DDL and unknown to the models: the SQLite
# full-text table of firm names (with the shadow tables FTS5 keeps beside it) and the
# PostgreSQL GIN index on the name's word prefixes.
# The exclusion constraint that keeps one valid certificate per firm and scheme at a time
# (PostgreSQL; SQLite has triggers, which are not compared) is written in its migration.
UNMODELLED = {"table": ("firm_fts",),
              "index": ("ix_firm_name_prefixes", "ex_certificate_one_valid",
                        "ex_calling_number_one_firm")}


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: leave the full-text objects out of model comparisons."""
    return not (name and name.startswith(UNMODELLED.get(type_, ())))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys unchecked unless asked, per connection; PostgreSQL always
    # checks them, and both databases must refuse the same rows. The larger page cache
    # (32 MiB instead of 2) keeps the register's working set in memory.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA cache_size = -32768")
