"""What the verify page answers: is this certificate valid on a given day? (pure)

The recorded status says what happened; the dates say when it applies. A certificate is
never shown as valid outside its validity dates, even before the nightly job records expiry.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from registry.certificates.status import TERMINAL, CertificateStatus
from registry.wording import N_


class Verdict(enum.StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    NOT_FOUND = "not_found"
    NOT_AUTHENTIC = "not_authentic"


VERDICT_LABELS = {
    Verdict.VALID: N_("Valido"), Verdict.SUSPENDED: N_("Sospeso"),
    Verdict.WITHDRAWN: N_("Revocato"), Verdict.EXPIRED: N_("Scaduto"),
    Verdict.NOT_YET_VALID: N_("Non ancora valido"), Verdict.NOT_FOUND: N_("Non trovato"),
    Verdict.NOT_AUTHENTIC: N_("Non autentico"),
}

# Recorded statuses that end validity for good, mapped to the contract's verdicts: a
# renounced or superseded certificate is no longer valid, exactly like a withdrawn one.
ENDED_AS = {CertificateStatus.WITHDRAWN: Verdict.WITHDRAWN,
            CertificateStatus.RENOUNCED: Verdict.WITHDRAWN,
            CertificateStatus.EXPIRED: Verdict.EXPIRED,
            CertificateStatus.SUPERSEDED: Verdict.WITHDRAWN}
assert set(ENDED_AS) == TERMINAL, "every terminal status needs its verdict"


@dataclass(frozen=True)
class Change:
    """One entry of the status history."""

    status: str
    effective_on: dt.date


def status_on(history: Sequence[Change], day: dt.date) -> str | None:
    """The recorded status in force on `day` (the last change effective on or before it)."""
    current = None
    for change in sorted(history, key=lambda c: c.effective_on):
        if change.effective_on <= day:
            current = change.status
    return current


def verdict(valid_from: dt.date, valid_until: dt.date, history: Sequence[Change],
            day: dt.date) -> Verdict:
    """The answer for `day`: dates first, then the status history."""
    if day < valid_from:
        return Verdict.NOT_YET_VALID
    status = status_on(history, day)
    if status in TERMINAL:
        return ENDED_AS[CertificateStatus(status)]
    if day > valid_until:
        return Verdict.EXPIRED
    if status == CertificateStatus.SUSPENDED:
        return Verdict.SUSPENDED
    if status == CertificateStatus.VALID:
        return Verdict.VALID
    return Verdict.NOT_YET_VALID
