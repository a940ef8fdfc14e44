"""Demo data for `make run`: one user per role and firms in every state of the workflow.

Everything goes through the real services (applications, evidence, audits, decisions), so
the demo is also a smoke test of the whole path.
"""

from __future__ import annotations

import datetime as dt
import io

from werkzeug.datastructures import FileStorage

from registry.accounts.models import User, count_users
from registry.accounts.second_factor import enrol_with_secret
from registry.accounts.services import create_user
from registry.assessments.calibration_demo import seed_calibration_demo
from registry.complaints.demo import seed_demo as seed_complaints_demo
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms import notices as delocalisation_notices
from registry.firms.identifiers import normalise_name
from registry.firms.models import CallingNumber, Firm, Site
from registry.ministry.demo_history import spread_demo_history
from registry.ministry.facts import compute as compute_facts
from registry.opendata.dump import seed_demo_dump
from registry.security import Role

DEMO_PASSWORD = "demo-Bollino-2026"  # noqa: S105 - printed on purpose: demo only
# Staff log in with a second factor. The demo staff share this authenticator secret
# (printed by `flask setup` and in the README): add it to an authenticator app by hand, or
# compute a code with `python -c 'import pyotp; print(pyotp.TOTP("<secret>").now())'`.
DEMO_TOTP_SECRET = "BOLLINOBLUDEMOSTAFFTOTPSECRETXYZ"  # noqa: S105 - demo only

DEMO_USERS = [
    ("admin@demo.bollinoblu.it", "Anna Amministratrice", [Role.ADMIN]),
    ("auditor@demo.bollinoblu.it", "Marco Valutatore", [Role.AUDITOR]),
    ("auditor2@demo.bollinoblu.it", "Giulia Valutatrice", [Role.AUDITOR]),
    ("officer@demo.bollinoblu.it", "Paolo Responsabile", [Role.OFFICER]),
    ("officer2@demo.bollinoblu.it", "Sara Responsabile", [Role.OFFICER]),
    ("ministry@demo.bollinoblu.it", "Lucia Ministero", [Role.MINISTRY]),
    ("applicant@demo.bollinoblu.it", "Franco Richiedente", [Role.APPLICANT]),
    ("client@demo.bollinoblu.it", "Carla Acquisti", [Role.CLIENT]),
]

# (name, legal form, P.IVA, comune, province, region, where the demo leaves it)
DEMO_FIRMS = [
    ("Contact Italia S.r.l.", "SRL", "01234560017", "Milano", "MI", "Lombardia", "draft"),
    ("Voce Sud S.p.A.", "SPA", "02345670026", "Napoli", "NA", "Campania", "submitted"),
    ("Call Nord Società Cooperativa", "COOP", "03456780034", "Torino", "TO", "Piemonte",
     "withdrawn"),
    ("Assistenza Clienti Adriatica S.r.l.", "SRL", "04567890043", "Bari", "BA", "Puglia",
     "under_audit"),
    ("Teleservizi Toscana S.r.l.", "SRL", "05678900050", "Firenze", "FI", "Toscana",
     "assessed"),
    ("Servizi Clienti Roma S.p.A.", "SPA", "06789010060", "Roma", "RM", "Lazio", "L1"),
    ("Qualità Contact S.r.l.", "SRL", "07890120079", "Bologna", "BO", "Emilia-Romagna", "L2"),
    ("Eccellenza CX S.p.A.", "SPA", "08901230089", "Padova", "PD", "Veneto", "L3"),
    ("Chiamate Veloci S.r.l.", "SRL", "09012340098", "Catania", "CT", "Sicilia", "refused"),
    ("Linea Diretta S.r.l.", "SRL", "10123450107", "Cagliari", "CA", "Sardegna", "appeal"),
    ("Contatto Sicuro S.r.l.", "SRL", "11234560115", "Genova", "GE", "Liguria", "suspended"),
    ("Call Center Adriatico S.p.A.", "SPA", "12345670124", "Ancona", "AN", "Marche",
     "revoked"),
    ("Teleassistenza Alpina S.r.l.", "SRL", "13456780132", "Trento", "TN",
     "Trentino-Alto Adige", "expired"),
    ("Risposta Pronta S.r.l.", "SRL", "14567890141", "Perugia", "PG", "Umbria",
     "changes_requested"),
    ("Dialogo Continuo S.p.A.", "SPA", "15678900158", "Verona", "VR", "Veneto", "renewal"),
    ("Centro Contatti Lucano S.r.l.", "SRL", "16789010168", "Potenza", "PZ", "Basilicata",
     "identity_pending"),
    ("Servizio Ascolto S.r.l.", "SRL", "17890120177", "Pescara", "PE", "Abruzzo",
     "revision"),
    ("Chiamata Amica S.r.l.", "SRL", "18901230187", "Trieste", "TS", "Friuli-Venezia Giulia",
     "renounced"),
    ("Voce Chiara S.r.l.", "SRL", "19012340196", "Reggio Calabria", "RC", "Calabria",
     "appeal_decided"),
    ("Sorveglianza Attiva S.r.l.", "SRL", "20123450189", "Lecce", "LE", "Puglia",
     "surveillance"),
    ("Audit Scaduto S.r.l.", "SRL", "21234560197", "Sassari", "SS", "Sardegna",
     "surveillance_overdue"),
]

KNOCKOUTS = ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def load_demo_data(force: bool = False) -> bool:
    """Create the demo accounts and firms unless the database already has users."""
    if count_users() and not force:
        return False
    from audits.schemes_store import ensure_default_scheme

    ensure_default_scheme()
    for email, name, roles in DEMO_USERS:
        if db.session.scalar(db.select(User).where(User.email == email)) is None:
            user = create_user(email, name, DEMO_PASSWORD, roles)
            if user.second_factor_required:
                enrol_with_secret(user, DEMO_TOTP_SECRET)
    db.session.flush()
    for index, spec in enumerate(DEMO_FIRMS):
        _demo_firm(index, *spec)
    spread_demo_history()  # months of history for the ministry's statistics
    _demo_receipts()
    _demo_watching()
    _demo_public_firm_facts()
    delocalisation_notices.seed_demo()
    seed_calibration_demo()  # auditor calibration: past audits, blind second scorings
    seed_complaints_demo()  # public reports, worker reports, a short-notice audit
    seed_demo_dump()  # the open-data dump, so /opendata offers it from the start
    # The statistics' facts, as the nightly job leaves them (through yesterday).
    compute_facts(today_in_rome() - dt.timedelta(days=1))
    return True


def demo_logins() -> list[tuple[str, str]]:
    return [(email, ", ".join(str(r) for r in roles)) for email, _, roles in DEMO_USERS]


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _demo_firm(index: int, name, form, vat, comune, province, region, target) -> None:
    owner_email = "applicant@demo.bollinoblu.it" if index == 0 else \
        f"azienda{index + 1}@demo.bollinoblu.it"
    owner = _user(owner_email) or create_user(owner_email, f"Titolare {name}", DEMO_PASSWORD,
                                              [Role.APPLICANT])
    firm = Firm(
        name=name, name_search=normalise_name(name), legal_form=form, vat_number=vat,
        tax_code=vat, rea_province=province, rea_number=str(100000 + index * 7919),
        pec=f"amministrazione{index + 1}@pec.demo.it", ateco_code="82.20.00",
        incorporated_on=dt.date(2005 + index, 3, 1), office_street=f"Via Roma {index + 1}",
        office_postcode=f"{10100 + index * 1000:05d}"[:5], office_comune=comune,
        office_province=province, office_region=region, legal_rep_name=owner.name,
        legal_rep_tax_code="RSSMRA85T10A562S", legal_rep_role="Amministratore unico",
        headcount=120 + index * 40, fte=100 + index * 30, ccnl_code="K411",
        ccnl_name="CCNL Telecomunicazioni", roc_number=f"{30000 + index}",
        traffic_italy_pct=90 - index,
        traffic_eu_pct=5, traffic_extra_eu_pct=5 + index,
        extra_eu_countries=["AL"], owner_id=owner.id)
    db.session.add(firm)
    db.session.flush()
    owner.firm_id = firm.id
    db.session.add(CallingNumber(firm_id=firm.id, number=f"+3902{28000000 + index:08d}",
                                 valid_from=firm.incorporated_on, created_by_id=owner.id))
    firm.sites.append(Site(address=f"Via Milano {index + 3}", comune=comune,
                           province=province, country="IT", seats=80, headcount=100,
                           service_types=["inbound", "outbound"], channels=["voice", "chat"]))
    if index % 3 == 1:
        firm.sites.append(Site(address="Rruga e Durresit 10", comune="Tirana", province=None,
                               country="AL", seats=40, headcount=45,
                               service_types=["inbound"], channels=["voice"]))
    db.session.flush()
    delocalisation_notices.demo_site_notices(firm, owner)
    after = {"renewal": "L1", "identity_pending": "L2", "revision": "L2", "renounced": "L2",
             "appeal_decided": "appeal", "surveillance": "L2", "surveillance_overdue": "L2"}
    _walk(firm, owner, after.get(target, target))
    if target in after:
        _afterwards(firm, owner, target)


def _walk(firm: Firm, owner: User, target: str, kind: str = "initial",
          auditor_email: str = "auditor@demo.bollinoblu.it") -> None:
    """Take a new application of `firm` as far as `target` through the real services."""
    from registry.applications import evidence, services
    from registry.assessments import assignments
    from registry.assessments import services as assessments
    from registry.decisions import services as decisions

    application = services.start_application(owner, kind)
    codes = KNOCKOUTS if target != "draft" else KNOCKOUTS[:3]
    for code in codes:
        upload = FileStorage(io.BytesIO(PDF + f"% {firm.vat_number} {code}\n".encode()),
                             filename=f"{code.lower()}.pdf")
        evidence.add_evidence(application, owner, code, evidence.EvidenceFile(
            f"Documentazione {code}", dt.date(2026, 9, 1), dt.date(2027, 9, 1), upload))
    services.save_note(application, owner, "MAN-01", "Organigramma e deleghe allegati.")
    if target == "draft":
        return
    services.submit(application, owner, declaration=True)
    if target == "withdrawn":
        services.withdraw(application, owner)
        return
    if target == "submitted":
        return
    admin, auditor = _user("admin@demo.bollinoblu.it"), _user(auditor_email)
    assignment = assignments.assign(application, auditor, "lead", admin)
    assessment = assignments.sign_declaration(assignment, auditor, "Dichiarazione demo")
    plan = {"under_audit": 3, "changes_requested": 3, "assessed": 3, "L1": 3, "L2": 3,
            "L3": 4, "refused": 3, "appeal": 3, "suspended": 3, "revoked": 3,
            "expired": 3}[target]
    for criterion in _criteria(application):
        score = plan
        if target in ("L1",) and criterion.startswith("FOR"):
            score = 2
        if target in ("refused", "appeal") and criterion == "LEG-02":
            score = 1
        assessments.score_criterion(assessment, application, auditor, criterion, score=score,
                                    not_applicable=False, justification="",
                                    notes="Verificato in sede.",
                                    evidence_reviewed="Verbale di audit e registri 2025-2026",
                                    records_from=dt.date(2025, 9, 1),
                                    records_to=dt.date(2026, 8, 31))
        if target == "under_audit" and criterion == "MAN-07":
            return
        if target == "changes_requested" and criterion == "MAN-07":
            assessments.request_changes(application, auditor, "Manca il piano formativo "
                                        "2026 firmato dal legale rappresentante (FOR-01).")
            return
    assessments.save_audit_details(assessment, application, auditor, dt.date(2026, 10, 5),
                                   dt.date(2026, 10, 7), [firm.sites[0].id])
    if target == "assessed":
        # An open major nonconformity (it blocks the decision) and a minor one with the
        # firm's corrective-action plan, waiting for the auditor's verification.
        assessments.add_finding(
            assessment, application, auditor, "ORG-03", "major_nc",
            "Report KPI mancanti per due clienti su cinque negli ultimi 12 mesi.",
            dt.date(2027, 1, 31))
        minor = assessments.add_finding(
            assessment, application, auditor, "FOR-05", "minor_nc",
            "Coaching non documentato per il turno serale.", dt.date(2026, 12, 31))
    assessments.submit_assessment(assessment, application, auditor)
    if target == "assessed":
        from registry.assessments import corrective

        corrective.submit_plan(minor, owner, "Schede di coaching mensili per tutti i turni "
                               "dal 1° dicembre, firmate dal team leader.", None)
        return
    officer = _user("officer@demo.bollinoblu.it")
    if target in ("L1", "L2", "L3"):
        decisions.decide(application, officer, "certify", target, "")
        return
    if target in ("suspended", "revoked", "expired"):
        decisions.decide(application, officer, "certify", "L2", "")
        _after_issue(application, officer, target)
        return
    decision = decisions.decide(application, officer, "refuse", None,
                                "LEG-02: trattamento economico inferiore ai minimi del CCNL.")
    if target == "appeal":
        decisions.lodge_appeal(decision, owner, "Le buste paga allegate mostrano "
                                                "l'applicazione integrale del CCNL.")


def _afterwards(firm: Firm, owner: User, target: str) -> None:
    """What happens to a certified (or refused) demo firm later: a renewal that runs on, a
    pending or approved identity change, a renunciation, a decided appeal."""
    from registry.certificates import lifecycle, lookup
    from registry.decisions import services as decisions
    from registry.decisions.models import Appeal
    from registry.firms import changes

    officer = _user("officer@demo.bollinoblu.it")
    if target == "renewal":
        # Decided now, the renewal starts the day after the certificate in force ends.
        _walk(firm, owner, "L2", kind="renewal", auditor_email="auditor2@demo.bollinoblu.it")
    elif target in ("identity_pending", "revision"):
        asked = ({"name": f"{firm.name.removesuffix(' S.r.l.')} Italia S.r.l."}
                 if target == "identity_pending" else {"office_street": "Corso Umberto I 12"})
        data = {**_form_values(firm), **asked}
        change = changes.request_change(firm, owner, data, "Delibera dell'assemblea dei soci",
                                        FileStorage(io.BytesIO(PDF), filename="verbale.pdf"))
        if target == "revision":
            changes.decide_change(change, officer, True, "Verbale e visura verificati.")
    elif target == "renounced":
        certificate = lookup.firm_certificates(firm.id)[0]
        lifecycle.change_status(certificate, "renounce", owner,
                                public_reason="Cessata attività di contact center")
    elif target in ("surveillance", "surveillance_overdue"):
        # Issued 300 days ago, the first surveillance falls due in about two months and the
        # daily job opens it; issued 380 days ago, it is overdue and the job suspends.
        from registry.applications.surveillance import run_surveillance

        certificate = lookup.firm_certificates(firm.id)[0]
        _backdate(certificate, 300 if target == "surveillance" else 380)
        run_surveillance()
    elif target == "appeal_decided":
        appeal = db.session.scalar(db.select(Appeal).order_by(Appeal.id.desc()))
        officer2 = _user("officer2@demo.bollinoblu.it")
        decisions.assign_appeal(appeal, officer2, _user("admin@demo.bollinoblu.it"))
        decisions.decide_appeal(appeal, officer2, "upheld",
                                "Le buste paga non coprono il periodo contestato.")


def _form_values(firm: Firm) -> dict:
    """The firm's profile as its form would submit it (text values)."""
    values = firm.profile_dict()
    values["phone_numbers"] = "\n".join(firm.phone_numbers)
    values["incorporated_on"] = values["incorporated_on"].isoformat()
    values["fte"] = str(values["fte"])
    return values


def _after_issue(application, officer: User, target: str) -> None:
    """Move a freshly issued demo certificate to `target` through the lifecycle service."""
    from registry.certificates import lifecycle
    from registry.certificates.models import Certificate

    certificate = db.session.scalar(db.select(Certificate).where(
        Certificate.application_id == application.id))
    if target == "suspended":
        lifecycle.change_status(certificate, "suspend", officer,
                                public_reason="DURC non regolare: verifica in corso",
                                internal_reason="Segnalazione INPS del 02/11/2026")
    elif target == "revoked":
        lifecycle.change_status(certificate, "withdraw", officer,
                                public_reason="Dichiarazioni non veritiere")
    else:
        # An old certificate: issued 37 months ago, then expired by the nightly job.
        _backdate(certificate, 37 * 31)
        lifecycle.run_jobs()


def _backdate(certificate, days: int) -> None:
    """Move a demo certificate's dates `days` into the past, its token signed again."""
    from registry.certificates import keys
    from registry.certificates import token as tokens
    from registry.certificates.issuance import claims_of

    shift = dt.timedelta(days=days)
    certificate.valid_from -= shift
    certificate.valid_until -= shift
    certificate.issued_on -= shift
    for change in certificate.history:
        change.effective_on -= shift
    _kid, private = keys.active_private_key()
    certificate.token = tokens.sign_token(claims_of(certificate), private)
    db.session.flush()


def _criteria(application) -> list[str]:
    from audits.schemes_store import scheme_of

    return [c.code for c in scheme_of(application.scheme_version).criteria]


def _demo_receipts() -> None:
    """Verification receipts: one for a valid and one for a suspended certificate, and a
    bulk check of every demo firm's partita IVA with a few bad rows (see /receipts/<id>)."""
    from registry.certificates import bulk, receipts
    from registry.certificates.models import Certificate
    from registry.certificates.status import CertificateStatus
    from registry.db import utcnow

    certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
    for status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        found = next((c for c in certificates if c.status == status), None)
        if found is not None:
            receipts.issue_single(found.number, utcnow())
    firms = db.session.scalars(db.select(Firm).order_by(Firm.id)).all()
    values = [f.vat_number for f in firms] + [
        certificates[0].number if certificates else "", "01234567890", "non so", ""]
    if firms:
        values.append(firms[0].vat_number)  # a repeat, reported as such
    receipts.issue_bulk(bulk.check(values, utcnow()))
def _demo_watching() -> None:
    """A client account watching five suppliers (valid, suspended, revoked), with a daily
    digest and a webhook at a local address (nothing listens there: `flask webhooks work`
    shows retries, then the endpoint disabled); one delivery already made, one test event
    waiting; and a confirmed email follower of one firm."""
    from registry.db import utcnow
    from registry.watching import clients, webhooks
    from registry.watching.models import EmailFollow, WatchEvent, WebhookDelivery
    from registry.watching.outbox import new_id
    from registry.watching.workflow import DeliveryState, Digest

    client = _user("client@demo.bollinoblu.it")
    names = ("Servizi Clienti Roma S.p.A.", "Qualità Contact S.r.l.", "Eccellenza CX S.p.A.",
             "Contatto Sicuro S.r.l.", "Call Center Adriatico S.p.A.")
    firms = [db.session.scalar(db.select(Firm).where(Firm.name == name)) for name in names]
    for firm in firms:
        if firm is not None and firm.current_certificate_id is not None:
            clients.add_supplier(client, firm.id)
    clients.set_digest(client, Digest.DAILY)
    endpoint, _secret = webhooks.create_endpoint(client, "http://127.0.0.1:8765/webhooks",
                                                 "Sistema acquisti (sviluppo locale)")
    now = utcnow()
    event = db.session.scalar(db.select(WatchEvent).where(
        WatchEvent.firm_id.in_([f.id for f in firms if f is not None]))
        .order_by(WatchEvent.id.desc()).limit(1))
    if event is not None:
        db.session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, message_id=new_id("msg"),
            kind=event.kind, payload=event.payload, state=DeliveryState.SUCCEEDED,
            attempts=1, next_attempt_at=None, last_attempt_at=now, response_code=204,
            duration_ms=42))
    webhooks.send_test(client, endpoint.id)
    followed = firms[1] or firms[0]
    if followed is not None:
        db.session.add(EmailFollow(firm_id=followed.id, email="lettore@example.org",
                                   nonce="demo0000", created_at=now, requested_at=now,
                                   confirmed_at=now))
    db.session.flush()


# "Chi mi ha chiamato?": numbers in use, a number that moved from one firm to another, a
# number only used in the past. Looked up at /phone?n=06 4455 6677 and so on. And the
# public firm page's "renewal in progress": Eccellenza CX has filed its renewal.
DEMO_MOVED_NUMBER = "06 4455 6677"


def _demo_public_firm_facts() -> None:
    from registry.firms import phones

    def firm(vat: str) -> tuple[Firm, User]:
        found = db.session.scalar(db.select(Firm).where(Firm.vat_number == vat))
        return found, db.session.get(User, found.owner_id)

    call_nord, call_nord_owner = firm("03456780034")  # withdrawn
    eccellenza, eccellenza_owner = firm("08901230089")  # L3
    qualita, qualita_owner = firm("07890120079")  # L2
    linea, linea_owner = firm("10123450107")  # appeal
    moved = phones.declare_number(call_nord, DEMO_MOVED_NUMBER, call_nord_owner,
                                  dt.date(2021, 1, 11))
    phones.end_number(call_nord, moved.id, call_nord_owner, dt.date(2024, 3, 1))
    phones.declare_number(eccellenza, DEMO_MOVED_NUMBER, eccellenza_owner,
                          dt.date(2024, 3, 1))
    phones.declare_number(eccellenza, "800 123 456", eccellenza_owner, dt.date(2023, 5, 2))
    phones.declare_number(qualita, "+39 333 700 1122", qualita_owner, dt.date(2022, 9, 1))
    past = phones.declare_number(linea, "070 765 4321", linea_owner, dt.date(2019, 4, 1))
    phones.end_number(linea, past.id, linea_owner, dt.date(2023, 6, 30))
    _walk(eccellenza, eccellenza_owner, "submitted", kind="renewal")
