"""A client account's watch-list of suppliers: add, import from a file, the status board,
export, and the email digest preference (immediate or daily)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import func

from registry import auditlog, filetypes, mail
from registry.accounts.models import User
from registry.certificates.labels import level_label, verdict_label
from registry.certificates.lookup import listed
from registry.certificates.models import Certificate, StatusChange
from registry.db import utcnow
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.firms.identifiers import IdentifierError, validate_vat_number
from registry.firms.models import Firm
from registry.links import external_url
from registry.security import Role
from registry.watching.models import ClientSettings, WatchedSupplier, WatchEvent
from registry.watching.outbox import event_summary
from registry.watching.workflow import Digest

MAX_WATCHED = 1000
MAX_IMPORT_ROWS = 1000
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def require_client(user: User) -> None:
    if not user.has_role(Role.CLIENT):
        raise NotFound(_("Pagina non trovata."))


def settings_of(user: User) -> ClientSettings:
    settings = db.session.get(ClientSettings, user.id)
    if settings is None:
        settings = ClientSettings(user_id=user.id, digest=Digest.DAILY)
        db.session.add(settings)
        db.session.flush()
    return settings


def digest_of(user: User) -> Digest:
    """The client's email preference (daily until it chooses), read without writing."""
    settings = db.session.get(ClientSettings, user.id)
    return Digest(settings.digest) if settings is not None else Digest.DAILY


def watched_ids(user: User) -> set[int]:
    return set(db.session.scalars(db.select(WatchedSupplier.firm_id).where(
        WatchedSupplier.user_id == user.id)))


def search_firms(text: str, limit: int = 10) -> list[Firm]:
    """Firms the public register lists, by partita IVA or by a part of the name."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    listed_firms = db.select(Firm).where(Firm.current_certificate_id.is_not(None))
    try:
        vat = validate_vat_number(text)
    except IdentifierError:
        vat = None
    if vat:
        return list(db.session.scalars(listed_firms.where(Firm.vat_number == vat)))
    pattern = "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
    return list(db.session.scalars(listed_firms.where(func.lower(Firm.name).like(pattern))
                                   .order_by(Firm.name).limit(limit)))


def _listed_firm(firm_id: int) -> Firm:
    firm = db.session.get(Firm, firm_id)
    if firm is None or firm.current_certificate_id is None:
        raise DomainError(_("Azienda non trovata nel registro."))
    return firm


def _room_for(user: User, more: int) -> None:
    if len(watched_ids(user)) + more > MAX_WATCHED:
        raise DomainError(_("La lista può contenere al massimo %(n)s fornitori.", n=MAX_WATCHED))


def add_supplier(user: User, firm_id: int) -> Firm:
    require_client(user)
    firm = _listed_firm(firm_id)
    if firm.id in watched_ids(user):
        raise DomainError(_("%(firm)s è già nella tua lista.", firm=firm.name))
    _room_for(user, 1)
    db.session.add(WatchedSupplier(user_id=user.id, firm_id=firm.id))
    settings_of(user)
    db.session.flush()
    auditlog.record("watchlist.added", "user", user.id, actor=user, after={"firm_id": firm.id})
    return firm


def remove_supplier(user: User, firm_id: int) -> None:
    require_client(user)
    row = db.session.scalar(db.select(WatchedSupplier).where(
        WatchedSupplier.user_id == user.id, WatchedSupplier.firm_id == firm_id))
    if row is None:
        raise NotFound(_("Fornitore non trovato nella tua lista."))
    db.session.delete(row)
    db.session.flush()
    auditlog.record("watchlist.removed", "user", user.id, actor=user, after={"firm_id": firm_id})


def set_digest(user: User, digest: str) -> ClientSettings:
    require_client(user)
    try:
        choice = Digest(digest)
    except ValueError:
        raise DomainError(_("Scelta non valida."), field="digest") from None
    settings = settings_of(user)
    settings.digest = choice
    db.session.flush()
    auditlog.record("watchlist.digest", "user", user.id, actor=user, after={"digest": choice})
    return settings


# --- import ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportRow:
    line: int
    value: str
    added: bool
    message: str


def _cells(data: bytes) -> list[str]:
    """The first column of each row of a CSV or XLSX file, as text."""
    stream = io.BytesIO(data)
    if data.startswith(b"PK\x03\x04"):
        try:
            filetypes.check(stream)
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception:
            raise DomainError(_("Il file XLSX non è leggibile."), field="file") from None
        sheet = workbook.worksheets[0]
        values = []
        for row in sheet.iter_rows(max_col=1, values_only=True, max_row=MAX_IMPORT_ROWS + 2):
            cell = row[0] if row else None
            values.append("" if cell is None else str(cell).removesuffix(".0"))
        workbook.close()
        return values
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise DomainError(_("Il file non è un CSV né un XLSX."), field="file")
    rows = csv.reader(io.StringIO(text), delimiter=";" if ";" in text else ",")
    return [(row[0] if row else "") for row in rows]


HEADER_WORDS = ("partita", "iva", "vat", "p.iva", "piva")


def import_suppliers(user: User, data: bytes) -> list[ImportRow]:
    """Add every firm named by a partita IVA in the file's first column; each row gets its
    outcome (added, already on the list, bad number, not in the register, repeated). Bad
    rows never stop the good ones, and none is silently dropped."""
    require_client(user)
    if not data:
        raise DomainError(_("Scegli un file CSV o XLSX."), field="file")
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("Il file è troppo grande (al massimo 2 MB)."), field="file")
    cells = _cells(data)
    if cells and any(word in cells[0].lower() for word in HEADER_WORDS):
        cells, first = cells[1:], 2
    else:
        first = 1
    if len([c for c in cells if c.strip()]) > MAX_IMPORT_ROWS:
        raise DomainError(_("Il file ha più di %(n)s righe.", n=MAX_IMPORT_ROWS), field="file")
    have, seen, report, added = watched_ids(user), {}, [], 0
    for line, raw in enumerate(cells, first):
        value = raw.strip()[:40]
        if not value:
            continue
        try:
            vat = validate_vat_number(value)
        except IdentifierError as error:
            report.append(ImportRow(line, value, False, str(error.message)))
            continue
        if vat in seen:
            report.append(ImportRow(line, value, False,
                                    _("ripetuta (già alla riga %(n)s)", n=seen[vat])))
            continue
        seen[vat] = line
        firm = db.session.scalar(db.select(Firm).where(Firm.vat_number == vat))
        if firm is None or firm.current_certificate_id is None:
            report.append(ImportRow(line, value, False,
                                    _("nessuna azienda con questa partita IVA nel registro")))
            continue
        if firm.id in have:
            report.append(ImportRow(line, value, False,
                                    _("%(firm)s: già nella lista", firm=firm.name)))
            continue
        db.session.add(WatchedSupplier(user_id=user.id, firm_id=firm.id))
        have.add(firm.id)
        added += 1
        report.append(ImportRow(line, value, True, _("%(firm)s: aggiunta", firm=firm.name)))
    if not report:
        raise DomainError(_("Il file non contiene partite IVA."), field="file")
    _room_for(user, 0)
    settings_of(user)
    db.session.flush()
    auditlog.record("watchlist.imported", "user", user.id, actor=user,
                    after={"rows": len(report), "added": added})
    return report


# --- the board and its export -----------------------------------------------------------
@dataclass(frozen=True)
class BoardRow:
    firm_id: int
    firm_name: str
    vat_number: str
    certificate_number: str | None
    level: str | None
    verdict: str | None
    valid_until: dt.date | None
    last_change: dt.date | None


def board(user: User) -> list[BoardRow]:
    """Each watched firm with its current certificate's level, today's verdict, validity
    and the day of its last status change."""
    rows = db.session.execute(
        db.select(Firm, Certificate).join(WatchedSupplier, WatchedSupplier.firm_id == Firm.id)
        .outerjoin(Certificate, Certificate.id == Firm.current_certificate_id)
        .where(WatchedSupplier.user_id == user.id).order_by(Firm.name, Firm.id)).all()
    numbers = [c.number for _f, c in rows if c is not None]
    last = dict(db.session.execute(
        db.select(Certificate.number, func.max(StatusChange.effective_on))
        .join(StatusChange, StatusChange.certificate_id == Certificate.id)
        .where(Certificate.number.in_(numbers)).group_by(Certificate.number)).all()
    ) if numbers else {}
    return [BoardRow(firm.id, firm.name, firm.vat_number,
                     cert.number if cert else None, cert.level if cert else None,
                     str(listed(cert).verdict) if cert else None,
                     cert.valid_until if cert else None,
                     last.get(cert.number) if cert else None)
            for firm, cert in rows]


EXPORT_HEADER = ["ragione_sociale", "partita_iva", "certificato", "livello", "esito",
                 "valido_fino_al", "ultimo_cambiamento"]


def export_table(user: User) -> list[list]:
    return [[row.firm_name, row.vat_number, row.certificate_number or "",
             level_label(row.level) if row.level else "",
             verdict_label(row.verdict) if row.verdict else "",
             row.valid_until.isoformat() if row.valid_until else "",
             row.last_change.isoformat() if row.last_change else ""]
            for row in board(user)]


# --- the daily digest -------------------------------------------------------------------
def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Email each client who chose the daily digest the changes to its suppliers since its
    last digest (the daily job; nothing is sent when nothing changed)."""
    now = now or utcnow()
    sent = 0
    clients = db.session.execute(
        db.select(User, ClientSettings).join(ClientSettings, ClientSettings.user_id == User.id)
        .where(ClientSettings.digest == Digest.DAILY, User.active.is_(True))
        .order_by(User.id)).all()
    for user, settings in clients:
        since = settings.last_digest_at or now - dt.timedelta(days=1)
        events = db.session.scalars(
            db.select(WatchEvent).join(WatchedSupplier,
                                       WatchedSupplier.firm_id == WatchEvent.firm_id)
            .where(WatchedSupplier.user_id == user.id, WatchEvent.created_at > since,
                   WatchEvent.created_at <= now).order_by(WatchEvent.id)).all()
        settings.last_digest_at = now
        if not events:
            continue

        def body(events=events) -> str:  # in the client's language, as the subject
            lines = [
                "- " + event_summary(e.kind, e.certificate_number,
                                     e.payload.get("data", {}).get("certificate", {})
                                     .get("firm", {}).get("name", ""),
                                     e.payload.get("data", {}).get("change", {}))
                for e in events]
            return _("Le novità sui fornitori che segui, dall'ultimo riepilogo:\n\n"
                     "%(lines)s\n\nLa tua lista e le preferenze: %(link)s\n",
                     lines="\n".join(lines), link=external_url("watching.suppliers"))

        mail.queue_for(db.session, user,
                       lambda n=len(events): _("Bollino Blu: %(n)s novità sui tuoi fornitori",
                                               n=n), body)
        sent += 1
    db.session.flush()
    return sent
