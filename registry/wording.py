"""Marks words for translation where Flask-Babel may not be imported (standard library only).

The pure workflow and status modules name their states in Italian with `N_(...)`; extraction
picks the marker up (`pybabel extract -k N_`), and `registry.i18n.labeller` translates the
word when a person reads it. The stored codes (`under_audit`, `L2`) never reach a person.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Return `message` unchanged: it is only marked for extraction."""
    return message
