"""The verification receipt PDF ("Attestazione di verifica"): plain data in, bytes out.

A4, Italian with English lines, base-14 fonts, like the certificate. A single check prints
the answer as labelled rows; a bulk check prints one line per input row, over as many pages
as it takes, each page repeating the receipt id. The QR (bottom of the first page) opens
/receipts/<id>, where the registry confirms it issued the receipt and what it said.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from registry.certificates.pdf_text import INK, draw_text, wrap_text
from registry.certificates.qr import draw_matrix, qr_matrix, qr_side

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
VALUE_X = MARGIN + 50 * mm
BLUE, GREY, RED = (0.04, 0.24, 0.57), (0.42, 0.42, 0.42), (0.7, 0.0, 0.0)
QR_SIDE = 34 * mm


@dataclass(frozen=True)
class ReceiptLine:
    """One answered value: every text already as printed (labels, Italian dates)."""

    row: int
    query: str
    verdict_it: str
    verdict_en: str
    firm_name: str = ""
    vat_number: str = ""
    number: str = ""
    level: str = ""
    level_short: str = ""  # for the bulk table's narrow column
    validity: str = ""
    scheme: str = ""
    problem: str = ""
    good: bool = False


@dataclass(frozen=True)
class ReceiptPdfData:
    receipt_id: str
    kind: str  # single or bulk
    checked_at: str  # Italian date and time, Europe/Rome
    receipt_url: str
    lines: Sequence[ReceiptLine]
    summary: str = ""  # bulk: counts per verdict


def _header(c: Canvas, data: ReceiptPdfData, continued: bool) -> float:
    top, width = PAGE_H - MARGIN, PAGE_W - 2 * MARGIN
    c.setFillColorRGB(*BLUE)
    c.rect(MARGIN, top - 12 * mm, width, 12 * mm, stroke=0, fill=1)
    draw_text(c, MARGIN + 5 * mm, top - 8 * mm, "Registro Bollino Blu", "Helvetica-Bold", 12,
              (1, 1, 1))
    draw_text(c, PAGE_W - MARGIN - 5 * mm - stringWidth(data.receipt_id, "Courier", 9),
              top - 8 * mm, data.receipt_id, "Courier", 9, (1, 1, 1))
    y = top - 12 * mm - 26
    if continued:
        draw_text(c, MARGIN, y, "Attestazione di verifica (segue) / Verification receipt "
                  "(continued)", "Helvetica-Bold", 11, BLUE)
        return y - 24
    draw_text(c, PAGE_W / 2, y, "Attestazione di verifica", "Helvetica-Bold", 22, centre=True)
    draw_text(c, PAGE_W / 2, y - 16, "Verification receipt", "Helvetica", 12, GREY,
              centre=True)
    y -= 40
    intro_it = (f"Il Registro Bollino Blu attesta che il {data.checked_at} (ora italiana), alla "
                "verifica richiesta, il registro ha risposto quanto segue.")
    intro_en = (f"The Bollino Blu register states that on {data.checked_at} (Italian time) it "
                "answered the check requested as follows.")
    for text, font, size, colour in ((intro_it, "Helvetica", 10, INK),
                                     (intro_en, "Helvetica", 8.5, GREY)):
        for line in wrap_text(text, font, size, width):
            draw_text(c, MARGIN, y, line, font, size, colour)
            y -= size + 3
        y -= 3
    return y - 8


def _labelled(c: Canvas, y: float, italian: str, english: str, value: str,
              bold: bool = False, colour=INK) -> float:
    draw_text(c, MARGIN, y, italian, "Helvetica-Bold", 9)
    draw_text(c, MARGIN, y - 10, english, "Helvetica", 7.5, GREY)
    lines = wrap_text(value or "—", "Helvetica-Bold" if bold else "Helvetica", 10,
                      PAGE_W - MARGIN - VALUE_X)
    for index, line in enumerate(lines):
        draw_text(c, VALUE_X, y - index * 13, line, "Helvetica-Bold" if bold else "Helvetica",
                  10, colour)
    return y - max(26, len(lines) * 13 + 10)


def _single(c: Canvas, y: float, data: ReceiptPdfData) -> None:
    line = data.lines[0]
    y = _labelled(c, y, "Esito", "Verdict", f"{line.verdict_it} / {line.verdict_en}", True,
                  BLUE if line.good else RED)
    for italian, english, value in (
            ("Azienda", "Firm", line.firm_name), ("Partita IVA", "VAT number", line.vat_number),
            ("Certificato n.", "Certificate no.", line.number), ("Livello", "Level", line.level),
            ("Validità", "Validity", line.validity),
            ("Schema (versione)", "Scheme (version)", line.scheme),
            ("Verificato il", "Checked at", data.checked_at),
            ("Attestazione n.", "Receipt id", data.receipt_id)):
        y = _labelled(c, y, italian, english, value)


COLUMNS = ((0, "Riga", "Row"), (12 * mm, "Valore cercato", "Value checked"),
           (48 * mm, "Azienda / P. IVA", "Firm / VAT no."),
           (104 * mm, "Certificato / Livello", "Certificate / Level"),
           (140 * mm, "Esito", "Verdict"))


def _table_head(c: Canvas, y: float) -> float:
    for x, italian, english in COLUMNS:
        draw_text(c, MARGIN + x, y, italian, "Helvetica-Bold", 8)
        draw_text(c, MARGIN + x, y - 9, english, "Helvetica", 7, GREY)
    c.setStrokeColorRGB(*GREY)
    c.line(MARGIN, y - 13, PAGE_W - MARGIN, y - 13)
    return y - 25


def _bulk(c: Canvas, y: float, data: ReceiptPdfData) -> None:
    y = _labelled(c, y, "Verificato il", "Checked at", data.checked_at)
    y = _labelled(c, y, "Attestazione n.", "Receipt id", data.receipt_id)
    y = _labelled(c, y, "Riepilogo", "Summary", data.summary)
    y = _table_head(c, y - 4)
    floor = MARGIN + QR_SIDE + 8 * mm  # the first page keeps its foot for the QR
    for line in data.lines:
        if y < floor:
            c.showPage()
            y = _table_head(c, _header(c, data, continued=True))
            floor = MARGIN + 10
        draw_text(c, MARGIN, y, str(line.row), "Helvetica", 8)
        draw_text(c, MARGIN + 12 * mm, y, line.query[:26], "Courier", 7.5)
        draw_text(c, MARGIN + 48 * mm, y, line.firm_name[:38], "Helvetica", 8)
        draw_text(c, MARGIN + 48 * mm, y - 9, line.vat_number, "Courier", 7.5, GREY)
        draw_text(c, MARGIN + 104 * mm, y, line.number, "Courier", 7.5)
        draw_text(c, MARGIN + 104 * mm, y - 9, line.level_short, "Helvetica", 7.5, GREY)
        draw_text(c, MARGIN + 140 * mm, y, f"{line.verdict_it} / {line.verdict_en}",
                  "Helvetica-Bold", 8, BLUE if line.good else RED)
        if line.problem:
            draw_text(c, MARGIN + 140 * mm, y - 9, line.problem[:44], "Helvetica", 6.5, GREY)
        y -= 22


def _qr_block(c: Canvas, data: ReceiptPdfData) -> None:
    matrix = qr_matrix(data.receipt_url)
    side = qr_side(matrix, QR_SIDE)
    draw_matrix(c, matrix, MARGIN, MARGIN, side)
    x, y = MARGIN + side + 6 * mm, MARGIN + side - 12
    width = PAGE_W - MARGIN - x
    for text, font, size, colour in (
            ("Controlla questa attestazione / Check this receipt", "Helvetica-Bold", 9.5, BLUE),
            (data.receipt_url, "Courier", 8, INK),
            ("All'indirizzo il registro conferma di aver emesso l'attestazione, che cosa "
             "rispondeva e che cosa risponde oggi. Il documento è firmato digitalmente (PAdES).",
             "Helvetica", 8.5, INK),
            ("At this address the register confirms it issued this receipt, what it answered "
             "and what it answers today. The document is digitally signed (PAdES).",
             "Helvetica", 8, GREY)):
        for line in wrap_text(text, font, size, width):
            draw_text(c, x, y, line, font, size, colour)
            y -= size + 2.5
        y -= 3


def render_receipt_pdf(data: ReceiptPdfData) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"Attestazione di verifica {data.receipt_id}")
    c.setAuthor("Bollino Blu")
    c.setSubject("Attestazione di verifica / Verification receipt")
    c.setCreator("Bollino Blu registry")
    y = _header(c, data, continued=False)
    _qr_block(c, data)
    (_single if data.kind == "single" else _bulk)(c, y, data)
    c.showPage()
    c.save()
    return buffer.getvalue()
