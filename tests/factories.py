"""Plain factory functions with keyword defaults. Each commits, so requests see the rows."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from werkzeug.datastructures import FileStorage

from audits.schemes_store import ensure_default_scheme
from registry.accounts.models import User
from registry.accounts.second_factor import enrol_with_secret
from registry.accounts.services import create_user
from registry.applications import evidence
from registry.applications.services import start_application, submit
from registry.assessments import assignments
from registry.assessments import services as assessments
from registry.certificates.models import Certificate
from registry.decisions import services as decisions
from registry.extensions import db
from registry.firms.checks import check_profile
from registry.firms.identifiers import vat_check_digit
from registry.firms.models import CallingNumber, Firm, Site
from registry.security import Role

ROLES = [str(role) for role in Role]
PASSWORD = "Correct-Horse-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # an authenticator's shared secret (base32)
_counter = itertools.count(1)


def make_user(role: str | list[str] = "applicant", email: str | None = None,
              name: str | None = None, password: str = PASSWORD, confirmed: bool = True,
              firm_id: int | None = None) -> User:
    roles = [role] if isinstance(role, str) else role
    n = next(_counter)
    user = create_user(email or f"{roles[0]}{n}@example.it", name or f"Utente {n}", password,
                       roles, confirmed=confirmed, firm_id=firm_id)
    db.session.commit()
    return user


def enrol_second_factor(user: User, secret: str = TOTP_SECRET) -> User:
    """Give `user` a confirmed authenticator with a known secret (codes: tests.steps.totp)."""
    enrol_with_secret(user, secret)
    db.session.commit()
    return user


def default_scheme():
    """The default scheme version, loaded if missing."""

    version = ensure_default_scheme()
    db.session.commit()
    return version


KNOCKOUT_CODES = ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03")
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_application(firm, user, *, complete: bool = False, state: str | None = None,
                     kind: str = "initial"):
    """An application of `firm` started by `user`; `complete` adds evidence for every
    knock-out criterion (a PDF each); `state` forces a workflow state for fixtures."""
    default_scheme()
    if complete and not firm.sites:
        make_site(firm)
        db.session.refresh(firm)
    application = start_application(user, kind)
    if complete:
        add_knockout_evidence(application, user)
    if state:
        application.state = state
    db.session.commit()
    return application


ALL_CRITERIA = tuple(f"{area}-{n:02d}" for area in ("MAN", "ORG", "FOR", "LEG")
                     for n in range(1, 8))


# --- firms ---
_vat_serial = itertools.count(1000001)


def next_vat_number() -> str:
    """A fresh valid partita IVA: a 7-digit serial, office 058 (Roma), its check digit."""

    first_ten = f"{next(_vat_serial):07d}058"
    return first_ten + vat_check_digit(first_ten)


def firm_values(**overrides) -> dict:
    """A complete, valid firm profile as the form would submit it (keys = Firm attributes)."""

    vat = overrides.pop("vat_number", None) or next_vat_number()
    values = {
        "name": "Contact Italia S.r.l.", "legal_form": "SRL", "vat_number": vat,
        "tax_code": vat, "rea_province": "RM", "rea_number": "1125501",
        "pec": "contactitalia@legalmail.it", "ateco_code": "82.20.00",
        "incorporated_on": dt.date(2012, 3, 15), "office_street": "Via Tiburtina 1020",
        "office_postcode": "00156", "office_comune": "Roma", "office_province": "RM",
        "legal_rep_name": "Mario Rossi", "legal_rep_tax_code": "RSSMRA85T10A562S",
        "legal_rep_role": "Amministratore unico", "headcount": 240, "fte": "212.5",
        "ccnl_code": "K411", "ccnl_name": "CCNL Telecomunicazioni", "roc_number": "23473",
        # Unique per firm, from the partita IVA: a number is declared by one firm at a time.
        "phone_numbers": [f"+3906{vat[-8:]}", f"+39800{vat[-6:]}"], "traffic_italy_pct": 90,
        "traffic_eu_pct": 5, "traffic_extra_eu_pct": 5, "extra_eu_countries": ["AL"],
    }
    values.update(overrides)
    return values


def make_firm(owner: User | None = None, **overrides):
    """A firm with realistic valid data (unique P.IVA per call). With `owner`, that user
    owns it and is its member, as after `create_firm`."""

    values, errors = check_profile(firm_values(**overrides))
    assert not errors, errors
    numbers = values.pop("phone_numbers")
    firm = Firm(**values, owner_id=owner.id if owner else None)
    db.session.add(firm)
    db.session.flush()
    db.session.add_all(CallingNumber(firm_id=firm.id, number=number,
                                     valid_from=values["incorporated_on"])
                       for number in numbers)
    db.session.flush()
    db.session.expire(firm, ["numbers_in_use"])
    if owner is not None:
        owner.firm_id = firm.id
    db.session.commit()
    return firm


def make_site(firm, **overrides):
    """An open operating site of `firm` in Italy."""


    values = {"address": "Via Tiburtina 1020", "comune": "Roma", "province": "RM",
              "country": "IT", "seats": 120, "headcount": 150,
              "service_types": ["inbound", "outbound"], "channels": ["voice", "email"],
              "opened_on": dt.date(2015, 9, 1)}
    values.update(overrides)
    site = Site(firm_id=firm.id, **values)
    db.session.add(site)
    db.session.commit()
    return site


def make_certificate(level: str = "L2"):
    """A certified firm: the whole path run through the services. Returns the certificate."""
    owner = make_user("applicant")
    firm = make_firm(owner=owner)
    return certify(firm, owner, level)


def certify(firm, owner, level: str = "L2", kind: str = "initial"):
    """Take a new application of `firm` through submission, audit and a 'certify' decision
    at `level` with the real services. Returns the certificate the decision issued."""
    application = make_application(firm, owner, complete=True, kind=kind)
    submit(application, owner, declaration=True)
    admin, auditor, officer = make_user("admin"), make_user("auditor"), make_user("officer")
    assignment = assignments.assign(application, auditor, "lead", admin)
    assessment = assignments.sign_declaration(assignment, auditor, "test")
    score = {"L1": 3, "L2": 3, "L3": 4}[level]
    for code in ALL_CRITERIA:
        value = 2 if level == "L1" and code.startswith("FOR") else score
        score_with_evidence(assessment, application, auditor, code, value)
    audit_details(assessment, application, auditor)
    assessments.submit_assessment(assessment, application, auditor)
    decision = decisions.decide(application, officer, "certify", level, "")
    db.session.commit()
    return db.session.scalar(db.select(Certificate).where(
        Certificate.decision_id == decision.id))


RECORDS = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # twelve months of records


def score_with_evidence(assessment, application, auditor, code: str, value: int):
    """Score one criterion the way the scheme requires: an evidence reference and, for 3
    and 4, twelve months of records."""
    return assessments.score_criterion(
        assessment, application, auditor, code, score=value, not_applicable=False,
        justification="", notes="", evidence_reviewed="Verbale di audit, registri 2025",
        records_from=RECORDS[0], records_to=RECORDS[1])


def audit_details(assessment, application, auditor, site_ids=None):
    """Audit dates and the sites visited (every site of the firm unless told)."""
    sites = [site.id for site in application.firm.sites] if site_ids is None else site_ids
    assessments.save_audit_details(assessment, application, auditor, dt.date(2026, 10, 5),
                                   dt.date(2026, 10, 7), sites)


def add_knockout_evidence(application, user) -> None:
    """A small PDF as evidence for every knock-out criterion of `application`."""



    for code in KNOCKOUT_CODES:
        upload = FileStorage(io.BytesIO(MINIMAL_PDF + code.encode()), filename=f"{code}.pdf")
        evidence.add_evidence(application, user, code, evidence.EvidenceFile(
            f"Evidenza {code}", dt.date(2026, 10, 1), None, upload))
