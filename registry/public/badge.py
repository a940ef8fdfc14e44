"""The live badge a firm shows on its own website: its current verdict and level, drawn at
request time as SVG (or PNG, with Pillow) from the register's current-certificate pointer
and the verdict the register listing gives (`lookup.listed`).

The SVG is self-contained (no script, no external reference, no font file) so it renders as
an `<img>` on any site; the stars are drawn as shapes, so no font needs a ★ glyph.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont

from audits.schemes_store import level_of
from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.certificates.verdict import VERDICT_LABELS, Verdict
from registry.extensions import db
from registry.firms.models import Firm
from registry.links import external_url

LANGUAGES = ("it", "en")
HEIGHT = 20
FONT_SIZE = 11
PAD = 6  # around each text
STAR = 12  # width of one star
NONE = "none"  # the firm holds no certificate

# background, text colour for each state; each of them distinct and readable (≥ 4.5:1).
LEFT = ("#06c", "#fff")
COLOURS = {Verdict.VALID: ("#007a4d", "#fff"), Verdict.SUSPENDED: ("#ffb400", "#1a1a1a"),
           Verdict.NOT_YET_VALID: ("#ffe08a", "#1a1a1a"),
           Verdict.WITHDRAWN: ("#b71918", "#fff"), Verdict.EXPIRED: ("#5c6f82", "#fff"),
           NONE: ("#3d3d3d", "#fff")}


@dataclass(frozen=True)
class Badge:
    """What the badge says: the verdict (or NONE), the level's rank and label when valid."""

    firm_name: str
    state: str
    stars: int
    level_label: str | None
    words: str
    title: str
    lang: str


def language(asked: str | None) -> str:
    """Italian unless English is asked for (`?lang=en`); the visitor's session never counts,
    so the same address always draws the same badge."""
    return asked if asked in LANGUAGES else "it"


def badge_of(firm_id: int, lang: str) -> Badge | None:
    """The firm's badge now, in `lang`; None for a firm the registry does not know."""
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        return None
    certificate = (db.session.get(Certificate, firm.current_certificate_id)
                   if firm.current_certificate_id is not None else None)
    with force_locale(lang):
        if certificate is None:
            words = _("Non certificata")
            return Badge(firm.name, NONE, 0, None, words,
                         _("%(firm)s: Bollino Blu — %(words)s", firm=firm.name, words=words),
                         lang)
        verdict = lookup.listed(certificate).verdict
        words = _(VERDICT_LABELS[verdict])
        level = level_of(certificate.level)
        label = level.label(lang) if level is not None else None
        shows_level = verdict == Verdict.VALID and level is not None
        title = _("%(firm)s: %(level)s — %(words)s", firm=firm.name, level=label,
                  words=words) if shows_level else _(
            "%(firm)s: Bollino Blu — %(words)s", firm=firm.name, words=words)
        return Badge(firm.name, str(verdict), level.rank if shows_level else 0,
                     label if shows_level else None, words, title, lang)


def link_of(firm_id: int) -> str | None:
    """Where the badge leads: the verify page of the firm's current certificate (None while
    the firm holds none)."""
    firm = db.session.get(Firm, firm_id)
    certificate = (db.session.get(Certificate, firm.current_certificate_id)
                   if firm is not None and firm.current_certificate_id is not None else None)
    if certificate is None:
        return None
    return external_url("public.verify", number=certificate.number)


def snippet(firm_id: int) -> str | None:
    """The HTML a firm copies into its website: the badge inside a link to the verify page
    (None while the firm holds no certificate: there is nothing to link to)."""
    link = link_of(firm_id)
    if link is None:
        return None
    with force_locale("it"):
        alt = _("Bollino Blu: stato della certificazione nel registro pubblico")
    image = external_url("public.firm_badge", firm_id=firm_id, kind="svg")
    return (f'<a href="{escape(link)}"><img src="{escape(image)}" alt="{escape(alt)}" '
            f'height="{HEIGHT}"></a>')


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=FONT_SIZE)


def _text_width(text: str) -> int:
    return math.ceil(_font().getlength(text))


def _layout(badge: Badge) -> tuple[str, int, int, int]:
    """(left text, left width, right width, total width)."""
    left = "Bollino Blu"
    left_w = _text_width(left) + 2 * PAD
    right_w = badge.stars * STAR + (4 if badge.stars else 0) + _text_width(badge.words) + 2 * PAD
    return left, left_w, right_w, left_w + right_w


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.42
    return [(cx + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
             cy - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5))
            for i in range(10)]


def _stars(badge: Badge, x0: int) -> list[list[tuple[float, float]]]:
    return [_star(x0 + PAD + STAR * i + STAR / 2, HEIGHT / 2, 5.5) for i in range(badge.stars)]


def svg(badge: Badge) -> bytes:
    """The badge as a self-contained, accessible SVG document (each text is fitted to the
    width measured with Pillow's font, whatever font the viewer has)."""
    left, left_w, right_w, width = _layout(badge)
    bg, ink = COLOURS[badge.state]
    title = escape(badge.title)
    stars = "".join('<polygon points="{}" fill="{}"/>'.format(
        " ".join(f"{x:.1f},{y:.1f}" for x, y in points), ink)
        for points in _stars(badge, left_w))
    words_x = left_w + PAD + badge.stars * STAR + (4 if badge.stars else 0)
    text = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-labelledby="t" '
            f'xml:lang="{badge.lang}" data-state="{badge.state}">'
            f'<title id="t">{title}</title>'
            f'<rect width="{left_w}" height="{HEIGHT}" rx="3" fill="{LEFT[0]}"/>'
            f'<rect x="{left_w}" width="{right_w}" height="{HEIGHT}" rx="3" fill="{bg}"/>'
            f'<rect x="{left_w}" width="4" height="{HEIGHT}" fill="{bg}"/>'
            f'<g font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="{FONT_SIZE}" '
            f'aria-hidden="true">'
            f'<text x="{PAD}" y="14" fill="{LEFT[1]}" textLength="{_text_width(left)}" '
            f'lengthAdjust="spacingAndGlyphs">{left}</text>'
            f'{stars}'
            f'<text x="{words_x}" y="14" fill="{ink}" textLength="{_text_width(badge.words)}" '
            f'lengthAdjust="spacingAndGlyphs">{escape(badge.words)}</text>'
            f'</g></svg>')
    return text.encode()


@lru_cache(maxsize=512)
def png(badge: Badge, scale: int = 2) -> bytes:
    """The same badge as a PNG (drawn twice as large, for sharp screens). Kept per badge
    content: a firm's image is drawn again only when what it says changes."""
    left, left_w, _right_w, width = _layout(badge)
    bg, ink = COLOURS[badge.state]
    image = Image.new("RGBA", (width * scale, HEIGHT * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=FONT_SIZE * scale)
    draw.rounded_rectangle((0, 0, width * scale - 1, HEIGHT * scale - 1), radius=3 * scale,
                           fill=bg)
    draw.rounded_rectangle((0, 0, left_w * scale, HEIGHT * scale - 1), radius=3 * scale,
                           fill=LEFT[0])
    draw.rectangle(((left_w - 3) * scale, 0, left_w * scale, HEIGHT * scale - 1), fill=LEFT[0])
    middle = HEIGHT * scale / 2
    draw.text((PAD * scale, middle), left, font=font, fill=LEFT[1], anchor="lm")
    for points in _stars(badge, left_w):
        draw.polygon([(x * scale, y * scale) for x, y in points], fill=ink)
    words_x = left_w + PAD + badge.stars * STAR + (4 if badge.stars else 0)
    draw.text((words_x * scale, middle), badge.words, font=font, fill=ink, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
