"""Row-level test data for read-side tests: a certified firm in a handful of INSERTs.

Why this module exists: `factories.make_certificate()` runs the whole certification path
(users, firm, application, evidence upload, submission, assignment, 28 scores, decision)
to produce one certificate. That is right for a test about the workflow and wasteful for a
test about the register, the API, the exports or the statistics, which only read what is on
record. Here the rows are written directly, as `bench/generate.py` does at scale: no
services, no workflow, no email, no audit events of their own (the only app functions
called are the scheme loader, the year's number counter and, for `signed=True`, the QR
key functions, which record "scheme.loaded" and "keys.created" once per database, as any
first issuance does).

What a certificate's rows look like (the same set issuance leaves behind, so readers cannot
tell the difference): the firm with its owner and one open site, an application in state
`certified`, the decision that certified it (with a snapshot), the certificate itself, its
status history, `firm.current_certificate_id` pointing at it, and a signing key its `kid`
refers to. Every foreign key and NOT NULL column is satisfied: SQLite enforces foreign keys
in this suite, as PostgreSQL does.

Models come only from `registry.models` (the aggregator keeps working while model classes
move between packages); firm profiles from `tests.factories`.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audits.schemes_store import scheme_of
from audits.scoring import band
from registry.certificates import keys
from registry.certificates import token as tokens
from registry.certificates.cycle import validity
from registry.certificates.issuance import claims_of
from registry.certificates.numbering import is_number, next_number
from registry.db import today_in_rome as today
from registry.db import utcnow
from registry.extensions import db
from registry.firms.geography import PROVINCES
from registry.models import (
    Application,
    Certificate,
    Decision,
    Firm,
    SigningKey,
    Site,
    StatusChange,
    User,
    UserRole,
)
from tests.factories import default_scheme, make_firm, next_vat_number

# An area percentage inside each level's range (L1 60-72, L2 72-85, L3 85+), for the
# decision's snapshot and the bands printed on the certificate.
LEVEL_PCT = {"L1": Decimal("66.00"), "L2": Decimal("78.00"), "L3": Decimal("91.00")}

# The public reason each status's history entry carries (as the services word them).
REASONS = {"valid": "Certificato rilasciato", "suspended": "Verifica in corso",
           "withdrawn": "Dichiarazioni non veritiere", "renounced": "Rinuncia dell'azienda",
           "expired": "Scadenza naturale"}

# Certificates made with signed=False carry this instead of a token: any check of it says
# "not authentic", so a test that forgets `signed=True` fails instead of passing quietly.
UNSIGNED_TOKEN = "unsigned-test-row"

# The key unsigned certificates point at (Certificate.kid is a foreign key). Derived from a
# fixed seed so its kid is a constant; it is stored retired (never active), so it signs
# nothing and `keys.ensure_key()` still creates the app's real key when a test needs one.
_UNSIGNED_KEY = Ed25519PrivateKey.from_private_bytes(b"tests.rows: unsigned test rows!!")
UNSIGNED_KID = tokens.key_id(_UNSIGNED_KEY.public_key())

OFFICER_EMAIL = "responsabile@rows.test"
# A password hash no password matches: rows-made users never log in with a password (tests
# log people in through the session, see conftest.log_in).
NO_PASSWORD = "!"


@dataclass(frozen=True)
class Row:
    """What read-side tests ask about a certified firm (ids and printed identifiers)."""

    firm_id: int
    vat_number: str
    number: str
    certificate_id: int
    token: str


def certified_firm(name: str = "Contact Italia S.r.l.", *, level: str = "L2",
                   status: str = "valid", valid_from: dt.date | None = None,
                   valid_until: dt.date | None = None, region: str | None = None,
                   province: str | None = None, status_on: dt.date | None = None,
                   signed: bool = False, **firm_overrides) -> Row:
    """A firm holding one certificate, written as rows; commits, so requests see them.

    Needs an app context. Defaults follow issuance: valid from today (Rome) for the scheme's
    validity (`cycle.validity`, the app's own rule). The number is taken from the year's
    counter (`numbering.next_number`): every test has its own database, so that counter is
    the per-test counter, numbers start at 00001 in each test, and a real issuance later in
    the same test takes the next free number instead of colliding with a row.

    `region` picks that region's first province (the profile's region always follows its
    province); `province` sets it directly. A `status` other than "valid" is recorded as a
    history entry on `status_on` (default: today, or the day after `valid_until` for
    "expired"). `signed=True` signs a real token with the app's active QR key (created if
    missing), for tests that pass `?t=`; without it the token is `UNSIGNED_TOKEN` and no key
    file is touched. `firm_overrides` are firm profile values (keys as Firm attributes),
    validated like the profile form.
    """
    version = default_scheme()
    scheme = scheme_of(version)
    firm, owner = _firm(name, region, province, firm_overrides)
    valid_from = valid_from or today()
    valid_until = valid_until or validity(valid_from, scheme.validity_months)[1]
    decided_at = _moment(valid_from)

    application = Application(
        firm_id=firm.id, scheme_version_id=version.id, kind="initial", state="certified",
        created_by_id=owner.id, created_at=decided_at - dt.timedelta(days=40),
        submitted_at=decided_at - dt.timedelta(days=30), declaration_by_id=owner.id,
        declaration_at=decided_at - dt.timedelta(days=30))
    db.session.add(application)
    db.session.flush()
    pct = LEVEL_PCT[level]
    decision = Decision(
        application_id=application.id, officer_id=_officer().id, outcome="certify",
        level=level, computed_level=level, reason=None, decided_at=decided_at, snapshot={
            "scheme": {"code": version.code, "version": version.version,
                       "content_hash": version.content_hash},
            "scores": [], "findings": [], "evidence": [],
            "result": {"overall_pct": str(pct), "level": level, "certifiable": True,
                       "areas": [{"code": a.code, "pct": str(pct), "passed": True}
                                 for a in scheme.areas],
                       "knockouts_failed": []},
            "assessment": {"audit_type": "initial", "sites_visited": []}})
    db.session.add(decision)
    db.session.flush()

    sites = firm.open_sites
    certificate = Certificate(
        number=next_number(valid_from.year), revision=1, firm_id=firm.id,
        application_id=application.id, decision_id=decision.id, scheme_code=scheme.code,
        scheme_version=scheme.version, scheme_name=scheme.name_it, level=level,
        areas=[{"code": a.code, "band": band(pct, scheme), "name_it": a.name_it,
                "name_en": a.name_en} for a in scheme.areas],
        sites=[s.public_place() for s in sites],
        services=", ".join(sorted({t for s in sites for t in s.service_types})),
        firm_name=firm.name, vat_number=firm.vat_number,
        registered_office=firm.registered_office, valid_from=valid_from,
        valid_until=valid_until, issued_on=valid_from, status="valid", created_at=decided_at)
    assert is_number(certificate.number), certificate.number
    _sign(certificate, signed)
    db.session.add(certificate)
    db.session.add(StatusChange(certificate=certificate, status="valid",
                                effective_on=valid_from, at=decided_at,
                                actor_id=decision.officer_id, public_reason=REASONS["valid"]))
    db.session.flush()
    firm.current_certificate_id = certificate.id
    if status != "valid":
        if status_on is None:
            status_on = valid_until + dt.timedelta(days=1) if status == "expired" else today()
        _record(certificate, status, status_on, REASONS[status])
    row = Row(firm.id, firm.vat_number, certificate.number, certificate.id, certificate.token)
    db.session.commit()
    return row


def change_status(row: Row, status: str, *, on: dt.date | None = None,
                  public_reason: str | None = None) -> None:
    """Record a status change of `row`'s certificate as a history entry (commits).

    Only the rows the lifecycle service leaves (the status and its history line), without
    its transition rules, audit event or email: for tests that read a status, not for tests
    of how it changes (those call `registry.certificates.lifecycle`).
    """
    certificate = db.session.get(Certificate, row.certificate_id)
    _record(certificate, status, on or today(), public_reason or REASONS[status])
    db.session.commit()


# --- the pieces ------------------------------------------------------------------------

def _firm(name: str, region: str | None, province: str | None,
          overrides: dict) -> tuple[Firm, User]:
    """The firm (profile validated by the factory) with one open site, and its owner."""
    if "office_region" in overrides:  # the profile check would drop it without a word
        raise TypeError("pass region=… (the region follows the province), not office_region")
    if region is not None and province is None:
        province = next((sigla for sigla, (_n, r) in PROVINCES.items() if r == region), None)
        if province is None:
            raise ValueError(f"unknown region {region!r}")
    if province is not None:
        if region is not None and PROVINCES[province][1] != region:
            raise ValueError(f"{province} is not in {region}")
        overrides = {"office_province": province, "office_comune": PROVINCES[province][0],
                     **overrides}
    vat = overrides.pop("vat_number", None) or next_vat_number()
    owner = User(email=f"titolare.{vat}@rows.test", name="Titolare",
                 password_hash=NO_PASSWORD, active=True)
    owner.role_rows.append(UserRole(role="applicant"))
    db.session.add(owner)
    db.session.flush()
    firm = make_firm(owner=owner, name=name, vat_number=vat, **overrides)
    db.session.add(Site(firm_id=firm.id, address=firm.office_street,
                        comune=firm.office_comune, province=firm.office_province,
                        country="IT", seats=120, headcount=150,
                        service_types=["inbound", "outbound"], channels=["voice"],
                        opened_on=dt.date(2015, 9, 1)))
    db.session.flush()
    db.session.refresh(firm)
    return firm, owner


def _officer() -> User:
    """The one officer who decides every rows-made certificate (created on first use)."""
    officer = db.session.scalar(db.select(User).where(User.email == OFFICER_EMAIL))
    if officer is None:
        officer = User(email=OFFICER_EMAIL, name="Responsabile Certificazioni",
                       password_hash=NO_PASSWORD, active=True)
        officer.role_rows.append(UserRole(role="officer"))
        db.session.add(officer)
        db.session.flush()
    return officer


def _sign(certificate: Certificate, signed: bool) -> None:
    """Set the certificate's kid and token: a real signature, or the unsigned marker."""
    if signed:
        keys.ensure_key()
        certificate.kid, private = keys.active_private_key()
        certificate.token = tokens.sign_token(claims_of(certificate), private)
        return
    if db.session.get(SigningKey, UNSIGNED_KID) is None:
        raw = _UNSIGNED_KEY.public_key().public_bytes_raw()
        public = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # as keys.create_key
        db.session.add(SigningKey(kid=UNSIGNED_KID, public_key=public, active=False,
                                  retired_at=utcnow()))
        db.session.flush()
    certificate.kid, certificate.token = UNSIGNED_KID, UNSIGNED_TOKEN


def _record(certificate: Certificate, status: str, day: dt.date, reason: str) -> None:
    certificate.status = status
    db.session.add(StatusChange(certificate=certificate, status=status, effective_on=day,
                                at=_moment(day), public_reason=reason,
                                actor_id=None if status == "expired" else _officer().id))
    db.session.flush()


def _moment(day: dt.date) -> dt.datetime:
    """When something recorded as of `day` happened: now for today, 09:00 UTC otherwise
    (so entries made today sort after earlier ones, as the feed and the history need)."""
    if day == today():
        return utcnow()
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)
