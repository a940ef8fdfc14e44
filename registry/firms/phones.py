"""The calling numbers a firm declares, with their period of use ("Chi mi ha chiamato?").

Declaring or ending a number is the firm's own statement: any member may do it, at any
time, without an officer's approval, and it never changes a certificate. A number belongs
to one firm at a time: a period that overlaps another declaration of the same number
(by this firm or another) is refused, and the database refuses two rows in use for the
same number (partial unique index). Each use case flushes and audits; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from registry import auditlog
from registry.accounts.models import User
from registry.db import today_in_rome, utcnow
from registry.errors import Conflict, DomainError, NotFound
from registry.extensions import db
from registry.firms.checks import identifier_message
from registry.firms.identifiers import IdentifierError, validate_phone_number
from registry.firms.models import CallingNumber, Firm


def require_member(user: User, firm: Firm) -> None:
    """NotFound, never NotPermitted (as `firms.services.require_member`)."""
    if user is None or user.firm_id is None or user.firm_id != firm.id:
        raise NotFound(_("Azienda non trovata."))


def normalise(raw: str | None) -> str:
    """The E.164 form of a number as typed; DomainError (field "number") if it is none."""
    try:
        return validate_phone_number(raw)
    except IdentifierError as error:
        raise DomainError(identifier_message("phone", error), field="number") from None


def _overlapping(number: str, start: dt.date, end: dt.date | None) -> CallingNumber | None:
    """A declaration of `number` whose period meets [start, end) (end None: open)."""
    stmt = select(CallingNumber).where(
        CallingNumber.number == number,
        or_(CallingNumber.valid_until.is_(None), CallingNumber.valid_until > start))
    if end is not None:
        stmt = stmt.where(CallingNumber.valid_from < end)
    return db.session.scalars(stmt.order_by(CallingNumber.valid_from).limit(1)).first()


def _taken(number: str, other: CallingNumber, firm: Firm) -> Conflict:
    if other.firm_id == firm.id:
        return Conflict(_("Il numero %(number)s è già tra quelli dichiarati dall'azienda per "
                          "questo periodo.", number=number), field="number")
    return Conflict(_("Il numero %(number)s risulta dichiarato da un'altra azienda del "
                      "registro per questo periodo: un numero è di una sola azienda alla "
                      "volta. Se è passato a voi, l'altra azienda deve prima indicarne la "
                      "fine d'uso (o scrivi al responsabile della certificazione).",
                      number=number), field="number")


def declare_number(firm: Firm, raw: str | None, actor: User,
                   valid_from: dt.date | None = None, *, check_member: bool = True,
                   ) -> CallingNumber:
    """`firm` states it uses `raw` from `valid_from` (default today) on.

    DomainError for a malformed number or a start in the future; Conflict if the number
    is declared (by anyone) for a period that meets this one. Nothing is written then.
    """
    if check_member:
        require_member(actor, firm)
    number = normalise(raw)
    start = valid_from or today_in_rome()
    if start > today_in_rome():
        raise DomainError(_("La data di inizio d'uso non può essere futura."),
                          field="valid_from")
    other = _overlapping(number, start, None)
    if other is not None:
        raise _taken(number, other, firm)
    row = CallingNumber(firm_id=firm.id, number=number, valid_from=start,
                        created_by_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # declared by someone else at this very moment
        raise Conflict(_("Il numero %(number)s è appena stato dichiarato da un'altra "
                         "azienda del registro.", number=number), field="number") from None
    auditlog.record("firm.number_declared", "firm", firm.id, actor=actor,
                    after={"number": number, "valid_from": start.isoformat()})
    db.session.expire(firm, ["numbers_in_use"])
    return row


def end_number(firm: Firm, number_id: int, actor: User, valid_until: dt.date | None = None,
               *, check_member: bool = True) -> CallingNumber:
    """`firm` no longer uses the number from `valid_until` (default today) on."""
    if check_member:
        require_member(actor, firm)
    row = db.session.get(CallingNumber, number_id)
    if row is None or row.firm_id != firm.id or not row.in_use:
        raise NotFound(_("Numero non trovato tra quelli in uso dall'azienda."))
    end = valid_until or today_in_rome()
    if end < row.valid_from or end > today_in_rome():
        raise DomainError(_("La fine d'uso va dal %(start)s a oggi.",
                            start=row.valid_from.strftime("%d/%m/%Y")), field="valid_until")
    row.valid_until = end
    row.ended_by_id = actor.id if actor else None
    row.ended_at = utcnow()
    db.session.flush()
    auditlog.record("firm.number_ended", "firm", firm.id, actor=actor,
                    before={"number": row.number, "valid_from": row.valid_from.isoformat()},
                    after={"number": row.number, "valid_until": end.isoformat()})
    db.session.expire(firm, ["numbers_in_use"])
    return row


def set_numbers(firm: Firm, numbers: Iterable[str], actor: User) -> bool:
    """The profile form's list: numbers not yet in use are declared from today, numbers
    in use and no longer listed end today. `numbers` are E.164 (checked by the form).
    Returns whether anything changed. Conflict (field "phone_numbers") as `declare_number`.
    """
    wanted = list(dict.fromkeys(numbers))
    in_use = {row.number: row for row in db.session.scalars(select(CallingNumber).where(
        CallingNumber.firm_id == firm.id, CallingNumber.valid_until.is_(None)))}
    changed = False
    for number, row in in_use.items():
        if number not in wanted:
            end_number(firm, row.id, actor, check_member=False)
            changed = True
    for number in wanted:
        if number not in in_use:
            try:
                declare_number(firm, number, actor, check_member=False)
            except DomainError as error:
                error.params["field"] = "phone_numbers"
                raise
            changed = True
    return changed


def history(firm_id: int) -> list[CallingNumber]:
    """Every declaration of the firm, numbers in use first, then the newest."""
    rows = db.session.scalars(select(CallingNumber).where(
        CallingNumber.firm_id == firm_id).order_by(CallingNumber.valid_from.desc(),
                                                   CallingNumber.id.desc())).all()
    return sorted(rows, key=lambda row: not row.in_use)


@dataclass(frozen=True)
class Declarations:
    """Who declared a number: `current` (in use now) and `past` (ended), newest first."""

    number: str
    current: list[CallingNumber]
    past: list[CallingNumber]


def declarations(number: str) -> Declarations:
    """The declarations of an E.164 number, with their firms (two queries)."""
    rows = db.session.scalars(select(CallingNumber).where(CallingNumber.number == number)
                              .order_by(CallingNumber.valid_from.desc(), CallingNumber.id.desc())
                              .options(joinedload(CallingNumber.firm))).all()
    return Declarations(number, [r for r in rows if r.in_use],
                        [r for r in rows if not r.in_use])
