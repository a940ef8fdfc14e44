"""Names of levels and certificate statuses as people read them."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

LEVELS = {"L1": "Bollino Blu ★", "L2": "Bollino Blu ★★", "L3": "Bollino Blu ★★★"}
STATUSES = {"valid": _l("valido"), "suspended": _l("sospeso"), "withdrawn": _l("revocato"),
            "expired": _l("scaduto"), "renounced": _l("rinunciato"),
            "superseded": _l("sostituito da una nuova revisione")}


def level_label(code: str | None) -> str:
    return LEVELS.get(code or "", code or "—")


def status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(level_label=level_label, status_label=status_label)
