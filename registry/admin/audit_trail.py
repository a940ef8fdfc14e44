"""The audit log as a list people read and export: filters (kind of object, object,
period), labels for the recorded operations, and each event's hash-chain link.

The exports carry `prev_hash` and `hash` of every event; the JSON also carries the exact
fields the hash covers (registry.auditlog.canonical), so a reader can recompute the chain
of an export: hash = SHA-256(prev_hash + "\\n" + canonical content). The exports run oldest
first, the order of the chain; the page shows the newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from registry.accounts.models import User
from registry.assessments.workflow import AssessmentState
from registry.auditlog import AuditEvent
from registry.extensions import db
from registry.tabular import Column, read_page, read_period, start_of

PAGE_SIZE = 100
# What an event is about (AuditEvent.object_type and the first part of its action).
OBJECT_LABELS = {
    "application": _l("Domanda"), "appeal": _l("Ricorso"), "assessment": _l("Valutazione"),
    "assignment": _l("Incarico di audit"), "certificate": _l("Certificato"),
    "decision": _l("Decisione"), "evidence": _l("Evidenza"), "finding": _l("Rilievo"),
    "firm": _l("Azienda"), "follow": _l("Iscrizione agli avvisi"),
    "keys": _l("Chiavi di firma"), "receipts": _l("Ricevute di verifica"),
    "site": _l("Sede operativa"), "user": _l("Utente"), "watchlist": _l("Elenco fornitori"),
    "webhook": _l("Webhook"),
}
# What was done (the rest of the action); one table for every kind of object.
VERB_LABELS = {
    "created": _l("creazione"), "updated": _l("modifica"), "deleted": _l("eliminazione"),
    AssessmentState.SUBMITTED: _l("invio"), "submit": _l("invio"),
    "withdraw": _l("ritiro o revoca"),
    "start_audit": _l("avvio dell'audit"), "request_changes": _l("richiesta di modifiche"),
    "complete_assessment": _l("valutazione completata"), "certify": _l("certificazione"),
    "refuse": _l("rifiuto"), "overturn": _l("decisione riformata"),
    "suspend": _l("sospensione"), "reinstate": _l("riattivazione"),
    "renounce": _l("rinuncia"), "expire": _l("scadenza"), "restore": _l("ripristino"),
    "issued": _l("emissione"), "reissued": _l("nuova revisione"),
    "transferred": _l("trasferimento"), "made": _l("decisione presa"),
    "lodged": _l("presentazione"), "decided": _l("decisione"), "assigned": _l("assegnazione"),
    "note_saved": _l("nota salvata"), "uploaded": _l("caricamento"),
    "new_version": _l("nuova versione"), "linked": _l("collegamento"),
    "plan": _l("piano di correzione"), "closed": _l("chiusura"),
    "scored": _l("punteggio"), "finding": _l("rilievo registrato"),
    "details": _l("dati dell'audit"), "declaration_signed": _l("dichiarazione firmata"),
    "conflict_declared": _l("conflitto di interessi dichiarato"),
    "change_requested": _l("richiesta di modifica del profilo"),
    "change_approved": _l("modifica del profilo approvata"),
    "change_refused": _l("modifica del profilo rifiutata"),
    "number_declared": _l("numero dichiarato"), "number_ended": _l("numero cessato"),
    "member_invited": _l("invito di un collaboratore"),
    "member_removed": _l("collaboratore rimosso"),
    "join_requested": _l("richiesta di adesione"), "join_accepted": _l("adesione accettata"),
    "invitation_cancelled": _l("invito annullato"),
    "invitation_accepted": _l("invito accettato"),
    "session_revoked": _l("sessione chiusa"), "sessions_revoked": _l("sessioni chiuse"),
    "second_factor_reset": _l("secondo fattore azzerato"),
    "second_factor_enrolled": _l("secondo fattore attivato"),
    "second_factor_disabled": _l("secondo fattore disattivato"),
    "reset_requested": _l("richiesta di nuova password"),
    "recovery_codes_replaced": _l("codici di recupero rinnovati"),
    "recovery_code_used": _l("codice di recupero usato"),
    "email_confirmed": _l("email confermata"), "requested": _l("richiesta"),
    "confirmed": _l("conferma"), "cancelled": _l("annullamento"), "added": _l("aggiunta"),
    "removed": _l("rimozione"), "imported": _l("importazione"),
    "digest": _l("riepilogo giornaliero"), "test": _l("prova"),
    "enabled": _l("attivazione"), "disabled": _l("disattivazione"),
}

OTHER_OPERATION = _l("altra operazione")


def object_label(code: str) -> str:
    """The kind of object, in words (an unknown kind: "altro")."""
    return str(OBJECT_LABELS.get(code, _l("altro")))


def action_label(action: str) -> str:
    """An action code such as `certificate.suspend` in words: "Certificato: sospensione"."""
    subject, _dot, verb = action.partition(".")
    return f"{object_label(subject)}: {VERB_LABELS.get(verb, OTHER_OPERATION)}"


@dataclass(frozen=True)
class TrailFilters:
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    def as_args(self) -> dict:
        """The filters as query arguments (no page: exports take every matching event)."""
        values = {"type": self.object_type, "object": self.object_id,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


def read_filters(args) -> tuple[TrailFilters, list[str]]:
    """The filters asked for and what was wrong with them (a wrong one is left out)."""
    problems: list[str] = []
    object_type = args.get("type", "")
    if object_type and object_type not in OBJECT_LABELS:
        problems.append(_("Il tipo di oggetto scelto non esiste."))
        object_type = ""
    since, until, wrong = read_period(args)
    problems += wrong
    return TrailFilters(object_type, args.get("object", "").strip()[:64], since, until,
                        read_page(args)), problems


def type_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in OBJECT_LABELS.items()),
                  key=lambda pair: pair[1])


def _query(filters: TrailFilters):
    query = db.select(AuditEvent)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= start_of(filters.since))
    if filters.until:
        query = query.where(AuditEvent.occurred_at
                            < start_of(filters.until + dt.timedelta(days=1)))
    return query


def page_of(filters: TrailFilters) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and how many match in all."""
    query = _query(filters)
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.order_by(AuditEvent.id.desc())
                                .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE))
    return list(events), total


def actor_emails(events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.email).where(User.id.in_(ids))).all())


COLUMNS = [
    Column("id", _l("Evento")), Column("occurred_at", _l("Data e ora (UTC)")),
    Column("actor", _l("Autore")), Column("action_label", _l("Operazione")),
    Column("object_label", _l("Oggetto")), Column("object_id", _l("Identificativo")),
    Column("note", _l("Nota")), Column("prev_hash", _l("Hash precedente")),
    Column("hash", _l("Hash")),
]
BATCH = 1000


def rows(filters: TrailFilters) -> Iterator[dict]:
    """Every matching event, oldest first, read in batches (memory stays flat)."""
    last = 0
    while True:
        events = list(db.session.scalars(_query(filters).where(AuditEvent.id > last)
                                         .order_by(AuditEvent.id).limit(BATCH)))
        if not events:
            return
        emails = actor_emails(events)
        for event in events:
            yield {
                "id": event.id,
                "occurred_at": event.occurred_at.astimezone(dt.UTC)
                .strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "actor_id": event.actor_id, "actor": emails.get(event.actor_id, ""),
                "action": event.action, "action_label": action_label(event.action),
                "object_type": event.object_type,
                "object_label": object_label(event.object_type),
                "object_id": event.object_id, "before": event.before, "after": event.after,
                "note": event.note, "prev_hash": event.prev_hash, "hash": event.hash,
            }
        last = events[-1].id
