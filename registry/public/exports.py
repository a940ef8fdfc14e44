"""Register exports (CSV, XLSX, JSON). The public gets public fields only; ministry users get
their wider columns.

Exports are opened by people in spreadsheet programs, and firms choose their own names, so
no exported cell may become a formula (OWASP "CSV injection"):
- CSV: a value starting with `=`, `+`, `-`, `@`, TAB or CR is written with a leading `'`
  (the apostrophe spreadsheets show as "text"). That includes phone numbers in the
  ministry's `numerazioni` column (`'+39 06…`): a reader strips one leading `'`.
- XLSX: every text cell is an inline string (`t="inlineStr"`, never `<f>`), and a risky one
  also carries `quotePrefix`, so editing it in Excel does not turn it into a formula.
  The value itself is kept exact. Characters XML cannot carry are dropped.
- JSON is data for programs: values are exact.

No export can hold a worker for long: CSV and JSON stream rows from a server-side cursor
(`register.iterate`) and stop at `deadline` (the app's EXPORT_TIME_LIMIT, below a worker's
timeout), cutting the download so it cannot pass for a whole file; XLSX is built before the
response starts (a zip is written at its end) within the same deadline, into a spooled file
that no other process can see and that is gone once closed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import time
from collections.abc import Iterator

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from registry.certificates.verdict import Change, verdict
from registry.db import today_in_rome
from registry.errors import DomainError
from registry.extensions import db
from registry.public import register
from registry.security import Role, has_any_role
from registry.tabular import csv_row, xlsx_row
from registry.tabular import remove_row_file as _remove_row_file
from registry.tabular import xlsx_cell as _xlsx_cell

PUBLIC_COLUMNS = ["ragione_sociale", "partita_iva", "comune", "provincia", "regione",
                  "numero_certificato", "revisione", "schema", "versione_schema", "livello",
                  "stato", "valido_dal", "valido_al", "esito_verifica_oggi"]
MINISTRY_COLUMNS = ["aree", "traffico_italia_pct", "traffico_ue_pct", "traffico_extra_ue_pct",
                    "paesi_extra_ue", "numerazioni", "pec", "dipendenti", "fte"]
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # an XLSX beyond this goes to an unnamed temporary file
CHUNK = 64 * 1024
# Open data (docs: /opendata): the register is published under CC BY 4.0, and every export
# says when its data were read. CSV keeps its column layout (consumers rely on it): the
# licence and the time stamp travel in HTTP headers; JSON items and the XLSX "Metadati"
# sheet also carry them.
LICENCE_ID = "CC-BY-4.0"
LICENCE_NAME = "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DEADLINE_EVERY = 100  # rows between two looks at the clock
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by its timeout


class ExportTooLong(DomainError):
    """The export ran past its time limit."""

    status_code = 503
    code = "export_too_long"


def _too_long() -> ExportTooLong:
    return ExportTooLong(_("L'esportazione ha superato il tempo massimo consentito: restringi "
                           "la ricerca con i filtri e riprova."))


DATED_KEPT = 50_000  # distinct (status, from, until) kept per export: memory stays bounded


def _values(row, numbers: list[str] | None, day, dated: dict) -> list:
    """One export row's values, in `columns()` order, from a plain row of
    `register.iterate` (and, for the ministry's wide export, the firm's calling numbers in
    use). A list, not a dict: at 100,000 rows every per-row allocation shows. `dated` keeps,
    per (status, valid from, valid until), the dates as text and today's verdict: many
    certificates share them, and working them out was a fifth of the export's time."""
    # Unpacked by position (register.EXPORT_COLUMNS' order): a row's attributes by name
    # cost more than the rest of the row's work.
    (_firm_id, name, vat_number, comune, province, region, number, revision, scheme_code,
     scheme_version, level, status, valid_from, valid_until, *wide) = row
    # Today's verdict from dates and the recorded status: no per-row history query, so the
    # export stays one streaming SELECT.
    key = (status, valid_from, valid_until)
    shown = dated.get(key)
    if shown is None:
        if len(dated) >= DATED_KEPT:
            dated.clear()
        shown = dated[key] = (valid_from.isoformat(), valid_until.isoformat(), str(
            verdict(valid_from, valid_until, [Change(status, valid_from)], day)))
    values = [name, vat_number, comune, province, region, number, revision, scheme_code,
              scheme_version, level, status, *shown]
    if numbers is not None:
        areas, italy, eu, extra_eu, countries, pec, headcount, fte = wide
        values += [" ".join(f"{a['code']}:{a['band']}" for a in areas), italy, eu, extra_eu,
                   " ".join(countries or []), " ".join(numbers), pec, headcount, str(fte)]
    return values


def sees_private_columns(user) -> bool:
    """Ministry officials export the register with their wider, non-public columns."""
    return has_any_role(user, {Role.MINISTRY})


def columns(wide: bool) -> list[str]:
    return PUBLIC_COLUMNS + (MINISTRY_COLUMNS if wide else [])


def deadline_after(seconds: float) -> float:
    """The moment (time.monotonic) an export started now must be done by."""
    return time.monotonic() + seconds


def _bound_database_time(deadline: float) -> None:
    # Python looks at the clock between rows; on PostgreSQL the server also stops a single
    # statement (the first FETCH sorts) that would outlive the deadline.
    if db.session.get_bind().dialect.name == "postgresql":
        remaining = max(1, int((deadline - time.monotonic()) * 1000))
        db.session.execute(select(func.set_config("statement_timeout", str(remaining), True)))


def rows(query: register.Query, wide: bool, deadline: float) -> Iterator[list]:
    """The export's rows (values in `columns(wide)` order), read in batches;
    ExportTooLong once `deadline` has passed."""
    day = today_in_rome()
    dated: dict = {}
    _bound_database_time(deadline)
    try:
        for index, (row, numbers) in enumerate(register.iterate(query, wide)):
            if index % DEADLINE_EVERY == 0 and time.monotonic() > deadline:
                raise _too_long()
            yield _values(row, numbers, day, dated)
    except OperationalError as error:
        # PostgreSQL stopped the statement at the deadline (statement_timeout): the same
        # answer as a deadline seen between rows, never a 500.
        if getattr(error.orig, "sqlstate", None) == QUERY_CANCELED:
            raise _too_long() from error
        raise


def csv_stream(query: register.Query, wide: bool, deadline: float) -> Iterator[str]:
    """CSV with a header, UTF-8 with BOM so spreadsheet programs read accents right. The
    header goes out at once; rows follow every 500."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(columns(wide))
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for index, values in enumerate(rows(query, wide, deadline), 1):
        writer.writerow(csv_row(values))
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stamp(as_of: dt.datetime) -> dict:
    """The open-data fields added to each JSON item: the licence and when the data were read
    (UTC, ISO 8601)."""
    return {"licenza": LICENCE_ID, "dati_al": as_of_text(as_of)}


def as_of_text(as_of: dt.datetime) -> str:
    return as_of.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_stream(query: register.Query, wide: bool, deadline: float,
                as_of: dt.datetime | None = None) -> Iterator[str]:
    """A JSON array written item by item; with `as_of`, each item also names the licence
    and the time the data were read (`licenza`, `dati_al`)."""
    extra = stamp(as_of) if as_of else {}
    yield "["
    header = columns(wide)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    # Items go out 500 at a time, as CSV rows do: not one write to the socket per item.
    batch: list[str] = []
    for index, values in enumerate(rows(query, wide, deadline)):
        item = dict(zip(header, values, strict=True))
        item.update(extra)
        batch.append(("," if index else "") + encode(item))
        if len(batch) == 500:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)
    yield "]"


def _metadata_sheet(workbook, as_of: dt.datetime, base_url: str) -> None:
    # A second sheet: the first ("Registro") keeps the layout consumers read.
    sheet = workbook.create_sheet("Metadati")
    for key, value in (("licenza", LICENCE_NAME), ("licenza_url", LICENCE_URL),
                       ("dati_al", as_of_text(as_of)), ("fonte", base_url + "/register"),
                       ("documentazione_colonne", base_url + "/opendata#colonne")):
        sheet.append([key, _xlsx_cell(sheet, value)])


def xlsx_file(query: register.Query, wide: bool, deadline: float,
              as_of: dt.datetime | None = None, base_url: str = ""):
    """The whole workbook (openpyxl write-only mode), rewound, in a spooled temporary file:
    in memory up to SPOOL_IN_MEMORY, then an unnamed file that disappears when it is closed
    or the process ends, however it ends. The caller closes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open
    try:
        sheet.append(columns(wide))
        for values in rows(query, wide, deadline):
            sheet.append(xlsx_row(sheet, values))
        if time.monotonic() > deadline:
            raise _too_long()
        if as_of:
            _metadata_sheet(workbook, as_of, base_url)
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    finally:
        for written in workbook.worksheets:
            _remove_row_file(written)
    out.seek(0)
    return out


def file_chunks(handle) -> Iterator[bytes]:
    """A finished export file, read in chunks (closing it is the response's job)."""
    while chunk := handle.read(CHUNK):
        yield chunk


def csv_table(header: list[str], table: list[list]) -> str:
    """A small table (a bulk check's rows) as CSV, with the same formula-safe cells, BOM and
    separator as the register export."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for values in table:
        writer.writerow(csv_row(values))
    return buffer.getvalue()


def xlsx_table(sheet_name: str, header: list[str], table: list[list]) -> bytes:
    """A small table as an XLSX workbook, every text cell inline and formula-safe."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])
    out = io.BytesIO()
    try:
        sheet.append(header)
        for values in table:
            sheet.append(xlsx_row(sheet, values))
        workbook.save(out)
    finally:
        _remove_row_file(sheet)
    return out.getvalue()
