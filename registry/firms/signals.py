"""Signals other features listen to, so firms need not import them (one-way dependencies)."""

from blinker import Namespace

_signals = Namespace()

# Sent after a firm's profile or one of its operating sites changed (kwargs: firm, actor).
firm_changed = _signals.signal("firm-changed")
