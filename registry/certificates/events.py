"""What happened to a certificate, announced to whoever listens (one-way dependencies).

Certificates do not know who watches them: issuance, `lifecycle.change_status` and revisions
each send one signal from the one place the change happens, inside the caller's
transaction. A later feature (watching suppliers) connects at start-up and writes its outbox
rows in the same session, so a change that is rolled back leaves nothing to deliver.
"""

from __future__ import annotations

import enum

from blinker import Namespace


class EventKind(enum.StrEnum):
    """The event names of the public contract (webhooks; contract.md)."""

    ISSUED = "certificate.issued"
    # suspension, reinstatement, withdrawal, expiry, renunciation, restoration on appeal
    STATUS_CHANGED = "certificate.status_changed"
    REVISED = "certificate.revised"
    LEVEL_CHANGED = "certificate.level_changed"


_signals = Namespace()

# Sent with: kind (EventKind), certificate (the Certificate now on record, flushed),
# change (a JSON-ready dict describing the change).
certificate_event = _signals.signal("certificate-event")


def emit(kind: EventKind, certificate, **change) -> None:
    """Announce `kind` for `certificate`; listeners write in the current session."""
    certificate_event.send(kind, certificate=certificate, change=change)
