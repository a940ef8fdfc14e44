"""Who belongs to a firm: asking to join, invitations, the owner's decisions, removal.

One firm per partita IVA, so a second person from the same company never creates a second
profile: they ask to join (the owner accepts or refuses) or the owner invites them by email
with a signed link. Only the owner (`Firm.owner_id`) manages members. Each use case flushes,
audits and queues its emails; the view commits (and the emails leave after the commit).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _

from registry import auditlog, mail
from registry.accounts.models import User, find_by_email, normalise_email
from registry.errors import DomainError, NotFound, NotPermitted
from registry.extensions import db
from registry.firms.models import Firm, MembershipRequest
from registry.firms.services import find_by_vat, require_member
from registry.firms.workflow import MembershipKind, MembershipStatus
from registry.links import external_url
from registry.security import Role
from registry.tokens import TokenExpired, TokenInvalid, make_token, read_token, state_matches


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_owner(user: User, firm: Firm | None) -> bool:
    return firm is not None and firm.owner_id is not None and firm.owner_id == user.id


def can_manage_members(user: User, firm: Firm | None) -> bool:
    """Only the owner accepts, refuses, invites and removes."""
    return is_owner(user, firm) and user.firm_id == firm.id


def require_owner(user: User, firm: Firm) -> None:
    """NotFound outside the firm (ids reveal nothing), NotPermitted for other members."""
    require_member(user, firm)
    if not can_manage_members(user, firm):
        raise NotPermitted(_("Solo il titolare del profilo aziendale può gestire i membri."))


def members(firm: Firm) -> list[User]:
    """The people of the firm, owner first, then by name."""
    people = db.session.scalars(db.select(User).where(User.firm_id == firm.id)).all()
    return sorted(people, key=lambda u: (u.id != firm.owner_id, u.name.casefold()))


def pending_requests(firm: Firm, kind: str) -> list[MembershipRequest]:
    return list(db.session.scalars(db.select(MembershipRequest).where(
        MembershipRequest.firm_id == firm.id, MembershipRequest.kind == kind,
        MembershipRequest.status == MembershipStatus.PENDING).order_by(MembershipRequest.id)))


def my_pending_joins(user: User) -> list[tuple[MembershipRequest, Firm]]:
    """The join requests `user` is waiting on, with their firms."""
    rows = db.session.execute(db.select(MembershipRequest, Firm).join(
        Firm, Firm.id == MembershipRequest.firm_id).where(
        MembershipRequest.user_id == user.id, MembershipRequest.kind == MembershipKind.JOIN,
        MembershipRequest.status == MembershipStatus.PENDING)).all()
    return [(row[0], row[1]) for row in rows]


def _owner(firm: Firm) -> User | None:
    return db.session.get(User, firm.owner_id) if firm.owner_id else None


# Asking to join -----------------------------------------------------------------------------
def request_to_join(user: User, vat_number: str, message: str | None = None) -> MembershipRequest:
    """Ask the owner of the firm with this partita IVA to let `user` in; emails the owner.

    Asking twice returns the pending request. Raises DomainError if `user` already has a
    firm or no firm has this partita IVA.
    """
    if user.firm_id is not None:
        raise DomainError(_("Fai già parte di un'azienda registrata."))
    firm = find_by_vat(vat_number)
    if firm is None:
        raise DomainError(_("Nessuna azienda registrata con questa partita IVA."),
                          field="vat_number")
    existing = db.session.scalar(db.select(MembershipRequest).where(
        MembershipRequest.firm_id == firm.id, MembershipRequest.user_id == user.id,
        MembershipRequest.kind == MembershipKind.JOIN,
        MembershipRequest.status == MembershipStatus.PENDING))
    if existing is not None:
        return existing
    request = MembershipRequest(firm_id=firm.id, kind=MembershipKind.JOIN, user_id=user.id,
                                email=user.email, status=MembershipStatus.PENDING,
                                message=(message or "").strip()[:2000] or None,
                                created_by_id=user.id)
    db.session.add(request)
    db.session.flush()
    auditlog.record("firm.join_requested", "membership_request", request.id, actor=user,
                    after={"firm_id": firm.id, "user_id": user.id, "email": user.email})
    owner = _owner(firm)
    if owner is not None:
        def note() -> str:  # in the owner's language
            return _("\n\nMessaggio:\n%(m)s", m=request.message) if request.message else ""

        mail.queue_for(
            db.session, owner,
            lambda: _("Richiesta di accesso all'azienda %(firm)s", firm=firm.name),
            lambda: _("%(name)s (%(email)s) chiede di entrare nel profilo di %(firm)s nel "
                      "Registro Bollino Blu.%(note)s\n\nPer accettare o rifiutare apri:\n\n"
                      "%(link)s\n", name=user.name, email=user.email, firm=firm.name,
                      note=note(), link=external_url("firms.members")))
    return request


def _request_of(firm: Firm, request_id: int, kind: str) -> MembershipRequest:
    request = db.session.get(MembershipRequest, request_id)
    if request is None or request.firm_id != firm.id or request.kind != kind:
        raise NotFound(_("Richiesta non trovata."))
    if request.status != MembershipStatus.PENDING:
        raise DomainError(_("La richiesta è già stata decisa."))
    return request


def decide_join_request(owner: User, firm: Firm, request_id: int, accept: bool) -> User:
    """The owner accepts (the person becomes a member) or refuses a join request; the
    person is told by email. Returns the person."""
    require_owner(owner, firm)
    request = _request_of(firm, request_id, MembershipKind.JOIN)
    person = db.session.get(User, request.user_id) if request.user_id else None
    if person is None or not person.active:
        raise DomainError(_("L'account che ha fatto la richiesta non è più attivo."))
    if accept and person.firm_id is not None:
        raise DomainError(_("Questa persona fa già parte di un'azienda."))
    request.status = MembershipStatus.ACCEPTED if accept else MembershipStatus.REFUSED
    request.decided_at = _now()
    if accept:
        person.firm_id = firm.id
    db.session.flush()
    auditlog.record("firm.join_accepted" if accept else "firm.join_refused",
                    "membership_request", request.id, actor=owner,
                    before={"status": str(MembershipStatus.PENDING)},
                    after={"status": str(request.status), "firm_id": firm.id, "user_id": person.id})
    if accept:
        mail.queue_for(
            db.session, person,
            lambda: _("Sei stato aggiunto all'azienda %(firm)s", firm=firm.name),
            lambda: _("Il titolare del profilo ha accettato la tua richiesta: ora fai parte di "
                      "%(firm)s nel Registro Bollino Blu.\n\n%(link)s\n", firm=firm.name,
                      link=external_url("firms.profile")))
    else:
        mail.queue_for(
            db.session, person,
            lambda: _("Richiesta di accesso a %(firm)s non accettata", firm=firm.name),
            lambda: _("Il titolare del profilo di %(firm)s non ha accettato la tua richiesta "
                      "di accesso. Se pensi che sia un errore, contatta direttamente "
                      "l'azienda.\n", firm=firm.name))
    return person


# Invitations --------------------------------------------------------------------------------
def invite_member(owner: User, firm: Firm, email: str) -> MembershipRequest:
    """Email a colleague a signed link to join the firm (valid INVITATION_MAX_AGE).

    Inviting the same address again re-sends the pending invitation. Raises DomainError if
    the address already belongs to a member.
    """
    require_owner(owner, firm)
    email = normalise_email(email)
    if not email:
        raise DomainError(_("Campo obbligatorio."), field="email")
    person = find_by_email(email)
    if person is not None and person.firm_id == firm.id:
        raise DomainError(_("Questa persona fa già parte dell'azienda."), field="email")
    request = db.session.scalar(db.select(MembershipRequest).where(
        MembershipRequest.firm_id == firm.id, MembershipRequest.kind == MembershipKind.INVITE,
        MembershipRequest.email == email, MembershipRequest.status == MembershipStatus.PENDING))
    if request is None:
        request = MembershipRequest(firm_id=firm.id, kind=MembershipKind.INVITE, email=email,
                                    user_id=person.id if person else None,
                                    status=MembershipStatus.PENDING, created_by_id=owner.id)
        db.session.add(request)
        db.session.flush()
        auditlog.record("firm.member_invited", "membership_request", request.id, actor=owner,
                        after={"firm_id": firm.id, "email": email})
    token = make_token("invite", request.id, email)
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    mail.queue(db.session, email, _("Invito a unirti a %(firm)s nel Registro Bollino Blu",
                                    firm=firm.name),
               _("%(name)s ti invita a unirti al profilo di %(firm)s nel Registro "
                 "Bollino Blu.\n\nApri questo collegamento entro %(days)d giorni:\n\n"
                 "%(link)s\n\nSe non hai ancora un account, registrati con questo indirizzo "
                 "email (%(email)s), conferma l'indirizzo, poi apri di nuovo il "
                 "collegamento.\n", name=owner.name, firm=firm.name, days=days,
                 link=external_url("firms.invitation", token=token), email=email))
    return request


def invitation_for(token: str, user: User) -> tuple[MembershipRequest, Firm]:
    """The pending invitation a link stands for, if `user` may accept it; else DomainError
    saying why (expired, altered or used link, another address, already in a firm)."""
    try:
        request_id, fp = read_token("invite", token, current_app.config["INVITATION_MAX_AGE"])
    except TokenExpired:
        raise DomainError(_("L'invito è scaduto: chiedi al titolare di inviarne un altro.")) \
            from None
    except TokenInvalid:
        raise DomainError(_("Il collegamento dell'invito non è valido.")) from None
    request = db.session.get(MembershipRequest, request_id)
    if (request is None or request.kind != MembershipKind.INVITE
            or not state_matches(fp, request.email)):
        raise DomainError(_("Il collegamento dell'invito non è valido."))
    if request.status != MembershipStatus.PENDING:
        raise DomainError(_("Questo invito è già stato usato o non è più valido."))
    if normalise_email(user.email) != request.email:
        raise DomainError(_("L'invito è stato inviato a un altro indirizzo email: accedi con "
                            "l'account di quell'indirizzo."))
    if not user.has_role(Role.APPLICANT):
        raise DomainError(_("L'invito è riservato agli account delle aziende."))
    if user.firm_id is not None:
        raise DomainError(_("Fai già parte di un'azienda registrata."))
    return request, db.session.get(Firm, request.firm_id)


def accept_invitation(token: str, user: User) -> Firm:
    """`user` joins the firm that invited them; the owner is told by email."""
    request, firm = invitation_for(token, user)
    request.status = MembershipStatus.ACCEPTED
    request.user_id = user.id
    request.decided_at = _now()
    user.firm_id = firm.id
    db.session.flush()
    auditlog.record("firm.invitation_accepted", "membership_request", request.id, actor=user,
                    before={"status": str(MembershipStatus.PENDING)},
                    after={"status": str(MembershipStatus.ACCEPTED), "firm_id": firm.id,
                           "user_id": user.id})
    owner = _owner(firm)
    if owner is not None:
        mail.queue_for(
            db.session, owner,
            lambda: _("%(name)s è entrato in %(firm)s", name=user.name, firm=firm.name),
            lambda: _("%(name)s (%(email)s) ha accettato il tuo invito e ora fa parte del "
                      "profilo di %(firm)s.\n\n%(link)s\n", name=user.name, email=user.email,
                      firm=firm.name, link=external_url("firms.members")))
    return firm


def cancel_invitation(owner: User, firm: Firm, request_id: int) -> None:
    """The owner withdraws a pending invitation; its link stops working."""
    require_owner(owner, firm)
    request = _request_of(firm, request_id, MembershipKind.INVITE)
    request.status = MembershipStatus.WITHDRAWN
    request.decided_at = _now()
    db.session.flush()
    auditlog.record("firm.invitation_cancelled", "membership_request", request.id, actor=owner,
                    before={"status": str(MembershipStatus.PENDING)},
                    after={"status": str(MembershipStatus.WITHDRAWN)})


# Removal ------------------------------------------------------------------------------------
def remove_member(owner: User, firm: Firm, user_id: int) -> User:
    """The owner takes a person out of the firm (never themself); the person is told."""
    require_owner(owner, firm)
    person = db.session.get(User, user_id)
    if person is None or person.firm_id != firm.id:
        raise NotFound(_("Persona non trovata."))
    if person.id == firm.owner_id:
        raise DomainError(_("Il titolare del profilo non può essere rimosso."))
    person.firm_id = None
    db.session.flush()
    auditlog.record("firm.member_removed", "user", person.id, actor=owner,
                    before={"firm_id": firm.id}, after={"firm_id": None})
    mail.queue_for(db.session, person, lambda: _("Non fai più parte di %(firm)s", firm=firm.name),
                   lambda: _("Il titolare del profilo di %(firm)s ti ha tolto l'accesso al "
                             "profilo aziendale nel Registro Bollino Blu.\n", firm=firm.name))
    return person
