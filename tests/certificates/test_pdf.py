"""The certificate PDF, checked with real tools: poppler renders it, zxing-cpp reads the QR."""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registry.certificates.pdf import (
    CertificatePdfData,
    render_bare_qr_page,
    render_certificate_pdf,
)
from registry.certificates.qr import dark_runs, draw_qr, qr_matrix, qr_side
from registry.certificates.token import TokenClaims, generate_key, key_id, sign_token

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (test extra) decodes the QR code")
# Only QR codes: at 72 dpi a row of modules can read as a spurious 1-D barcode.
QR = zxingcpp.BarcodeFormat.QRCode


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (apt-get install -y poppler-utils qpdf)")
    return path


@pytest.fixture(scope="module")
def verify_url() -> str:
    key = generate_key()
    claims = TokenClaims("BB-2026-00042", "01234567897", date(2026, 1, 1), date(2028, 12, 31),
                         "1.0", "L2", key_id(key.public_key()))
    return f"https://registro.bollinoblu.it/v/BB-2026-00042?t={sign_token(claims, key)}"


def make_data(verify_url: str, **changes) -> CertificatePdfData:
    data = CertificatePdfData(
        register_name="Registro Bollino Blu", number="BB-2026-00042", revision=2,
        firm_name="Società Ligure Contatti S.r.l.", vat_number="01234567897",
        registered_office="Via dell'Università 3, 16124 Genova (GE)",
        scheme_name="Disciplinare Bollino Blu per i contact center", scheme_version="1.0",
        services="assistenza clienti inbound e outbound, help desk",
        sites=["Genova (GE), Italia", "Cosenza (CS), Italia", "Tirana, Albania"],
        level_code="L2", level_label="Bollino Blu ★★",
        areas=[("Tutela dei dati personali", "Personal data protection", "A"),
               ("Qualità del servizio", "Service quality", "B"),
               ("Condizioni di lavoro", "Working conditions", "B")],
        valid_from=date(2026, 1, 1), valid_until=date(2028, 12, 31), issued_on=date(2025, 12, 18),
        verify_url=verify_url, status_note=None,
    )
    return dataclasses.replace(data, **changes)


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory, verify_url) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "certificate.pdf"
    path.write_bytes(render_certificate_pdf(make_data(verify_url)))
    return path


def render_png(pdf: Path, dpi: int, page: int = 1) -> Image.Image:
    need("pdftoppm")
    out = pdf.with_name(f"{pdf.stem}-{dpi}-{page}")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(out)], check=True)
    return Image.open(out.with_suffix(".png"))


def pdftotext(pdf: Path) -> str:
    """The PDF's text with runs of whitespace (line wraps) folded into one space."""
    need("pdftotext")
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"[ \n]+", " ", text)


@pytest.mark.parametrize("dpi", [150, 72])
def test_qr_decodes_to_the_exact_verify_url(pdf_path, verify_url, dpi):
    results = zxingcpp.read_barcodes(render_png(pdf_path, dpi), formats=QR)
    assert [r.text for r in results] == [verify_url]


def _symbol_box(result) -> tuple[float, float, float, float]:
    corners = [result.position.top_left, result.position.top_right,
               result.position.bottom_left, result.position.bottom_right]
    xs, ys = [p.x for p in corners], [p.y for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def test_qr_is_large_enough_and_its_quiet_zone_is_blank(pdf_path, verify_url):
    dpi = 150
    image = render_png(pdf_path, dpi).convert("L")
    (result,) = zxingcpp.read_barcodes(image, formats=QR)
    left, top, right, bottom = _symbol_box(result)
    quiet = 4 * (right - left + 1) / len(qr_matrix(verify_url))
    side_mm = (right - left + 1 + 2 * quiet) / dpi * 25.4
    assert side_mm >= 45, side_mm
    # The four-module margin around the symbol holds nothing but white (one pixel of
    # anti-aliasing allowed on either edge).
    pixels = image.load()
    ring = [(x, y)
            for x in range(math.ceil(left - quiet + 1), math.floor(right + quiet - 1) + 1)
            for y in range(math.ceil(top - quiet + 1), math.floor(bottom + quiet - 1) + 1)
            if not (left - 1 <= x <= right + 1 and top - 1 <= y <= bottom + 1)]
    assert len(ring) > 3 * quiet * (right - left)  # the ring really was sampled
    dark = [xy for xy in ring if pixels[xy] < 200]
    assert not dark, dark[:10]


def test_structure_is_valid(pdf_path):
    need("qpdf")
    result = subprocess.run(["qpdf", "--check", str(pdf_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_text_is_extractable_with_accents(pdf_path, verify_url):
    text = pdftotext(pdf_path)
    for expected in ("Società Ligure Contatti S.r.l.", "BB-2026-00042", "Partita IVA",
                     "VAT number", "Sede legale", "Registered office", "Via dell'Università 3",
                     "Sedi operative", "Tirana, Albania", "Bollino Blu", "2 su 3 / 2 of 3",
                     "Qualità del servizio", "revisione / revision 2", "01/01/2026",
                     "31/12/2028", "18/12/2025", "la pagina indica VALIDO",
                     "the page says VALID"):
        assert expected in text, expected
    assert "(L2)" not in text and "L2" not in text.split()
    assert "Certificato di conformità" in text
    assert "conformità" in text.casefold()
    assert "Certificate of conformity" in text
    assert "★" not in text  # stars are drawn, not typed
    assert "https://registro.bollinoblu.it/v/BB-2026-00042?t=" in text


def test_no_glyph_fallback_fonts(pdf_path):
    need("pdffonts")
    fonts = subprocess.run(["pdffonts", str(pdf_path)], check=True, capture_output=True,
                           text=True).stdout
    assert "Helvetica" in fonts
    assert "ZapfDingbats" not in fonts and "Symbol" not in fonts


def test_metadata(pdf_path):
    need("pdfinfo")
    info = subprocess.run(["pdfinfo", str(pdf_path)], check=True, capture_output=True,
                          text=True).stdout
    assert "Author:          Bollino Blu" in info
    assert "BB-2026-00042" in info.split("Title:")[1].splitlines()[0]
    assert "Subject:" in info
    assert "Pages:           1" in info
    assert "A4" in info


def test_output_is_deterministic(verify_url):
    data = make_data(verify_url)
    assert render_certificate_pdf(data) == render_certificate_pdf(data)


def test_long_lists_go_to_an_annex_and_the_qr_still_reads(tmp_path, verify_url):
    sites = [f"Via Roma {n}, Comune numero {n} (XX), Italia" for n in range(120)]
    areas = [(f"Area di valutazione {n}", f"Assessment area {n}", "C") for n in range(40)]
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificate_pdf(make_data(
        verify_url, sites=sites, areas=areas, status_note="Certificato sospeso / Suspended")))
    text = pdftotext(path)
    assert "vedi allegato / see annex" in text
    assert "Comune numero 119" in text and "Assessment area 39" in text
    assert "Certificato sospeso / Suspended" in text
    assert text.count("\f") >= 3  # the front page and at least two annex pages
    results = zxingcpp.read_barcodes(render_png(path, 72), formats=QR)
    assert [r.text for r in results] == [verify_url]


def test_unencodable_characters_degrade_instead_of_black_boxes(tmp_path, verify_url):
    path = tmp_path / "names.pdf"
    path.write_bytes(render_certificate_pdf(make_data(
        verify_url, firm_name="Łódź Ősz Contact Center – Società €")))
    # ó and € exist in WinAnsi; Ł, ź and Ő do not and fall back to their base letters.
    assert "Lódz Osz Contact Center – Società €" in pdftotext(path)


@pytest.mark.parametrize("dpi", [150, 72])
def test_bare_qr_page_decodes(tmp_path, verify_url, dpi):
    path = tmp_path / "bare.pdf"
    path.write_bytes(render_bare_qr_page(verify_url))
    decoded = zxingcpp.read_barcodes(render_png(path, dpi), formats=QR)
    assert [r.text for r in decoded] == [verify_url]


@given(st.lists(st.booleans(), max_size=80))
def test_dark_runs_rebuild_the_row(row):
    rebuilt = [False] * len(row)
    for start, length in dark_runs(row):
        assert length > 0
        rebuilt[start:start + length] = [True] * length
    assert rebuilt == row


def test_qr_side_keeps_modules_on_half_points(verify_url):
    matrix = qr_matrix(verify_url)
    modules = len(matrix) + 8
    for minimum in (10, 45 * mm, 127.6, 200):
        side = qr_side(matrix, minimum)
        assert side >= minimum
        assert (side / modules * 2).is_integer() and side / modules >= 2


def test_draw_qr_at_any_size_and_place(tmp_path, verify_url):
    path = tmp_path / "free.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    module = draw_qr(canvas, verify_url, 100.3, 300.7, 70 * mm)
    canvas.showPage()
    canvas.save()
    assert module == pytest.approx(70 * mm / (len(qr_matrix(verify_url)) + 8))
    decoded = zxingcpp.read_barcodes(render_png(path, 150), formats=QR)
    assert [r.text for r in decoded] == [verify_url]
