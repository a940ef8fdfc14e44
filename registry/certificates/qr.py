"""QR codes drawn as vector shapes on a reportlab canvas.

Vectors stay sharp at any zoom and survive low-resolution rendering (the code must still
decode from a 72 dpi image), which a bitmap scaled into the PDF would not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import qrcode
from qrcode.constants import ERROR_CORRECT_M

# ISO/IEC 18004 asks for a light margin of four modules around the symbol.
QUIET_ZONE_MODULES = 4

Matrix = Sequence[Sequence[bool]]


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR symbol for `text` at error correction M, without quiet zone; True is dark.

    Encoding a version-11 symbol takes about 35 ms (mask selection in pure Python): compute
    it once per page and pass it to `qr_side` and `draw_matrix`.
    """
    # Level M (15 % recovery) keeps the symbol small enough for a long signed URL while
    # tolerating a stain or a fold on a printed certificate.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_svg(text: str, module: int = 8) -> str:
    """The QR symbol for `text` as a standalone SVG image (with its quiet zone), for a firm
    to print or put on its documents: vector, so it stays sharp at any size."""
    matrix = qr_matrix(text)
    side = len(matrix) + 2 * QUIET_ZONE_MODULES
    path = "".join(f"M{x + QUIET_ZONE_MODULES},{y + QUIET_ZONE_MODULES}h{length}v1h-{length}z"
                   for y, row in enumerate(matrix) for x, length in dark_runs(row))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
            f'width="{side * module}" height="{side * module}" shape-rendering="crispEdges">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path fill="#000" d="{path}"/></svg>')


def qr_side(matrix: Matrix, minimum: float) -> float:
    """The smallest side (points) of at least `minimum` whose modules are whole half-points.

    A 72 dpi rendering of a module of 2.05 pt at an unlucky position failed to decode; modules
    of exactly 2 or 2.5 pt on a whole-point origin decoded every time at 72 to 200 dpi.
    """
    modules = len(matrix) + 2 * QUIET_ZONE_MODULES
    return max(2.0, math.ceil(2 * minimum / modules) / 2) * modules


def dark_runs(row: Sequence[bool]) -> list[tuple[int, int]]:
    """(start column, length) of each horizontal run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = None
    for column, dark in enumerate([*row, False]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column - start))
            start = None
    return runs


def draw_matrix(canvas, matrix: Matrix, x: float, y: float, size: float) -> float:
    """Draw a QR symbol in the square of side `size` (points) whose lower-left is (x, y).

    The square includes the four-module quiet zone, painted white so that a coloured
    background cannot eat into it. Returns the width of one module in points.
    """
    module = size / (len(matrix) + 2 * QUIET_ZONE_MODULES)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # One path for the whole symbol: a single fill operator keeps the file small and
    # avoids hairline seams between rows that separate fills show when anti-aliased.
    path = canvas.beginPath()
    top = y + size - QUIET_ZONE_MODULES * module
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * module
        for start, length in dark_runs(row):
            path.rect(x + (QUIET_ZONE_MODULES + start) * module, row_y, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return module


def draw_qr(canvas, text: str, x: float, y: float, size: float) -> float:
    """Encode `text` and draw it with `draw_matrix`; returns the module width in points."""
    return draw_matrix(canvas, qr_matrix(text), x, y, size)
