"""Requests to join a firm's profile: their kinds and statuses (standard library only)."""

from __future__ import annotations

import enum

from registry.wording import N_


class MembershipKind(enum.StrEnum):
    """Asked by a person (`join`) or offered by the firm's owner (`invite`)."""

    JOIN = "join"
    INVITE = "invite"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ProfileChangeStatus(enum.StrEnum):
    """A request to change what a certificate prints or the register shows about a firm."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


# Once a firm has applied, these change only through a request an officer approves: what a
# certificate prints (name, legal form, registered office), who answers for the firm (the
# legal representative) and the traffic shares the register reports (domain.md §3.3, the
# 30-day notice rule). The partita IVA never changes on a firm.
IDENTITY_FIELDS = (
    "name", "legal_form", "tax_code", "office_street", "office_postcode", "office_comune",
    "office_province", "office_region", "legal_rep_name", "legal_rep_tax_code",
    "legal_rep_role", "traffic_italy_pct", "traffic_eu_pct", "traffic_extra_eu_pct",
    "extra_eu_countries",
)

class ProfileChangeKind(enum.StrEnum):
    """What a request changes: the profile's identity fields, or an operating site."""

    PROFILE = "profile"
    SITE_ADD = "site_add"
    SITE_UPDATE = "site_update"
    SITE_CLOSE = "site_close"


CHANGE_LABELS = {ProfileChangeStatus.PENDING: N_("in attesa di approvazione"),
                 ProfileChangeStatus.APPROVED: N_("approvata"),
                 ProfileChangeStatus.REFUSED: N_("respinta")}
KIND_LABELS = {ProfileChangeKind.PROFILE: N_("dati dell'azienda"),
               ProfileChangeKind.SITE_ADD: N_("nuova sede operativa"),
               ProfileChangeKind.SITE_UPDATE: N_("modifica di una sede operativa"),
               ProfileChangeKind.SITE_CLOSE: N_("chiusura di una sede operativa")}


class NoticeAuthority(enum.StrEnum):
    """Who an art. 24-bis DL 83/2012 notice goes to (domain.md S13, S15)."""

    LABOUR = "labour"  # Ministero del Lavoro and INL: the workers involved
    MIMIT = "mimit"  # the public numbers used and their countries
    GARANTE = "garante"  # the measures that keep Italian privacy law applied


class DelocalisationStatus(enum.StrEnum):
    """Where a firm (or one of its moves abroad) stands with the art. 24-bis notices."""

    NOT_CONCERNED = "not_concerned"
    COMPLIANT = "compliant"
    LATE = "late"
    MISSING = "missing"


# A move abroad needs the three notices; a firm is flagged to the ministry when one is
# missing or came late.
REQUIRED_AUTHORITIES = frozenset(NoticeAuthority)
FLAGGED = frozenset({DelocalisationStatus.MISSING, DelocalisationStatus.LATE})

AUTHORITY_LABELS = {
    NoticeAuthority.LABOUR: N_("Ministero del Lavoro e INL"),
    NoticeAuthority.MIMIT: N_("Ministero delle Imprese e del Made in Italy (MIMIT)"),
    NoticeAuthority.GARANTE: N_("Garante per la protezione dei dati personali"),
}
DELOCALISATION_LABELS = {
    DelocalisationStatus.NOT_CONCERNED: N_("nessuna attività fuori dall'UE"),
    DelocalisationStatus.COMPLIANT: N_("comunicazioni in regola"),
    DelocalisationStatus.LATE: N_("comunicazione tardiva"),
    DelocalisationStatus.MISSING: N_("comunicazione mancante"),
}
