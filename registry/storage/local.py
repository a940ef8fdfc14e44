"""The default backend: files in the instance folder, in the layout the registry always used.

`uploads/ab/<sha>` lives at UPLOAD_FOLDER/ab/<sha>, `certificates/<name>` in
CERTIFICATES_FOLDER, `keys/<name>` in KEYS_FOLDER: an existing instance keeps working as it is.
Private keys are written with mode 0600 in a 0700 folder; evidence files are read-only (0440).
Writes go to a hidden temporary file in the target folder, then are renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import Flask, Response, send_file

from registry.storage.base import (
    CERTIFICATES,
    CHUNK,
    KEY_PATTERN,
    KEYS,
    OPENDATA,
    UPLOADS,
    AlreadyStored,
    NotStored,
    Store,
    check_key,
    content_disposition,
)

PRIVATE_FOLDERS = frozenset({KEYS})
FILE_MODES = {UPLOADS: 0o440, KEYS: 0o600}
DEFAULT_MODE = 0o640


class LocalStore(Store):
    def __init__(self, folders: dict[str, Path | str]):
        self.folders = {name: Path(folder) for name, folder in folders.items()}

    @classmethod
    def from_app(cls, app: Flask) -> LocalStore:
        config = app.config
        return cls({UPLOADS: config["UPLOAD_FOLDER"], KEYS: config["KEYS_FOLDER"],
                    CERTIFICATES: config["CERTIFICATES_FOLDER"],
                    OPENDATA: config["OPENDATA_FOLDER"]})

    def path(self, key: str) -> Path:
        """Where `key` lives on disk (local backend only)."""
        first, _, rest = check_key(key).partition("/")
        if first not in self.folders or not rest:
            raise ValueError(f"no folder for storage key {key!r}")
        return self.folders[first].joinpath(*rest.split("/"))

    def _folder_for_write(self, key: str, path: Path) -> None:
        top = key.partition("/")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        if top in PRIVATE_FOLDERS:
            os.chmod(self.folders[top], 0o700)

    def put(self, key: str, fileobj: BinaryIO, *, exclusive: bool = False) -> None:
        path = self.path(key)
        self._folder_for_write(key, path)
        # mkstemp creates the file with mode 0600: a key is never readable by others.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(fileobj, handle, CHUNK)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, FILE_MODES.get(key.partition("/")[0], DEFAULT_MODE))
            if exclusive:
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    raise AlreadyStored(key) from None
            else:
                os.replace(temporary, path)
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise NotStored(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise NotStored(key) from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        found = []
        for name, folder in self.folders.items():
            if not (name + "/").startswith(prefix) and not prefix.startswith(name + "/"):
                continue
            if not folder.is_dir():
                continue
            for path in folder.rglob("*"):
                key = f"{name}/{path.relative_to(folder).as_posix()}"
                # Temporary files start with a dot and are not keys; neither is anything a
                # person left there under a name a key cannot have.
                if key.startswith(prefix) and KEY_PATTERN.fullmatch(key) and path.is_file():
                    found.append(key)
        yield from sorted(found)

    def send(self, key: str, mimetype: str, download_name: str) -> Response:
        path = self.path(key)
        if not path.is_file():
            raise NotStored(key)
        response = send_file(path, mimetype=mimetype, as_attachment=True,
                             download_name=download_name)
        response.headers["Content-Disposition"] = content_disposition(download_name)
        return response
