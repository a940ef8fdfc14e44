"""Requests to join a firm's profile: their kinds and statuses (standard library only)."""

from __future__ import annotations

import enum


class MembershipKind(enum.StrEnum):
    """Asked by a person (`join`) or offered by the firm's owner (`invite`)."""

    JOIN = "join"
    INVITE = "invite"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
