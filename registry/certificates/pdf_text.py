"""Text and shapes for the certificate PDF with the base-14 fonts (Helvetica, Courier).

The base-14 fonts use WinAnsi (cp1252): Italian accents render, but a "★" or a Polish "Ł"
would print as a black box or fall back to another font, so text is cleaned first and
stars are drawn as shapes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

INK = (0.1, 0.1, 0.1)
# Letters outside cp1252 that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans("ŁłĐđĦħı", "LlDdHhi")


def italian_date(day: date) -> str:
    """DD/MM/YYYY, as Italian documents write dates."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def clean_text(text: str) -> str:
    """Text the base-14 fonts can show (WinAnsi): accents stay, stars go, rest degrades."""
    text = re.sub(r"\s+", " ", str(text).replace("★", "").replace("☆", "")).translate(_LETTERS)
    # "ő" would print as a black box: keep the base letter when there is one.
    return "".join(
        ch if ch.encode("cp1252", "ignore")
        else "".join(b for b in unicodedata.normalize("NFKD", ch) if b.isascii()) or "?"
        for ch in text
    )


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap on spaces, then cut any word still too wide (a URL) at character boundaries."""
    lines: list[str] = []
    for line in simpleSplit(clean_text(text).strip(), font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def draw_text(c: Canvas, x: float, y: float, text: str, font: str, size: float,
              colour: tuple[float, float, float] = INK, centre: bool = False) -> float:
    """Draw one cleaned line at (x, y), or centred on x; return its width."""
    text = clean_text(text)
    c.setFont(font, size)
    c.setFillColorRGB(*colour)
    (c.drawCentredString if centre else c.drawString)(x, y, text)
    return stringWidth(text, font, size)


def draw_star(c: Canvas, cx: float, cy: float, radius: float, colour: tuple[float, float, float],
              filled: bool) -> None:
    """A five-pointed star centred on (cx, cy), filled or hollow, outlined in `colour`."""
    path = c.beginPath()
    for point in range(10):
        r = radius if point % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + point * math.pi / 5
        (path.lineTo if point else path.moveTo)(cx + r * math.cos(angle), cy + r * math.sin(angle))
    path.close()
    c.setFillColorRGB(*(colour if filled else (1, 1, 1)))
    c.setStrokeColorRGB(*colour)
    c.drawPath(path, stroke=1, fill=1)
