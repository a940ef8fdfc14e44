"""The certificate PDF: plain data in, bytes out (no request, no database).

A4 portrait, Italian with English subtitles, base-14 fonts only. The QR code is drawn as
vectors with modules of whole half-points so that it decodes even from a 72 dpi rendering.
Sites or areas that do not fit on the front page go to an annex page, never over the QR.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from registry.certificates.pdf_text import (
    INK,
    clean_text,
    draw_star,
    draw_text,
    italian_date,
    wrap_text,
)
from registry.certificates.qr import draw_matrix, qr_matrix, qr_side

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
VALUE_X = MARGIN + 46 * mm  # after the bilingual label column
VALUE_W = PAGE_W - MARGIN - VALUE_X
BAND_X = PAGE_W - MARGIN - 16  # the band letter boxes, right-aligned
BLUE, GREY = (0.04, 0.24, 0.57), (0.42, 0.42, 0.42)
QR_MIN_SIDE = 46 * mm  # at least 45 mm including the quiet zone, with a little slack
LEADING, ROW_MIN = 13, 28  # value lines; the smallest row fits the two-line label
VERIFY_IT = ("Verifica: inquadra il codice QR o apri l'indirizzo; il certificato è valido "
             "solo se la pagina indica VALIDO")
VERIFY_EN = ("Verify: scan the QR code or open the address; the certificate is valid only "
             "if the page says VALID")


@dataclass(frozen=True)
class CertificatePdfData:
    """Everything printed on a certificate; `areas` holds (Italian name, English name, band)."""

    register_name: str
    number: str
    revision: int
    firm_name: str
    vat_number: str
    registered_office: str
    scheme_name: str
    scheme_version: str
    services: str
    sites: Sequence[str]
    level_code: str
    level_label: str
    areas: Sequence[tuple[str, str, str]]
    valid_from: date
    valid_until: date
    issued_on: date
    verify_url: str
    status_note: str | None = None


def _row(c: Canvas, y: float, italian: str, english: str, lines: list[str]) -> float:
    """A bilingual label and its value lines; return the y below the row."""
    draw_text(c, MARGIN, y, italian, "Helvetica-Bold", 9)
    draw_text(c, MARGIN, y - 10, english, "Helvetica", 7.5, GREY)
    for index, line in enumerate(lines):
        draw_text(c, VALUE_X, y - index * LEADING, line, "Helvetica", 10)
    return y - max(ROW_MIN, len(lines) * LEADING + 12)


def _level_row(c: Canvas, y: float, data: CertificatePdfData) -> float:
    """Filled stars for the level reached, hollow ones up to three, then the label."""
    achieved = int("".join(ch for ch in data.level_code if ch.isdigit()) or 0)
    for index in range(max(3, achieved)):
        draw_star(c, VALUE_X + 6 + index * 15, y + 3, 6, BLUE, filled=index < achieved)
    x = VALUE_X + max(3, achieved) * 15 + 4
    draw_text(c, x, y, data.level_label, "Helvetica-Bold", 10)
    words = f"{achieved} su {max(3, achieved)} / {achieved} of {max(3, achieved)}"
    draw_text(c, x + stringWidth(clean_text(data.level_label), "Helvetica-Bold", 10) + 6, y, words,
              "Helvetica", 8, GREY)
    return _row(c, y, "Livello", "Level", [])


def _area_lines(areas: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(Italian text, English text, band) per printed line; English follows when it fits."""
    width = BAND_X - VALUE_X - 8
    lines: list[tuple[str, str, str]] = []
    for italian, english, band in areas:
        rows = [[line, "", ""] for line in wrap_text(italian, "Helvetica", 9.5, width)]
        tail = stringWidth(" / " + clean_text(english), "Helvetica", 8)
        if stringWidth(rows[-1][0], "Helvetica", 9.5) + tail <= width:
            rows[-1][1] = english
        else:
            rows += [["", line, ""] for line in wrap_text(english, "Helvetica", 8, width)]
        rows[0][2] = band
        lines += [(it, en, letter) for it, en, letter in rows]
    return lines


def _areas_row(c: Canvas, y: float, lines: list[tuple[str, str, str]]) -> float:
    """Area names with their band letter in a box at the right."""
    _row(c, y, "Risultati per area", "Area results", [])
    heading = "Fascia / Band"
    draw_text(c, PAGE_W - MARGIN - stringWidth(heading, "Helvetica", 6.5), y + 10, heading,
              "Helvetica", 6.5, GREY)
    for italian, english, band in lines:
        if band:
            c.setFillColorRGB(*BLUE)
            c.roundRect(BAND_X, y - 2.5, 16, 11, 2, stroke=0, fill=1)
            draw_text(c, BAND_X + 8, y, band, "Helvetica-Bold", 9, (1, 1, 1), centre=True)
        x = VALUE_X + draw_text(c, VALUE_X, y, italian, "Helvetica", 9.5)
        if english:
            draw_text(c, x, y, " / " * bool(italian) + english, "Helvetica", 8, GREY)
        y -= 12.5
    return y - 8


def _facts(c: Canvas, top: float, data: CertificatePdfData) -> None:
    """Number and revision, validity and issue date as four boxes in a row."""
    facts = [("Certificato n.", "Certificate no.", data.number,
              f"revisione / revision {data.revision}"),
             ("Valido dal", "Valid from", italian_date(data.valid_from), ""),
             ("al", "until", italian_date(data.valid_until), ""),
             ("Emesso il", "Issued on", italian_date(data.issued_on), "")]
    width = (PAGE_W - 2 * MARGIN) / len(facts)
    c.setStrokeColorRGB(*BLUE)
    for index, (italian, english, value, note) in enumerate(facts):
        x = MARGIN + index * width
        c.rect(x + 2, top - 50, width - 4, 50, stroke=1, fill=0)
        label_w = draw_text(c, x + 8, top - 13, italian, "Helvetica-Bold", 8)
        draw_text(c, x + 12 + label_w, top - 13, "/ " + english, "Helvetica", 7, GREY)
        draw_text(c, x + 8, top - 31, value, "Helvetica-Bold", 11.5)
        draw_text(c, x + 8, top - 43, note, "Helvetica", 7, GREY)


def _draw_qr(c: Canvas, url: str) -> tuple[float, float, float]:
    """The QR in the bottom-left corner: (x, y, side), quiet zone included."""
    matrix = qr_matrix(url)
    side = qr_side(matrix, QR_MIN_SIDE)
    # Whole-point origin: with whole half-point modules the symbol sits on the 72 dpi grid.
    x, y = math.floor(MARGIN), math.floor(MARGIN)
    draw_matrix(c, matrix, x, y, side)
    return x, y, side


def _verify_block(c: Canvas, data: CertificatePdfData) -> float:
    """QR in the bottom-left corner, the address and the instruction beside it; return its top."""
    x, y, side = _draw_qr(c, data.verify_url)
    text_x = x + side + 6 * mm  # beside the quiet zone, never inside it
    line_y = y + side - 12
    draw_text(c, text_x, line_y, "Verifica / Verification", "Helvetica-Bold", 10, BLUE)
    for font, size, colour, text in (("Courier", 8, INK, data.verify_url),
                                     ("Helvetica", 8.5, INK, VERIFY_IT),
                                     ("Helvetica", 8, GREY, VERIFY_EN)):
        line_y -= 6
        for line in wrap_text(text, font, size, PAGE_W - MARGIN - text_x):
            line_y -= size + 2.5
            draw_text(c, text_x, line_y, line, font, size, colour)
    return y + side


def _header(c: Canvas, data: CertificatePdfData) -> float:
    """Register band, title, status note and the firm's name; return the y below them."""
    top, width = PAGE_H - MARGIN, PAGE_W - 2 * MARGIN
    c.setFillColorRGB(*BLUE)
    c.rect(MARGIN, top - 14 * mm, width, 14 * mm, stroke=0, fill=1)
    draw_text(c, MARGIN + 5 * mm, top - 9 * mm, data.register_name, "Helvetica-Bold", 13, (1, 1, 1))
    y = top - 14 * mm - 32
    draw_text(c, PAGE_W / 2, y, "Certificato di conformità", "Helvetica-Bold", 24, centre=True)
    draw_text(c, PAGE_W / 2, y - 17, "Certificate of conformity", "Helvetica", 13, GREY,
              centre=True)
    y -= 30
    if data.status_note:
        lines = wrap_text(data.status_note, "Helvetica-Bold", 11, width - 20)
        c.setStrokeColorRGB(0.7, 0, 0)
        c.rect(MARGIN, y - 14 * len(lines) - 4, width, 14 * len(lines) + 10)
        for line in lines:
            y -= 14
            draw_text(c, PAGE_W / 2, y + 3, line, "Helvetica-Bold", 11, (0.7, 0, 0), centre=True)
        y -= 14
    draw_text(c, PAGE_W / 2, y - 14, "Si certifica che l'organizzazione / This is to certify that "
          "the organisation", "Helvetica", 9, GREY, centre=True)
    y -= 38
    for line in wrap_text(data.firm_name, "Helvetica-Bold", 18, width)[:3]:
        draw_text(c, PAGE_W / 2, y, line, "Helvetica-Bold", 18, centre=True)
        y -= 22
    return y - 12


def _front(c: Canvas, data: CertificatePdfData) -> tuple[bool, bool]:
    """Draw the front page; return whether the sites and the areas go to the annex."""
    floor_y = _verify_block(c, data) + 12 * mm + 50  # the facts boxes sit above the QR
    _facts(c, floor_y - 10, data)
    y = _header(c, data)
    for italian, english, text in (
        ("Partita IVA", "VAT number", data.vat_number),
        ("Sede legale", "Registered office", data.registered_office),
        ("Schema", "Scheme", f"{data.scheme_name}, versione {data.scheme_version}"),
        ("Servizi", "Services", data.services),
    ):
        y = _row(c, y, italian, english, wrap_text(text, "Helvetica", 10, VALUE_W))
    sites = wrap_text("; ".join(data.sites), "Helvetica", 10, VALUE_W)
    areas = _area_lines(data.areas)
    room = y - floor_y - ROW_MIN  # below the level row: for the sites and areas
    areas_fit = len(areas) * 12.5 + 8 <= room - ROW_MIN
    room -= len(areas) * 12.5 + 8 if areas_fit else ROW_MIN
    sites_fit = max(ROW_MIN, len(sites) * LEADING + 12) <= room
    annex_note = ["vedi allegato / see annex"]
    y = _row(c, y, "Sedi operative", "Operating sites", sites if sites_fit else annex_note)
    y = _level_row(c, y, data)
    if areas_fit:
        _areas_row(c, y, areas)
    else:
        _row(c, y, "Risultati per area", "Area results", annex_note)
    return not sites_fit, not areas_fit


def _annex(c: Canvas, data: CertificatePdfData, sites: bool, areas: bool) -> None:
    """Continuation pages: every site, one per line, and the area results, as needed."""
    title = f"Allegato al certificato / Annex to certificate {data.number} rev. {data.revision}"

    def new_page() -> float:
        c.showPage()
        draw_text(c, MARGIN, PAGE_H - MARGIN, title, "Helvetica-Bold", 12, BLUE)
        return PAGE_H - MARGIN - 36

    y = new_page()
    sections = []
    if sites:
        lines = [ln for site in data.sites for ln in wrap_text(site, "Helvetica", 10, VALUE_W)]
        sections.append((lambda y, chunk: _row(c, y, "Sedi operative", "Operating sites", chunk),
                         lines, LEADING))
    if areas:
        sections.append((lambda y, chunk: _areas_row(c, y, chunk), _area_lines(data.areas), 12.5))
    for draw, lines, step in sections:
        while lines:
            fit = int((y - MARGIN - 20) // step)
            if fit < 3:  # not worth starting a list at the foot of a page
                y = new_page()
                continue
            y, lines = draw(y, lines[:fit]), lines[fit:]


def _new_canvas(buffer: io.BytesIO, title: str, subject: str) -> Canvas:
    # invariant=1 fixes the creation date and document id: same data, same bytes.
    c = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Bollino Blu")
    c.setSubject(subject)
    c.setCreator("Bollino Blu registry")
    return c


def render_certificate_pdf(data: CertificatePdfData) -> bytes:
    """The certificate as a one-page A4 PDF (plus annex pages when the lists are long)."""
    buffer = io.BytesIO()
    c = _new_canvas(buffer, f"Certificato {data.number} rev. {data.revision} - {data.firm_name}",
                    f"Certificato di conformità / Certificate of conformity: {data.scheme_name}")
    sites, areas = _front(c, data)
    if sites or areas:
        _annex(c, data, sites, areas)
    c.showPage()
    c.save()
    return buffer.getvalue()


def render_bare_qr_page(url: str) -> bytes:
    """An A4 page holding only the QR, drawn as on the certificate (benchmark baseline)."""
    buffer = io.BytesIO()
    c = _new_canvas(buffer, "QR", "QR code")
    _draw_qr(c, url)
    c.showPage()
    c.save()
    return buffer.getvalue()
