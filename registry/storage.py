"""Uploaded files (evidence, deeds) on disk under instance/uploads, named by their SHA-256
(never by user input), after their type was checked on the content.

Identical content is stored once; a stored file is never overwritten or deleted.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from registry import filetypes
from registry.errors import DomainError

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The file exceeds the configured limit; nothing was stored."""


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / sha256[:2] / sha256


def store(stream, max_bytes: int) -> tuple[str, int, Path]:
    """Copy `stream` to a temporary file while hashing it, then move it into place.

    Returns (sha256, size, path). Raises TooLarge (and leaves nothing behind) past max_bytes.
    """
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                digest.update(chunk)
                tmp.write(chunk)
        sha = digest.hexdigest()
        final = path_for(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
            os.chmod(final, 0o440)
        return sha, size, final
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def discard_if_unreferenced(sha256: str, still_used: bool) -> None:
    """Remove a file stored by a use case that then failed, unless another row uses it."""
    if still_used:
        return
    path = path_for(sha256)
    if path.exists():
        path.chmod(0o640)
        path.unlink()


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def store_upload(upload: FileStorage, field: str) -> tuple[str, str, int]:
    """Check the content type, then store. Returns (sha256, mime, size). Nothing is kept on
    refusal; errors name the form's `field`."""
    stream = upload.stream
    head = stream.read(8)
    stream.seek(0)
    buffered = stream if stream.seekable() else io.BytesIO(stream.read())
    mime = filetypes.sniff(head, buffered)
    if mime is None:
        raise DomainError(_("Formato non accettato: sono ammessi solo PDF, PNG, JPEG, ODT, ODS, "
                            "DOCX e XLSX (il tipo è verificato sul contenuto del file)."),
                          field=field)
    buffered.seek(0)
    try:
        sha, size, _path = store(buffered, max_bytes())
    except TooLarge:
        raise DomainError(_("Il file supera la dimensione massima di %(mb)d MB.",
                            mb=current_app.config["MAX_UPLOAD_MB"]), field=field) from None
    if size == 0:
        raise DomainError(_("Il file è vuoto."), field=field)
    return sha, mime, size
