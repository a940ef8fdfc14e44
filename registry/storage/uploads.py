"""Uploaded evidence: checked on its content, stored under its SHA-256, served safely.

The upload is copied to a local temporary file while it is hashed (stopping at the size
limit), its type is identified from that file with bounded reads (registry.filetypes), and
only then is it put into the store as `uploads/<sha[:2]>/<sha>`: the uploader's name never
names a stored object, and identical content is stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile

from flask import Response, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from registry import filetypes
from registry.errors import DomainError, NotFound
from registry.storage.base import CHUNK, UPLOADS, AlreadyStored, NotStored, get_store

SHA256_HEX = frozenset("0123456789abcdef")


def upload_key(sha256: str) -> str:
    if len(sha256) != 64 or not set(sha256) <= SHA256_HEX:
        raise ValueError("not a SHA-256 hex digest")
    return f"{UPLOADS}/{sha256[:2]}/{sha256}"


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def _refused(field: str) -> DomainError:
    return DomainError(_("Formato non accettato: sono ammessi solo PDF, PNG, JPEG, ODT, ODS, "
                         "DOCX e XLSX (il tipo è verificato sul contenuto del file)."),
                       field=field)


def store_upload(upload: FileStorage, field: str) -> tuple[str, str, int]:
    """Check the content type, then store. Returns (sha256, mime, size). Nothing is kept on
    refusal; errors name the form's `field`."""
    limit = max_bytes()
    with tempfile.TemporaryFile(prefix="registry-upload-") as local:
        digest, size = hashlib.sha256(), 0
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise DomainError(_("Il file supera la dimensione massima di %(mb)d MB.",
                                    mb=current_app.config["MAX_UPLOAD_MB"]), field=field)
            digest.update(chunk)
            local.write(chunk)
        if size == 0:
            raise DomainError(_("Il file è vuoto."), field=field)
        local.flush()
        mime = filetypes.identify(local)
        if mime is None:
            raise _refused(field)
        sha = digest.hexdigest()
        store, key = get_store(), upload_key(sha)
        if not store.exists(key):
            local.seek(0)
            # AlreadyStored: the same content, uploaded at the same moment by someone else.
            with contextlib.suppress(AlreadyStored):
                store.put(key, local, exclusive=True)
    return sha, mime, size


def discard_if_unreferenced(sha256: str, still_used: bool) -> None:
    """Remove a file stored by a use case that then failed, unless another row uses it."""
    if not still_used:
        get_store().delete(upload_key(sha256))


def send_upload(sha256: str, mimetype: str, filename: str | None) -> Response:
    """The stored file as an attachment: its stored type, a safe name with the extension of
    that type. A file missing from the store is a 404, not a server error."""
    try:
        return get_store().send(upload_key(sha256), mimetype,
                                filetypes.download_name(filename, mimetype))
    except NotStored:
        raise NotFound(_("Il file non è più disponibile nell'archivio.")) from None
