"""Names of levels and certificate statuses as people read them.

Level names come from the scheme's `levels` (★, ★★, ★★★), statuses and actions from the
label tables beside their enums: no stored code (`L2`, `suspended`) reaches a person.
"""

from __future__ import annotations

from flask_babel import get_locale, ngettext
from markupsafe import Markup

from audits.schemes_store import level_of
from registry.certificates.status import (
    ACTION_LABELS,
    STATUS_LABELS,
    CertificateAction,
    CertificateStatus,
)
from registry.certificates.verdict import VERDICT_LABELS, Verdict
from registry.i18n import labeller

status_label = labeller(CertificateStatus, STATUS_LABELS)
verdict_label = labeller(Verdict, VERDICT_LABELS)
action_label = labeller(CertificateAction, ACTION_LABELS)


def level_label(code: str | None, lang: str | None = None) -> str:
    """The level's name in the scheme ("Bollino Blu ★★"), in `lang` or the page's language."""
    if not code:
        return "—"
    level = level_of(code)
    if level is None:
        return code
    return level.label(lang or str(get_locale() or "it"))


def level_words(code: str | None) -> str:
    """The level for a screen reader or a plain text: "2 stelle su 3"."""
    level = level_of(code) if code else None
    if level is None:
        return "—"
    return ngettext("%(num)d stella su 3", "%(num)d stelle su 3", level.rank)


def level_option(code: str) -> str:
    """A level in a <select>: its label and words ("Bollino Blu ★★ (2 stelle su 3)")."""
    return f"{level_label(code)} ({level_words(code)})"


def level_stars(code: str | None, full: bool = False) -> Markup:
    """The level as stars a sighted reader sees ("★★", or the scheme's label with `full`) and
    words a screen reader says ("Bollino Blu, 2 stelle su 3")."""
    level = level_of(code) if code else None
    if level is None:
        return Markup("—")
    label = level_label(code)
    shown = label if full else "★" * level.rank
    spoken = f"{label.replace('★', '').strip()}, {level_words(code)}"
    return Markup('<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>'
                  ).format(shown, spoken)
