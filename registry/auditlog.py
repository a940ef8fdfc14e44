"""The append-only, hash-chained log of every state change in the registry.

Each event stores the SHA-256 of the previous event's hash plus its own canonical content, so
changing, deleting or reordering any row breaks the chain from that row on, and
`flask --app registry audit-log verify` finds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import utcnow
from registry.extensions import db

GENESIS = "0" * 64


class AuditEvent(db.Model):
    """One recorded change: who did what to which object, with the values before and after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(Text)


def canonical(event: AuditEvent) -> bytes:
    """The bytes that the hash covers; stable across SQLite and PostgreSQL round trips."""
    content = {
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "note": event.note,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and this event's canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def _jsonable(value):
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def record(action: str, obj_type: str, obj_id, *, actor=None, before=None, after=None,
           note: str | None = None) -> AuditEvent:
    """Append an event to the chain in the current transaction (flushes, never commits).

    On PostgreSQL a transaction-scoped advisory lock serialises writers, so two concurrent
    transactions can never both link to the same previous event.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event = AuditEvent(
        id=(last.id + 1) if last else 1,
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", actor),
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        before=_jsonable(before),
        after=_jsonable(after),
        note=note,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = chain_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of walking the chain: how many events, and the first broken link if any."""

    checked: int
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(batch: int = 2000) -> ChainCheck:
    """Walk every event in order and recompute each link; report the first one that fails."""
    prev_hash, expected_id, checked = GENESIS, 1, 0
    last_id = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            return ChainCheck(checked)
        for event in events:
            if event.id != expected_id:
                return ChainCheck(checked, event.id,
                                  f"expected event {expected_id}, found {event.id}")
            if event.prev_hash != prev_hash:
                return ChainCheck(checked, event.id, "previous-hash link does not match")
            if chain_hash(prev_hash, event) != event.hash:
                return ChainCheck(checked, event.id, "content does not match its hash")
            prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
            last_id = event.id
        db.session.expunge_all()
