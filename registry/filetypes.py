"""What an uploaded file really is, judged by its content, never by its name.

Only document formats an auditor can open are accepted: PDF, PNG, JPEG, OpenDocument text and
spreadsheet, and Office Open XML documents and workbooks. Zip-based formats are opened and
checked for the members that define them, so an arbitrary archive (or an executable renamed
.docx) is refused.
"""

from __future__ import annotations

import io
import zipfile

ACCEPTED = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}

EXTENSIONS = {"PDF": "pdf", "PNG": "png", "JPEG": "jpg", "ODT": "odt", "ODS": "ods",
              "DOCX": "docx", "XLSX": "xlsx"}


def sniff(head: bytes, stream: io.BufferedIOBase | None = None) -> str | None:
    """The MIME type of an accepted format, or None. `head` is the first bytes of the file;
    `stream` (seekable) is needed to look inside zip-based formats."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04") and stream is not None:
        return _sniff_zip(stream)
    return None


def _sniff_zip(stream) -> str | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in ACCEPTED else None
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return ACCEPTED_BY_LABEL["DOCX"]
                if any(n.startswith("xl/") for n in names):
                    return ACCEPTED_BY_LABEL["XLSX"]
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        stream.seek(0)
    return None


ACCEPTED_BY_LABEL = {label: mime for mime, label in ACCEPTED.items()}
