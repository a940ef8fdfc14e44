"""Identity changes are requests, not edits.

Once a firm has applied, what a certificate prints or the register shows about it (its name,
legal form, registered office, legal representative, traffic shares) changes only when an
officer approves the firm's request, filed with a reason and evidence. Until then every
public page shows the approved data; on approval the profile changes and the certificates
listening to `firm_changed` issue a new revision. Requests and decisions are history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from registry import auditlog, mail, storage
from registry.accounts.models import User
from registry.db import today_in_rome, utcnow
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.firms.checks import check_profile, check_site, raise_if_invalid
from registry.firms.identifiers import normalise_name
from registry.firms.models import Firm, ProfileChange, Site
from registry.firms.services import active_members, identity_changes, require_member
from registry.firms.signals import firm_changed
from registry.firms.workflow import ProfileChangeKind, ProfileChangeStatus
from registry.links import external_url
from registry.security import OVERSIGHT, Role, has_any_role


def lock_identity(firm: Firm) -> None:
    """From the first application on, the firm's identity changes only by request."""
    if firm.identity_locked_at is None:
        firm.identity_locked_at = utcnow()


def pending_change(firm_id: int) -> ProfileChange | None:
    return db.session.scalar(db.select(ProfileChange).where(
        ProfileChange.firm_id == firm_id, ProfileChange.status == ProfileChangeStatus.PENDING))


def request_change(firm: Firm, actor: User, data: Mapping, reason: str,
                   evidence: FileStorage | None) -> ProfileChange:
    """A member asks to change identity fields; the profile stays as it is until approval."""
    require_member(actor, firm)
    values, errors = check_profile(data)
    if "vat_number" not in errors and values["vat_number"] != firm.vat_number:
        errors["vat_number"] = _("La partita IVA non si modifica con una richiesta.")
    raise_if_invalid(errors)
    changes = identity_changes(firm, values)
    if not changes:
        raise DomainError(_("Non hai modificato nessun dato certificato."))
    return _file(firm, actor, ProfileChangeKind.PROFILE, changes, reason, evidence)


def _file(firm: Firm, actor: User, kind: ProfileChangeKind, changes: dict, reason: str,
          evidence: FileStorage | None, site_id: int | None = None) -> ProfileChange:
    """Record a request with its reason and evidence; one pending request at a time."""
    if pending_change(firm.id) is not None:
        raise DomainError(_("C'è già una richiesta di modifica in attesa: attendi la decisione "
                            "del responsabile."))
    if not (reason or "").strip():
        raise DomainError(_("Spiega il motivo della modifica."), field="reason")
    if evidence is None or not evidence.filename:
        raise DomainError(_("Allega il documento che prova la modifica (ad esempio l'atto o "
                            "la visura)."), field="evidence")
    sha, mime, _size = storage.store_upload(evidence, field="evidence")
    change = ProfileChange(firm_id=firm.id, kind=kind, site_id=site_id, changes=changes,
                           reason=reason.strip(),
                           evidence_sha256=sha, evidence_type=mime,
                           evidence_filename=(secure_filename(evidence.filename)
                                              or "documento")[:200],
                           requested_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    auditlog.record("firm.change_requested", "firm", firm.id, actor=actor,
                    after={"change_id": change.id, "changes": changes, "reason": change.reason})
    return change


def _as_json(values: Mapping) -> dict:
    """Cleaned values as stored in a request (dates as ISO text)."""
    return json.loads(json.dumps(dict(values), default=str))


def _site_values(stored: Mapping) -> dict:
    """A site's stored values back as the model's (the opening date as a date)."""
    values = dict(stored)
    if values.get("opened_on"):
        values["opened_on"] = dt.date.fromisoformat(values["opened_on"])
    return values


def request_site_change(firm: Firm, actor: User, kind: ProfileChangeKind | str,
                        site: Site | None, data: Mapping | None, reason: str,
                        evidence: FileStorage | None) -> ProfileChange:
    """A member asks to add, change or close an operating site (the 30-day notice of
    domain.md §3.3); the register keeps showing the approved sites until an officer
    approves."""
    require_member(actor, firm)
    kind = ProfileChangeKind(kind)
    if kind != ProfileChangeKind.SITE_ADD and (site is None or site.firm_id != firm.id):
        raise NotFound(_("Sede non trovata."))
    if kind == ProfileChangeKind.SITE_CLOSE:
        if site.closed_on is not None:
            raise DomainError(_("La sede è già chiusa."))
        changes = {"closed_on": [None, today_in_rome().isoformat()]}
    else:
        values, errors = check_site(data or {})
        raise_if_invalid(errors)
        before = _as_json(site.as_dict() | {"opened_on": site.opened_on}) if site else None
        changes = {"site": [before, _as_json(values)]}
        if before == changes["site"][1]:
            raise DomainError(_("Non hai modificato nessun dato della sede."))
    return _file(firm, actor, kind, changes, reason, evidence, site_id=site.id if site else None)


def change_for(user: User, change_id: int) -> ProfileChange:
    """The request if `user` belongs to its firm or oversees the register; otherwise 404."""
    change = db.session.get(ProfileChange, change_id)
    if change is None or not (has_any_role(user, OVERSIGHT) or user.firm_id == change.firm_id):
        raise NotFound(_("Richiesta non trovata."))
    return change


def may_decide(user: User, change: ProfileChange) -> list[str]:
    """Why `user` may not decide this request (empty: may decide)."""
    reasons = []
    if not user.has_role(Role.OFFICER):
        reasons.append(_("Solo un responsabile della certificazione decide le modifiche."))
    if user.firm_id == change.firm_id:
        reasons.append(_("Appartieni all'azienda: non puoi decidere la sua richiesta."))
    if change.status != ProfileChangeStatus.PENDING:
        reasons.append(_("La richiesta è già stata decisa."))
    return reasons


def decide_change(change: ProfileChange, officer: User, approve: bool,
                  reason: str) -> ProfileChange:
    """An officer approves (the profile changes, certificates are revised) or refuses, with a
    recorded reason either way; the firm is told."""
    if blocked := may_decide(officer, change):
        raise NotPermitted(" ".join(blocked))
    if not (reason or "").strip():
        raise DomainError(_("Scrivi la motivazione della decisione."), field="reason")
    firm = change.firm
    change.status = ProfileChangeStatus.APPROVED if approve else ProfileChangeStatus.REFUSED
    change.decided_by_id, change.decided_at = officer.id, utcnow()
    change.decision_reason = reason.strip()
    if approve:
        _apply(change, firm)
    db.session.flush()
    auditlog.record(f"firm.change_{change.status}", "firm", firm.id, actor=officer,
                    after={"change_id": change.id, "reason": change.decision_reason})
    if approve:
        firm_changed.send(firm, actor=officer)
    link = external_url("firms.change", change_id=change.id)
    mail.queue_for_each(
        db.session, active_members(firm.id),
        lambda: _("Richiesta di modifica dei dati: %(s)s",
                  s=_("approvata") if approve else _("respinta")),
        lambda: _("La richiesta di modifica dei dati di %(f)s è stata %(s)s.\n"
                  "Motivazione: %(r)s\n\n%(link)s", f=firm.name,
                  s=_("approvata") if approve else _("respinta"), r=change.decision_reason,
                  link=link))
    return change


def _apply(change: ProfileChange, firm: Firm) -> None:
    """Make an approved request true (its values were cleaned when the firm asked)."""
    kind = ProfileChangeKind(change.kind)
    if kind == ProfileChangeKind.PROFILE:
        for field, (_old, new) in change.changes.items():
            setattr(firm, field, new)
        firm.name_search = normalise_name(firm.name)
    elif kind == ProfileChangeKind.SITE_ADD:
        db.session.add(Site(firm_id=firm.id, **_site_values(change.changes["site"][1])))
    elif kind == ProfileChangeKind.SITE_UPDATE:
        site = db.session.get(Site, change.site_id)
        for field, value in _site_values(change.changes["site"][1]).items():
            setattr(site, field, value)
    else:
        site = db.session.get(Site, change.site_id)
        site.closed_on = dt.date.fromisoformat(change.changes["closed_on"][1])
    db.session.flush()
    db.session.refresh(firm)


def requests_of(firm_id: int) -> list[ProfileChange]:
    """The firm's requests, newest first."""
    return list(db.session.scalars(db.select(ProfileChange).where(
        ProfileChange.firm_id == firm_id).order_by(ProfileChange.id.desc())))


def pending_requests() -> list[ProfileChange]:
    """Every request waiting for an officer, oldest first."""
    return list(db.session.scalars(db.select(ProfileChange).where(
        ProfileChange.status == ProfileChangeStatus.PENDING).order_by(ProfileChange.id)))
