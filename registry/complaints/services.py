"""Complaint use cases: filing (public and anonymous), triage, the firm's answer, messages.

Every change of a complaint goes through `_step`, which checks the transition table of
`workflow`, appends a history row and writes the audit log. The anonymous channel stores
nothing that identifies the worker: no account, no address, no browser string (neither here
nor in the audit log), and only the SHA-256 of the receipt code. Services never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from registry import auditlog, mail
from registry.accounts.models import User, active_with_role
from registry.applications.models import Application
from registry.applications.services import start_surveillance
from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.complaints.labels import (
    complaint_category_label,
    complaint_kind_label,
    complaint_outcome_label,
    complaint_state_label,
)
from registry.complaints.models import Complaint, ComplaintEvent
from registry.complaints.workflow import (
    ACK_DAYS,
    ACTION_OUTCOMES,
    CLOSE_OUTCOMES,
    FIRM_ACTIONS,
    OFFICER_ACTIONS,
    OPEN,
    REMIND_AFTER_DAYS,
    REPORTER_ACTIONS,
    TRANSITIONS,
    ComplaintAction,
    ComplaintCategory,
    ComplaintKind,
    ComplaintOutcome,
    ComplaintState,
    allowed_actions,
)
from registry.db import ROME, today_in_rome, utcnow
from registry.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from registry.extensions import db
from registry.firms import phones
from registry.firms.models import Firm
from registry.links import external_url
from registry.security import Role
from registry.storage.uploads import store_upload
from registry.tabular import Column

MAX_TEXT = 5000
MAX_ATTACHMENT_MB = 5
# A short-notice audit must be concluded within this many days (the job suspends after).
SHORT_NOTICE_DAYS = 30
# Crockford's base32 without I, L, O, U: nothing to misread when copying the code by hand.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits
CODE_GROUP = 4


# --- receipt codes -----------------------------------------------------------------------

def new_receipt_code() -> str:
    """A random receipt code (100 bits from `secrets`), in groups of four for reading."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def receipt_hash(code: str | None) -> str:
    """The SHA-256 of the code as typed, ignoring case, spaces and dashes. Always computed,
    whatever the input, so a malformed code costs what a wrong one does."""
    normal = "".join(ch for ch in (code or "")[:100].upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def find_by_receipt(code: str | None) -> Complaint | None:
    """The worker's complaint with this receipt code, or None: one hash and one indexed
    query either way, so a code that does not exist answers as a wrong one."""
    digest = receipt_hash(code)
    return db.session.scalar(db.select(Complaint).where(
        Complaint.receipt_hash == digest, Complaint.kind == ComplaintKind.WORKER))


# --- filing ------------------------------------------------------------------------------

def _text(text: str | None, field: str = "text") -> str:
    value = (text or "").strip()
    if not value:
        raise DomainError(_("Descrivi che cosa è successo."), field=field)
    if len(value) > MAX_TEXT:
        raise DomainError(_("Il testo supera i %(n)d caratteri.", n=MAX_TEXT), field=field)
    return value


def _attach(complaint: Complaint, upload: FileStorage | None) -> None:
    """Store an optional attachment (at most MAX_ATTACHMENT_MB, a document or image type
    checked on its content)."""
    if upload is None or not upload.filename:
        return
    limit = MAX_ATTACHMENT_MB * 1024 * 1024
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise DomainError(_("L'allegato supera la dimensione massima di %(mb)d MB.",
                            mb=MAX_ATTACHMENT_MB), field="attachment")
    # The uploader's file name is not kept: it may name the worker.
    sha, mime, size = store_upload(FileStorage(io.BytesIO(content), "allegato"), "attachment")
    complaint.attachment_sha256, complaint.attachment_mime = sha, mime
    complaint.attachment_size = size


def _called_at(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        raise DomainError(_("Indica data e ora della chiamata."), field="called_at")
    moment = value.replace(tzinfo=ROME) if value.tzinfo is None else value
    now = utcnow()
    if moment > now + dt.timedelta(minutes=5):
        raise DomainError(_("La data della chiamata è nel futuro."), field="called_at")
    if moment < now - dt.timedelta(days=3 * 365):
        raise DomainError(_("La chiamata è di più di tre anni fa."), field="called_at")
    return moment.astimezone(dt.UTC)


def _new(firm: Firm, kind: ComplaintKind, text: str) -> Complaint:
    complaint = Complaint(kind=kind, state=ComplaintState.RECEIVED, firm_id=firm.id,
                          text=text, received_at=utcnow(),
                          certificate_number=_certificate_number(firm))
    db.session.add(complaint)
    return complaint


def _certificate_number(firm: Firm) -> str | None:
    certificate = (db.session.get(Certificate, firm.current_certificate_id)
                   if firm.current_certificate_id else None)
    return certificate.number if certificate is not None else None


def file_public_report(firm: Firm, *, called_at: dt.datetime | None, calling_number: str | None,
                       text: str | None, contact_email: str | None = None,
                       attachment: FileStorage | None = None) -> Complaint:
    """A person reports a call received from (or for) `firm`: when (Italian time), from
    which number, what happened; an email address if they want to hear the outcome."""
    try:
        number = phones.normalise(calling_number)
    except DomainError as error:
        raise DomainError(error.message, field="calling_number") from None
    complaint = _new(firm, ComplaintKind.PUBLIC, _text(text))
    complaint.called_at = _called_at(called_at)
    complaint.calling_number = number
    complaint.contact_email = (contact_email or "").strip()[:254] or None
    if complaint.contact_email:
        complaint.contact_locale = reporter_locale()
    _attach(complaint, attachment)
    db.session.flush()
    _history(complaint, ComplaintAction.FILE, None, None)
    _tell_officers(complaint)
    return complaint


@dataclass(frozen=True)
class WorkerReceipt:
    """The complaint filed and its receipt code: shown once, never stored."""

    complaint: Complaint
    code: str


def file_worker_report(firm: Firm, *, text: str | None,
                       attachment: FileStorage | None = None) -> WorkerReceipt:
    """A worker reports anonymously. Nothing about the request is kept; the receipt code
    is the only way back to the complaint."""
    complaint = _new(firm, ComplaintKind.WORKER, _text(text))
    _attach(complaint, attachment)
    code = new_receipt_code()
    complaint.receipt_hash = receipt_hash(code)
    db.session.flush()
    _history(complaint, ComplaintAction.FILE, None, None)
    _tell_officers(complaint)
    return WorkerReceipt(complaint, code)


# --- the one state-changing step -----------------------------------------------------------

def _history(complaint: Complaint, action: ComplaintAction, actor: User | None,
             text: str | None, from_state: str | None = None) -> ComplaintEvent:
    event = ComplaintEvent(complaint_id=complaint.id, action=action, actor_id=getattr(
        actor, "id", None), from_state=from_state, to_state=complaint.state, text=text,
        at=utcnow())
    db.session.add(event)
    db.session.flush()
    # The audit log names the step and the states only: never the text, never the reporter.
    auditlog.record(f"complaint.{action}", "complaint", complaint.id, actor=actor,
                    before={"state": from_state} if from_state else None,
                    after={"state": str(complaint.state), "kind": str(complaint.kind)})
    return event


def _step(complaint: Complaint, action: ComplaintAction, actor: User | None,
          text: str | None = None) -> ComplaintEvent:
    """Check `action` against the transition table, move the state, append the history."""
    target = TRANSITIONS.get((ComplaintState(complaint.state), action))
    if target is None or action not in allowed_actions(complaint.state, complaint.kind):
        raise InvalidTransition(_("Operazione non possibile sulla segnalazione nel suo stato "
                                  "attuale."))
    before = complaint.state
    complaint.state = target
    return _history(complaint, action, actor, text, from_state=before)


# --- who may do what -----------------------------------------------------------------------

def is_officer_for(user, complaint: Complaint) -> bool:
    """An officer who does not belong to the firm reported."""
    return (user.is_authenticated and user.has_role(Role.OFFICER)
            and user.firm_id != complaint.firm_id)


def is_firm_member(user, complaint: Complaint) -> bool:
    return (user.is_authenticated and user.has_role(Role.APPLICANT)
            and user.firm_id is not None and user.firm_id == complaint.firm_id)


def actions_for(user, complaint: Complaint) -> frozenset[ComplaintAction]:
    """What `user` may do to `complaint` now (feeds the buttons)."""
    possible = allowed_actions(complaint.state, complaint.kind)
    if is_officer_for(user, complaint):
        actions = possible & OFFICER_ACTIONS
        if complaint.certificate_number is None:
            actions -= {ComplaintAction.OPEN_AUDIT, ComplaintAction.PROPOSE_SUSPENSION}
        return frozenset(actions)
    if is_firm_member(user, complaint):
        return possible & FIRM_ACTIONS
    return frozenset()


def _require(user, complaint: Complaint, action: ComplaintAction) -> None:
    if action not in actions_for(user, complaint):
        if action in allowed_actions(complaint.state, complaint.kind):
            raise NotPermitted(_("Non puoi fare questa operazione su questa segnalazione."))
        raise InvalidTransition(_("Operazione non possibile sulla segnalazione nel suo "
                                  "stato attuale."))


# --- officers ------------------------------------------------------------------------------

def acknowledge(complaint: Complaint, officer: User, text: str | None = None) -> None:
    """The officer takes the complaint in hand (within ACK_DAYS of receipt)."""
    _require(officer, complaint, ComplaintAction.ACKNOWLEDGE)
    complaint.acknowledged_at = utcnow()
    _step(complaint, ComplaintAction.ACKNOWLEDGE, officer, (text or "").strip() or None)


def classify(complaint: Complaint, officer: User, category: str | None) -> None:
    """Put the complaint in a category."""
    _require(officer, complaint, ComplaintAction.CLASSIFY)
    if category not in set(ComplaintCategory):
        raise DomainError(_("Scegli una categoria."), field="category")
    complaint.category = ComplaintCategory(category)
    _step(complaint, ComplaintAction.CLASSIFY, officer)


def link(complaint: Complaint, officer: User, firm_id: int | None,
         certificate_number: str | None) -> None:
    """Point the complaint at the firm and certificate it is really about."""
    _require(officer, complaint, ComplaintAction.LINK)
    firm = db.session.get(Firm, firm_id) if firm_id else None
    if firm is None:
        raise DomainError(_("Azienda non trovata."), field="firm_id")
    number = (certificate_number or "").strip().upper() or None
    if number is not None:
        certificate = lookup.find(number)
        if certificate is None or certificate.firm_id != firm.id:
            raise DomainError(_("Il certificato non è dell'azienda indicata."),
                              field="certificate_number")
    complaint.firm_id, complaint.certificate_number = firm.id, number
    _step(complaint, ComplaintAction.LINK, officer,
          f"{firm.name}" + (f" · {number}" if number else ""))


def ask_firm(complaint: Complaint, officer: User, question: str | None) -> None:
    """Forward the complaint to the firm with the officer's question; its members are told.
    The question is all the firm reads of a worker's report: the officer decides what to
    disclose."""
    _require(officer, complaint, ComplaintAction.ASK_FIRM)
    _step(complaint, ComplaintAction.ASK_FIRM, officer, _text(question, "text"))
    members = db.session.scalars(db.select(User).where(
        User.firm_id == complaint.firm_id, User.active.is_(True)).order_by(User.id)).all()
    for member in members:
        mail.queue_for(db.session, member, _l("Segnalazione: è richiesta la vostra risposta"),
                       _l("Il registro ha ricevuto una segnalazione sulla vostra azienda "
                          "(n. %(n)d) e chiede la vostra risposta.", n=complaint.id),
                       external_url("complaints.firm_detail", complaint_id=complaint.id),
                       _l("Rispondi"))


def officer_message(complaint: Complaint, officer: User, text: str | None) -> None:
    """A message to the worker, read through the receipt code."""
    _require(officer, complaint, ComplaintAction.OFFICER_MESSAGE)
    _step(complaint, ComplaintAction.OFFICER_MESSAGE, officer, _text(text))


def close(complaint: Complaint, officer: User, outcome: str | None, reason: str | None) -> None:
    """Close with an outcome and a reason; a public reporter who left an address is told."""
    _require(officer, complaint, ComplaintAction.CLOSE)
    if outcome not in {str(o) for o in CLOSE_OUTCOMES}:
        raise DomainError(_("Scegli l'esito."), field="outcome")
    _finish(complaint, officer, ComplaintAction.CLOSE, ComplaintOutcome(outcome),
            _text(reason))


def _finish(complaint: Complaint, officer: User, action: ComplaintAction,
            outcome: ComplaintOutcome, reason: str) -> None:
    complaint.outcome, complaint.closing_reason = outcome, reason
    complaint.closed_at = utcnow()
    _step(complaint, action, officer, reason)
    if complaint.contact_email:
        reporter = SimpleNamespace(email=complaint.contact_email,
                                   locale=complaint.contact_locale)
        mail.queue_for(db.session, reporter, _l("La tua segnalazione è stata chiusa"),
                       _l("La segnalazione n. %(n)d che hai inviato al registro Bollino Blu "
                          "è stata esaminata e chiusa.\n\n%(reason)s", n=complaint.id,
                          reason=reason))


def _live_certificate(complaint: Complaint) -> Certificate:
    certificate = (lookup.find(complaint.certificate_number)
                   if complaint.certificate_number else None)
    if certificate is None or not certificate.is_live:
        raise DomainError(_("La segnalazione non è collegata a un certificato in vigore."),
                          field="certificate_number")
    return certificate


def open_short_notice_audit(complaint: Complaint, officer: User, reason: str | None) -> Application:
    """Open a short-notice surveillance audit of the linked certificate (to be concluded
    within SHORT_NOTICE_DAYS) and close the complaint with it on record."""
    _require(officer, complaint, ComplaintAction.OPEN_AUDIT)
    text = _text(reason)
    audit = start_surveillance(_live_certificate(complaint), officer,
                               due_on=today_in_rome() + dt.timedelta(days=SHORT_NOTICE_DAYS))
    complaint.audit_application_id = audit.id
    _finish(complaint, officer, ComplaintAction.OPEN_AUDIT, ComplaintOutcome.AUDIT_OPENED, text)
    return audit


def propose_suspension(complaint: Complaint, officer: User, reason: str | None) -> None:
    """Record a proposal to suspend the linked certificate. The suspension itself is an
    officer's act on the certificate's page (its lifecycle, its appeal rights), not here."""
    _require(officer, complaint, ComplaintAction.PROPOSE_SUSPENSION)
    text = _text(reason)
    _live_certificate(complaint)
    _finish(complaint, officer, ComplaintAction.PROPOSE_SUSPENSION,
            ACTION_OUTCOMES[ComplaintAction.PROPOSE_SUSPENSION], text)


# The officer's steps by action, each with the form's values it reads.
_OFFICER_STEPS = {
    ComplaintAction.ACKNOWLEDGE: lambda c, o, v: acknowledge(c, o, v["text"]),
    ComplaintAction.CLASSIFY: lambda c, o, v: classify(c, o, v["category"]),
    ComplaintAction.LINK: lambda c, o, v: link(c, o, v["firm_id"], v["certificate_number"]),
    ComplaintAction.ASK_FIRM: lambda c, o, v: ask_firm(c, o, v["text"]),
    ComplaintAction.OFFICER_MESSAGE: lambda c, o, v: officer_message(c, o, v["text"]),
    ComplaintAction.CLOSE: lambda c, o, v: close(c, o, v["outcome"], v["text"]),
    ComplaintAction.OPEN_AUDIT: lambda c, o, v: open_short_notice_audit(c, o, v["text"]),
    ComplaintAction.PROPOSE_SUSPENSION: lambda c, o, v: propose_suspension(c, o, v["text"]),
}


def officer_act(complaint: Complaint, officer: User, action: str | None, *, text=None,
                category=None, outcome=None, firm_id=None, certificate_number=None):
    """The officer's step named by `action`, with the values of the form."""
    step = _OFFICER_STEPS.get(action)
    if step is None:
        raise DomainError(_("Operazione sconosciuta."))
    return step(complaint, officer, {"text": text, "category": category, "outcome": outcome,
                                     "firm_id": firm_id,
                                     "certificate_number": certificate_number})


# --- the firm and the worker -----------------------------------------------------------------

def firm_answer(complaint: Complaint, member: User, text: str | None) -> None:
    """The firm's answer to the officer's question, appended to the history."""
    _require(member, complaint, ComplaintAction.FIRM_ANSWER)
    _step(complaint, ComplaintAction.FIRM_ANSWER, member, _text(text))
    for officer in _officers(complaint):
        mail.queue_for(db.session, officer, _l("Segnalazione: l'azienda ha risposto"),
                       _l("L'azienda ha risposto sulla segnalazione n. %(n)d.", n=complaint.id),
                       external_url("complaints.detail", complaint_id=complaint.id),
                       _l("Apri la segnalazione"))


def reporter_message(complaint: Complaint, text: str | None) -> None:
    """The worker writes to the officers through the receipt code page."""
    if ComplaintAction.REPORTER_MESSAGE not in (
            allowed_actions(complaint.state, complaint.kind) & REPORTER_ACTIONS):
        raise InvalidTransition(_("La segnalazione è chiusa: non si possono più inviare "
                                  "messaggi."), field="text")
    _step(complaint, ComplaintAction.REPORTER_MESSAGE, None, _text(text))


def firm_complaints(firm_id: int) -> list[Complaint]:
    """The complaints the firm was asked to answer (it sees no others)."""
    return list(db.session.scalars(db.select(Complaint).where(
        Complaint.firm_id == firm_id,
        Complaint.id.in_(db.select(ComplaintEvent.complaint_id).where(
            ComplaintEvent.action == ComplaintAction.ASK_FIRM))).order_by(Complaint.id.desc())))


def firm_complaint(user, complaint_id: int) -> Complaint:
    """One complaint as its firm's member may read it; NotFound otherwise."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not is_firm_member(user, complaint) or complaint not in \
            firm_complaints(complaint.firm_id):
        raise NotFound(_("Segnalazione non trovata."))
    return complaint


# --- notices and the daily job ---------------------------------------------------------------

def _officers(complaint: Complaint) -> list[User]:
    return [o for o in active_with_role(Role.OFFICER) if o.firm_id != complaint.firm_id]


def _tell_officers(complaint: Complaint) -> None:
    for officer in _officers(complaint):
        mail.queue_for(db.session, officer, _l("Nuova segnalazione"),
                       _l("È arrivata la segnalazione n. %(n)d su %(f)s. Va presa in carico "
                          "entro sette giorni.", n=complaint.id, f=complaint.firm.name
                          if complaint.firm else complaint.firm_id),
                       external_url("complaints.detail", complaint_id=complaint.id),
                       _l("Apri la segnalazione"))


def remind_unacknowledged(day: dt.date | None = None) -> int:
    """Remind officers (once per complaint) of complaints received more than
    REMIND_AFTER_DAYS days ago and not yet acknowledged. Returns how many."""
    day = day or today_in_rome()
    cutoff = dt.datetime.combine(day - dt.timedelta(days=REMIND_AFTER_DAYS), dt.time(),
                                 tzinfo=ROME)
    late = db.session.scalars(db.select(Complaint).where(
        Complaint.state == ComplaintState.RECEIVED, Complaint.reminded_at.is_(None),
        Complaint.received_at < cutoff).order_by(Complaint.id)).all()
    for complaint in late:
        complaint.reminded_at = utcnow()
        for officer in _officers(complaint):
            mail.queue_for(db.session, officer, _l("Segnalazione da prendere in carico"),
                           _l("La segnalazione n. %(n)d è arrivata più di %(d)d giorni fa e "
                              "non è ancora stata presa in carico: il termine è di sette "
                              "giorni.", n=complaint.id, d=REMIND_AFTER_DAYS),
                           external_url("complaints.detail", complaint_id=complaint.id),
                           _l("Apri la segnalazione"))
    db.session.flush()
    return len(late)


def reporter_locale() -> str:
    """The language of the page the report was filed from (for nothing else)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- lists ---------------------------------------------------------------------------------

def staff_list(state: str | None = None, kind: str | None = None,
               firm_id: int | None = None, viewer=None) -> list[Complaint]:
    """Complaints for the officers' list, newest first, with the filters on screen; an
    officer who belongs to a firm never sees the complaints about it."""
    query = db.select(Complaint).order_by(Complaint.id.desc())
    if viewer is not None and viewer.firm_id is not None:
        query = query.where(Complaint.firm_id != viewer.firm_id)
    if state in set(ComplaintState):
        query = query.where(Complaint.state == state)
    elif state == "open":
        query = query.where(Complaint.state.in_(sorted(OPEN)))
    if kind in set(ComplaintKind):
        query = query.where(Complaint.kind == kind)
    if firm_id:
        query = query.where(Complaint.firm_id == firm_id)
    return list(db.session.scalars(query.limit(500)))


def overview() -> list[dict]:
    """Counts per firm and outcome (open complaints counted as such), for the ministry."""
    rows = db.session.execute(db.select(Firm.id, Firm.name, Complaint.outcome,
                                        db.func.count(Complaint.id))
                              .join(Firm, Firm.id == Complaint.firm_id)
                              .group_by(Firm.id, Firm.name, Complaint.outcome)
                              .order_by(Firm.name)).all()
    table: dict[int, dict] = {}
    for firm_id, name, outcome, count in rows:
        entry = table.setdefault(firm_id, {"firm_id": firm_id, "name": name, "open": 0,
                                           "total": 0, "outcomes": {}})
        entry["total"] += count
        if outcome is None:
            entry["open"] += count
        else:
            entry["outcomes"][outcome] = count
    return list(table.values())


def staff_complaint(user, complaint_id: int) -> Complaint:
    """One complaint for an officer's page; NotFound for a complaint about the officer's own
    firm (it could name a colleague who reported)."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not is_officer_for(user, complaint):
        raise NotFound(_("Segnalazione non trovata."))
    return complaint


def acknowledge_by(complaint: Complaint) -> dt.datetime:
    """The end of the day by which the complaint must be acknowledged (Italian time)."""
    day = complaint.received_at.astimezone(ROME).date() + dt.timedelta(days=ACK_DAYS)
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=ROME)


def acknowledgement_late(complaint: Complaint, now: dt.datetime | None = None) -> bool:
    """Still not acknowledged after REMIND_AFTER_DAYS: shown as urgent on the list."""
    return (complaint.state == ComplaintState.RECEIVED
            and (now or utcnow()) - complaint.received_at > dt.timedelta(
                days=REMIND_AFTER_DAYS))


EXPORT_COLUMNS = [
    Column("id", _l("Numero")), Column("received_at", _l("Ricevuta il")),
    Column("kind_label", _l("Tipo")), Column("state_label", _l("Stato")),
    Column("firm", _l("Azienda")), Column("vat_number", _l("Partita IVA")),
    Column("certificate", _l("Certificato")), Column("category_label", _l("Categoria")),
    Column("outcome_label", _l("Esito")), Column("closed_at", _l("Chiusa il"))]


def export_rows(complaints: list[Complaint]) -> Iterator[dict]:
    """The staff list's rows for CSV/XLSX/JSON: what the list shows, in words (the codes as
    machine fields of the JSON); never the text, the reporter's address or anything else a
    reporter wrote."""
    for c in complaints:
        yield {"id": c.id, "received_at": c.received_at.astimezone(ROME).strftime("%d/%m/%Y %H:%M"),
               "kind": c.kind, "kind_label": complaint_kind_label(c.kind),
               "state": c.state, "state_label": complaint_state_label(c.state),
               "firm": c.firm.name, "vat_number": c.firm.vat_number,
               "certificate": c.certificate_number or "",
               "category": c.category, "outcome": c.outcome,
               "category_label": complaint_category_label(c.category) if c.category else "",
               "outcome_label": complaint_outcome_label(c.outcome) if c.outcome else "",
               "closed_at": (c.closed_at.astimezone(ROME).strftime("%d/%m/%Y %H:%M")
                             if c.closed_at else "")}
