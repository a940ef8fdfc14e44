"""Queries of the public register: search firms and their current certificate.

One row per firm that holds or held a certificate; its current certificate is the one
`Firm.current_certificate_id` points at (latest revision of its most recent number).
A page is one statement, a "deferred join": the filtered, sorted, offset (or keyset: after
this row) subquery reads only the sort keys (through indexes), the outer query joins the
page's twenty rows. The exact total comes with the page for a text search, and from a
count cached per filter (revalidated by the register's stamp) when browsing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from audits.models import SchemeVersion
from audits.schemes_store import level_of
from registry.certificates.models import Certificate, StatusChange
from registry.certificates.numbering import is_number
from registry.certificates.status import LISTED, CertificateStatus
from registry.extensions import db
from registry.firms.checks import CHANNELS, SERVICE_TYPES
from registry.firms.geography import PROVINCES, REGIONS, is_province
from registry.firms.identifiers import IdentifierError, validate_phone_number
from registry.firms.models import CallingNumber, Firm, Site
from registry.public import register_stamp
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
    # Keyset pagination: the sort keys of the last row of the previous page (from `after=`,
    # an opaque cursor the API's `next` link and the page's "next" link carry). When set,
    # the page starts after that row instead of skipping (page - 1) × PAGE_SIZE rows.
    after: tuple = ()


_REGIONS_BY_CASEFOLD = {region.casefold(): region for region in REGIONS}
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


def filtered(query: Query, min_extra_eu: int = 0, columns=(Firm.id,),
             with_certificate: bool = False):
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
    certificate_needed = (with_certificate or any(c is Certificate for c in columns)
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


# The columns the public register page shows: read as plain rows, never as full objects
# (loading a Firm also loads its numbers in use, one more query per page for nothing shown).
LISTED_COLUMNS = (Firm.id.label("firm_id"), Firm.name, Firm.vat_number, Firm.office_comune,
                  Firm.office_province, Firm.office_region,
                  Certificate.id.label("certificate_id"), Certificate.number,
                  Certificate.level, Certificate.status, Certificate.valid_from,
                  Certificate.valid_until)


def _keyset(keys, after: tuple):
    """WHERE-clause: the row comes after the row whose sort keys are `after`."""
    alternatives = []
    for index, (column, descending) in enumerate(keys):
        value = after[index]
        beyond = column < value if descending else column > value
        alternatives.append(and_(*[c == after[j] for j, (c, _d) in enumerate(keys[:index])],
                                 beyond))
    return or_(*alternatives)


def _page(query: Query, min_extra_eu: int = 0):
    """(subquery of the page's rows: sort keys k0…kN, the firm's id last, and `total` for a
    text search; its ordered keys; whether `total` is there), one page deep."""
    keys = _sort(query)
    labelled = [column.label(f"k{index}") for index, (column, _d) in enumerate(keys)]
    offset = 0 if query.after else (min(max(1, query.page), MAX_PAGE) - 1) * PAGE_SIZE
    if query.q.strip():
        # A search matches few firms: they are fetched once (MATERIALIZED on PostgreSQL,
        # whose planner would otherwise walk the whole name index looking for the first
        # twenty, testing every name), then counted (before the keyset condition, so the
        # total is of every match) and sorted in the same statement.
        matches = filtered(query, min_extra_eu, labelled).cte("matches").prefix_with(
            "MATERIALIZED", dialect="postgresql")
        counted = select(*matches.c, func.count().over().label("total")).subquery("counted")
        sorted_keys = [(counted.c[f"k{index}"], descending)
                       for index, (_column, descending) in enumerate(keys)]
        stmt = select(*counted.c)
        with_total = True
    else:
        # Browsing: an index walk in sort order reading the keys only; the count is cached.
        sorted_keys, stmt, with_total = keys, filtered(query, min_extra_eu, labelled), False
    if query.after:
        stmt = stmt.where(_keyset(sorted_keys, query.after))
    page = stmt.order_by(*_order_by(sorted_keys)).limit(PAGE_SIZE).offset(offset) \
        .subquery("page")
    page_keys = [(page.c[f"k{index}"], descending)
                 for index, (_column, descending) in enumerate(keys)]
    return page, page_keys, with_total


def _page_rows(query: Query, min_extra_eu: int, entities, options=()) -> tuple[list, int]:
    """The page's rows (`entities` and the sort keys, in order) and the exact total: one
    statement for the page, and one for the count only when it is not cached."""
    page, page_keys, with_total = _page(query, min_extra_eu)
    stmt = (select(*entities, *page.c).select_from(page)
            .join(Firm, Firm.id == page_keys[-1][0])
            .join(Certificate, Certificate.id == Firm.current_certificate_id)
            .order_by(*_order_by(page_keys)).options(*options))
    rows = db.session.execute(stmt).all()
    if with_total and rows:
        total = rows[0].total
    elif with_total and not query.after and query.page == 1:
        total = 0  # the first page of a search that matches nothing
    else:
        total = count(query, min_extra_eu)
    return rows, total


def listing(query: Query) -> tuple[list, int, str | None]:
    """The public register page: its rows (`LISTED_COLUMNS` as plain rows), the exact total
    and the cursor of the next page (None on the last)."""
    rows, total = _page_rows(query, 0, LISTED_COLUMNS)
    return rows, total, next_cursor(query, rows, total)


def search(query: Query, min_extra_eu: int = 0, with_history: bool = False,
           ) -> tuple[list[tuple[Firm, Certificate]], int]:
    """A page of (firm, current certificate) and the total count (the API and the
    ministry, which show more of each row than the public page)."""
    rows, total = search_page(query, min_extra_eu, with_history)
    return [(row[0], row[1]) for row in rows], total


def search_page(query: Query, min_extra_eu: int = 0, with_history: bool = False):
    """Like `search`, with the rows as returned (firm, certificate, sort keys…): the cursor
    of the next page is `next_cursor(query, rows, total)`. Numbers in use are not loaded
    for the API (`with_history`), which does not show them."""
    options = (selectinload(Certificate.history), selectinload(Firm.sites),
               lazyload(Firm.numbers_in_use)) if with_history else ()
    return _page_rows(query, min_extra_eu, (Firm, Certificate), options)


# The API's rows: what `lookup.as_json` and `firm_facts` read, as plain rows (no objects:
# loading full firms and certificates was more than half of the API's time).
API_FIRM_COLUMNS = (Firm.id.label("firm_id"), Firm.name.label("firm_row_name"),
                    Firm.vat_number.label("firm_vat_number"), Firm.office_region,
                    Firm.office_province, Firm.traffic_italy_pct, Firm.traffic_eu_pct,
                    Firm.traffic_extra_eu_pct)
API_CERTIFICATE_COLUMNS = (Certificate.id, Certificate.number, Certificate.revision,
                           Certificate.status, Certificate.firm_name, Certificate.vat_number,
                           Certificate.scheme_code, Certificate.scheme_version,
                           Certificate.level, Certificate.valid_from, Certificate.valid_until,
                           Certificate.areas, Certificate.predecessor_number,
                           Certificate.token)


@dataclass
class ListedCertificate:
    """A certificate as the API lists it: its row, with its history (`lookup.as_json`)."""

    id: int
    number: str
    revision: int
    status: str
    firm_id: int
    firm_name: str
    vat_number: str
    scheme_code: str
    scheme_version: str
    level: str
    valid_from: dt.date
    valid_until: dt.date
    areas: list
    predecessor_number: str | None
    token: str
    history: list


def api_page(query: Query) -> tuple[list[tuple], int, str | None]:
    """The API's page: (firm row, certificate, open sites) per firm, the exact total and
    the next page's cursor. Three statements whatever the page: the page, the sites and the
    status histories of its twenty firms (plus the stamp when the count is kept)."""
    rows, total = _page_rows(query, 0, (*API_FIRM_COLUMNS, *API_CERTIFICATE_COLUMNS))
    firm_ids = [row.firm_id for row in rows]
    sites: dict[int, list] = {firm_id: [] for firm_id in firm_ids}
    history: dict[int, list] = {row.id: [] for row in rows}
    if rows:
        for site in db.session.execute(
                select(Site.firm_id, Site.comune, Site.province, Site.country,
                       Site.service_types, Site.channels)
                .where(Site.firm_id.in_(firm_ids), Site.closed_on.is_(None))
                .order_by(Site.id)):
            sites[site.firm_id].append(site)
        for change in db.session.execute(
                select(StatusChange.certificate_id, StatusChange.effective_on,
                       StatusChange.status, StatusChange.public_reason)
                .where(StatusChange.certificate_id.in_(list(history)))
                .order_by(StatusChange.id)):
            history[change.certificate_id].append(change)
    items = []
    for row in rows:
        values = row._mapping
        certificate = ListedCertificate(
            firm_id=row.firm_id, history=history[row.id],
            **{column.key: values[column.key] for column in API_CERTIFICATE_COLUMNS})
        items.append((row, certificate, sites[row.firm_id]))
    return items, total, next_cursor(query, rows, total)


def next_cursor(query: Query, rows, total: int) -> str | None:
    """The `after=` cursor of the page following `rows`, or None when it is the last."""
    if len(rows) < PAGE_SIZE or query.page * PAGE_SIZE >= total:
        return None
    last = rows[-1]._mapping
    return encode_cursor([last[f"k{index}"] for index in range(len(_sort(query)))])


def encode_cursor(values) -> str:
    """An opaque, URL-safe cursor for sort key values (str, int or date)."""
    plain = [value.isoformat() if isinstance(value, dt.date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()) \
        .decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> tuple | None:
    """The sort key values a cursor of `sort` holds, or None if it is not one."""
    keys = SORTS.get(sort, SORTS["name"])
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, list) or len(raw) != len(keys):
        return None
    values = []
    for value, (column, _descending) in zip(raw, keys, strict=True):
        kind = column.type.python_type
        if kind is dt.date and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return None
        elif not isinstance(value, kind) or isinstance(value, bool):
            return None  # an int for an int key, a str for a str key
        values.append(value)
    return tuple(values)


def count(query: Query, min_extra_eu: int = 0) -> int:
    """How many firms match: counted once per filter, then kept until the register changes
    (`register_stamp`: any firm, site, number, certificate or status change moves it), so
    a deep page does not count 100,000 rows again, and a change shows at the next request."""
    key = (replace(query, page=1, after=(), sort="name"), min_extra_eu)
    return register_stamp.cached(key, lambda: db.session.scalar(
        filtered(query, min_extra_eu, (func.count(),))) or 0)


# What an export prints, as plain columns (no ORM objects: at 100,000 rows building and
# tracking two objects per row was four fifths of the export's time).
EXPORT_COLUMNS = (
    Firm.id.label("firm_id"), Firm.name.label("name"), Firm.vat_number.label("vat_number"),
    Firm.office_comune.label("office_comune"), Firm.office_province.label("office_province"),
    Firm.office_region.label("office_region"), Certificate.number.label("number"),
    Certificate.revision.label("revision"), Certificate.scheme_code.label("scheme_code"),
    Certificate.scheme_version.label("scheme_version"), Certificate.level.label("level"),
    Certificate.status.label("status"), Certificate.valid_from.label("valid_from"),
    Certificate.valid_until.label("valid_until"))
WIDE_EXPORT_COLUMNS = (
    Certificate.areas.label("areas"), Firm.traffic_italy_pct.label("traffic_italy_pct"),
    Firm.traffic_eu_pct.label("traffic_eu_pct"),
    Firm.traffic_extra_eu_pct.label("traffic_extra_eu_pct"),
    Firm.extra_eu_countries.label("extra_eu_countries"), Firm.pec.label("pec"),
    Firm.headcount.label("headcount"), Firm.fte.label("fte"))


def iterate(query: Query, wide: bool = False, batch: int = 1000):
    """Every matching firm with its current certificate, as plain rows (`EXPORT_COLUMNS`,
    and `WIDE_EXPORT_COLUMNS` when `wide`), fetched in batches so memory stays flat; each
    comes with the firm's calling numbers in use (one query per batch) when `wide`, else
    None."""
    columns = EXPORT_COLUMNS + (WIDE_EXPORT_COLUMNS if wide else ())
    stmt = filtered(query, columns=columns, with_certificate=True).order_by(
        *_order_by(_sort(query)))
    # Through the session's connection, not the ORM: plain rows need none of its loading.
    # The option goes with this statement: Connection.execution_options would set it on the
    # connection for the rest of the transaction (every later statement a server cursor).
    result = db.session.connection().execute(stmt, execution_options={"stream_results": True})
    for rows in result.partitions(batch):
        numbers: dict[int, list[str]] = {}
        if wide:
            for firm_id, number in db.session.execute(
                    select(CallingNumber.firm_id, CallingNumber.number)
                    .where(CallingNumber.firm_id.in_([row.firm_id for row in rows]),
                           CallingNumber.valid_until.is_(None))
                    .order_by(CallingNumber.number)):
                numbers.setdefault(firm_id, []).append(number)
        for row in rows:
            yield row, (numbers.get(row.firm_id, []) if wide else None)


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


def export_args(args) -> dict[str, str]:
    """The filters among a register page's arguments, for its download links: not the page,
    the keyset cursor nor a `kind` (the export's own), which would clash or cut the rows."""
    return {key: value for key, value in args.items() if key not in ("page", "kind", "after")}


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
    _place(args, values, problems, "region", "province",
           _("Regione sconosciuta: «%(value)s»."),
           _("Provincia sconosciuta: «%(value)s» (usa la sigla, per esempio RM)."))
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
    _place(args, values, problems, "site_region", "site_province",
           _("Regione delle sedi sconosciuta: «%(value)s»."),
           _("Provincia delle sedi sconosciuta: «%(value)s» (usa la sigla, per esempio "
             "RM)."))
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
    raw_after = args.get("after", "")
    if raw_after:
        after = decode_cursor(raw_after[:400], values.get("sort", "name"))
        if after is None:
            problems.append(_("Segnaposto di pagina non valido: «%(value)s».",
                              value=_shown(raw_after)))
        else:
            values["after"] = after
    return Query(**values), problems


def _place(args, values: dict, problems: list[str], region_field: str, province_field: str,
           unknown_region: str, unknown_province: str) -> None:
    """Read a region (any case, stored as written in REGIONS) and a province sigla (upper
    case) into `values`, or name the unknown one in `problems` (the messages are passed in
    already translated, with a %(value)s placeholder)."""
    region = args.get(region_field, "")
    known = _REGIONS_BY_CASEFOLD.get(region.casefold())
    if region and known is None:
        problems.append(unknown_region % {"value": _shown(region)})
    else:
        values[region_field] = known or ""
    province = args.get(province_field, "").strip().upper()
    if province and not is_province(province):
        problems.append(unknown_province % {"value": _shown(province)})
    else:
        values[province_field] = province


def scheme_codes() -> set[str]:
    """The codes of every scheme ever loaded (a certificate names one of them)."""
    return set(db.session.scalars(select(SchemeVersion.code).distinct()))


def firm_page(firm_id: int) -> tuple[Firm, list[Certificate]] | None:
    """A firm of the register with all its certificates (every revision), newest first,
    their histories and the firm's sites loaded with them (one statement each, not one per
    certificate); its numbers in use, which the page does not show, are not loaded."""
    firm = db.session.get(Firm, firm_id, options=[lazyload(Firm.numbers_in_use),
                                                  selectinload(Firm.sites)])
    if firm is None:
        return None
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.firm_id == firm.id).order_by(Certificate.id.desc())
        .options(selectinload(Certificate.history))).all()
    if not certificates:
        return None
    return firm, list(certificates)
