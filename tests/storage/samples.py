"""Small but structurally real documents of every accepted type, and hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PDF = (b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png() -> bytes:
    """A real 1×1 white PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def jpeg() -> bytes:
    """A JPEG's marker structure: SOI, APP0 (JFIF), SOS, some scan bytes, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
            + b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos + b"\x12\x34" * 50
            + b"\xff\xd9")


def _zip(members: list[tuple[str, bytes | str]], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data,
                             compress_type=kind)
    return buffer.getvalue()


MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>')
CONTENT = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office='
           '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3">'
           '<office:body/></office:document-content>')


def odf(mime: str = ODT, extra: list[tuple[str, bytes | str]] = ()) -> bytes:
    return _zip([("mimetype", mime), ("META-INF/manifest.xml", MANIFEST.format(mime=mime)),
                 ("content.xml", CONTENT), *extra], stored_first=True)


CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                 'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/><Override '
                 'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>')
DOCUMENT = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>DURC</w:t>'
            '</w:r></w:p></w:body></w:document>')


def docx(extra: list[tuple[str, bytes | str]] = (), content_types: str = CONTENT_TYPES
         ) -> bytes:
    return _zip([("[Content_Types].xml", content_types), ("_rels/.rels", RELS),
                 ("word/document.xml", DOCUMENT), *extra])


def xlsx() -> bytes:
    """A workbook written by openpyxl, as a spreadsheet program would."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Addetti", "Sede"])
    sheet.append([42, "Torino"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_of(members: list[tuple[str, bytes | str]], stored_first: bool = False) -> bytes:
    return _zip(members, stored_first)


def write_zip_bomb(path, member: str = "mimetype", gib: int = 1) -> None:
    """A ZIP whose one member is `gib` GiB of zeros, written 1 MiB at a time (about 1 MB
    on disk per GiB): the archive the issue's attacker uploaded."""
    chunk = bytes(1024 * 1024)
    info = zipfile.ZipInfo(member, (2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive = zipfile.ZipFile(path, "w", compresslevel=1)
    with archive, archive.open(info, "w") as out:
        for _ in range(1024 * gib):
            out.write(chunk)
