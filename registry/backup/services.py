"""The three operations: write a backup, verify one, restore one into an empty registry.

Consistency without stopping the registry: the database is dumped first, in one snapshot;
the files after it. Evidence files are content-addressed and never overwritten, so every file
the snapshot refers to is still there when the files are copied (each one is checked).
Certificate PDFs are named by number and revision: a PDF of a certificate issued after the
snapshot is left out, so that a restored registry, issuing that number again, renders its
own PDF instead of serving another firm's.

Restore writes nothing until everything that can be checked has been: the target is empty,
the archive matches its manifest, the passphrase opens the keys. If a later step fails, what
was written is removed again (rows, schema, stored objects).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command as alembic_command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from registry import auditlog
from registry.backup import archive, database
from registry.backup.archive import ArchiveError
from registry.certificates.models import Certificate
from registry.db import utcnow
from registry.extensions import db
from registry.storage import CERTIFICATES, KEYS, UPLOADS, Store, check_key, get_store

# Columns holding the SHA-256 of an evidence file in the store (`uploads/ab/<sha>`).
SHA_COLUMN = re.compile(r"(.*_)?sha256")
PDF_KEY = re.compile(rf"{CERTIFICATES}/(?P<number>.+)-r(?P<revision>\d+)\.pdf")
MAX_LISTED = 20


class BackupError(Exception):
    """The operation cannot go on; the message says why and what to do."""


def _upload_key(sha: str) -> str:
    return f"{UPLOADS}/{sha[:2]}/{sha}"


def _references(kinds: dict[str, str]) -> list[str]:
    return [name for name, kind in kinds.items() if kind == "text" and SHA_COLUMN.fullmatch(name)]


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


# --- backup -----------------------------------------------------------------------------
@dataclass
class BackupResult:
    path: Path
    tables: dict[str, int]
    files: int
    file_bytes: int
    keys: list[str]
    keys_included: bool
    missing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Dump:
    tables: dict = field(default_factory=dict)
    references: set[str] = field(default_factory=set)
    revisions: dict[str, int] = field(default_factory=dict)


def _dump_database(writer: archive.Writer) -> tuple[str, str, _Dump]:
    dump = _Dump()
    engine = db.engine
    with database.snapshot(engine) as connection:
        revision = database.alembic_revision(connection)
        if revision is None:
            raise BackupError("the database has no (single) Alembic revision: run "
                              "`flask --app registry db upgrade` first")
        metadata = database.reflect(connection)
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            try:
                kinds = database.kinds_of(table)
            except ValueError as error:
                raise BackupError(f"table {name}: {error}") from None
            references = _references(kinds)
            counter = {"rows": 0}

            def lines(table=table, kinds=kinds, references=references, counter=counter):
                for row in database.read_rows(connection, table):
                    counter["rows"] += 1
                    for column in references:
                        if row[column]:
                            dump.references.add(_upload_key(row[column]))
                    if table.name == Certificate.__tablename__:
                        dump.revisions[row["number"]] = row["revision"]
                    yield archive.encode_row(kinds, row)

            member = f"{archive.DATABASE_PREFIX}{name}.jsonl"
            writer.member(member, lines())
            dump.tables[name] = {"member": member, "rows": counter["rows"], "columns": kinds,
                                 "primary_key": [c.name for c in table.primary_key.columns]}
    return engine.dialect.name, revision, dump


def _pdf_in_snapshot(key: str, revisions: dict[str, int]) -> bool:
    match = PDF_KEY.fullmatch(key)
    if match is None:
        return True  # not a certificate PDF: kept
    issued = revisions.get(match["number"])
    return issued is not None and int(match["revision"]) <= issued


def _copy_files(writer: archive.Writer, store: Store, dump: _Dump,
                with_keys: bool) -> tuple[int, int, dict[str, bytes], list[str], list[str]]:
    files = size = 0
    keys: dict[str, bytes] = {}
    key_names, skipped = [], []
    listing = store.keys()  # sorted, streamed
    for key in listing:
        if key.startswith(f"{KEYS}/"):
            key_names.append(key)
            if with_keys:
                keys[key] = store.read(key)
            continue
        if key.startswith(f"{CERTIFICATES}/") and not _pdf_in_snapshot(key, dump.revisions):
            skipped.append(key)
            continue
        try:
            stream = store.open(key)
        except LookupError:
            continue  # discarded since it was listed (an upload nothing referred to)
        with stream:
            entry = writer.member(f"{archive.FILES_PREFIX}{key}", archive.read_chunks(stream),
                                  compress=False)
        files, size = files + 1, size + entry["size"]
    return files, size, keys, key_names, skipped


@contextlib.contextmanager
def _new_file(path: Path) -> Iterator:
    """A file created beside `path` with mode 0600, moved to `path` only when complete (and
    never over an existing file)."""
    path = path.resolve()
    if path.exists():
        raise BackupError(f"{path} already exists: a backup is never overwritten")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise BackupError(f"{path} appeared while the backup was written; kept the "
                              "existing file") from None
        except OSError:  # a file system without hard links: check, then rename
            if path.exists():
                raise BackupError(f"{path} appeared while the backup was written; kept the "
                                  "existing file") from None
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def backup(path: str | os.PathLike, *, passphrase: str | None,
           without_private_keys: bool) -> BackupResult:
    """Write the archive. The private keys go in sealed with `passphrase`, or stay out when
    `without_private_keys`; one of the two is required (keys are never written in clear)."""
    if without_private_keys and passphrase is not None:
        raise BackupError("give either --passphrase-env or --without-private-keys, not both")
    if not without_private_keys:
        if not passphrase:
            raise BackupError("the private keys are never written unencrypted: give "
                              "--passphrase-env VAR (a variable holding the passphrase) or "
                              "--without-private-keys")
        if len(passphrase) < archive.MIN_PASSPHRASE:
            raise BackupError(f"the passphrase must be at least {archive.MIN_PASSPHRASE} "
                              "characters long")
    created = utcnow()
    manifest = {"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
                "archive_id": uuid.uuid4().hex,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    target = Path(path)
    with _new_file(target) as handle, archive.Writer(handle, created) as writer:
        dialect, revision, dump = _dump_database(writer)
        files, size, keys, key_names, skipped = _copy_files(
            writer, get_store(), dump, with_keys=not without_private_keys)
        if without_private_keys:
            private = {"included": False, "names": key_names}
        else:
            sealed, params = archive.seal_keys(keys, passphrase, archive.archive_aad(manifest))
            writer.member(archive.KEYS_MEMBER, iter([sealed]))
            private = {"included": True, "names": key_names, "encryption": params}
        written = {name.removeprefix(archive.FILES_PREFIX) for name in writer.members}
        missing = sorted(dump.references - written)
        manifest.update({
            "source_dialect": dialect, "alembic_revision": revision,
            "tables": dump.tables, "files": {"count": files, "bytes": size},
            "private_keys": private, "missing_files": missing,
            "skipped_files": skipped})
        writer.finish(manifest)
    return BackupResult(target, {n: t["rows"] for n, t in dump.tables.items()}, files, size,
                        key_names, not without_private_keys, missing, skipped)


# --- verify -----------------------------------------------------------------------------
@dataclass
class VerifyResult:
    problems: list[str]
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_tables(reader: archive.Reader, problems: list[str]) -> set[str]:
    """Parse every row of every table; returns the upload keys the rows refer to."""
    references: set[str] = set()
    for _name, entry in sorted(reader.manifest["tables"].items()):
        kinds, member = entry["columns"], entry["member"]
        columns = _references(kinds)
        count, bad = 0, 0
        try:
            for number, line in enumerate(reader.lines(member), 1):
                count += 1
                try:
                    row = archive.decode_row(kinds, line)
                except ValueError as error:
                    bad += 1
                    if bad <= 3:
                        problems.append(f"{member} line {number}: {error}")
                    continue
                for column in columns:
                    value = row.get(column)
                    if isinstance(value, str) and len(value) == 64:
                        references.add(_upload_key(value))
                    elif value:
                        problems.append(f"{member} line {number}: {column} is not a SHA-256")
        except ArchiveError as error:
            problems.append(str(error))
            continue
        if bad > 3:
            problems.append(f"{member}: {bad} rows do not parse")
        if count != entry["rows"]:
            problems.append(f"{member}: {count} rows, the manifest says {entry['rows']}")
    return references


def _verify(reader: archive.Reader, passphrase: str | None) -> tuple[list[str], list[str]]:
    """(problems, absent): what is wrong with the archive, and the evidence files the rows
    refer to that it does not hold (lost from the source's store before the backup, or
    taken out of the archive since)."""
    manifest, problems = reader.manifest, []
    members = manifest["members"]
    extra = sorted(reader.names - members.keys() - {archive.MANIFEST})
    if extra:
        problems.append(f"members not in the manifest: {_listed(extra)}")
    database_members = {entry["member"] for entry in manifest["tables"].values()}
    for name in sorted(members):
        if name in database_members:
            continue  # read through (and checked) with its rows below
        if name.startswith(archive.FILES_PREFIX):
            key = name.removeprefix(archive.FILES_PREFIX)
            try:
                check_key(key)
            except ValueError:
                problems.append(f"{name}: not a valid storage key")
                continue
            if key.startswith(f"{KEYS}/"):
                problems.append(f"{name}: keys travel only sealed, in {archive.KEYS_MEMBER}")
                continue
        elif name != archive.KEYS_MEMBER:
            problems.append(f"{name}: not a member this registry writes")
            continue
        try:
            reader.check(name)
        except ArchiveError as error:
            problems.append(str(error))
    references = _check_tables(reader, problems)
    absent = sorted(key for key in references if f"{archive.FILES_PREFIX}{key}" not in members)
    keys = manifest["private_keys"]
    if keys["included"] and passphrase is not None:
        try:
            archive.open_keys(reader.read(archive.KEYS_MEMBER), passphrase,
                              keys.get("encryption"), archive.archive_aad(manifest))
        except ArchiveError as error:
            problems.append(str(error).replace(" (nothing was restored)", ""))
    return problems, absent


def _absent_message(absent: list[str]) -> str:
    return (f"{len(absent)} evidence file(s) referred to by the database are not in the "
            f"archive: {_listed(absent)}")


def verify(path: str | os.PathLike, *, passphrase: str | None = None) -> VerifyResult:
    """Recompute every member's SHA-256, parse every row, check every referenced file is in
    the archive (and, given the passphrase, that the keys open). Never raises."""
    try:
        with archive.Reader(path) as reader:
            problems, absent = _verify(reader, passphrase)
            if absent:
                problems.append(_absent_message(absent))
            return VerifyResult(problems, reader.manifest)
    except ArchiveError as error:
        return VerifyResult([str(error)])


# --- restore ----------------------------------------------------------------------------
@dataclass
class RestoreResult:
    manifest: dict
    tables: dict[str, int]
    files: int
    keys: list[str]
    keys_restored: bool
    chain: auditlog.ChainCheck


def _alembic():
    config = current_app.extensions["migrate"].migrate.get_config()
    return config, ScriptDirectory.from_config(config)


def _check_target(store: Store, archive_revision: str) -> database.TargetState:
    state = database.target_state(db.engine)
    problems = []
    if state.non_empty:
        problems.append(f"the database has rows in {_listed(state.non_empty)}")
    objects = list(_first(store.keys(), 4))
    if objects:
        shown = ", ".join(objects[:3]) + (", …" if len(objects) > 3 else "")
        problems.append(f"the file store holds objects ({shown})")
    if problems:
        raise BackupError("the target is not empty: " + "; ".join(problems) + ". Restore only "
                          "into an empty database and an empty store; nothing was changed.")
    _config, script = _alembic()
    try:
        script.get_revision(archive_revision)
        known = {r.revision for r in script.walk_revisions("base", archive_revision)}
    except CommandError:
        raise BackupError(f"the archive's schema revision {archive_revision} is unknown to "
                          "this version of the registry: restore with the version that made "
                          "the backup (or a later one)") from None
    if state.tables and state.revision is not None and state.revision not in known:
        raise BackupError(f"the target database's schema (revision {state.revision}) is newer "
                          "than the archive's: restore into a database without tables")
    if state.tables and state.revision is None:
        raise BackupError("the target database has tables but no Alembic revision: restore "
                          "into a database without tables; nothing was changed")
    return state


def _is_key(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True


def _first(iterator: Iterator[str], count: int) -> Iterator[str]:
    for index, item in enumerate(iterator):
        if index >= count:
            return
        yield item


def _load_database(reader: archive.Reader) -> dict[str, int]:
    manifest = reader.manifest
    loaded = {}
    with db.engine.begin() as connection:
        metadata = database.reflect(connection)
        wanted, present = set(manifest["tables"]), set(metadata.tables)
        if wanted != present:
            raise BackupError(
                "the migrations built other tables than the archive holds (missing: "
                f"{_listed(sorted(wanted - present))}; extra: {_listed(sorted(present - wanted))})")
        plan = database.load_plan(metadata, db.metadata)
        updates = {}
        for table in plan.tables:
            entry = manifest["tables"][table.name]
            columns = list(entry["columns"])
            unknown = set(columns) - set(table.columns.keys())
            if unknown:
                raise BackupError(f"table {table.name}: the schema has no column(s) "
                                  f"{_listed(sorted(unknown))}")
            rows = (archive.decode_row(entry["columns"], line)
                    for line in reader.lines(entry["member"]))
            late = plan.late.get(table.name, [])
            loaded[table.name], updates[table.name] = database.insert_rows(
                connection, table, columns, rows, late)
            if loaded[table.name] != entry["rows"]:
                raise BackupError(f"table {table.name}: {loaded[table.name]} rows loaded, the "
                                  f"manifest says {entry['rows']}")
        for name, late in plan.late.items():
            database.fill_late(connection, metadata.tables[name], late, updates[name])
        for name in database.MOVED_BY_TRIGGERS:  # last: every other write is done
            if name in manifest["tables"]:
                entry = manifest["tables"][name]
                database.restore_moved(connection, metadata.tables[name], entry["columns"], (
                    archive.decode_row(entry["columns"], line)
                    for line in reader.lines(entry["member"])))
        database.reset_sequences(connection, plan.tables)
        database.rebuild_derived(connection)
    return loaded


def _undo(store: Store, written: list[str], before: database.TargetState) -> list[str]:
    """Remove what a failed restore wrote; returns what could not be undone."""
    failures = []
    for key in written:
        try:
            store.delete(key)
        except Exception as error:  # keep undoing the rest
            failures.append(f"stored object {key}: {error}")
    db.session.remove()
    try:
        if not before.tables:
            database.drop_everything(db.engine, before)
        else:  # an empty schema was there: empty it again and go back to its revision
            with db.engine.begin() as connection:
                database.delete_everything(connection, db.metadata)
            config, _script = _alembic()
            alembic_command.downgrade(config, before.revision or "base")
    except Exception as error:  # reported with the first error
        failures.append(f"database: {error}")
    return failures


def restore(path: str | os.PathLike, *, passphrase: str | None = None,
            without_private_keys: bool = False,
            progress: Callable[[str], None] = lambda _message: None) -> RestoreResult:
    """Restore the archive into this app's database and store, which must be empty."""
    try:
        reader = archive.Reader(path)
    except ArchiveError as error:
        raise BackupError(str(error)) from None
    with reader:
        manifest = reader.manifest
        keys_entry = manifest["private_keys"]
        use_keys = keys_entry["included"] and not without_private_keys
        if use_keys and passphrase is None:
            raise BackupError("the archive's private keys are encrypted: give --passphrase-env "
                              "VAR (a variable holding the passphrase), or "
                              "--without-private-keys to restore without them")
        store = get_store()
        state = _check_target(store, manifest["alembic_revision"])
        progress("target is empty; checking the archive")
        problems, absent = _verify(reader, None)
        if absent:  # the source had lost them: the rest is still worth restoring
            progress(f"WARNING: {_absent_message(absent)} (their downloads will answer 404)")
        if problems:
            raise BackupError("the archive does not match its manifest, nothing was restored:\n"
                              + "\n".join(f"  - {p}" for p in problems))
        keys: dict[str, bytes] = {}
        if use_keys:
            try:
                keys = archive.open_keys(reader.read(archive.KEYS_MEMBER), passphrase,
                                         keys_entry.get("encryption"),
                                         archive.archive_aad(manifest))
            except ArchiveError as error:
                raise BackupError(str(error)) from None
            for key in keys:
                if not (key.startswith(f"{KEYS}/") and _is_key(key)):
                    raise BackupError(f"the sealed keys hold {key!r}, which is not a key")
        written: list[str] = []
        config, _script = _alembic()
        try:
            progress(f"building the schema at revision {manifest['alembic_revision']}")
            alembic_command.upgrade(config, manifest["alembic_revision"])
            progress("loading the rows")
            loaded = _load_database(reader)
            progress("restoring the files")
            files = 0
            for name in sorted(manifest["members"]):
                if not name.startswith(archive.FILES_PREFIX):
                    continue
                key = name.removeprefix(archive.FILES_PREFIX)
                with reader.open(name) as stream:
                    store.put(key, stream, exclusive=True)
                written.append(key)
                files += 1
            for key, data in sorted(keys.items()):
                store.put_bytes(key, data, exclusive=True)
                written.append(key)
            progress("upgrading the schema to the current revision")
            alembic_command.upgrade(config, "head")
        except BaseException as error:
            failures = _undo(store, written, state)
            message = f"restore failed: {error}" if not isinstance(error, BackupError) \
                else str(error)
            if failures:
                raise BackupError(message + "\nCould NOT undo everything written; empty the "
                                  "target by hand before trying again:\n"
                                  + "\n".join(f"  - {f}" for f in failures)) from error
            raise BackupError(message + "\nEverything written was removed again.") from error
        db.session.remove()
        chain = auditlog.verify_chain()
        db.session.remove()
    return RestoreResult(manifest, loaded, files, keys_entry.get("names", []), use_keys, chain)


def passphrase_from(variable: str | None) -> str | None:
    """The passphrase held by the environment variable `variable` (never a CLI argument, which
    other users can read in the process list)."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise BackupError(f"the environment variable {variable} is not set (or empty): put "
                          "the passphrase in it")
    return value


def describe(manifest: dict) -> str:
    created = dt.datetime.fromisoformat(manifest["created_at"].replace("Z", "+00:00"))
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    return (f"made {created:%Y-%m-%d %H:%M} UTC from {manifest['source_dialect']} at revision "
            f"{manifest['alembic_revision']}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{manifest.get('files', {}).get('count', 0)} files, private keys "
            f"{'included (encrypted)' if manifest['private_keys']['included'] else 'left out'}")
