"""A certificate's recorded statuses and the lifecycle actions between them (standard
library only).

`LIVE` certificates are the ones the register may still show as valid or suspended;
`TERMINAL` statuses end a certificate for good. Whether a certificate is valid on a given day
is the verdict's business (`verdict.py`), which reads these sets.
"""

from __future__ import annotations

import enum

from registry.wording import N_


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    RENOUNCED = "renounced"
    # An older revision of a certificate whose printed data changed: the number lives on.
    SUPERSEDED = "superseded"


class CertificateAction(enum.StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    WITHDRAW = "withdraw"
    RENOUNCE = "renounce"
    EXPIRE = "expire"
    # A withdrawal set aside on appeal (never a person's button: only the appeal's outcome).
    RESTORE = "restore"


C = CertificateStatus

LIVE = frozenset({C.VALID, C.SUSPENDED})
TERMINAL = frozenset({C.WITHDRAWN, C.EXPIRED, C.RENOUNCED, C.SUPERSEDED})
# The statuses a firm's current certificate can have in the public register (a superseded
# revision is never a firm's current certificate), in the order filters list them.
LISTED = (C.VALID, C.SUSPENDED, C.WITHDRAWN, C.EXPIRED, C.RENOUNCED)

# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[CertificateAction, tuple[frozenset[CertificateStatus], CertificateStatus]] = {
    CertificateAction.SUSPEND: (frozenset({C.VALID}), C.SUSPENDED),
    CertificateAction.REINSTATE: (frozenset({C.SUSPENDED}), C.VALID),
    CertificateAction.WITHDRAW: (LIVE, C.WITHDRAWN),
    CertificateAction.RENOUNCE: (LIVE, C.RENOUNCED),
    CertificateAction.EXPIRE: (LIVE, C.EXPIRED),
    CertificateAction.RESTORE: (frozenset({C.WITHDRAWN}), C.VALID),
}
# Adverse status changes a firm may appeal against, and what an upheld appeal does.
APPEAL_REVERSALS = {C.SUSPENDED: CertificateAction.REINSTATE,
                    C.WITHDRAWN: CertificateAction.RESTORE}
# Who may take which action by hand (expiry is only ever the daily job's).
OFFICER_ACTIONS = frozenset({CertificateAction.SUSPEND, CertificateAction.REINSTATE,
                             CertificateAction.WITHDRAW})
# A firm may renounce its certificate, or ask for it to be suspended (domain.md §3.4).
FIRM_ACTIONS = frozenset({CertificateAction.SUSPEND, CertificateAction.RENOUNCE})

STATUS_LABELS = {
    C.VALID: N_("valido"), C.SUSPENDED: N_("sospeso"), C.WITHDRAWN: N_("revocato"),
    C.EXPIRED: N_("scaduto"), C.RENOUNCED: N_("rinunciato"),
    C.SUPERSEDED: N_("sostituito da una nuova revisione"),
}
# What the register says publicly when the firm itself acts: public reasons are written by
# staff or by the scheme, never by the firm (its own words stay internal).
FIRM_ACTION_REASONS = {
    CertificateAction.SUSPEND: N_("Sospeso su richiesta dell'azienda"),
    CertificateAction.RENOUNCE: N_("Rinuncia dell'azienda al certificato"),
}
ACTION_LABELS = {
    CertificateAction.SUSPEND: N_("Sospendi"), CertificateAction.REINSTATE: N_("Riattiva"),
    CertificateAction.WITHDRAW: N_("Revoca"),
    CertificateAction.RENOUNCE: N_("Rinuncia al certificato"),
    CertificateAction.EXPIRE: N_("Scadenza"),
    CertificateAction.RESTORE: N_("Ripristino dopo il ricorso"),
}


def actions_from(status: CertificateStatus | str) -> list[CertificateAction]:
    """The actions the table allows from `status`, in table order."""
    return [action for action, (sources, _target) in TRANSITIONS.items()
            if CertificateStatus(status) in sources]
