"""The storage interface: one `Store` for every file the registry keeps beside its database.

Keys are slash-separated names such as `uploads/ab/ab12…` (evidence, by SHA-256),
`certificates/BB-2026-00001-r1.pdf` (issued PDFs) and `keys/qr-<kid>.pem` (signing keys).
Each segment starts with a letter or digit and holds only `A-Z a-z 0-9 . _ -`, so a key can
never climb out of its folder. Which backend holds them is configuration (STORAGE_BACKEND):
the instance folder by default, an S3-compatible object store when several app servers share
the work. The app keeps one store in `app.extensions["storage"]`, built by the factory.
"""

from __future__ import annotations

import io
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from flask import Flask, Response, current_app

CHUNK = 1024 * 1024
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
KEY_PATTERN = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
# The folders the registry uses; a key's first segment is one of them.
UPLOADS, CERTIFICATES, KEYS = "uploads", "certificates", "keys"
OPENDATA = "opendata"  # the nightly open-data dump of the public register
EXTENSION = "storage"


class NotStored(LookupError):
    """No object under this key."""


class AlreadyStored(Exception):
    """An exclusive put found the key taken; the stored object was left as it was."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > 512 or not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def content_disposition(download_name: str) -> str:
    """`attachment` with an ASCII `filename` and the RFC 5987 `filename*` beside it."""
    ascii_name = "".join(c if 32 < ord(c) < 127 and c not in '"\\;%' else "_"
                         for c in download_name) or "documento"
    return (f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(download_name, safe='')}")


class Store(ABC):
    """Where files live. Every method takes a key checked by `check_key`."""

    @abstractmethod
    def put(self, key: str, fileobj: BinaryIO, *, exclusive: bool = False) -> None:
        """Store the rest of `fileobj` under `key`, atomically (readers see the old object or
        the new one, never a part). With `exclusive`, raise AlreadyStored if the key exists."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object (a context manager); NotStored if absent."""

    def read(self, key: str) -> bytes:
        """The whole object: for small ones (keys, certificates)."""
        with self.open(key) as stream:
            return stream.read()

    def put_bytes(self, key: str, data: bytes, *, exclusive: bool = False) -> None:
        self.put(key, io.BytesIO(data), exclusive=exclusive)

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int:
        """Bytes stored under `key`; NotStored if absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object if it is there (only to discard an upload nothing refers to)."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with `prefix`, in sorted order (for backups)."""

    @abstractmethod
    def send(self, key: str, mimetype: str, download_name: str) -> Response:
        """A response that downloads the object as an attachment named `download_name`."""


def install(app: Flask, store: Store) -> None:
    app.extensions[EXTENSION] = store


def get_store() -> Store:
    """The current app's store."""
    return current_app.extensions[EXTENSION]
