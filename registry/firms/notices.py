"""Art. 24-bis notices on record: a firm records the notices it sent before moving work
outside the EU; officers, the ministry and the certification decision read them.

The rules themselves are pure functions in `firms.delocalisation`; this module turns rows
into their facts, records and withdraws notices (append-only: a notice row is never edited),
and answers the questions of the other features: may this firm be certified, which firms
must the ministry look at.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from registry import auditlog, storage
from registry.accounts.models import User
from registry.db import today_in_rome
from registry.errors import DomainError, NotFound
from registry.extensions import db
from registry.firms import delocalisation, geography, phones
from registry.firms.delocalisation import NoticeFact, ObligationCheck, SiteFact
from registry.firms.labels import authority_label, delocalisation_label
from registry.firms.models import DelocalisationNotice, Firm, NoticeWithdrawal, Site
from registry.firms.services import require_member
from registry.firms.workflow import FLAGGED, DelocalisationStatus, NoticeAuthority
from registry.security import OVERSIGHT, has_any_role
from registry.tabular import Column

# Art. 24-bis in its present form dates from L. 232/2016; its first text from DL 83/2012
# (June 2012): a notice dated before that is a typing error.
EARLIEST = dt.date(2012, 6, 22)
# A planned move further away than this is a typing error, not a plan.
LATEST_MOVE_YEARS = 10
MAX_NUMBERS = 200


# Reading ------------------------------------------------------------------------------------
def notices_of(firm_id: int) -> list[DelocalisationNotice]:
    """Every notice the firm recorded, withdrawn ones included, newest first."""
    return list(db.session.scalars(
        db.select(DelocalisationNotice).where(DelocalisationNotice.firm_id == firm_id)
        .options(selectinload(DelocalisationNotice.site))
        .order_by(DelocalisationNotice.sent_on.desc(), DelocalisationNotice.id.desc())))


def notice_for(user: User, notice_id: int) -> DelocalisationNotice:
    """A notice a member of its firm or a staff member may read; NotFound otherwise."""
    notice = db.session.get(DelocalisationNotice, notice_id)
    if notice is None or not (has_any_role(user, OVERSIGHT) or user.firm_id == notice.firm_id):
        raise NotFound(_("Comunicazione non trovata."))
    return notice


def site_facts(sites: Sequence[Site]) -> list[SiteFact]:
    return [SiteFact(s.id, s.country, s.opened_on, s.closed_on) for s in sites]


def notice_facts(notices: Sequence[DelocalisationNotice]) -> list[NoticeFact]:
    """The facts of the notices in force (withdrawn ones do not count)."""
    return [NoticeFact(n.authority, n.country, n.sent_on, n.move_on, n.site_id,
                       tuple(n.countries or ())) for n in notices if not n.withdrawn]


def _checks(firm: Firm, notices: Sequence[DelocalisationNotice]) -> list[ObligationCheck]:
    return delocalisation.check_firm(site_facts(firm.sites), firm.traffic_extra_eu_pct,
                                     firm.extra_eu_countries or [], notice_facts(notices))


def firm_checks(firm: Firm) -> list[ObligationCheck]:
    """Each move outside the EU of `firm` with the state of its three notices."""
    return _checks(firm, notices_of(firm.id))


def firm_status(firm: Firm) -> DelocalisationStatus:
    return delocalisation.classify(firm_checks(firm))


def _authorities(authorities: Sequence[NoticeAuthority]) -> str:
    return ", ".join(authority_label(a) for a in authorities)


def country_name(code: str) -> str:
    """The country's name in the reader's language."""
    return geography.country_name(code, str(get_locale() or "it"))


def _place(check: ObligationCheck, sites: Mapping[int, Site]) -> str:
    obligation = check.obligation
    if obligation.site_id is not None and obligation.site_id in sites:
        site = sites[obligation.site_id]
        return f"{site.comune}, {country_name(site.country)}"
    if obligation.country:
        return country_name(obligation.country)
    return _("paese non indicato")


def problems(firm: Firm, checks: Sequence[ObligationCheck]) -> list[str]:
    """What is missing or late, one sentence per move, for people to read."""
    sites = {site.id: site for site in firm.sites}
    found = []
    for check in checks:
        if check.missing:
            found.append(_("%(place)s: manca la comunicazione a %(who)s.",
                           place=_place(check, sites), who=_authorities(check.missing)))
        if check.late:
            found.append(_("%(place)s: comunicazione tardiva a %(who)s (meno di 30 giorni "
                           "prima del trasferimento).",
                           place=_place(check, sites), who=_authorities(check.late)))
    return found


def certification_obstacles(firm: Firm) -> list[str]:
    """Why the firm may not be certified because of art. 24-bis (empty: nothing stops it):
    an open site outside the EU without the three notices (LEG-05 knock-out)."""
    blocking = delocalisation.blocking_sites(firm_checks(firm))
    if not blocking:
        return []
    sites = {site.id: site for site in firm.sites}
    return [_("Sede extra UE senza comunicazioni art. 24-bis: %(place)s (manca la "
              "comunicazione a %(who)s). Non si può certificare finché l'azienda non le "
              "registra.", place=_place(check, sites), who=_authorities(check.missing))
            for check in blocking]


# Recording ----------------------------------------------------------------------------------
def _authority(raw) -> NoticeAuthority:
    try:
        return NoticeAuthority(str(raw or ""))
    except ValueError:
        raise DomainError(_("Scegli a chi è stata inviata la comunicazione."),
                          field="authority") from None


def _site(firm: Firm, raw) -> Site | None:
    if raw in (None, "", 0, "0"):
        return None
    try:
        site_id = int(raw)
    except (TypeError, ValueError):
        raise DomainError(_("Sede non valida."), field="site_id") from None
    site = next((s for s in firm.sites if s.id == site_id), None)
    if site is None:
        raise DomainError(_("Sede non valida."), field="site_id")
    if not delocalisation.is_extra_eu(site.country):
        raise DomainError(_("La sede scelta è in Italia o nell'Unione europea: la "
                            "comunicazione art. 24-bis riguarda solo i paesi extra UE."),
                          field="site_id")
    return site


def _country(raw, site: Site | None) -> str:
    country = (str(raw or "").strip().upper()) or (site.country if site else "")
    if not geography.is_country(country):
        raise DomainError(_("Scegli il paese in cui è trasferita l'attività."), field="country")
    if not delocalisation.is_extra_eu(country):
        raise DomainError(_("La comunicazione art. 24-bis riguarda solo i paesi fuori "
                            "dall'Unione europea."), field="country")
    if site is not None and site.country != country:
        raise DomainError(_("Il paese non è quello della sede scelta."), field="country")
    return country


def _dates(sent_on, move_on) -> tuple[dt.date, dt.date]:
    today = today_in_rome()
    if not isinstance(sent_on, dt.date):
        raise DomainError(_("Indica la data di invio (GG/MM/AAAA)."), field="sent_on")
    if not isinstance(move_on, dt.date):
        raise DomainError(_("Indica la data prevista del trasferimento (GG/MM/AAAA)."),
                          field="move_on")
    if sent_on > today:
        raise DomainError(_("La data di invio non può essere nel futuro."), field="sent_on")
    if sent_on < EARLIEST:
        raise DomainError(_("La data di invio è precedente all'art. 24-bis (giugno 2012): "
                            "controllala."), field="sent_on")
    if move_on < EARLIEST or move_on.year > today.year + LATEST_MOVE_YEARS:
        raise DomainError(_("La data del trasferimento non è plausibile: controllala."),
                          field="move_on")
    return sent_on, move_on


def _numbers(raw) -> list[str]:
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[\n,;]+", str(raw or ""))
    items = [str(item).strip() for item in items if str(item).strip()]
    if len(items) > MAX_NUMBERS:
        raise DomainError(_("Al massimo %(n)d numeri per comunicazione.", n=MAX_NUMBERS),
                          field="numbers")
    numbers = []
    for item in items:
        try:
            numbers.append(phones.normalise(item))
        except DomainError as error:
            raise DomainError(f"{item[:40]}: {error.message}", field="numbers") from None
    return sorted(set(numbers))


def _countries(raw, country: str) -> list[str]:
    items = [str(c).strip().upper() for c in (raw or []) if str(c).strip()]
    for code in items:
        if not geography.is_country(code) or not delocalisation.is_extra_eu(code):
            raise DomainError(_("Scegli solo paesi fuori dall'Unione europea."),
                              field="countries")
    return sorted({*items, country})


def record_notice(firm: Firm, actor: User, data: Mapping,
                  document: FileStorage | None) -> DelocalisationNotice:
    """A member of the firm records a notice it sent: to whom, when, for which move (a site
    abroad, or a country served through third parties), with the document sent. For MIMIT
    the public numbers used and their countries are required. Everything is checked before
    the document is stored; a refusal keeps nothing."""
    require_member(actor, firm)
    authority = _authority(data.get("authority"))
    site = _site(firm, data.get("site_id"))
    country = _country(data.get("country"), site)
    sent_on, move_on = _dates(data.get("sent_on"), data.get("move_on"))
    numbers: list[str] = []
    countries: list[str] = []
    if authority == NoticeAuthority.MIMIT:
        numbers = _numbers(data.get("numbers"))
        if not numbers:
            raise DomainError(_("Per il MIMIT indica i numeri pubblici usati."),
                              field="numbers")
        countries = _countries(data.get("countries"), country)
    if document is None or not document.filename:
        raise DomainError(_("Allega la comunicazione inviata (PDF o altro documento)."),
                          field="document")
    sha, mime, _size = storage.store_upload(document, field="document")
    notice = DelocalisationNotice(
        firm_id=firm.id, site_id=site.id if site else None, country=country,
        authority=authority, sent_on=sent_on, move_on=move_on, numbers=numbers,
        countries=countries, document_sha256=sha, document_type=mime,
        document_filename=(secure_filename(document.filename) or "comunicazione")[:200],
        recorded_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    auditlog.record("firm.delocalisation_notice", "firm", firm.id, actor=actor, after={
        "notice_id": notice.id, "authority": str(authority), "country": country,
        "site_id": notice.site_id, "sent_on": sent_on.isoformat(),
        "move_on": move_on.isoformat(), "numbers": numbers, "countries": countries,
        "document_sha256": sha})
    return notice


def withdraw_notice(firm: Firm, actor: User, notice_id: int,
                    reason: str) -> NoticeWithdrawal:
    """A member declares a recorded notice wrong (to be recorded again correctly): the
    notice stays in the history, marked withdrawn, and no longer counts."""
    require_member(actor, firm)
    notice = db.session.get(DelocalisationNotice, notice_id)
    if notice is None or notice.firm_id != firm.id:
        raise NotFound(_("Comunicazione non trovata."))
    if notice.withdrawn:
        raise DomainError(_("Questa comunicazione è già stata ritirata."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Spiega perché ritiri la comunicazione."), field="reason")
    withdrawal = NoticeWithdrawal(notice=notice, reason=reason[:4000],
                                  withdrawn_by_id=actor.id)
    db.session.add(withdrawal)
    db.session.flush()
    auditlog.record("firm.delocalisation_notice_withdrawn", "firm", firm.id, actor=actor,
                    after={"notice_id": notice.id, "reason": withdrawal.reason})
    return withdrawal


# The ministry's list ------------------------------------------------------------------------
@dataclass(frozen=True)
class FlaggedFirm:
    """A firm the ministry should look at, with why."""

    firm: Firm
    status: DelocalisationStatus
    problems: list[str]


def flagged_firms(region: str | None = None,
                  status: DelocalisationStatus | None = None) -> list[FlaggedFirm]:
    """Firms with work outside the EU and a notice missing or late, by name; optionally of
    one region (registered office) or one status. Only firms that could be concerned are
    read: an extra-EU traffic share or an open site outside Italy."""
    abroad = db.select(Site.firm_id).where(Site.country != "IT", Site.closed_on.is_(None))
    query = (db.select(Firm).where(db.or_(Firm.traffic_extra_eu_pct > 0, Firm.id.in_(abroad)))
             .options(selectinload(Firm.sites)).order_by(Firm.name_search, Firm.id))
    if region:
        query = query.where(Firm.office_region == region)
    firms = list(db.session.scalars(query))
    by_firm: dict[int, list[DelocalisationNotice]] = defaultdict(list)
    ids = [firm.id for firm in firms]
    for start in range(0, len(ids), 500):  # bounded IN lists
        for notice in db.session.scalars(db.select(DelocalisationNotice).where(
                DelocalisationNotice.firm_id.in_(ids[start:start + 500]))):
            by_firm[notice.firm_id].append(notice)
    flagged = []
    for firm in firms:
        checks = _checks(firm, by_firm[firm.id])
        found = delocalisation.classify(checks)
        if found in FLAGGED and (status is None or found == status):
            flagged.append(FlaggedFirm(firm, found, problems(firm, checks)))
    return flagged


EXPORT_COLUMNS = [
    Column("name", _l("Ragione sociale")), Column("vat_number", _l("Partita IVA")),
    Column("region", _l("Regione")), Column("extra_eu_pct", _l("Quota di traffico extra UE")),
    Column("extra_eu_countries", _l("Paesi extra UE")), Column("status_label", _l("Stato")),
    Column("problems", _l("Dettaglio"))]


def export_rows(rows: Sequence[FlaggedFirm]) -> Iterator[dict]:
    """The ministry's list for CSV/XLSX/JSON: words for people, the status code as a
    machine field of the JSON."""
    for row in rows:
        yield {"name": row.firm.name, "vat_number": row.firm.vat_number,
               "region": row.firm.office_region, "extra_eu_pct": row.firm.traffic_extra_eu_pct,
               "extra_eu_countries": ", ".join(row.firm.extra_eu_countries or []),
               "status": str(row.status), "status_label": delocalisation_label(row.status),
               "problems": " ".join(row.problems)}


# Demo data ----------------------------------------------------------------------------------
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _demo_document(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(DEMO_PDF + f"% {name}\n".encode()), filename=f"{name}.pdf")


def _demo_numbers(firm: Firm) -> list[str]:
    return [row.number for row in phones.history(firm.id) if row.in_use] or ["+390200000000"]


def _demo_three(firm: Firm, owner: User, site: Site | None, country: str,
                sent_on: dict[NoticeAuthority, dt.date], move_on: dt.date) -> None:
    for authority in NoticeAuthority:
        record_notice(firm, owner, {
            "authority": authority, "site_id": site.id if site else None, "country": country,
            "sent_on": sent_on[authority], "move_on": move_on,
            "numbers": _demo_numbers(firm), "countries": [country]},
            _demo_document(f"art24bis-{authority}-{firm.vat_number}"))


def demo_site_notices(firm: Firm, owner: User) -> None:
    """Demo: the three notices, in time, for every open site of `firm` outside the EU (so
    the demo firms with a site in Albania can be certified)."""
    for site in firm.open_sites:
        if delocalisation.is_extra_eu(site.country):
            sent = dt.date(2023, 1, 10)
            _demo_three(firm, owner, site, site.country,
                        dict.fromkeys(NoticeAuthority, sent), dt.date(2023, 3, 1))


def seed_demo() -> None:
    """Demo: a firm whose notice to MIMIT came late (10 days before the move), with a
    wrong record withdrawn; firms with extra-EU traffic and no notice are already there
    (every demo firm declares some traffic from Albania)."""
    firm = db.session.scalar(db.select(Firm).where(Firm.name == "Qualità Contact S.r.l."))
    owner = db.session.get(User, firm.owner_id) if firm is not None else None
    if firm is None or owner is None:
        return
    move_on = dt.date(2023, 5, 1)
    sent = {NoticeAuthority.LABOUR: dt.date(2023, 3, 15),
            NoticeAuthority.GARANTE: dt.date(2023, 3, 20),
            NoticeAuthority.MIMIT: dt.date(2023, 4, 21)}
    _demo_three(firm, owner, None, "AL", sent, move_on)
    wrong = record_notice(firm, owner, {
        "authority": NoticeAuthority.GARANTE, "country": "TN", "sent_on": dt.date(2023, 3, 20),
        "move_on": move_on}, _demo_document(f"art24bis-errata-{firm.vat_number}"))
    withdraw_notice(firm, owner, wrong.id, "Paese sbagliato: il trasferimento è in Albania.")
