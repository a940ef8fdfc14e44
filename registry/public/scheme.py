"""The public scheme: which versions the public may read, and each one as page data and JSON.

A version is public when it is the one new applications start on (the version in force) or
when an application or a certificate ever used it: a firm, a client or an auditor can read
the exact rules a certificate was granted under. The numbers of the certification cycle
come from their owners in code (`certificates.cycle`, `certificates.lifecycle`,
`assessments.corrective`), never from a copy here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select

from audits.models import SchemeVersion
from audits.scheme import Scheme
from audits.schemes_store import current_version, scheme_of
from registry.applications.models import Application
from registry.assessments.corrective import MAJOR_IN_VALIDITY_DAYS, MINOR_PLAN_DAYS
from registry.certificates import cycle
from registry.certificates.lifecycle import MAX_SUSPENSION_MONTHS
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.links import external_url


@dataclass(frozen=True)
class Published:
    """A public scheme version: the stored row, its parsed scheme and whether it is in
    force (the one new applications start on)."""

    version: SchemeVersion
    scheme: Scheme
    in_force: bool


def in_force() -> Published:
    """The version in force (NotFound when no scheme was ever loaded)."""
    version = current_version()
    return Published(version, scheme_of(version), True)


def published(code: str, number: str) -> Published | None:
    """The version `number` of scheme `code`, if the public may read it; else None."""
    if len(code) > 60 or len(number) > 20:  # longer than any stored code or version
        return None
    version = db.session.scalar(select(SchemeVersion).where(
        SchemeVersion.code == code, SchemeVersion.version == number))
    if version is None:
        return None
    current = current_version(version.code)
    used = db.session.scalar(select(or_(
        exists().where(Application.scheme_version_id == version.id),
        exists().where(Certificate.scheme_code == version.code,
                       Certificate.scheme_version == version.version))))
    if version.id != current.id and not used:
        return None
    return Published(version, scheme_of(version), version.id == current.id)


def other_versions(code: str, shown: SchemeVersion) -> list[SchemeVersion]:
    """The other public versions of the same scheme, oldest first (for the page's list)."""
    versions = db.session.scalars(select(SchemeVersion).where(
        SchemeVersion.code == code, SchemeVersion.id != shown.id)
        .order_by(SchemeVersion.loaded_at, SchemeVersion.id)).all()
    return [v for v in versions if published(v.code, v.version) is not None]


def cycle_facts(scheme: Scheme) -> dict[str, int | list[int]]:
    """The certification cycle in months and days, as the registry applies it."""
    return {
        "validity_months": scheme.validity_months,
        "surveillance_months": list(cycle.SURVEILLANCE_MONTHS),
        "max_suspension_months": MAX_SUSPENSION_MONTHS,
        "suspensions_leading_to_withdrawal": cycle.SUSPENSIONS_BEFORE_WITHDRAWAL,
        "suspensions_window_months": cycle.SUSPENSIONS_WINDOW_MONTHS,
        "major_nc_close_days": MAJOR_IN_VALIDITY_DAYS,
        "minor_nc_plan_days": MINOR_PLAN_DAYS,
        "appeal_days": cycle.APPEAL_DAYS,
        "wait_after_refusal_months": cycle.WAIT_AFTER_REFUSAL_MONTHS,
        "wait_after_withdrawal_months": cycle.WAIT_AFTER_WITHDRAWAL_MONTHS,
    }


def _both(italian: object, english: object) -> dict:
    return {"it": italian, "en": english}


def as_json(found: Published) -> dict:
    """The contract's scheme shape: stable field names, both languages side by side."""
    scheme, version = found.scheme, found.version
    return {
        "code": scheme.code,
        "version": scheme.version,
        "name": _both(scheme.name_it, scheme.name_en),
        "in_force": found.in_force,
        "content_hash": version.content_hash,
        "page_url": external_url("public.scheme_version", code=scheme.code,
                                 version=scheme.version),
        "scale": {"min": scheme.scale_min, "max": scheme.scale_max,
                  "meaning": [{"score": score, "text": _both(scheme.anchors_it[i],
                                                             scheme.anchors_en[i])}
                              for i, score in enumerate(scheme.scores)]},
        "areas": [{"code": a.code, "name": _both(a.name_it, a.name_en), "weight": a.weight,
                   "min_pct": a.min_pct,
                   "criteria": [c.code for c in scheme.criteria_of(a.code)]}
                  for a in scheme.areas],
        "criteria": [{
            "code": c.code, "area": c.area, "title": _both(c.title_it, c.title_en),
            "weight": c.weight,
            "knock_out": {"min_score": c.ko_min_score} if c.knockout else None,
            "evidence": _both(list(c.evidence_it), list(c.evidence_en)),
            "guide": [{"score": score, "text": _both(c.scoring_it[i], c.scoring_en[i])}
                      for i, score in enumerate(scheme.scores)],
            "na_allowed": c.na_allowed,
            "na_rule": _both(c.na_rule_it, c.na_rule_en) if c.na_allowed else None,
        } for c in scheme.criteria],
        "knock_out": [{"criterion": c.code, "min_score": c.ko_min_score}
                      for c in scheme.knockouts],
        "levels": [{"code": lv.code, "rank": lv.rank, "label": _both(lv.label_it, lv.label_en),
                    "thresholds": {"min_overall_pct": lv.min_overall,
                                   "min_each_area_pct": lv.min_each_area,
                                   "min_criterion_score": lv.min_criterion_score}}
                   for lv in scheme.levels],
        "cycle": cycle_facts(scheme),
    }
