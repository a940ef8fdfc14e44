"""Firm use cases: the profile and the operating sites. Each flushes and audits; the view commits.

The rules themselves are in `checks.py` (the forms call them too, so a person sees every
problem at once, and a caller that skips the form still cannot store an invalid profile).
Membership (join, invite, remove) is in `membership.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from registry import auditlog
from registry.accounts.models import User
from registry.db import today_in_rome
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.firms import phones
from registry.firms.checks import check_profile, check_site, raise_if_invalid
from registry.firms.identifiers import IdentifierError, validate_vat_number
from registry.firms.models import Firm, MembershipRequest, Site
from registry.firms.signals import firm_changed
from registry.firms.workflow import IDENTITY_FIELDS, MembershipKind, MembershipStatus


class FirmAlreadyRegistered(DomainError):
    """A firm with this partita IVA is already in the registry (one firm per P.IVA)."""

    status_code = 409
    code = "firm_exists"


def find_by_vat(vat_number: str | None) -> Firm | None:
    """The firm with this partita IVA (normalised first), or None if none or invalid."""
    try:
        number = validate_vat_number(vat_number)
    except IdentifierError:
        return None
    return db.session.scalar(db.select(Firm).where(Firm.vat_number == number))


def _already_registered(vat_number: str) -> FirmAlreadyRegistered:
    return FirmAlreadyRegistered(
        _("Un'azienda con questa partita IVA è già registrata."), field="vat_number",
        vat_number=vat_number)


def create_firm(user: User, data: Mapping) -> Firm:
    """Create the profile of `user`'s firm; `user` becomes its owner and first member.

    Raises ProfileInvalid (all field errors), FirmAlreadyRegistered if the partita IVA is
    taken (the caller offers to ask to join), DomainError if `user` already has a firm.
    """
    if user.firm_id is not None:
        raise DomainError(_("Fai già parte di un'azienda registrata."))
    values, errors = check_profile(data)
    if "vat_number" not in errors and find_by_vat(values["vat_number"]):
        raise _already_registered(values["vat_number"])
    raise_if_invalid(errors)
    numbers = values.pop("phone_numbers", [])
    firm = Firm(**values, owner_id=user.id)
    db.session.add(firm)
    try:
        db.session.flush()
    except IntegrityError:
        # Two people registered the same P.IVA at the same moment: the unique index decides.
        raise _already_registered(values["vat_number"]) from None
    user.firm_id = firm.id
    _withdraw_join_requests(user)
    db.session.flush()
    auditlog.record("firm.created", "firm", firm.id, actor=user, after=firm.profile_dict())
    phones.set_numbers(firm, numbers, user)
    return firm


def _withdraw_join_requests(user: User) -> None:
    # Whoever registers a firm of their own no longer waits to join another one.
    pending = db.session.scalars(db.select(MembershipRequest).where(
        MembershipRequest.user_id == user.id, MembershipRequest.kind == MembershipKind.JOIN,
        MembershipRequest.status == MembershipStatus.PENDING)).all()
    for request in pending:
        request.status = MembershipStatus.WITHDRAWN
        request.decided_at = dt.datetime.now(dt.UTC)


def update_firm(firm: Firm, data: Mapping, actor: User) -> bool:
    """Change the profile; any member of the firm may. Returns False if nothing changed.

    The partita IVA never changes (a merger or transfer is a new legal entity); once the
    firm has applied, its identity fields (IDENTITY_FIELDS) change only through an approved
    request (`firms.changes`). Raises NotFound for someone outside the firm, ProfileInvalid.
    """
    require_member(actor, firm)
    values, errors = check_profile(data)
    if "vat_number" not in errors and values["vat_number"] != firm.vat_number:
        errors["vat_number"] = _("La partita IVA di un'azienda non si modifica: in caso di "
                                 "fusione o cessione scrivi al responsabile della "
                                 "certificazione.")
    if firm.identity_locked_at is not None:
        for field in identity_changes(firm, values):
            errors.setdefault(field, _("Dato certificato: si modifica solo con una richiesta "
                                       "approvata («Richiedi una modifica dei dati "
                                       "certificati»)."))
    raise_if_invalid(errors)
    # Calling numbers are the firm's own statement, kept with their periods of use.
    numbers_changed = phones.set_numbers(firm, values.pop("phone_numbers", []), actor)
    before = firm.profile_dict()
    for key, value in values.items():
        setattr(firm, key, value)
    after = firm.profile_dict()
    if _comparable(before) == _comparable(after):
        return numbers_changed
    db.session.flush()
    auditlog.record("firm.updated", "firm", firm.id, actor=actor, before=before, after=after)
    firm_changed.send(firm, actor=actor)
    return True


def identity_changes(firm: Firm, values: Mapping) -> dict[str, list]:
    """The identity fields whose cleaned `values` differ from the firm's: field -> [on
    record, asked for] (comparable as text, as the audit log stores them)."""
    before = _comparable({field: getattr(firm, field) for field in IDENTITY_FIELDS})
    after = _comparable({field: values[field] for field in IDENTITY_FIELDS if field in values})
    return {field: [before[field], after[field]] for field in after
            if after[field] != before[field]}


def _comparable(profile: dict) -> dict:
    # Numeric columns come back from the database as Decimal('12.0'); compare as text.
    return {key: str(value) if isinstance(value, Decimal | float) else value
            for key, value in profile.items()}


def active_members(firm_id: int) -> list[User]:
    """The firm's active members by address: who is told, each in their own language, of
    what happens to the firm's applications and certificates."""
    return list(db.session.scalars(db.select(User).where(
        User.firm_id == firm_id, User.active.is_(True)).order_by(User.email)))


def is_member(user: User, firm: Firm | None) -> bool:
    return firm is not None and user.firm_id is not None and user.firm_id == firm.id


def require_member(user: User, firm: Firm | None) -> None:
    """NotFound, never NotPermitted, so that other firms' ids reveal nothing."""
    if not is_member(user, firm):
        raise NotFound(_("Azienda non trovata."))


def firm_of(user: User) -> Firm | None:
    """The firm `user` belongs to, if any."""
    return db.session.get(Firm, user.firm_id) if user.firm_id else None


def profile_values(firm: Firm) -> dict:
    """The profile as form data (the inverse of `check_profile`)."""
    values = firm.profile_dict()
    values["phone_numbers"] = "\n".join(firm.phone_numbers or [])
    return values


# Operating sites ----------------------------------------------------------------------------
def site_state(site: Site) -> dict:
    """The site's values for the audit log."""
    return {**site.as_dict(), "opened_on": site.opened_on, "closed_on": site.closed_on}


def get_site(user: User, site_id: int) -> Site:
    """A site of `user`'s own firm; NotFound for any other id (it may exist elsewhere)."""
    site = db.session.get(Site, site_id)
    if site is None or user.firm_id is None or site.firm_id != user.firm_id:
        raise NotFound(_("Sede non trovata."))
    return site


def require_sites_open(firm: Firm) -> None:
    """Once the firm has applied, its operating sites change only through a request."""
    if firm.identity_locked_at is not None:
        raise DomainError(_("La tua azienda ha presentato domanda: le sedi operative si "
                            "modificano con una richiesta approvata (motivo e documento)."))


def create_site(firm: Firm, data: Mapping, actor: User) -> Site:
    """Add an operating site to the firm. Raises NotFound outside the firm, ProfileInvalid."""
    require_member(actor, firm)
    require_sites_open(firm)
    values, errors = check_site(data)
    raise_if_invalid(errors)
    site = Site(firm_id=firm.id, **values)
    db.session.add(site)
    db.session.flush()
    auditlog.record("site.created", "site", site.id, actor=actor, after=site_state(site),
                    note=f"firm {firm.id}")
    firm_changed.send(firm, actor=actor)
    return site


def update_site(site: Site, data: Mapping, actor: User) -> bool:
    """Change an open site. Returns False if nothing changed; a closed site is history."""
    require_member(actor, site.firm)
    require_sites_open(site.firm)
    if site.closed_on is not None:
        raise DomainError(_("La sede è chiusa: non si può più modificare."))
    values, errors = check_site(data)
    raise_if_invalid(errors)
    before = site_state(site)
    for key, value in values.items():
        setattr(site, key, value)
    after = site_state(site)
    if before == after:
        return False
    db.session.flush()
    auditlog.record("site.updated", "site", site.id, actor=actor, before=before, after=after,
                    note=f"firm {site.firm_id}")
    firm_changed.send(site.firm, actor=actor)
    return True


def close_site(site: Site, actor: User, closed_on: dt.date | None = None) -> None:
    """Mark a site closed (kept, with its history); it no longer counts as operating."""
    require_member(actor, site.firm)
    require_sites_open(site.firm)
    if site.closed_on is not None:
        raise DomainError(_("La sede è già chiusa."))
    closed_on = closed_on or today_in_rome()
    if site.opened_on and closed_on < site.opened_on:
        raise DomainError(_("La data di chiusura precede quella di apertura."))
    before = site_state(site)
    site.closed_on = closed_on
    db.session.flush()
    auditlog.record("site.closed", "site", site.id, actor=actor, before=before,
                    after=site_state(site), note=f"firm {site.firm_id}")
    firm_changed.send(site.firm, actor=actor)
