"""Kinds and states of the watching feature (standard library only)."""

from __future__ import annotations

import enum

from registry.wording import N_


class Digest(enum.StrEnum):
    """How a client account hears of changes to its suppliers by email."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NONE = "none"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    # every retry used, or the endpoint was disabled before it could be delivered
    FAILED = "failed"


DIGEST_LABELS = {Digest.IMMEDIATE: N_("subito, un'email per ogni cambiamento"),
                 Digest.DAILY: N_("un riepilogo al giorno"),
                 Digest.NONE: N_("nessuna email")}
DELIVERY_LABELS = {DeliveryState.PENDING: N_("in attesa"),
                   DeliveryState.SUCCEEDED: N_("consegnato"),
                   DeliveryState.FAILED: N_("non consegnato")}
