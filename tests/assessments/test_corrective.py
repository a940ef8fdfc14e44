"""Nonconformities and corrective actions: the firm reads its audit report (page and PDF),
answers each nonconformity with a plan (and, for a major one, evidence), the auditor
verifies and closes it; an open major blocks certification (six months at most); one found
at a surveillance and left open 90 days suspends the certificate."""

import datetime as dt
import io

from registry.applications.models import Application
from registry.assessments.corrective import (
    certification_blockers,
    suspend_for_open_majors,
)
from registry.assessments.models import Assessment, Finding
from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.db import today_in_rome, utcnow
from registry.decisions.models import Decision
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories
from tests.steps import (
    assign,
    audit_details,
    client_for,
    decide,
    open_file,
    score_all,
    scores_for,
    state_of,
)

PDF = factories.MINIMAL_PDF


def _audited_with_findings(app, people):
    """An assessed application with a major and a minor nonconformity recorded."""
    assert assign(app, people).status_code == 302
    auditor = open_file(app, people)
    base = f"/audit/applications/{people['application']}"
    for code, kind in (("ORG-03", "major_nc"), ("FOR-05", "minor_nc")):
        response = auditor.post(f"{base}/criteria/{code}", data={
            "fd-kind": kind, "fd-text": f"Rilievo su {code}.", "fd-due_on": "2027-01-31",
            "fd-submit": "1"})
        assert response.status_code == 302
    score_all(auditor, people["application"], scores_for("L2"))
    audit_details(app, auditor, people["application"])
    assert auditor.post(f"{base}/submit").status_code == 302
    with app.app_context():
        findings = {f.kind: f.id for f in db.session.scalars(db.select(Finding))}
    return auditor, findings


def _decisions(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Decision))


def test_the_report_is_the_firms_after_submission(app, people):
    owner = client_for(app, people["owner"])
    url = f"/applications/{people['application']}/report"
    assert owner.get(url).status_code == 404  # nothing to report before the audit
    _audited_with_findings(app, people)
    page = owner.get(url).get_data(as_text=True)
    assert "Rilievo su ORG-03." in page and "Non conformità maggiore" in page
    assert "Punteggio complessivo" in page and "major_nc" not in page
    pdf = owner.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    detail = owner.get(f"/applications/{people['application']}").get_data(as_text=True)
    assert "Rapporto di audit" in detail and "attendono il piano" in detail
    with app.app_context():
        stranger = factories.make_user("applicant")
        factories.make_firm(owner=stranger)
        stranger_id = stranger.id
    assert client_for(app, stranger_id).get(url).status_code == 404


def test_an_open_major_blocks_certification_until_the_auditor_closes_it(app, people):
    auditor, findings = _audited_with_findings(app, people)
    before = _decisions(app)
    body = decide(app, people, outcome="certify", level="L2").get_data(as_text=True)
    assert "Non conformità maggiori aperte su ORG-03" in body
    assert _decisions(app) == before and state_of(app, people) == "assessed"
    owner = client_for(app, people["owner"])
    base = f"/applications/{people['application']}/findings"
    major, minor = findings["major_nc"], findings["minor_nc"]
    # A major one needs evidence of the correction; a minor one a plan.
    owner.post(f"{base}/{major}/plan", data={f"pl{major}-plan": "Nuovi report KPI."})
    assert owner.post(f"{base}/{minor}/plan", data={
        f"pl{minor}-plan": "Coaching mensile dal 1/12."}).status_code == 302
    with app.app_context():
        assert db.session.get(Finding, major).status == "open"
        assert db.session.get(Finding, minor).status == "planned"
    owner.post(f"{base}/{major}/plan", data={
        f"pl{major}-plan": "Report KPI mensili per cliente dal 2026.",
        f"pl{major}-evidence": (io.BytesIO(PDF + b"%kpi"), "kpi.pdf")},
        content_type="multipart/form-data")
    # Only the assigned auditor closes, with what was verified.
    close = f"/audit/applications/{people['application']}/findings/{major}/close"
    assert client_for(app, people["auditor2"]).post(close, data={
        f"cl{major}-note": "x"}).status_code == 404
    assert auditor.post(close, data={f"cl{major}-note": "Report verificati in sede."}
                        ).status_code == 302
    with app.app_context():
        finding = db.session.get(Finding, major)
        assert finding.status == "closed" and finding.closed_by_id == people["auditor"]
        assert finding.evidence_filename == "kpi.pdf"
    evidence = owner.get(f"{base}/{major}/evidence")
    assert evidence.status_code == 200 and evidence.data.startswith(b"%PDF")
    assert decide(app, people, outcome="certify", level="L2").status_code == 302
    assert state_of(app, people) == "certified"


def test_six_months_after_the_audit_an_open_major_needs_a_new_audit(app, people):
    _audited_with_findings(app, people)
    with app.app_context():
        application = db.session.get(Application, people["application"])
        later = today_in_rome() + dt.timedelta(days=200)
        (message,) = certification_blockers(application, today=later)
        assert "serve un nuovo audit completo" in message


def test_a_major_found_at_surveillance_and_open_90_days_suspends(app, certified_firm):
    row = certified_firm("Sorvegliata Male S.r.l.")
    with app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        firm = db.session.get(Firm, row.firm_id)
        original = db.session.get(Application, certificate.application_id)
        surveillance = Application(
            firm_id=firm.id, kind="surveillance", certificate_number=certificate.number,
            scheme_version_id=original.scheme_version_id, state="certified",
            created_by_id=firm.owner_id)
        db.session.add(surveillance)
        db.session.flush()
        assessment = Assessment(application_id=surveillance.id, state="submitted",
                                audit_type="surveillance")
        db.session.add(assessment)
        db.session.flush()
        found = utcnow() - dt.timedelta(days=91)
        db.session.add(Finding(assessment_id=assessment.id, criterion_code="LEG-03",
                               kind="major_nc", text="Formazione sicurezza scaduta.",
                               created_at=found))
        db.session.commit()
        assert suspend_for_open_majors()["major_nc_overdue"] == 1
        db.session.commit()
        assert suspend_for_open_majors()["major_nc_overdue"] == 0  # already suspended
        current = lookup.find(row.number)
        assert current.status == "suspended"
        assert current.history[-1].public_reason == (
            "Non conformità maggiore non risolta entro 90 giorni")
