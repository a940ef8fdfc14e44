"""Queries of the public register: search firms and their current certificate.

One row per firm that holds or held a certificate; its current certificate is the one
`Firm.current_certificate_id` points at (latest revision of its most recent number).
Pages are fetched as a "deferred join": the filtered, sorted, offset query reads only ids
(through indexes), then one query loads the page's twenty rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select
from sqlalchemy.orm import selectinload

from audits.models import SchemeVersion
from audits.schemes_store import level_of
from registry.certificates.models import Certificate
from registry.certificates.numbering import is_number
from registry.certificates.status import LISTED, CertificateStatus
from registry.extensions import db
from registry.firms.checks import CHANNELS, SERVICE_TYPES
from registry.firms.geography import PROVINCES, REGIONS, is_province
from registry.firms.identifiers import IdentifierError, validate_phone_number
from registry.firms.models import CallingNumber, Firm, Site
from registry.public.fulltext import name_condition, query_words

PAGE_SIZE = 20
MAX_PAGE = 50_000  # a million rows deep: far past any register, well inside every integer
# (column, descending) in order; every sort ends with the firm's id, so pages are stable.
SORTS = {"name": ((Firm.name_search, False), (Firm.id, False)),
         "valid_until": ((Certificate.valid_until, False), (Firm.id, False)),
         "level": ((Certificate.level, True), (Firm.name_search, False), (Firm.id, False))}
STATUSES = tuple(str(status) for status in LISTED)


@dataclass(frozen=True)
class Query:
    """What the register is asked: free text plus filters, sort and page (1-based)."""

    q: str = ""
    status: str = ""
    region: str = ""
    province: str = ""
    level: str = ""
    scheme: str = ""
    # Where the firm works, not only where its registered office is: an open operating site
    # in this region / province; a service type and a channel some open site offers.
    site_region: str = ""
    site_province: str = ""
    service: str = ""
    channel: str = ""
    sort: str = "name"
    page: int = 1


_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 .\-/()]{4,30}")


def provinces_of(region: str) -> list[str]:
    """The sigle of the provinces of `region`."""
    return sorted(sigla for sigla, (_name, in_region) in PROVINCES.items()
                  if in_region == region)


def phone_number(text: str) -> str | None:
    """The E.164 number a search text is, if it is written as a phone number."""
    if not _PHONE_LIKE.fullmatch(text):
        return None
    try:
        return validate_phone_number(text)
    except IdentifierError:
        return None


def firm_ids_using(number: str):
    """SELECT of the firms that declare `number` in use now (indexed on the number)."""
    return select(CallingNumber.firm_id).where(CallingNumber.number == number,
                                               CallingNumber.valid_until.is_(None))


def _sort(query: Query):
    return SORTS.get(query.sort, SORTS["name"])


def _order_by(keys):
    return [column.desc() if descending else column for column, descending in keys]


def filtered(query: Query, min_extra_eu: int = 0, columns=(Firm.id,)):
    """SELECT `columns` of the firms matching every filter (with their current certificate
    when a filter, the sort or `columns` need it), unordered. `min_extra_eu` (ministry only)
    keeps firms handling at least that share of traffic outside the EU."""
    stmt = select(*columns).select_from(Firm)
    text = query.q.strip()
    compact = text.replace(" ", "").upper()
    number = phone_number(text)
    if re.fullmatch(r"\d{11}", compact):
        # Eleven digits: a partita IVA, or a calling number written without spaces.
        vat = Firm.vat_number == compact
        stmt = stmt.where(or_(vat, Firm.id.in_(firm_ids_using(number))) if number else vat)
    elif number:
        stmt = stmt.where(Firm.id.in_(firm_ids_using(number)))
    elif text and is_number(compact):
        stmt = stmt.where(Firm.id.in_(select(Certificate.firm_id).where(
            Certificate.number == compact)))
    elif words := query_words(text):
        stmt = stmt.where(name_condition(words))
    certificate_needed = (any(c is Certificate for c in columns)
                          or query.sort in ("valid_until", "level")
                          or query.status in STATUSES or query.level or query.scheme)
    if certificate_needed:
        stmt = stmt.join(Certificate, Certificate.id == Firm.current_certificate_id)
    else:  # the join would cost one lookup per match for nothing
        stmt = stmt.where(Firm.current_certificate_id.is_not(None))
    if query.status in STATUSES:
        stmt = stmt.where(Certificate.status == query.status)
    if query.region:
        stmt = stmt.where(Firm.office_region == query.region)
    if query.province:
        stmt = stmt.where(Firm.office_province == query.province.upper())
    if query.level and level_of(query.level) is not None:
        stmt = stmt.where(Certificate.level == query.level)
    if query.scheme:
        stmt = stmt.where(Certificate.scheme_code == query.scheme)
    if min_extra_eu:
        stmt = stmt.where(Firm.traffic_extra_eu_pct >= min_extra_eu)
    site_conditions = _site_conditions(query)
    if site_conditions:  # EXISTS over the firm's sites (ix_site_firm_id), one per firm
        stmt = stmt.where(select(Site.id).where(Site.firm_id == Firm.id, Site.closed_on.is_(None),
                                                *site_conditions).exists())
    return stmt


def _json_list_has(column, value: str):
    """The JSON list in `column` holds `value` (a code from a closed set, so the quoted form
    cannot match anything else); the same text on SQLite and PostgreSQL."""
    return cast(column, String).like(f'%"{value}"%')


def _site_conditions(query: Query) -> list:
    conditions = []
    if query.site_province:
        conditions.append(Site.province == query.site_province)
    elif query.site_region:
        conditions.append(Site.province.in_(provinces_of(query.site_region)))
    if query.service:
        conditions.append(_json_list_has(Site.service_types, query.service))
    if query.channel:
        conditions.append(_json_list_has(Site.channels, query.channel))
    return conditions


def search(query: Query, min_extra_eu: int = 0, with_history: bool = False,
           ) -> tuple[list[tuple[Firm, Certificate]], int]:
    """A page of (firm, current certificate) and the total count."""
    page = min(max(1, query.page), MAX_PAGE)
    offset = (page - 1) * PAGE_SIZE
    keys = _sort(query)
    if query.q.strip():
        # A search matches few firms: they are fetched once (MATERIALIZED on PostgreSQL,
        # whose planner would otherwise walk the whole name index looking for the first
        # twenty, testing every name), then sorted and counted in the same query.
        matches = filtered(query, min_extra_eu, [column.label(f"k{index}") for index, (
            column, _descending) in enumerate(keys)]).cte("matches").prefix_with(
            "MATERIALIZED", dialect="postgresql")
        sorted_keys = [(matches.c[f"k{index}"], descending)
                       for index, (_column, descending) in enumerate(keys)]
        found = db.session.execute(
            select(sorted_keys[-1][0], func.count().over()).order_by(*_order_by(sorted_keys))
            .limit(PAGE_SIZE).offset(offset)).all()
        ids = [row[0] for row in found]
        total = found[0][1] if found else (count(query, min_extra_eu) if offset else 0)
    else:
        # Browsing: an index walk in sort order reading ids only, then twenty rows.
        ids = list(db.session.scalars(filtered(query, min_extra_eu).order_by(
            *_order_by(keys)).limit(PAGE_SIZE).offset(offset)))
        total = count(query, min_extra_eu)
    return _load(ids, with_history), total


def count(query: Query, min_extra_eu: int = 0) -> int:
    """How many firms match."""
    return db.session.scalar(filtered(query, min_extra_eu, (func.count(),))) or 0


def _load(ids: list[int], with_history: bool) -> list[tuple[Firm, Certificate]]:
    """The firms `ids` with their current certificate, in the order of `ids`."""
    if not ids:
        return []
    stmt = (select(Firm, Certificate)
            .join(Certificate, Certificate.id == Firm.current_certificate_id)
            .where(Firm.id.in_(ids)))
    if with_history:
        stmt = stmt.options(selectinload(Certificate.history), selectinload(Firm.sites))
    rows = {firm.id: (firm, certificate) for firm, certificate in db.session.execute(stmt)}
    return [rows[firm_id] for firm_id in ids if firm_id in rows]


def iterate(query: Query, batch: int = 1000):
    """Every matching (firm, certificate), fetched in batches (exports: memory stays flat)."""
    stmt = filtered(query, columns=(Firm, Certificate)).order_by(*_order_by(_sort(query)))
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    yield from (tuple(row) for row in result)


def certified_on(day: dt.date) -> ColumnElement[bool]:
    """WHERE-clause on `certificate`: certified on `day` (status valid, within the dates)."""
    return and_(Certificate.status == CertificateStatus.VALID, Certificate.valid_from <= day,
                Certificate.valid_until >= day)


def counts_by_level(day: dt.date) -> dict[str, int]:
    """Firms certified on `day`, by level (home page)."""
    rows = db.session.execute(
        select(Certificate.level, func.count())
        .join(Firm, Firm.current_certificate_id == Certificate.id)
        .where(certified_on(day)).group_by(Certificate.level)).all()
    return dict(rows)


def _shown(value: str) -> str:
    """A refused value as a message quotes it: short."""
    return value if len(value) <= 40 else value[:40] + "…"


def read_query(args) -> tuple[Query, list[str]]:
    """The register query a page's or the API's arguments ask for, and what was wrong with
    them: an unknown filter value or a bad page is left out of the query and named in a
    message (the API answers 400 with it, a page shows it). Empty values mean no filter."""
    problems: list[str] = []
    values: dict = {"q": args.get("q", "")[:200]}
    status = args.get("status", "")
    if status and status not in STATUSES:
        problems.append(_("Stato sconosciuto: «%(value)s».", value=_shown(status)))
    else:
        values["status"] = status
    region = args.get("region", "")
    known_region = next((r for r in REGIONS if r.casefold() == region.casefold()), None)
    if region and known_region is None:
        problems.append(_("Regione sconosciuta: «%(value)s».", value=_shown(region)))
    else:
        values["region"] = known_region or ""
    province = args.get("province", "").strip().upper()
    if province and not is_province(province):
        problems.append(_("Provincia sconosciuta: «%(value)s» (usa la sigla, per esempio "
                          "RM).", value=_shown(province)))
    else:
        values["province"] = province
    level = args.get("level", "")
    if level and level_of(level) is None:
        problems.append(_("Livello sconosciuto: «%(value)s».", value=_shown(level)))
    else:
        values["level"] = level
    scheme = args.get("scheme", "")
    if scheme and scheme not in scheme_codes():
        problems.append(_("Schema sconosciuto: «%(value)s».", value=_shown(scheme)))
    else:
        values["scheme"] = scheme
    site_region = args.get("site_region", "")
    known_site_region = next((r for r in REGIONS if r.casefold() == site_region.casefold()),
                             None)
    if site_region and known_site_region is None:
        problems.append(_("Regione delle sedi sconosciuta: «%(value)s».",
                          value=_shown(site_region)))
    else:
        values["site_region"] = known_site_region or ""
    site_province = args.get("site_province", "").strip().upper()
    if site_province and not is_province(site_province):
        problems.append(_("Provincia delle sedi sconosciuta: «%(value)s» (usa la sigla, per "
                          "esempio RM).", value=_shown(site_province)))
    else:
        values["site_province"] = site_province
    service = args.get("service", "")
    if service and service not in SERVICE_TYPES:
        problems.append(_("Tipo di servizio sconosciuto: «%(value)s».", value=_shown(service)))
    else:
        values["service"] = service
    channel = args.get("channel", "")
    if channel and channel not in CHANNELS:
        problems.append(_("Canale sconosciuto: «%(value)s».", value=_shown(channel)))
    else:
        values["channel"] = channel
    sort = args.get("sort", "") or "name"
    if sort not in SORTS:
        problems.append(_("Ordinamento sconosciuto: «%(value)s».", value=_shown(sort)))
    else:
        values["sort"] = sort
    raw_page = args.get("page", "") or "1"
    if re.fullmatch(r"[0-9]{1,6}", raw_page) and 1 <= int(raw_page) <= MAX_PAGE:
        values["page"] = int(raw_page)
    else:
        problems.append(_("Pagina non valida: «%(value)s» (un numero da 1 a %(max)d).",
                          value=_shown(raw_page), max=MAX_PAGE))
    return Query(**values), problems


def scheme_codes() -> set[str]:
    """The codes of every scheme ever loaded (a certificate names one of them)."""
    return set(db.session.scalars(select(SchemeVersion.code).distinct()))


def firm_page(firm_id: int) -> tuple[Firm, list[Certificate]] | None:
    """A firm of the register with all its certificates (every revision), newest first."""
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        return None
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.firm_id == firm.id).order_by(Certificate.id.desc())).all()
    if not certificates:
        return None
    return firm, list(certificates)
