"""The application's states, kinds and the transitions between them, as data (standard
library only).

Every state change of an application goes through `next_state`; anything not in the table is
refused with a clear error instead of being silently ignored. The named sets below are the
only place that says which states are open, assignable, decidable or editable.
"""

from __future__ import annotations

import enum

from registry.wording import N_


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_AUDIT = "under_audit"
    CHANGES_REQUESTED = "changes_requested"
    ASSESSED = "assessed"
    CERTIFIED = "certified"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ApplicationKind(enum.StrEnum):
    """Why the firm is audited: a first certification, a renewal, or the yearly
    surveillance of a certificate it holds."""

    INITIAL = "initial"
    RENEWAL = "renewal"
    SURVEILLANCE = "surveillance"


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    START_AUDIT = "start_audit"
    REQUEST_CHANGES = "request_changes"
    COMPLETE_ASSESSMENT = "complete_assessment"
    CERTIFY = "certify"
    REFUSE = "refuse"
    OVERTURN = "overturn"


S = ApplicationState

# Not decided and not withdrawn: a firm has at most one such application at a time.
OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_AUDIT, S.CHANGES_REQUESTED, S.ASSESSED})
# In the staff's hands (the firm has sent it at least once and it is not decided).
IN_REVIEW = frozenset({S.SUBMITTED, S.UNDER_AUDIT, S.CHANGES_REQUESTED, S.ASSESSED})
# Auditors can be assigned while the audit has not been completed.
ASSIGNABLE = frozenset({S.SUBMITTED, S.UNDER_AUDIT, S.CHANGES_REQUESTED})
# An officer decides only on a completed assessment.
DECIDABLE = frozenset({S.ASSESSED})
# The auditor scores while the audit is running.
AUDITING = frozenset({S.UNDER_AUDIT})
# Once decided, for good (an overturned refusal moves from one to the other).
DECIDED = frozenset({S.CERTIFIED, S.REFUSED})
# States in which the firm may still change its notes and evidence.
EDITABLE_BY_FIRM = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
# Applications that count as an audit of the firm in a certification cycle (rotation).
AUDITED = frozenset({S.UNDER_AUDIT, S.ASSESSED, S.CERTIFIED, S.REFUSED})

# Kinds that open a new certification cycle (surveillance belongs to the cycle it follows).
CYCLE_OPENING = frozenset({ApplicationKind.INITIAL, ApplicationKind.RENEWAL})
# Kinds a firm may start itself (staff open surveillance audits).
STARTED_BY_FIRM = CYCLE_OPENING

# action: (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[ApplicationState], ApplicationState]] = {
    Action.SUBMIT: (EDITABLE_BY_FIRM, S.SUBMITTED),
    Action.WITHDRAW: (OPEN, S.WITHDRAWN),
    Action.START_AUDIT: (frozenset({S.SUBMITTED}), S.UNDER_AUDIT),
    Action.REQUEST_CHANGES: (frozenset({S.SUBMITTED, S.UNDER_AUDIT, S.ASSESSED}),
                             S.CHANGES_REQUESTED),
    Action.COMPLETE_ASSESSMENT: (AUDITING, S.ASSESSED),
    Action.CERTIFY: (DECIDABLE, S.CERTIFIED),
    Action.REFUSE: (DECIDABLE, S.REFUSED),
    # An appeal decided "overturned" (the refusal is set aside) certifies the firm.
    Action.OVERTURN: (frozenset({S.REFUSED}), S.CERTIFIED),
}

STATE_LABELS = {
    S.DRAFT: N_("bozza"), S.SUBMITTED: N_("inviata"), S.UNDER_AUDIT: N_("in valutazione"),
    S.CHANGES_REQUESTED: N_("integrazioni richieste"), S.ASSESSED: N_("valutata"),
    S.CERTIFIED: N_("certificata"), S.REFUSED: N_("respinta"), S.WITHDRAWN: N_("ritirata"),
}
KIND_LABELS = {
    ApplicationKind.INITIAL: N_("Prima certificazione"),
    ApplicationKind.RENEWAL: N_("Rinnovo"),
    ApplicationKind.SURVEILLANCE: N_("Sorveglianza"),
}
ACTION_LABELS = {
    Action.SUBMIT: N_("invio"), Action.WITHDRAW: N_("ritiro"),
    Action.START_AUDIT: N_("avvio della valutazione"),
    Action.REQUEST_CHANGES: N_("richiesta di integrazioni"),
    Action.COMPLETE_ASSESSMENT: N_("chiusura della valutazione"),
    Action.CERTIFY: N_("certificazione"), Action.REFUSE: N_("diniego"),
    Action.OVERTURN: N_("accoglimento del ricorso"),
}


class TransitionError(Exception):
    """The action is not allowed from the current state."""

    def __init__(self, state: ApplicationState, action: Action):
        super().__init__(f"'{action}' is not allowed from state '{state}'")
        self.state = state
        self.action = action


def next_state(state: ApplicationState | str, action: Action | str) -> ApplicationState:
    """The state `action` leads to from `state`, or TransitionError."""
    state, action = ApplicationState(state), Action(action)
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise TransitionError(state, action)
    return target


def allowed_actions(state: ApplicationState | str) -> set[Action]:
    """Every action the table allows from `state` (permissions are checked elsewhere)."""
    return {action for action, (sources, _) in TRANSITIONS.items()
            if ApplicationState(state) in sources}
