"""The database half of a backup: one consistent snapshot out, the rows back in FK order.

The dump reads the schema the database really has (reflection), not the models: an archive
is a copy of the database at its Alembic revision, and `restore` rebuilds that revision with
the real migrations before loading it. Tables the migrations derive from others (the SQLite
full-text index of firm names and its shadow tables, `registry.db.UNMODELLED`) are left out:
they are rebuilt, not restored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import sort_tables_and_constraints

from registry.backup.archive import JSON_NULL
from registry.db import UNMODELLED

VERSION_TABLE = "alembic_version"
BATCH = 1000


def is_dumped(name: str) -> bool:
    """A table whose rows are data (not Alembic's bookkeeping, not a derived index)."""
    return (name != VERSION_TABLE and not name.startswith("sqlite_")
            and not name.startswith(UNMODELLED["table"]))


def column_kind(type_: sa.types.TypeEngine) -> str:
    """How a column's values travel in the archive (see archive.encode_value)."""
    checks = ((sa.JSON, "json"), (sa.Boolean, "boolean"), (sa.DateTime, "datetime"),
              (sa.Date, "date"), (sa.Time, "time"), (sa.Float, "float"),
              (sa.Numeric, "decimal"), (sa.Integer, "integer"), (sa.LargeBinary, "bytes"),
              (sa.String, "text"))
    for base, kind in checks:
        if isinstance(type_, base):
            return kind
    raise ValueError(f"column type {type_!r} cannot be backed up")


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one instant of the database.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction (writers carry on). SQLite: every read
    inside one explicit transaction on one connection, which holds SQLite's shared lock, so a
    writer waits until the dump ends (SQLite is the development database).
    """
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def alembic_revision(connection: Connection) -> str | None:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    version = sa.table(VERSION_TABLE, sa.column("version_num"))
    found = list(connection.execute(sa.select(version.c.version_num)).scalars())
    return found[0] if len(found) == 1 else None


def reflect(connection: Connection) -> sa.MetaData:
    """The data tables as they are in the database."""
    names = [n for n in sa.inspect(connection).get_table_names() if is_dumped(n)]
    metadata = sa.MetaData()
    metadata.reflect(bind=connection, only=names)
    return metadata


def kinds_of(table: sa.Table) -> dict[str, str]:
    return {column.name: column_kind(column.type) for column in table.columns}


def _order(table: sa.Table) -> list[sa.Column]:
    return list(table.primary_key.columns) or list(table.columns)


def read_rows(connection: Connection, table: sa.Table) -> Iterator[dict]:
    """Every row in primary-key order, streamed. JSON columns are read as their text, so a
    JSON `null` and a NULL stay apart and the document is not reparsed on the way."""
    columns = [sa.cast(c, sa.Text).label(c.name) if column_kind(c.type) == "json" else c
               for c in table.columns]
    query = sa.select(*columns).order_by(*_order(table))
    result = connection.execute(query, execution_options={"yield_per": BATCH})
    for row in result.mappings():
        yield dict(row)


# --- loading ----------------------------------------------------------------------------
@dataclass
class TargetState:
    """What the restore target holds before anything is written."""

    tables: list[str]
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)
    # PostgreSQL: the functions and extensions already there (a failed restore drops only
    # the ones the migrations added).
    functions: set[str] = field(default_factory=set)
    extensions: set[str] = field(default_factory=set)

    @property
    def non_empty(self) -> list[str]:
        return [name for name, count in sorted(self.rows.items()) if count]


FUNCTIONS = sa.text(
    "SELECT p.oid::regprocedure::text FROM pg_proc AS p "
    "JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')")
EXTENSIONS = sa.text("SELECT extname FROM pg_extension")


def target_state(engine: Engine) -> TargetState:
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        revision = alembic_revision(connection)
        rows = {}
        for name in names:
            if is_dumped(name):
                table = sa.table(name)
                rows[name] = connection.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar_one()
        state = TargetState(tables=names, revision=revision, rows=rows)
        if connection.dialect.name == "postgresql":
            state.functions = set(connection.execute(FUNCTIONS).scalars())
            state.extensions = set(connection.execute(EXTENSIONS).scalars())
    return state


def drop_everything(engine: Engine, before: TargetState) -> None:
    """Return a target that had no tables to that state: drop every table (with its indexes,
    triggers and sequences), and on PostgreSQL the functions and extensions added since."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            tables = sa.inspect(connection).get_table_names()
            if tables:
                connection.exec_driver_sql(
                    "DROP TABLE " + ", ".join(quote(t) for t in tables) + " CASCADE")
            for function in set(connection.execute(FUNCTIONS).scalars()) - before.functions:
                connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")
            for extension in set(connection.execute(EXTENSIONS).scalars()) - before.extensions:
                connection.exec_driver_sql(f"DROP EXTENSION IF EXISTS {quote(extension)}")
            connection.commit()
            return
        # SQLite: foreign keys off while tables go in any order (set outside a transaction).
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        try:
            def objects(kind: str) -> list[tuple[str, str]]:
                return [tuple(row) for row in connection.execute(sa.text(
                    "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = :kind "
                    "AND name NOT LIKE 'sqlite_%'"), {"kind": kind})]

            for name, _sql in objects("view"):
                connection.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(name)}")
            # Virtual tables first: dropping one drops its shadow tables.
            for name, sql in objects("table"):
                if sql.upper().startswith("CREATE VIRTUAL TABLE"):
                    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}")
            for name, _sql in objects("table"):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}")
            connection.commit()
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


@dataclass
class LoadPlan:
    """Tables in an order that satisfies their foreign keys, and the columns that must be
    filled in afterwards (self-references and the cycles `use_alter` marks in the models,
    e.g. user.firm_id and firm.current_certificate_id): inserted NULL, then updated."""

    tables: list[sa.Table]
    late: dict[str, list[str]]


def _signature(fk: sa.ForeignKeyConstraint) -> tuple[str, tuple[str, ...], str]:
    return (fk.table.name, tuple(c.name for c in fk.columns), fk.referred_table.name)


def load_plan(metadata: sa.MetaData, hints: sa.MetaData) -> LoadPlan:
    """The insertion order for `metadata` (reflected), using the models' `use_alter` marks in
    `hints` to break the cycles the way the schema means them to be broken."""
    deferred = {_signature(fk) for table in hints.tables.values()
                for fk in table.foreign_key_constraints if fk.use_alter}

    def defer(fk: sa.ForeignKeyConstraint) -> bool | None:
        nullable = all(column.nullable for column in fk.columns)
        if not nullable:
            return False
        if fk.referred_table is fk.table or _signature(fk) in deferred:
            return True
        return None

    ordered = sort_tables_and_constraints(metadata.tables.values(), filter_fn=defer)
    tables = [table for table, _fks in ordered if table is not None]
    late: dict[str, list[str]] = {}
    for fk in ordered[-1][1]:
        if not all(column.nullable for column in fk.columns):
            raise ValueError(f"foreign key {_signature(fk)} is part of a cycle and cannot be "
                             "filled in later (a column is NOT NULL)")
        names = late.setdefault(fk.table.name, [])
        names.extend(c.name for c in fk.columns if c.name not in names)
    return LoadPlan(tables, late)


def _json_for_insert(table: sa.Table) -> None:
    """Insert NULL for None and JSON `null` for JSON_NULL (the reflected type writes None
    as JSON `null`)."""
    for column in table.columns:
        if column_kind(column.type) == "json":
            column.type = sa.JSON(none_as_null=True)


def _value(value):
    return sa.JSON.NULL if value is JSON_NULL else value


def insert_rows(connection: Connection, table: sa.Table, columns: list[str],
                rows: Iterable[dict], late: list[str]) -> tuple[int, list[dict]]:
    """Insert `rows` (decoded) in batches, the `late` columns as NULL. Returns the row count
    and the updates that fill the late columns in."""
    _json_for_insert(table)
    key = [c.name for c in table.primary_key.columns]
    if late and not key:
        raise ValueError(f"table {table.name} has no primary key to fill in {late}")
    insert = table.insert()
    updates: list[dict] = []
    batch: list[dict] = []
    count = 0
    for row in rows:
        values = {name: _value(row.get(name)) for name in columns}
        pending = {name: values[name] for name in late if values.get(name) is not None}
        if pending:
            updates.append({**{f"k_{n}": values[n] for n in key},
                            **{f"v_{n}": v for n, v in pending.items()}})
            for name in late:
                values[name] = None
        batch.append(values)
        count += 1
        if len(batch) >= BATCH:
            connection.execute(insert, batch)
            batch = []
    if batch:
        connection.execute(insert, batch)
    return count, updates


def fill_late(connection: Connection, table: sa.Table, late: list[str],
              updates: list[dict]) -> None:
    """Set the late foreign-key columns once every row they may point to is in."""
    key = [c.name for c in table.primary_key.columns]
    groups: dict[tuple[str, ...], list[dict]] = {}
    for update in updates:
        names = tuple(n for n in late if f"v_{n}" in update)
        groups.setdefault(names, []).append(update)
    for names, params in groups.items():
        statement = (table.update()
                     .where(*(table.c[n] == sa.bindparam(f"k_{n}") for n in key))
                     .values({n: sa.bindparam(f"v_{n}") for n in names}))
        for start in range(0, len(params), BATCH):
            connection.execute(statement, params[start:start + BATCH])


def reset_sequences(connection: Connection, tables: Iterable[sa.Table]) -> None:
    """PostgreSQL: each id sequence continues after the largest restored id."""
    if connection.dialect.name != "postgresql":
        return  # SQLite takes the next rowid from the largest one present
    quote = connection.dialect.identifier_preparer
    keys = [(table, column) for table in tables for column in table.primary_key.columns
            if column_kind(column.type) == "integer"]
    if not keys:
        return
    sequences = connection.execute(sa.select(*(
        sa.func.pg_get_serial_sequence(quote.format_table(table), column.name)
        for table, column in keys))).one()
    settings = []
    for (table, column), sequence in zip(keys, sequences, strict=True):
        if sequence:
            largest = sa.select(sa.func.max(column)).select_from(table).scalar_subquery()
            settings.append(sa.func.setval(sequence, sa.func.coalesce(largest, 1),
                                           largest.is_not(None)))
    if settings:
        connection.execute(sa.select(*settings))


# Columns the database's own triggers move when rows are written (migration c5d7e9f1a3b2):
# loading a certificate's status changes moves its version, so the archived value is set
# again once everything is in.
MOVED_BY_TRIGGERS = {"certificate": ("version",)}


def restore_moved(connection: Connection, table: sa.Table, columns: Iterable[str],
                  rows: Iterable[dict]) -> None:
    """Set the trigger-moved columns of `table` back to the archived `rows`' values (only
    where they differ: an update that leaves them as they are would move them again).
    `columns` are the archive's: an archive made before such a column existed has none."""
    names = [n for n in MOVED_BY_TRIGGERS.get(table.name, ()) if n in columns]
    if not names:
        return
    key = [c.name for c in table.primary_key.columns]
    statement = (table.update()
                 .where(*(table.c[n] == sa.bindparam(f"k_{n}") for n in key))
                 .where(sa.or_(*(table.c[n] != sa.bindparam(f"v_{n}") for n in names)))
                 .values({n: sa.bindparam(f"v_{n}") for n in names}))
    batch: list[dict] = []
    for row in rows:
        batch.append({**{f"k_{n}": row[n] for n in key}, **{f"v_{n}": row[n] for n in names}})
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)


def rebuild_derived(connection: Connection) -> None:
    """SQLite: rebuild the full-text tables from their content table (the insert triggers
    already fill them; a rebuild makes the index exact whatever path the rows took)."""
    if connection.dialect.name != "sqlite":
        return
    for name in UNMODELLED["table"]:
        exists = connection.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": name}).first()
        if exists:
            # The name is one of ours (UNMODELLED), never input.
            connection.exec_driver_sql(
                f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # noqa: S608


def delete_everything(connection: Connection, hints: sa.MetaData) -> None:
    """Remove every data row (undoing a failed restore), children before parents."""
    metadata = reflect(connection)
    plan = load_plan(metadata, hints)
    for name, columns in plan.late.items():
        table = metadata.tables[name]
        connection.execute(table.update().values(dict.fromkeys(columns)))
    for table in reversed(plan.tables):
        connection.execute(table.delete())
