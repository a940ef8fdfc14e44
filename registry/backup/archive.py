"""The backup archive: a ZIP file with a manifest, written and read as streams.

Members:
- `manifest.json`: what the archive holds, with the SHA-256 and size of every other member;
  written last, since the digests are computed while the other members stream in;
- `database/<table>.jsonl`: one JSON object per row, each value encoded by its column's kind
  (`encode_value`), so datetimes, dates, decimals, bytes, JSON documents and booleans come
  back exactly, into SQLite or PostgreSQL alike;
- `files/<storage key>`: every object of the file store except the keys (evidence uploads,
  issued certificate PDFs), byte for byte;
- `private-keys.bin`: the `keys/` folder of the store (QR signing keys, the PDF-signing PKI)
  as one JSON document sealed with AES-256-GCM under a key derived from a passphrase with
  scrypt; absent when the backup was made `--without-private-keys`.

This module knows neither Flask nor the database: it is the format, the value encoding and the
encryption, testable on bytes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "bollino-blu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PREFIX = "database/"
FILES_PREFIX = "files/"
KEYS_MEMBER = "private-keys.bin"
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# A row is one line; no row of this registry comes near this (documents are in the store).
MAX_LINE_BYTES = 64 * 1024 * 1024
MIN_PASSPHRASE = 12

# scrypt at N=2^15, r=8: 32 MiB of memory and about 0.1 s per guess on a server core.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
# What a manifest may ask for: bounds keep a hostile manifest from exhausting memory.
SCRYPT_LIMITS = {"n": (2**14, 2**20), "r": (1, 16), "p": (1, 4)}

# The kinds of column value the dump knows how to carry (see database.column_kind).
KINDS = frozenset({"integer", "boolean", "float", "decimal", "text", "bytes", "date",
                   "datetime", "time", "json"})


class ArchiveError(Exception):
    """The archive cannot be read or does not match its manifest; the message says where."""


class WrongPassphrase(ArchiveError):
    """The passphrase does not open the private keys."""


class _JsonNull:
    """A JSON document that is `null`, as distinct from a database NULL."""

    def __repr__(self) -> str:
        return "JSON_NULL"


JSON_NULL = _JsonNull()


# --- values -----------------------------------------------------------------------------
def encode_value(kind: str, value: Any) -> Any:
    """A column value as JSON. JSON columns arrive as their text (read with a cast), so a
    JSON `null` ("null") and a database NULL (None) stay distinct."""
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "boolean":
        return bool(value)
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("text", "json"):
        return str(value)
    raise ValueError(f"unknown column kind {kind!r}")


def _expect(raw: Any, types: type | tuple[type, ...], kind: str) -> None:
    if not isinstance(raw, types) or (isinstance(raw, bool) and bool not in (
            types if isinstance(types, tuple) else (types,))):
        raise ValueError(f"{kind} value expected, found {type(raw).__name__} {raw!r:.40}")


def decode_value(kind: str, raw: Any) -> Any:
    """The Python value to insert for an encoded one; ValueError if it is not of its kind.
    A JSON column gives the parsed document, or JSON_NULL for a stored JSON `null`."""
    if raw is None:
        return None
    if kind in ("datetime", "date", "time", "decimal", "bytes", "text", "json"):
        _expect(raw, str, kind)
    try:
        if kind == "datetime":
            return dt.datetime.fromisoformat(raw)
        if kind == "date":
            return dt.date.fromisoformat(raw)
        if kind == "time":
            return dt.time.fromisoformat(raw)
        if kind == "decimal":
            return decimal.Decimal(raw)
        if kind == "bytes":
            return base64.b64decode(raw, validate=True)
        if kind == "json":
            document = json.loads(raw)
            return JSON_NULL if document is None else document
    except (ValueError, decimal.InvalidOperation, binascii.Error) as error:
        raise ValueError(f"not a valid {kind}: {raw!r:.40} ({error})") from None
    if kind == "boolean":
        _expect(raw, bool, kind)
        return raw
    if kind == "integer":
        _expect(raw, int, kind)
        return raw
    if kind == "float":
        _expect(raw, (int, float), kind)
        return float(raw)
    if kind == "text":
        return raw
    raise ValueError(f"unknown column kind {kind!r}")


def encode_row(kinds: dict[str, str], row: dict[str, Any]) -> bytes:
    encoded = {name: encode_value(kinds[name], value) for name, value in row.items()}
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode_row(kinds: dict[str, str], line: bytes) -> dict[str, Any]:
    """One row of a database member; ValueError names what is wrong."""
    try:
        raw = json.loads(line)
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    if not isinstance(raw, dict):
        raise ValueError("a row must be a JSON object")
    unknown = raw.keys() - kinds.keys()
    if unknown:
        raise ValueError(f"columns not in the manifest: {', '.join(sorted(unknown))}")
    row = {}
    for name, value in raw.items():
        try:
            row[name] = decode_value(kinds[name], value)
        except ValueError as error:
            raise ValueError(f"column {name}: {error}") from None
    return row


# --- private keys -----------------------------------------------------------------------
def _derive(passphrase: str, params: dict) -> bytes:
    salt = base64.b64decode(params["salt"])
    kdf = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"])
    return kdf.derive(passphrase.encode("utf-8"))


def seal_keys(objects: dict[str, bytes], passphrase: str, aad: bytes) -> tuple[bytes, dict]:
    """Encrypt the key objects (storage key -> bytes). Returns the sealed bytes and the
    parameters the manifest keeps (nothing secret: salt, nonce, scrypt cost)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")
    params = {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
              "salt": base64.b64encode(os.urandom(16)).decode(),
              "cipher": "AES-256-GCM", "nonce": base64.b64encode(os.urandom(12)).decode()}
    plain = json.dumps({key: base64.b64encode(data).decode() for key, data in
                        sorted(objects.items())}).encode()
    sealed = AESGCM(_derive(passphrase, params)).encrypt(
        base64.b64decode(params["nonce"]), plain, aad)
    return sealed, params


def _check_params(params: Any) -> None:
    if not isinstance(params, dict) or params.get("kdf") != "scrypt" \
            or params.get("cipher") != "AES-256-GCM":
        raise ArchiveError("the manifest's key encryption parameters are not understood")
    for name, (low, high) in SCRYPT_LIMITS.items():
        value = params.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ArchiveError(f"the manifest's scrypt parameter {name} is out of range")
    try:
        if len(base64.b64decode(params.get("nonce", ""), validate=True)) != 12 \
                or len(base64.b64decode(params.get("salt", ""), validate=True)) < 16:
            raise ArchiveError("the manifest's nonce or salt is malformed")
    except (binascii.Error, TypeError):
        raise ArchiveError("the manifest's nonce or salt is malformed") from None


def open_keys(sealed: bytes, passphrase: str, params: dict, aad: bytes) -> dict[str, bytes]:
    """The key objects back; WrongPassphrase if the passphrase (or the data) is wrong."""
    _check_params(params)
    try:
        plain = AESGCM(_derive(passphrase, params)).decrypt(
            base64.b64decode(params["nonce"]), sealed, aad)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase: the private keys cannot be decrypted with it "
                              "(nothing was restored)") from None
    return {key: base64.b64decode(data) for key, data in json.loads(plain).items()}


def archive_aad(manifest: dict) -> bytes:
    """Binds the sealed keys to their archive: moved into another one, they do not open."""
    return f"{FORMAT}/{manifest['format_version']}/{manifest['archive_id']}".encode()


# --- writing ----------------------------------------------------------------------------
class _MemberWriter:
    def __init__(self, stream: BinaryIO):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)


class Writer:
    """Streams members into a new ZIP file and records each one's digest and size."""

    def __init__(self, fileobj: BinaryIO, created: dt.datetime):
        self.zip = zipfile.ZipFile(fileobj, "w", allowZip64=True)
        self.date_time = created.timetuple()[:6]
        self.members: dict[str, dict] = {}

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        if name in self.members or name == MANIFEST:
            raise ArchiveError(f"member {name} written twice")
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o600 << 16
        return info

    def member(self, name: str, chunks: Iterator[bytes], *, compress: bool = True) -> dict:
        """Write a member from an iterator of byte chunks; returns its digest and size."""
        with self.zip.open(self._info(name, compress), "w", force_zip64=True) as stream:
            writer = _MemberWriter(stream)
            for chunk in chunks:
                writer.write(chunk)
        entry = {"sha256": writer.digest.hexdigest(), "size": writer.size}
        self.members[name] = entry
        return entry

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        # After finish() this does nothing; after a failure it closes the half-written ZIP
        # (whose file is then removed) instead of leaving that to the garbage collector.
        with contextlib.suppress(Exception):
            self.zip.close()

    def finish(self, manifest: dict) -> None:
        manifest["members"] = dict(sorted(self.members.items()))
        data = json.dumps(manifest, indent=1, ensure_ascii=False).encode() + b"\n"
        info = zipfile.ZipInfo(MANIFEST, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        self.zip.writestr(info, data)
        self.zip.close()


def read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


# --- reading ----------------------------------------------------------------------------
class MemberStream:
    """A member read as a stream, checked against the manifest: reading past the recorded
    size, or reaching the end with another digest, raises ArchiveError (so a store `put`
    fed from it fails and keeps nothing)."""

    def __init__(self, stream: BinaryIO, name: str, expected: dict):
        self.raw, self.name, self.expected = stream, name, expected
        self.digest, self.size, self.done = hashlib.sha256(), 0, False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        if self.done or size == 0:
            return b""
        try:
            data = self.raw.read(min(size, self.expected["size"] - self.size + 1))
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(f"{self.name}: unreadable ({error})") from None
        self.size += len(data)
        if self.size > self.expected["size"]:
            raise ArchiveError(f"{self.name}: larger than the manifest says")
        self.digest.update(data)
        if not data:
            self._finish()
        return data

    def _finish(self) -> None:
        self.done = True
        if self.size != self.expected["size"]:
            raise ArchiveError(f"{self.name}: {self.size} bytes, the manifest says "
                               f"{self.expected['size']}")
        if self.digest.hexdigest() != self.expected["sha256"]:
            raise ArchiveError(f"{self.name}: SHA-256 does not match the manifest")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> MemberStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Reader:
    """An archive opened for reading: the manifest, and members checked as they stream."""

    def __init__(self, path: str | os.PathLike):
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveError(f"{os.fspath(path)}: no such file") from None
        except (zipfile.BadZipFile, OSError) as error:
            raise ArchiveError(f"{os.fspath(path)}: not a readable backup archive "
                               f"({error})") from None
        self.names = set(self.zip.namelist())
        self.manifest = self._manifest()

    def _manifest(self) -> dict:
        if MANIFEST not in self.names:
            raise ArchiveError("the archive has no manifest.json: not a registry backup, or "
                               "its writing was interrupted")
        info = self.zip.getinfo(MANIFEST)
        if info.file_size > MAX_MANIFEST_BYTES:
            raise ArchiveError("manifest.json is implausibly large")
        try:
            manifest = json.loads(self.zip.read(MANIFEST))
        except (ValueError, zipfile.BadZipFile, OSError) as error:
            raise ArchiveError(f"manifest.json is unreadable ({error})") from None
        problems = manifest_problems(manifest)
        if problems:
            raise ArchiveError("manifest.json is not valid: " + "; ".join(problems))
        return manifest

    @property
    def members(self) -> dict[str, dict]:
        return self.manifest["members"]

    def open(self, name: str) -> MemberStream:
        if name not in self.members:
            raise ArchiveError(f"{name}: not listed in the manifest")
        if name not in self.names:
            raise ArchiveError(f"{name}: missing from the archive")
        try:
            raw = self.zip.open(name)
        except (zipfile.BadZipFile, OSError) as error:
            raise ArchiveError(f"{name}: unreadable ({error})") from None
        return MemberStream(raw, name, self.members[name])

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def check(self, name: str) -> None:
        """Read a member through, checking its size and digest."""
        with self.open(name) as stream:
            while stream.read(CHUNK):
                pass

    def lines(self, name: str) -> Iterator[bytes]:
        """The lines of a database member (each checked to be a complete line)."""
        with self.open(name) as stream:
            pending = b""
            while chunk := stream.read(CHUNK):
                pending += chunk
                *complete, pending = pending.split(b"\n")
                yield from complete
                if len(pending) > MAX_LINE_BYTES:
                    raise ArchiveError(f"{name}: a line longer than {MAX_LINE_BYTES} bytes")
            if pending:
                raise ArchiveError(f"{name}: the last line is not terminated")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_entry(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("sha256"), str)
            and len(value["sha256"]) == 64 and isinstance(value.get("size"), int)
            and not isinstance(value.get("size"), bool) and value["size"] >= 0)


def manifest_problems(manifest: Any) -> list[str]:
    """What makes a manifest unusable (its shape, not the members it describes)."""
    if not isinstance(manifest, dict):
        return ["not a JSON object"]
    if manifest.get("format") != FORMAT:
        return [f"format is {manifest.get('format')!r}, expected {FORMAT!r}"]
    if manifest.get("format_version") != FORMAT_VERSION:
        return [f"format version {manifest.get('format_version')!r} is not supported "
                f"(this registry reads version {FORMAT_VERSION})"]
    problems = []
    for field in ("archive_id", "created_at", "alembic_revision", "source_dialect"):
        if not isinstance(manifest.get(field), str) or not manifest[field]:
            problems.append(f"{field} missing")
    members = manifest.get("members")
    if not isinstance(members, dict) or not all(_is_entry(v) for v in members.values()):
        problems.append("members must map each member to its sha256 and size")
        members = {}
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        problems.append("tables missing")
        tables = {}
    for table, entry in tables.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("rows"), int)
                and isinstance(entry.get("columns"), dict)
                and all(kind in KINDS for kind in entry["columns"].values())
                and entry.get("member") in members):
            problems.append(f"table {table}: needs rows, columns (of known kinds) and a "
                            "member listed in members")
    keys = manifest.get("private_keys")
    if not isinstance(keys, dict) or not isinstance(keys.get("included"), bool):
        problems.append("private_keys missing")
    elif keys["included"] and KEYS_MEMBER not in members:
        problems.append(f"private keys included but {KEYS_MEMBER} is not a member")
    return problems
