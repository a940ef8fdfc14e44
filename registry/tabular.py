"""Tables as downloads (CSV, XLSX, JSON): the formula-safe cell writers of the register
exports, shared by every staff list that exports what it shows.

Why here (layer 1) and not in registry.public.exports: the features' staff lists (layer 3)
export too, and may not import the public pages' layer. The rules are those of the public
register export (see its module docstring):
- CSV: UTF-8 with BOM, `;` separator; a cell starting with `=`, `+`, `-`, `@`, TAB or CR gets
  a leading `'`, so no spreadsheet reads it as a formula.
- XLSX: text cells are inline strings (never formulas) and risky ones carry `quotePrefix`.
- JSON: data for programs, values exact; it may carry internal codes as machine fields
  beside the labels people read.

A staff table has columns with a machine key (the JSON field) and a label (the CSV/XLSX
header people read); rows are dicts keyed by the machine keys. Rows are read from an iterator
(in batches where the list is long) into a spooled temporary file and stop at a deadline
(EXPORT_TIME_LIMIT), as the register export's XLSX does; the file is then sent in chunks.
Private exports are never kept by a browser or a proxy (`Cache-Control: no-store`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import Response, abort, current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from registry.db import ROME
from registry.errors import DomainError
from registry.inputs import NOT_XML, iso_date, xml_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every cell of a row joined with a separator, and preceded by one, starts right after it (a
# literal first character lets the search skip ahead: half the time of "^|" alternation).
# The separator is a character XML carries, so the joined row can be checked for both.
_SEPARATOR = "\n"
_RISKY_CELL = re.compile(_SEPARATOR + "[" + re.escape("".join(FORMULA_STARTS)) + "]")
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # an XLSX beyond this goes to an unnamed temporary file
CHUNK = 64 * 1024
DEADLINE_EVERY = 100  # rows between two looks at the clock
KINDS = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to text types
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class TableTooLong(DomainError):
    """A staff export ran past its time limit."""

    status_code = 503
    code = "export_too_long"


@dataclass(frozen=True)
class Column:
    """One exported column: `key` names the JSON field, `label` the header people read."""

    key: str
    label: str


def csv_text(value) -> str:
    """A CSV cell that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _joined(values: list) -> str:
    return _SEPARATOR + _SEPARATOR.join(map(str, values))


def csv_row(values: list) -> list:
    """`values` as CSV cells: the same as `csv_text` on each, with the row looked at in one
    pass when no cell is risky (nearly always). At 100,000 rows a test per cell cost more
    than writing the file. A separator inside a value can only make a safe row take the
    per-cell path, never let a risky cell through; None is written empty, as csv_text does."""
    if _RISKY_CELL.search(_joined(values)) is None:
        return values
    return [csv_text(value) for value in values]


def xlsx_row(sheet, values: list) -> list:
    """`values` as XLSX cells: the same as `xlsx_cell` on each, with the row looked at in one
    pass when no text is risky or holds a character XML cannot carry (nearly always): then
    openpyxl writes each text as the inline string xlsx_cell makes, at half the cost."""
    joined = _joined(values)
    if _RISKY_CELL.search(joined) is None and NOT_XML.search(joined) is None:
        return values
    return [xlsx_cell(sheet, value) for value in values]


def xlsx_cell(sheet, value) -> WriteOnlyCell | object:
    """An XLSX cell: numbers stay numbers, text is an inline string, never a formula."""
    if not isinstance(value, str):
        return value  # numbers stay numbers; None an empty cell
    cell = WriteOnlyCell(sheet)
    # Assigned after the value: openpyxl would type a text starting with "=" as a formula.
    cell.value = xml_text(value)
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def remove_row_file(sheet) -> None:
    """End a write-only sheet's writer and remove its temporary row file (openpyxl 3.1
    keeps rows in a named temporary file until the workbook is saved)."""
    if not sheet.closed:
        with contextlib.suppress(Exception):
            sheet.close()
    writer = getattr(sheet, "_writer", None)
    path = getattr(writer, "out", None)
    if isinstance(path, str) and os.path.exists(path):
        writer.cleanup()


def deadline_after(seconds: float) -> float:
    """The moment (time.monotonic) an export started now must be done by."""
    return time.monotonic() + seconds


def _bounded(rows: Iterable[dict], deadline: float) -> Iterator[dict]:
    for index, row in enumerate(rows):
        if index % DEADLINE_EVERY == 0 and time.monotonic() > deadline:
            raise TableTooLong(_("L'esportazione ha superato il tempo massimo consentito: "
                                 "restringi la ricerca con i filtri e riprova."))
        yield row


def _text(value) -> str | int | float | None:
    # Labels are lazy strings or words; numbers stay numbers; everything else is text.
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return str(value)


def _csv_cell(value) -> str | int | float:
    # A number is written as it is (a negative figure is a number, not a formula); text is
    # made formula-safe.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return csv_text(value)


def csv_stream(columns: list[Column], rows: Iterable[dict], deadline: float) -> Iterator[str]:
    """CSV with the labels as header, formula-safe cells; a chunk every 500 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow([str(c.label) for c in columns])
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for index, row in enumerate(_bounded(rows, deadline), 1):
        writer.writerow([_csv_cell(_text(row.get(c.key))) for c in columns])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(columns: list[Column], rows: Iterable[dict], deadline: float,
                meta: dict | None = None) -> Iterator[str]:
    """`{"columns": [...], "items": [...], **meta}`, the items written one by one. Items keep
    every key of the row (machine codes included), not only the labelled columns."""
    head = {**(meta or {}), "columns": [{"key": c.key, "label": str(c.label)} for c in columns]}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    for index, row in enumerate(_bounded(rows, deadline)):
        item = {key: _text(value) if not isinstance(value, (dict, list, bool)) else value
                for key, value in row.items()}
        yield ("," if index else "") + json.dumps(item, ensure_ascii=False, default=str)
    yield "]}"


def xlsx_file(sheet_name: str, columns: list[Column], rows: Iterable[dict], deadline: float):
    """The whole workbook in a spooled temporary file, rewound; the caller closes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open
    try:
        sheet.append([str(c.label) for c in columns])
        for row in _bounded(rows, deadline):
            sheet.append([xlsx_cell(sheet, _text(row.get(c.key))) for c in columns])
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    finally:
        remove_row_file(sheet)
    out.seek(0)
    return out


def _spooled(texts: Iterable[str]):
    # Staff exports are written whole (within the deadline) before the response starts, as
    # the XLSX is: a download never holds the request, its database session or a lock, and
    # a failure is a clean error page rather than a cut file.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open
    try:
        for text in texts:
            out.write(text.encode())
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _chunks(handle) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def rate_limit() -> str:
    """The exports' rate limit (EXPORT_RATE_LIMIT), for `limiter.limit`."""
    return current_app.config["EXPORT_RATE_LIMIT"]


def download(kind: str, filename: str, columns: list[Column],
             rows: Callable[[], Iterable[dict]], *, sheet: str = "Elenco",
             meta: dict | None = None) -> Response:
    """A private table as a CSV, XLSX or JSON download (404 for another kind). `rows` is
    called once, inside the response for CSV and JSON (streamed) or before it for XLSX."""
    if kind not in KINDS:
        abort(404)
    deadline = deadline_after(current_app.config["EXPORT_TIME_LIMIT"])
    if kind == "xlsx":
        handle = xlsx_file(sheet, columns, rows(), deadline)
    else:
        texts = (csv_stream(columns, rows(), deadline) if kind == "csv"
                 else json_stream(columns, rows(), deadline, meta))
        handle = _spooled(texts)
    response = Response(_chunks(handle), mimetype=KINDS[kind])
    response.call_on_close(handle.close)  # also when the client goes away
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# Filters shared by the staff lists -----------------------------------------------------------
def read_period(args, since: str = "from", until: str = "to"
                ) -> tuple[dt.date | None, dt.date | None, list[str]]:
    """A period from two YYYY-MM-DD arguments (either may be empty), and what was wrong:
    a date that does not exist, or a start after the end (the period is then dropped)."""
    problems: list[str] = []
    days: list[dt.date | None] = []
    for name in (since, until):
        raw = args.get(name, "").strip()
        try:
            days.append(iso_date(raw) if raw else None)
        except ValueError:
            problems.append(_("La data «%(value)s» non è valida: usa il formato AAAA-MM-GG.",
                              value=raw[:20]))
            days.append(None)
    first, last = days
    if first and last and first > last:
        problems.append(_("Il periodo è vuoto: la data iniziale è dopo quella finale."))
        first = last = None
    return first, last, problems


def start_of(day: dt.date) -> dt.datetime:
    """The first moment of an Italian day, in UTC (an event at 00:30 in Rome is that day's)."""
    return dt.datetime.combine(day, dt.time(), ROME).astimezone(dt.UTC)


def read_page(args) -> int:
    """The 1-based page number asked for (anything else: the first page)."""
    try:
        return max(1, int(args.get("page", "1")))
    except ValueError:
        return 1
