"""Register exports (CSV, XLSX, JSON), streamed row by row so memory does not grow with the
register. The public gets public fields only; ministry users get their wider columns."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator

from openpyxl import Workbook

from registry.certificates.verdict import Change, verdict
from registry.db import today_in_rome
from registry.public import register
from registry.security import Role, has_any_role

PUBLIC_COLUMNS = ["ragione_sociale", "partita_iva", "comune", "provincia", "regione",
                  "numero_certificato", "revisione", "schema", "versione_schema", "livello",
                  "stato", "valido_dal", "valido_al", "esito_verifica_oggi"]
MINISTRY_COLUMNS = ["aree", "traffico_italia_pct", "traffico_ue_pct", "traffico_extra_ue_pct",
                    "paesi_extra_ue", "numerazioni", "pec", "dipendenti", "fte"]


def _row(firm, certificate, wide: bool, day) -> dict:
    # Today's verdict from dates and the recorded status: no per-row history query, so the
    # export stays one streaming SELECT.
    history = [Change(certificate.status, certificate.valid_from)]
    row = {
        "ragione_sociale": firm.name, "partita_iva": firm.vat_number,
        "comune": firm.office_comune, "provincia": firm.office_province,
        "regione": firm.office_region, "numero_certificato": certificate.number,
        "revisione": certificate.revision, "schema": certificate.scheme_code,
        "versione_schema": certificate.scheme_version, "livello": certificate.level,
        "stato": certificate.status, "valido_dal": certificate.valid_from.isoformat(),
        "valido_al": certificate.valid_until.isoformat(),
        "esito_verifica_oggi": str(verdict(certificate.valid_from, certificate.valid_until,
                                           history, day)),
    }
    if wide:
        row.update({
            "aree": " ".join(f"{a['code']}:{a['band']}" for a in certificate.areas),
            "traffico_italia_pct": firm.traffic_italy_pct,
            "traffico_ue_pct": firm.traffic_eu_pct,
            "traffico_extra_ue_pct": firm.traffic_extra_eu_pct,
            "paesi_extra_ue": " ".join(firm.extra_eu_countries or []),
            "numerazioni": " ".join(firm.phone_numbers or []), "pec": firm.pec,
            "dipendenti": firm.headcount, "fte": str(firm.fte),
        })
    return row


def sees_private_columns(user) -> bool:
    """Ministry officials export the register with their wider, non-public columns."""
    return has_any_role(user, {Role.MINISTRY})


def columns(wide: bool) -> list[str]:
    return PUBLIC_COLUMNS + (MINISTRY_COLUMNS if wide else [])


def rows(query: register.Query, wide: bool) -> Iterator[dict]:
    day = today_in_rome()
    for firm, certificate in register.iterate(query):
        yield _row(firm, certificate, wide, day)


def csv_stream(query: register.Query, wide: bool) -> Iterator[str]:
    """CSV with a header, UTF-8 with BOM so spreadsheet programs read accents right."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(wide), delimiter=";")
    buffer.write("\ufeff")
    writer.writeheader()
    for index, row in enumerate(rows(query, wide), 1):
        writer.writerow(row)
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(query: register.Query, wide: bool) -> Iterator[str]:
    """A JSON array written item by item."""
    yield "["
    for index, row in enumerate(rows(query, wide)):
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]"


def xlsx_stream(query: register.Query, wide: bool) -> Iterator[bytes]:
    """XLSX via openpyxl's write-only mode (rows go to disk, not memory), then streamed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    sheet.append(columns(wide))
    for row in rows(query, wide):
        sheet.append(list(row.values()))
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        workbook.save(path)
        with open(path, "rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk
    finally:
        os.unlink(path)
