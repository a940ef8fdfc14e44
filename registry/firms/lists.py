"""The officer's list of pending requests to change certified data, as a table for the
CSV/XLSX/JSON export of the /firms/changes page (same rows, oldest first)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import lazy_gettext as _l

from registry.firms.labels import change_kind_label, change_label
from registry.firms.models import ProfileChange
from registry.tabular import Column

CHANGE_COLUMNS = [
    Column("id", _l("Richiesta")), Column("firm", _l("Azienda")),
    Column("vat_number", _l("Partita IVA")), Column("kind_label", _l("Tipo")),
    Column("requested_at", _l("Presentata il")), Column("status_label", _l("Stato")),
]


def change_rows(changes: Iterable[ProfileChange]) -> Iterator[dict]:
    """Labels for people; `kind` and `status` codes for programs (JSON)."""
    for c in changes:
        yield {"id": c.id, "firm": c.firm.name, "vat_number": c.firm.vat_number,
               "kind": c.kind, "kind_label": change_kind_label(c.kind),
               "requested_at": c.requested_at.isoformat() if c.requested_at else None,
               "status": c.status, "status_label": change_label(c.status)}
