"""The staff's application lists as queries and tables: the admin's files in review (with
the filters on the page), the officer's queue of assessments to decide and the decisions
taken (outcome, period, firm). The pages and their CSV/XLSX/JSON exports read the same rows,
so an export holds what the page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from registry.applications.labels import kind_label, state_label
from registry.applications.models import Application
from registry.applications.workflow import DECIDABLE, IN_REVIEW, ApplicationKind
from registry.certificates.labels import level_label
from registry.decisions import services
from registry.decisions.labels import outcome_label
from registry.decisions.models import Decision
from registry.decisions.workflow import DecisionOutcome
from registry.extensions import db
from registry.firms.models import Firm
from registry.tabular import Column, read_page, read_period, start_of

PAGE_SIZE = 100


@dataclass(frozen=True)
class QueueFilters:
    """The admin queue's filters: a state among those in review, a kind, a firm's name."""

    state: str = ""
    kind: str = ""
    q: str = ""

    def as_args(self) -> dict:
        # `type`, not `kind`: the export URL's own `kind` is its file format.
        return {k: v for k, v in (("state", self.state), ("type", self.kind), ("q", self.q)) if v}


def read_filters(args) -> tuple[QueueFilters, list[str]]:
    """The filters a request asks for, and what was wrong with them (left out, named)."""
    problems = []
    state, kind = args.get("state", ""), args.get("type", "")
    if state and state not in IN_REVIEW:
        problems.append(_("Lo stato scelto non è tra quelli delle domande in corso."))
        state = ""
    if kind and kind not in {str(k) for k in ApplicationKind}:
        problems.append(_("Il tipo di domanda scelto non esiste."))
        kind = ""
    return QueueFilters(state, kind, args.get("q", "").strip()[:200]), problems


def state_choices() -> list[tuple[str, str]]:
    return [(str(s), state_label(s)) for s in sorted(IN_REVIEW)]


def kind_choices() -> list[tuple[str, str]]:
    return [(str(k), kind_label(k)) for k in ApplicationKind]


def admin_queue(filters: QueueFilters) -> list[Application]:
    """The applications in the staff's hands that match `filters`, oldest first."""
    query = db.select(Application).join(Firm, Firm.id == Application.firm_id).where(
        Application.state.in_([filters.state] if filters.state else sorted(IN_REVIEW)))
    if filters.kind:
        query = query.where(Application.kind == filters.kind)
    if filters.q:
        query = query.where(_name_matches(filters.q))
    return list(db.session.scalars(query.order_by(Application.id)))


def _name_matches(text: str):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Firm.name.ilike(f"%{escaped}%", escape="\\")


def officer_queue() -> list[Application]:
    """The completed assessments waiting for a decision, oldest first."""
    return list(db.session.scalars(db.select(Application).where(
        Application.state.in_(sorted(DECIDABLE))).order_by(Application.id)))


APPLICATION_COLUMNS = [
    Column("id", _l("Domanda")), Column("firm", _l("Azienda")),
    Column("vat_number", _l("Partita IVA")), Column("kind_label", _l("Tipo")),
    Column("state_label", _l("Stato")), Column("submitted_at", _l("Inviata il")),
    Column("certificate_number", _l("Certificato")),
]
OFFICER_COLUMNS = [*APPLICATION_COLUMNS, Column("notes", _l("Note"))]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def application_rows(applications: list[Application]) -> Iterator[dict]:
    """One row per application: labels for people, codes (`state`, `kind`) for programs."""
    for application in applications:
        yield {"id": application.id, "firm": application.firm.name,
               "vat_number": application.firm.vat_number,
               "kind": application.kind, "kind_label": kind_label(application.kind),
               "state": application.state, "state_label": state_label(application.state),
               "submitted_at": _iso(application.submitted_at),
               "certificate_number": application.certificate_number}


def officer_rows(user, applications: list[Application]) -> Iterator[dict]:
    """The officer's queue with why `user` may not decide each one (empty: may decide)."""
    for application, row in zip(applications, application_rows(applications), strict=True):
        yield {**row, "notes": " ".join(services.may_decide(user, application))}


# Decisions taken ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DecisionFilters:
    """The decisions list's filters: outcome, the period of the decision, a firm's name."""

    outcome: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""
    page: int = 1

    def as_args(self) -> dict:
        """The filters as query arguments (no page: exports take every match)."""
        values = {"outcome": self.outcome, "q": self.q,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


def read_decision_filters(args) -> tuple[DecisionFilters, list[str]]:
    """The filters a request asks for, and what was wrong with them (left out, named)."""
    problems: list[str] = []
    outcome = args.get("outcome", "")
    if outcome and outcome not in {str(o) for o in DecisionOutcome}:
        problems.append(_("L'esito scelto non esiste."))
        outcome = ""
    since, until, wrong = read_period(args)
    return DecisionFilters(outcome, since, until, args.get("q", "").strip()[:200],
                           read_page(args)), problems + wrong


def outcome_choices() -> list[tuple[str, str]]:
    return [(str(o), outcome_label(o)) for o in DecisionOutcome]


def _decisions(filters: DecisionFilters):
    query = (db.select(Decision).join(Application, Application.id == Decision.application_id)
             .join(Firm, Firm.id == Application.firm_id))
    if filters.outcome:
        query = query.where(Decision.outcome == filters.outcome)
    if filters.since:
        query = query.where(Decision.decided_at >= start_of(filters.since))
    if filters.until:
        query = query.where(Decision.decided_at < start_of(filters.until + dt.timedelta(days=1)))
    if filters.q:
        query = query.where(_name_matches(filters.q))
    return query


def decisions_page(filters: DecisionFilters) -> tuple[list[Decision], int]:
    """One page of matching decisions, newest first, and how many match in all."""
    query = _decisions(filters)
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery()))
    found = db.session.scalars(query.order_by(Decision.id.desc()).limit(PAGE_SIZE)
                               .offset((filters.page - 1) * PAGE_SIZE))
    return list(found), total


def all_decisions(filters: DecisionFilters) -> list[Decision]:
    """Every matching decision, newest first (the export)."""
    return list(db.session.scalars(_decisions(filters).order_by(Decision.id.desc())))


DECISION_COLUMNS = [
    Column("id", _l("Decisione")), Column("application_id", _l("Domanda")),
    Column("firm", _l("Azienda")), Column("kind_label", _l("Tipo")),
    Column("outcome_label", _l("Esito")), Column("level_label", _l("Livello")),
    Column("computed_level_label", _l("Livello calcolato")),
    Column("officer", _l("Funzionario")), Column("decided_at", _l("Decisa il")),
    Column("reason", _l("Motivazione")),
]


def decision_rows(decisions: list[Decision]) -> Iterator[dict]:
    """Labels for people; `outcome`, `level`, `kind` codes for programs (JSON)."""
    for d in decisions:
        application = d.application
        yield {"id": d.id, "application_id": d.application_id,
               "firm": application.firm.name, "kind": application.kind,
               "kind_label": kind_label(application.kind),
               "outcome": d.outcome, "outcome_label": outcome_label(d.outcome),
               "level": d.level, "level_label": level_label(d.level) if d.level else None,
               "computed_level": d.computed_level,
               "computed_level_label": (level_label(d.computed_level)
                                        if d.computed_level else None),
               "officer": d.officer.email if d.officer else None,
               "decided_at": _iso(d.decided_at), "reason": d.reason}
