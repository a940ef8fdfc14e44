"""What an uploaded file really is, judged by its content, never by its name.

Only document formats an auditor can open are accepted: PDF, PNG, JPEG, OpenDocument text and
spreadsheet, and Office Open XML documents and workbooks. Every check reads a bounded number of
bytes, whatever the file claims about itself:

- PDF, PNG, JPEG: the header at the start and the end marker (`%%EOF`, `IEND`, `FFD9`) near
  the end of the file.
- ZIP-based formats (ODF, OOXML): the end-of-central-directory record is read first and the
  archive refused if it lists too many members or its directory is too large; then the sizes
  in the central directory are checked (per member, in total, compression ratio) before a
  single byte is decompressed. The structure must be the format's own (ODF: a stored
  `mimetype` first member, `META-INF/manifest.xml`, `content.xml`; OOXML:
  `[Content_Types].xml`, `_rels/.rels`, `word/document.xml` or `xl/workbook.xml`), and
  executables, nested archives, embedded OLE objects, macros, encrypted members and names
  that climb out of a folder are refused. Only the first few bytes of each member (and the
  tiny `mimetype`) are ever decompressed.

A zip bomb therefore costs the worker a few kilobytes, not the gigabytes it expands to.
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

ACCEPTED = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}
ACCEPTED_BY_LABEL = {label: mime for mime, label in ACCEPTED.items()}

EXTENSIONS = {"PDF": "pdf", "PNG": "png", "JPEG": "jpg", "ODT": "odt", "ODS": "ods",
              "DOCX": "docx", "XLSX": "xlsx"}

# Limits for ZIP-based documents (an upload is at most MAX_UPLOAD_MB, 20 MB by default).
MAX_MEMBERS = 2000
MAX_DIRECTORY_BYTES = 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MIMETYPE_BYTES = 100
MAX_CONTENT_TYPES_BYTES = 256 * 1024
TAIL_BYTES = 2048  # where an end marker must be
JPEG_TAIL_BYTES = 64 * 1024  # some cameras append their own data after the image
JPEG_MAX_SEGMENTS = 64

PDF_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)(?![0-9])")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IHDR = b"\x00\x00\x00\x0dIHDR"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_START, JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"

EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"Rar!\x1a\x07",
                 b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00",
                 b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # the last: OLE (macros, embedded objects)
REFUSED_SUFFIXES = frozenset({
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js",
    ".jse", ".wsf", ".hta", ".sh", ".jar", ".apk", ".app", ".lnk", ".cpl", ".sys",
    ".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".iso",
    ".docm", ".xlsm", ".dotm", ".xltm", ".xlam",
})
MACRO_MARKERS = (b"vbaProject", b"macroEnabled", b"vbaData")

ODF_TYPES = {ACCEPTED_BY_LABEL["ODT"], ACCEPTED_BY_LABEL["ODS"]}
ODF_PARTS = ("META-INF/manifest.xml", "content.xml")
OOXML_PARTS = ("[Content_Types].xml", "_rels/.rels")
OOXML_MAIN = {"word/document.xml": ACCEPTED_BY_LABEL["DOCX"],
              "xl/workbook.xml": ACCEPTED_BY_LABEL["XLSX"]}

EOCD = b"PK\x05\x06"
EOCD_SIZE = 22
ZIP64_LOCATOR = b"PK\x06\x07"


class Refused(ValueError):
    """The file is not an accepted document; the reason is for logs and tests, not people."""


def identify(stream: BinaryIO) -> str | None:
    """The MIME type of an accepted format, or None. `stream` must be seekable; it is left
    at its start."""
    try:
        return check(stream)
    except Refused:
        return None


def check(stream: BinaryIO) -> str:
    """Like `identify`, but raises Refused with the reason."""
    try:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        head = stream.read(16)
        if PDF_HEADER.match(head):
            _require_tail(stream, size, b"%%EOF", "PDF without %%EOF near its end")
            return ACCEPTED_BY_LABEL["PDF"]
        if head.startswith(PNG_SIGNATURE):
            if head[8:16] != PNG_IHDR:
                raise Refused("PNG without IHDR")
            _require_tail(stream, size, PNG_IEND, "PNG without IEND")
            return ACCEPTED_BY_LABEL["PNG"]
        if head.startswith(JPEG_START):
            _check_jpeg_segments(stream)
            _require_tail(stream, size, JPEG_END, "JPEG without end marker", JPEG_TAIL_BYTES)
            return ACCEPTED_BY_LABEL["JPEG"]
        if head.startswith(b"PK\x03\x04"):
            return _check_zip(stream, size)
        raise Refused("unknown format")
    except OSError as error:
        raise Refused(f"unreadable: {error}") from None
    finally:
        stream.seek(0)


def _require_tail(stream: BinaryIO, size: int, marker: bytes, reason: str,
                  tail: int = TAIL_BYTES) -> None:
    stream.seek(max(0, size - tail))
    if marker not in stream.read(tail):
        raise Refused(reason)


def _check_jpeg_segments(stream: BinaryIO) -> None:
    """Walk the marker segments from SOI to the start of scan (a few reads, no decoding)."""
    stream.seek(2)
    for _segment in range(JPEG_MAX_SEGMENTS):
        marker = stream.read(2)
        if len(marker) != 2 or marker[0] != 0xFF:
            raise Refused("JPEG segment structure broken")
        if marker[1] in (0x01, *range(0xD0, 0xD8)):
            continue  # markers without a length
        length = stream.read(2)
        if len(length) != 2 or struct.unpack(">H", length)[0] < 2:
            raise Refused("JPEG segment structure broken")
        if marker[1] == 0xDA:
            return
        stream.seek(struct.unpack(">H", length)[0] - 2, 1)
    raise Refused("JPEG without start of scan")


# ZIP ----------------------------------------------------------------------------------------

def _directory_extent(stream: BinaryIO, size: int) -> tuple[int, int]:
    """(members, central directory bytes) from the end record, without reading the directory."""
    tail_start = max(0, size - EOCD_SIZE - 0xFFFF)
    stream.seek(tail_start)
    tail = stream.read(size - tail_start)
    # Where zipfile looks: a record without comment at the very end, else the last signature.
    at = len(tail) - EOCD_SIZE if tail[-EOCD_SIZE:-EOCD_SIZE + 4] == EOCD else tail.rfind(EOCD)
    if at < 0 or len(tail) - at < EOCD_SIZE:
        raise Refused("no end of central directory")
    (_sig, disk, _cd_disk, _here, members, directory_size, directory_offset,
     _comment) = struct.unpack("<4s4H2LH", tail[at:at + EOCD_SIZE])
    if disk != 0:
        raise Refused("multi-volume archive")
    if members == 0xFFFF or directory_size == 0xFFFFFFFF or directory_offset == 0xFFFFFFFF:
        locator = tail[at - 20:at] if at >= 20 else b""
        if not locator.startswith(ZIP64_LOCATOR):
            raise Refused("broken zip64 end record")
        (offset,) = struct.unpack("<Q", locator[8:16])
        if offset > size - 56:
            raise Refused("broken zip64 end record")
        stream.seek(offset)
        record = stream.read(56)
        if not record.startswith(b"PK\x06\x06"):
            raise Refused("broken zip64 end record")
        members, directory_size = struct.unpack("<QQ", record[32:48])
    return members, directory_size


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename
    parts = name.split("/")
    if (not name or "\\" in name or "\x00" in name or name.startswith("/")
            or ".." in parts or re.match(r"[A-Za-z]:", name)
            or any(ord(c) < 32 for c in name)):
        raise Refused(f"unsafe member name {name!r}")
    if PurePosixPath(name.lower()).suffix in REFUSED_SUFFIXES and not info.is_dir():
        raise Refused(f"refused member {name!r}")
    if "vbaproject" in name.lower():
        raise Refused("macros")


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused("encrypted member")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused("unusual compression")
        if info.file_size > MAX_MEMBER_BYTES:
            raise Refused(f"member {info.filename!r} too large")
        if (info.file_size > RATIO_FLOOR
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise Refused(f"member {info.filename!r} compressed too well")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise Refused("archive expands too much")


def _first_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, count: int) -> bytes:
    """At most `count` bytes of the member: zipfile decompresses at most a few KB for this."""
    with archive.open(info) as member:
        return member.read(count)


def _check_contents(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        head = _first_bytes(archive, info, 8)
        if head.startswith(EXECUTABLE_MAGIC):
            raise Refused(f"executable member {info.filename!r}")
        if head.startswith(ARCHIVE_MAGIC):
            raise Refused(f"nested archive {info.filename!r}")


def _odf_type(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], names: set[str]) -> str:
    first = infos[0]
    if (first.filename != "mimetype" or first.header_offset != 0
            or first.compress_type != zipfile.ZIP_STORED
            or not 0 < first.file_size <= MAX_MIMETYPE_BYTES):
        raise Refused("ODF mimetype must be the first, stored, short member")
    declared = _first_bytes(archive, first, MAX_MIMETYPE_BYTES).decode("ascii", "replace")
    if declared not in ODF_TYPES:
        raise Refused(f"ODF type {declared!r} not accepted")
    if any(part not in names for part in ODF_PARTS):
        raise Refused("ODF parts missing")
    if any(n.lower().startswith(("basic/", "scripts/")) for n in names):
        raise Refused("macros")
    return declared


def _ooxml_type(archive: zipfile.ZipFile, names: set[str]) -> str:
    if any(part not in names for part in OOXML_PARTS):
        raise Refused("OOXML parts missing")
    found = [mime for part, mime in OOXML_MAIN.items() if part in names]
    if len(found) != 1:
        raise Refused("OOXML main part missing or ambiguous")
    types = archive.getinfo("[Content_Types].xml")
    if types.file_size > MAX_CONTENT_TYPES_BYTES:
        raise Refused("[Content_Types].xml too large")
    declared = _first_bytes(archive, types, MAX_CONTENT_TYPES_BYTES)
    if any(marker.lower() in declared.lower() for marker in MACRO_MARKERS):
        raise Refused("macros")
    return found[0]


def _check_zip(stream: BinaryIO, size: int) -> str:
    members, directory_size = _directory_extent(stream, size)
    if members > MAX_MEMBERS or directory_size > MAX_DIRECTORY_BYTES:
        raise Refused("too many members")
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if not infos or len(infos) > MAX_MEMBERS:
                raise Refused("empty archive or too many members")
            names = [info.orig_filename for info in infos]
            if len(set(names)) != len(names):
                raise Refused("duplicate member names")
            for info in infos:
                _check_name(info)
            _check_sizes(infos)
            if "mimetype" in names:
                mime = _odf_type(archive, infos, set(names))
            elif "[Content_Types].xml" in names:
                mime = _ooxml_type(archive, set(names))
            else:
                raise Refused("not an office document")
            _check_contents(archive, infos)
            return mime
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, RuntimeError,
            NotImplementedError, ValueError, struct.error) as error:
        if isinstance(error, Refused):
            raise
        raise Refused(f"broken archive: {error}") from None


def download_name(original: str | None, mime: str) -> str:
    """A safe file name for a download: the ASCII base of the uploader's name (or
    `documento`) and the extension of the type the file was stored as (`x.html` → `x.pdf`)."""
    base = PurePosixPath((original or "").replace("\\", "/")).name
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:80] or "documento"
    extension = EXTENSIONS.get(ACCEPTED.get(mime, ""), "bin")
    return f"{stem}.{extension}"
