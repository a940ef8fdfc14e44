"""The staff's application lists as queries and tables: the admin's files in review (with
the filters on the page) and the officer's queue of assessments to decide. The pages and
their CSV/XLSX/JSON exports read the same rows, so an export holds what the page shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.applications.labels import kind_label, state_label
from registry.applications.models import Application
from registry.applications.workflow import DECIDABLE, IN_REVIEW, ApplicationKind
from registry.decisions import services
from registry.extensions import db
from registry.firms.models import Firm
from registry.tabular import Column


@dataclass(frozen=True)
class QueueFilters:
    """The admin queue's filters: a state among those in review, a kind, a firm's name."""

    state: str = ""
    kind: str = ""
    q: str = ""

    def as_args(self) -> dict:
        return {k: v for k, v in (("state", self.state), ("kind", self.kind), ("q", self.q)) if v}


def read_filters(args) -> tuple[QueueFilters, list[str]]:
    """The filters a request asks for, and what was wrong with them (left out, named)."""
    problems = []
    state, kind = args.get("state", ""), args.get("kind", "")
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
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Firm.name.ilike(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(query.order_by(Application.id)))


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
