"""The archive format on bytes: value encoding, sealed keys, members checked as they stream."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from decimal import Decimal

import pytest

from registry.backup import archive
from registry.backup.archive import JSON_NULL, ArchiveError, WrongPassphrase
from registry.storage import LocalStore


@pytest.mark.parametrize(("kind", "value"), [
    ("datetime", dt.datetime(2026, 11, 29, 2, 24, 16, 123456)),
    ("datetime", dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)),
    ("date", dt.date(2026, 2, 28)),
    ("time", dt.time(23, 59, 59, 999999)),
    ("decimal", Decimal("212.50")),
    ("decimal", Decimal("-0.0001")),
    ("bytes", b"\x00\xffbinary\n"),
    ("boolean", False),
    ("integer", 2**40),
    ("float", 0.1 + 0.2),
    ("text", "Società «Qualità» \u2028 ✓"),
    ("text", None),
])
def test_values_come_back_exactly(kind, value):
    line = archive.encode_row({"v": kind}, {"v": value})
    back = archive.decode_row({"v": kind}, line)["v"]
    assert back == value and type(back) is type(value)
    if isinstance(value, Decimal):
        assert str(back) == str(value)  # the scale too


def test_json_null_and_database_null_stay_apart():
    kinds = {"doc": "json"}
    assert archive.decode_row(kinds, archive.encode_row(kinds, {"doc": None}))["doc"] is None
    assert archive.decode_row(kinds, archive.encode_row(kinds, {"doc": "null"}))["doc"] \
        is JSON_NULL
    document = '{"areas": [{"band": null, "pct": 78.5}], "ok": true}'
    assert archive.decode_row(kinds, archive.encode_row(kinds, {"doc": document}))["doc"] \
        == json.loads(document)


@pytest.mark.parametrize(("kind", "raw"), [
    ("integer", True), ("integer", "1"), ("boolean", 1), ("datetime", "yesterday"),
    ("decimal", "abc"), ("bytes", "***"), ("json", "{nope"), ("text", 5), ("date", 20260101),
])
def test_values_of_the_wrong_kind_are_refused(kind, raw):
    with pytest.raises(ValueError):
        archive.decode_value(kind, raw)


def test_rows_with_unknown_columns_are_refused():
    with pytest.raises(ValueError, match="not in the manifest: extra"):
        archive.decode_row({"id": "integer"}, b'{"id": 1, "extra": 2}')
    with pytest.raises(ValueError, match="JSON object"):
        archive.decode_row({"id": "integer"}, b"[1]")


AAD = b"bollino-blu-backup/1/test"


def test_sealed_keys_open_only_with_their_passphrase_and_archive():
    keys = {"keys/qr-abc.pem": b"-----BEGIN PRIVATE KEY-----\nsecret\n"}
    sealed, params = archive.seal_keys(keys, "correct horse battery", AAD)
    assert b"secret" not in sealed
    assert archive.open_keys(sealed, "correct horse battery", params, AAD) == keys
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        archive.open_keys(sealed, "correct horse batterY", params, AAD)
    with pytest.raises(WrongPassphrase):  # the same blob copied into another archive
        archive.open_keys(sealed, "correct horse battery", params, b"another archive")
    with pytest.raises(ArchiveError, match="at least 12"):
        archive.seal_keys(keys, "short", AAD)


def test_a_hostile_manifest_cannot_ask_for_unbounded_scrypt():
    sealed, params = archive.seal_keys({}, "correct horse battery", AAD)
    for change in ({"n": 2**30}, {"r": 1000}, {"kdf": "none"}, {"nonce": "AA=="}):
        with pytest.raises(ArchiveError):
            archive.open_keys(sealed, "correct horse battery", {**params, **change}, AAD)


def _archive(tmp_path, members: dict[str, bytes], **manifest_changes):
    path = tmp_path / "a.zip"
    with path.open("wb") as handle, archive.Writer(handle, dt.datetime(2026, 1, 1)) as writer:
        for name, data in members.items():
            writer.member(name, iter([data]))
        writer.member("database/t.jsonl", iter([b'{"id":1}\n']))
        manifest = {"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
                    "archive_id": "x", "created_at": "2026-01-01T00:00:00Z",
                    "alembic_revision": "r", "source_dialect": "sqlite",
                    "tables": {"t": {"member": "database/t.jsonl", "rows": 1,
                                     "columns": {"id": "integer"}}},
                    "private_keys": {"included": False}, **manifest_changes}
        writer.finish(manifest)
    return path


def _replace(path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as original:
        members = {n: original.read(n) for n in original.namelist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as copy:
        for member, content in members.items():
            copy.writestr(member, content)


def test_members_are_checked_against_the_manifest(tmp_path):
    path = _archive(tmp_path, {"files/uploads/ab/x": b"evidence"})
    with archive.Reader(path) as reader:
        assert reader.read("files/uploads/ab/x") == b"evidence"
        assert list(reader.lines("database/t.jsonl")) == [b'{"id":1}']
    _replace(path, "files/uploads/ab/x", b"evidencE")
    with archive.Reader(path) as reader, pytest.raises(ArchiveError, match="SHA-256"):
        reader.check("files/uploads/ab/x")
    _replace(path, "files/uploads/ab/x", b"evidence and more")
    with archive.Reader(path) as reader, pytest.raises(ArchiveError, match="larger"):
        reader.check("files/uploads/ab/x")


def test_a_corrupt_member_is_never_stored(tmp_path):
    """Restoring streams members into the store: a corrupt one fails its put and leaves
    nothing behind."""
    path = _archive(tmp_path, {"files/uploads/ab/x": b"evidence" * 1000})
    _replace(path, "files/uploads/ab/x", b"Evidence" + b"evidence" * 999)
    store = LocalStore({"uploads": tmp_path / "uploads"})
    with archive.Reader(path) as reader, reader.open("files/uploads/ab/x") as stream, \
            pytest.raises(ArchiveError):
        store.put("uploads/ab/x", stream, exclusive=True)
    assert list(store.keys()) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"format_version": 2}, "format version 2 is not supported"),
    ({"format": "tarball"}, "expected 'bollino-blu-backup'"),
    ({"private_keys": {"included": True}}, "private-keys.bin is not a member"),
    ({"tables": {"t": {"member": "database/other.jsonl", "rows": 1, "columns": {}}}},
     "table t"),
])
def test_manifests_this_registry_cannot_read_are_refused(tmp_path, change, message):
    path = _archive(tmp_path, {}, **change)
    with pytest.raises(ArchiveError, match=message):
        archive.Reader(path)


def test_not_an_archive(tmp_path):
    with pytest.raises(ArchiveError, match="no such file"):
        archive.Reader(tmp_path / "absent.zip")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as written:
        written.writestr("hello.txt", "hi")
    with pytest.raises(ArchiveError, match=r"no manifest\.json"):
        archive.Reader(other)
    (tmp_path / "text.zip").write_bytes(b"plain text")
    with pytest.raises(ArchiveError, match="not a readable backup archive"):
        archive.Reader(tmp_path / "text.zip")
