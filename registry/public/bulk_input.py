"""Reading the list of a bulk check: a pasted list, a CSV file or an XLSX workbook.

Bounded before anything is parsed: at most MAX_FILE_BYTES read, at most bulk.MAX_ITEMS data
rows. The type is judged by the content (registry.filetypes for the workbook: a zip whose
structure is a real XLSX, no macros, no bomb); text that is not UTF-8 or Windows-1252, or
carries NUL bytes, is refused. Nothing is stored: the bytes live in memory for the request.

Row numbers are the file's own (a header row counts), so a person finds a reported row in
their spreadsheet. The column read is the one holding the most identifiers; a first row with
no identifier and no digit in it is taken as a header (and the page says so).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

from flask_babel import gettext as _
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage

from registry import filetypes
from registry.certificates import bulk
from registry.errors import DomainError

MAX_FILE_BYTES = 2 * 1024 * 1024
XLSX = filetypes.ACCEPTED_BY_LABEL["XLSX"]
FIELD = "file"


def _refused() -> DomainError:
    return DomainError(_("Il file deve essere un CSV (testo) o una cartella Excel XLSX; il "
                         "tipo è verificato sul contenuto."), field=FIELD)


def read_upload(upload: FileStorage) -> tuple[list[str], int]:
    """(values, row number of the first value) from an uploaded CSV or XLSX file."""
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_("Il file supera la dimensione massima di 2 MB."), field=FIELD)
    if not data.strip():
        raise DomainError(_("Il file è vuoto."), field=FIELD)
    if data.startswith(b"PK"):
        if filetypes.identify(io.BytesIO(data)) != XLSX:
            raise _refused()
        rows = _xlsx_rows(data)
    else:
        if filetypes.identify(io.BytesIO(data)) is not None or b"\x00" in data:
            raise _refused()  # a PDF, an image, a binary: not a list
        rows = _csv_rows(_decode(data))
    return _column(rows)


def read_text(text: str) -> tuple[list[str], int]:
    """(values, 1) from a pasted list: one value per line."""
    lines = (text or "").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > bulk.MAX_ITEMS:
        raise bulk.too_many()
    return lines, 1


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refused()  # pragma: no cover - cp1252 decodes almost anything


def _csv_rows(text: str) -> list[list[str]]:
    sample = text[:4096]
    delimiter = max(";,\t", key=sample.count) if any(d in sample for d in ";,\t") else ";"
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(row)
            if len(rows) > bulk.MAX_ITEMS + 1:
                raise bulk.too_many()
    except csv.Error:
        raise _refused() from None
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        # A partita IVA typed into a spreadsheet becomes a number and loses its leading zeros.
        text = str(value)
        return text.zfill(11) if 0 < len(text) <= 11 else text
    if isinstance(value, float) and value.is_integer():
        return _cell(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refused() from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _refused()
        rows = []
        for values in sheet.iter_rows(values_only=True, max_col=50):
            rows.append([_cell(value) for value in values])
            if len(rows) > bulk.MAX_ITEMS + 1:
                raise bulk.too_many()
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile):
        raise _refused() from None
    finally:
        workbook.close()
    return rows


def _column(rows: list[list[str]]) -> tuple[list[str], int]:
    """The values of the column with the most identifiers, and the first data row's number."""
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise DomainError(_("Il file non contiene righe."), field=FIELD)
    width = max(len(row) for row in rows)

    def looks_like_identifier(cell: str) -> bool:
        return bulk.classify(cell)[2] in (None, bulk.Problem.CHECKSUM)

    scores = [sum(looks_like_identifier(row[i]) for row in rows if i < len(row))
              for i in range(width)]
    column = scores.index(max(scores))
    values = [row[column] if column < len(row) else "" for row in rows]
    first = 1
    if not looks_like_identifier(values[0]) and not any(ch.isdigit() for ch in values[0]) \
            and values[0].strip():
        values, first = values[1:], 2  # a header ("partita IVA"); a mistyped value has digits
    if len(values) > bulk.MAX_ITEMS:
        raise bulk.too_many()
    if not values:
        raise DomainError(_("Il file non contiene righe."), field=FIELD)
    return values, first
