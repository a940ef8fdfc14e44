"""Kinds, states, actions, categories and outcomes of complaints (standard library only).

A complaint is received, acknowledged by an officer (within ACK_DAYS), possibly forwarded to
the firm for its response, and closed with an outcome: unfounded, resolved, not for this
register, a short-notice audit opened, or a suspension proposed. Every step is one action of
TRANSITIONS and leaves one history row.
"""

from __future__ import annotations

import enum

from registry.wording import N_

# D.Lgs. 24/2023 art. 5: the reporter is told the report was received within seven days.
ACK_DAYS = 7
# The daily job reminds officers of complaints still unacknowledged after this many days.
REMIND_AFTER_DAYS = 5


class ComplaintKind(enum.StrEnum):
    """`public`: a person who received a call; `worker`: the anonymous channel for the
    firm's workers (no identity stored, a receipt code instead)."""

    PUBLIC = "public"
    WORKER = "worker"


class ComplaintState(enum.StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_FIRM = "awaiting_firm"
    CLOSED = "closed"


class ComplaintAction(enum.StrEnum):
    """What happens to a complaint; each is one row of its history."""

    FILE = "file"
    ACKNOWLEDGE = "acknowledge"
    CLASSIFY = "classify"
    LINK = "link"
    ASK_FIRM = "ask_firm"
    FIRM_ANSWER = "firm_answer"
    REPORTER_MESSAGE = "reporter_message"
    OFFICER_MESSAGE = "officer_message"
    OPEN_AUDIT = "open_audit"
    PROPOSE_SUSPENSION = "propose_suspension"
    CLOSE = "close"


class ComplaintCategory(enum.StrEnum):
    UNSOLICITED_CALL = "unsolicited_call"
    MISLEADING_SALES = "misleading_sales"
    UNDECLARED_NUMBER = "undeclared_number"
    PRIVACY = "privacy"
    WORKING_CONDITIONS = "working_conditions"
    OTHER = "other"


class ComplaintOutcome(enum.StrEnum):
    UNFOUNDED = "unfounded"
    RESOLVED = "resolved"
    NOT_COMPETENT = "not_competent"
    AUDIT_OPENED = "audit_opened"
    SUSPENSION_PROPOSED = "suspension_proposed"


OPEN = frozenset({ComplaintState.RECEIVED, ComplaintState.ACKNOWLEDGED,
                  ComplaintState.AWAITING_FIRM})
TRIAGED = frozenset({ComplaintState.ACKNOWLEDGED, ComplaintState.AWAITING_FIRM})

# (state, action) → the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[ComplaintState, ComplaintAction], ComplaintState] = {
    (ComplaintState.RECEIVED, ComplaintAction.ACKNOWLEDGE): ComplaintState.ACKNOWLEDGED,
    (ComplaintState.ACKNOWLEDGED, ComplaintAction.ASK_FIRM): ComplaintState.AWAITING_FIRM,
    (ComplaintState.AWAITING_FIRM, ComplaintAction.FIRM_ANSWER): ComplaintState.ACKNOWLEDGED,
    **{(state, action): state for state in TRIAGED
       for action in (ComplaintAction.CLASSIFY, ComplaintAction.LINK)},
    **{(state, action): state for state in OPEN
       for action in (ComplaintAction.REPORTER_MESSAGE, ComplaintAction.OFFICER_MESSAGE)},
    **{(state, action): ComplaintState.CLOSED for state in TRIAGED
       for action in (ComplaintAction.OPEN_AUDIT, ComplaintAction.PROPOSE_SUSPENSION)},
    **{(state, ComplaintAction.CLOSE): ComplaintState.CLOSED for state in OPEN},
}

# Who acts: officers triage, the firm answers, the worker writes through the receipt code.
OFFICER_ACTIONS = frozenset({ComplaintAction.ACKNOWLEDGE, ComplaintAction.CLASSIFY,
                             ComplaintAction.LINK, ComplaintAction.ASK_FIRM,
                             ComplaintAction.OFFICER_MESSAGE, ComplaintAction.OPEN_AUDIT,
                             ComplaintAction.PROPOSE_SUSPENSION, ComplaintAction.CLOSE})
FIRM_ACTIONS = frozenset({ComplaintAction.FIRM_ANSWER})
REPORTER_ACTIONS = frozenset({ComplaintAction.REPORTER_MESSAGE})
# Messages exist only on the anonymous channel (a public reporter has no way back in).
WORKER_ONLY = frozenset({ComplaintAction.REPORTER_MESSAGE, ComplaintAction.OFFICER_MESSAGE})
# Closing outcomes an officer picks on the close form (the other two have their own steps).
CLOSE_OUTCOMES = (ComplaintOutcome.UNFOUNDED, ComplaintOutcome.RESOLVED,
                  ComplaintOutcome.NOT_COMPETENT)
ACTION_OUTCOMES = {ComplaintAction.OPEN_AUDIT: ComplaintOutcome.AUDIT_OPENED,
                   ComplaintAction.PROPOSE_SUSPENSION: ComplaintOutcome.SUSPENSION_PROPOSED}
# The history rows each side reads: the worker never sees the firm's exchange, the firm
# never sees the worker's messages (they could identify the worker).
REPORTER_VISIBLE = frozenset({ComplaintAction.FILE, ComplaintAction.ACKNOWLEDGE,
                              ComplaintAction.REPORTER_MESSAGE,
                              ComplaintAction.OFFICER_MESSAGE, ComplaintAction.OPEN_AUDIT,
                              ComplaintAction.PROPOSE_SUSPENSION, ComplaintAction.CLOSE})
FIRM_VISIBLE = frozenset({ComplaintAction.ASK_FIRM, ComplaintAction.FIRM_ANSWER,
                          ComplaintAction.CLOSE})


def allowed_actions(state: str, kind: str) -> frozenset[ComplaintAction]:
    """Every action the state machine allows on a complaint of `kind` in `state` (by
    anyone: the services narrow it to the person)."""
    actions = {action for (at, action) in TRANSITIONS if at == state}
    if kind != ComplaintKind.WORKER:
        actions -= WORKER_ONLY
    return frozenset(actions)


KIND_LABELS = {ComplaintKind.PUBLIC: N_("segnalazione del pubblico"),
               ComplaintKind.WORKER: N_("segnalazione anonima di un lavoratore")}
STATE_LABELS = {ComplaintState.RECEIVED: N_("da prendere in carico"),
                ComplaintState.ACKNOWLEDGED: N_("presa in carico"),
                ComplaintState.AWAITING_FIRM: N_("in attesa della risposta dell'azienda"),
                ComplaintState.CLOSED: N_("chiusa")}
ACTION_LABELS = {ComplaintAction.FILE: N_("segnalazione ricevuta"),
                 ComplaintAction.ACKNOWLEDGE: N_("presa in carico"),
                 ComplaintAction.CLASSIFY: N_("classificata"),
                 ComplaintAction.LINK: N_("collegata ad azienda e certificato"),
                 ComplaintAction.ASK_FIRM: N_("chiesta la risposta dell'azienda"),
                 ComplaintAction.FIRM_ANSWER: N_("risposta dell'azienda"),
                 ComplaintAction.REPORTER_MESSAGE: N_("messaggio del segnalante"),
                 ComplaintAction.OFFICER_MESSAGE: N_("messaggio del responsabile"),
                 ComplaintAction.OPEN_AUDIT: N_("aperto un audit con breve preavviso"),
                 ComplaintAction.PROPOSE_SUSPENSION: N_("proposta la sospensione"),
                 ComplaintAction.CLOSE: N_("chiusa")}
CATEGORY_LABELS = {ComplaintCategory.UNSOLICITED_CALL: N_("chiamata indesiderata"),
                   ComplaintCategory.MISLEADING_SALES: N_("vendita ingannevole o aggressiva"),
                   ComplaintCategory.UNDECLARED_NUMBER: N_("numero non dichiarato"),
                   ComplaintCategory.PRIVACY: N_("dati personali"),
                   ComplaintCategory.WORKING_CONDITIONS: N_("condizioni di lavoro"),
                   ComplaintCategory.OTHER: N_("altro")}
OUTCOME_LABELS = {ComplaintOutcome.UNFOUNDED: N_("infondata"),
                  ComplaintOutcome.RESOLVED: N_("risolta"),
                  ComplaintOutcome.NOT_COMPETENT: N_("non di competenza del registro"),
                  ComplaintOutcome.AUDIT_OPENED: N_("audit con breve preavviso"),
                  ComplaintOutcome.SUSPENSION_PROPOSED: N_("sospensione proposta")}
