"""Names of levels and certificate statuses as people read them.

Level names come from the scheme's `levels` (★, ★★, ★★★), statuses and actions from the
label tables beside their enums: no stored code (`L2`, `suspended`) reaches a person.
"""

from __future__ import annotations

from flask_babel import get_locale

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
