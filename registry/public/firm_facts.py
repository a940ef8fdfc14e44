"""What the public firm page and its API add to the certificate: how fresh the evidence
behind it is (per area), whether a renewal is under way, traffic shares, sites abroad, and
the services and channels the certificate covers.

A fixed number of queries per firm (the evidence's expiry dates, the open renewal); the
rest is read from the firm, its sites and the certificate already loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from audits.models import SchemeVersion
from audits.schemes_store import scheme_of
from registry.applications.models import Application, DocumentVersion, EvidenceLink
from registry.applications.workflow import IN_REVIEW, ApplicationKind
from registry.certificates.models import Certificate
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms.checks import CHANNELS, SERVICE_TYPES
from registry.firms.models import Firm


@dataclass(frozen=True)
class AreaEvidence:
    """The earliest expiry among the evidence documents of one area (None: none expires)."""

    code: str
    name: str
    valid_until: dt.date | None
    documents: int

    @property
    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < today_in_rome()


@dataclass(frozen=True)
class FirmFacts:
    evidence: list[AreaEvidence]
    renewal_in_progress: bool
    countries_abroad: list[str]  # ISO codes of the open operating sites outside Italy
    service_types: list[str]  # codes, in the order of `SERVICE_TYPES`
    channels: list[str]  # codes, in the order of `CHANNELS`


def _evidence(certificate: Certificate, lang: str) -> list[AreaEvidence]:
    """Per area of the scheme, the earliest `expires_on` of the latest version of each
    document linked as evidence to the application behind `certificate` (one query)."""
    application = db.session.get(Application, certificate.application_id)
    if application is None:
        return []
    version = db.session.get(SchemeVersion, application.scheme_version_id)
    scheme = scheme_of(version)
    latest = (select(DocumentVersion.document_id,
                     func.max(DocumentVersion.number).label("number"))
              .where(DocumentVersion.document_id.in_(
                  select(EvidenceLink.document_id).where(
                      EvidenceLink.application_id == application.id)))
              .group_by(DocumentVersion.document_id).subquery())
    rows = db.session.execute(
        select(EvidenceLink.criterion_code, EvidenceLink.document_id,
               DocumentVersion.expires_on)
        .join(latest, latest.c.document_id == EvidenceLink.document_id)
        .join(DocumentVersion, and_(DocumentVersion.document_id == latest.c.document_id,
                                    DocumentVersion.number == latest.c.number))
        .where(EvidenceLink.application_id == application.id)).all()
    area_of = {criterion.code: criterion.area for criterion in scheme.criteria}
    earliest: dict[str, dt.date | None] = {}
    documents: dict[str, set[int]] = {}
    for code, document_id, expires_on in rows:
        area = area_of.get(code)
        if area is None:
            continue
        documents.setdefault(area, set()).add(document_id)
        if expires_on is not None:
            known = earliest.get(area)
            earliest[area] = expires_on if known is None else min(known, expires_on)
    return [AreaEvidence(area.code, area.name(lang), earliest.get(area.code),
                         len(documents.get(area.code, ()))) for area in scheme.areas
            if area.code in documents]


def renewal_in_progress(firm_id: int, certificate: Certificate) -> bool:
    """A renewal application was filed (submitted) by the day the certificate expires and
    is still being examined (one query)."""
    submitted = db.session.scalar(select(func.min(Application.submitted_at)).where(
        Application.firm_id == firm_id, Application.kind == ApplicationKind.RENEWAL,
        Application.state.in_([str(state) for state in IN_REVIEW])))
    return submitted is not None and submitted.date() <= certificate.valid_until


def facts(firm: Firm, certificate: Certificate, lang: str = "it") -> FirmFacts:
    sites = firm.open_sites
    offered = {t for site in sites for t in site.service_types or []}
    channels = {c for site in sites for c in site.channels or []}
    return FirmFacts(
        evidence=_evidence(certificate, lang),
        renewal_in_progress=renewal_in_progress(firm.id, certificate),
        countries_abroad=sorted({site.country for site in sites if not site.is_italy}),
        service_types=[t for t in SERVICE_TYPES if t in offered],
        channels=[c for c in CHANNELS if c in channels])


def sites_json(firm: Firm) -> list[dict]:
    """The open operating sites as the public sees them (no street address)."""
    return sites_json_of(firm.open_sites)


def sites_json_of(sites) -> list[dict]:
    """`sites_json` of open sites given as objects or rows (comune, province, country,
    service_types, channels)."""
    return [{"comune": site.comune, "province": site.province, "country": site.country,
             "service_types": list(site.service_types or []),
             "channels": list(site.channels or [])} for site in sites]


def traffic_json(firm: Firm) -> dict:
    return {"italy_pct": firm.traffic_italy_pct, "eu_pct": firm.traffic_eu_pct,
            "extra_eu_pct": firm.traffic_extra_eu_pct}


def as_json(firm: Firm, found: FirmFacts) -> dict:
    """The firm page's additions, in the API."""
    return {
        "traffic": traffic_json(firm),
        "extra_eu_countries": list(firm.extra_eu_countries or []),
        "countries_abroad": found.countries_abroad,
        "service_types": found.service_types, "channels": found.channels,
        "sites": sites_json(firm),
        "renewal_in_progress": found.renewal_in_progress,
        "evidence": [{"area": a.code, "valid_until": a.valid_until.isoformat()
                      if a.valid_until else None, "documents": a.documents}
                     for a in found.evidence],
    }
