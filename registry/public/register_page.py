"""What the register page shows that is the same on every request in a language: the filter
form's choices, the level stars and the verdict badges. Built once per process and
language (at the first page in that language), not per request nor per row: a page of
twenty rows used to translate, escape and format them twenty times over, and the form's
150 options on every request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import render_template_string
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from registry.certificates.labels import level_option, level_stars
from registry.certificates.status import CertificateStatus as Status
from registry.certificates.verdict import Verdict
from registry.firms.forms import CHANNEL_LABELS, SERVICE_TYPE_LABELS
from registry.firms.geography import REGIONS, province_choices

LEVELS = ("L1", "L2", "L3")
_BADGE = '{% include "public/_verdict_badge.html" %}'


@dataclass(frozen=True)
class Fixed:
    """One language's choices (value, option, option selected) per select, stars per level
    and badge per verdict."""

    selects: dict[str, tuple[tuple[str, Markup, Markup], ...]]
    stars: dict[str, Markup]
    badges: dict[str, Markup]

    def options(self, name: str, selected: str) -> Markup:
        """The <option>s of select `name`, with `selected` marked."""
        # Every piece is Markup already: a plain join, not Markup.join (which escapes each).
        return Markup("".join([chosen if value == selected else plain  # noqa: S704
                               for value, plain, chosen in self.selects[name]]))


class _Stars(dict):
    """Stars per level code; a level the scheme adds later is drawn when first asked."""

    def __missing__(self, level: str) -> Markup:
        return level_stars(level)


def _choices(pairs) -> tuple[tuple[str, Markup, Markup], ...]:
    return tuple((str(value), Markup('<option value="{}">{}</option>').format(value, label),
                  Markup('<option value="{}" selected>{}</option>').format(value, label))
                 for value, label in pairs)


def _build() -> Fixed:
    """In the request's language (every label is translated here, once)."""
    regions = sorted(set(REGIONS))
    selects = {
        "status": _choices([(Status.VALID, _("Valido")), (Status.SUSPENDED, _("Sospeso")),
                            (Status.WITHDRAWN, _("Revocato")), (Status.EXPIRED, _("Scaduto")),
                            (Status.RENOUNCED, _("Rinunciato"))]),
        "region": _choices((region, region) for region in regions),
        "level": _choices((level, level_option(level)) for level in LEVELS),
        "site_region": _choices((region, region) for region in regions),
        "site_province": _choices(province_choices()),
        "service": _choices((code, str(label)) for code, label in SERVICE_TYPE_LABELS.items()),
        "channel": _choices((code, str(label)) for code, label in CHANNEL_LABELS.items()),
        "sort": _choices([("name", _("Ragione sociale")), ("valid_until", _("Scadenza")),
                          ("level", _("Livello"))]),
    }
    # The badges come from the autoescaping template every other page includes.
    badges = {str(verdict): Markup(render_template_string(_BADGE, v=str(verdict)))  # noqa: S704
              for verdict in Verdict}
    return Fixed(selects=selects, stars=_Stars({level: level_stars(level) for level in LEVELS}),
                 badges=badges)


_built: dict[str, Fixed] = {}
_lock = threading.Lock()


def fixed() -> Fixed:
    """The current language's choices, stars and badges."""
    language = str(get_locale() or "it")
    found = _built.get(language)
    if found is None:
        with _lock:
            found = _built.get(language) or _build()
            _built[language] = found
    return found

