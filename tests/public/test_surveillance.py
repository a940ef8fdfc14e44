"""Surveillance audits reuse the workflow; their decision reissues the certificate."""

import pytest

from registry.applications.services import start_surveillance, submit
from registry.assessments import assignments
from registry.assessments import services as assessments
from registry.certificates.models import Certificate
from registry.decisions import services as decisions
from registry.errors import DomainError
from registry.extensions import db
from tests import factories
from tests.factories import add_knockout_evidence


def surveil(app, new_level: str | None):
    with app.app_context():
        application, assessment, auditor = _surveillance_in_progress(app)
        number = application.certificate_number
        old_token = db.session.scalar(db.select(Certificate.token).where(
            Certificate.number == number))
        for code in factories.ALL_CRITERIA:
            score = 4 if new_level == "L3" else 3
            if new_level is None and code == "LEG-02":
                score = 1
            if new_level == "L1" and code.startswith("FOR"):
                score = 2
            factories.score_with_evidence(assessment, application, auditor, code, score)
        factories.audit_details(assessment, application, auditor)
        assessments.submit_assessment(assessment, application, auditor)
        decider = factories.make_user("officer")
        if new_level:
            decisions.decide(application, decider, "certify", new_level, "")
        else:
            decisions.decide(application, decider, "refuse", None, "LEG-02 non conforme")
        db.session.commit()
        rows = db.session.scalars(db.select(Certificate).where(
            Certificate.number == number).order_by(Certificate.revision)).all()
        return number, old_token, [(r.revision, r.level, r.status) for r in rows]


def test_surveillance_lowers_the_level(app, client):
    number, old_token, rows = surveil(app, "L1")
    assert rows == [(1, "L2", "superseded"), (2, "L1", "valid")]
    page = client.get(f"/v/{number}", query_string={"t": old_token}).get_data(as_text=True)
    assert 'data-verdict="valid"' in page and "revisione 1" in page


def test_surveillance_raises_after_full_rescoring(app):
    _number, _token, rows = surveil(app, "L3")
    assert rows[-1][1:] == ("L3", "valid")


def test_failed_surveillance_suspends(app, client):
    number, _token, rows = surveil(app, None)
    assert rows == [(1, "L2", "suspended")]
    assert 'data-verdict="suspended"' in client.get(f"/v/{number}").get_data(as_text=True)


def _surveillance_in_progress(app, extra_eu_site: bool = False):
    """A certified firm (L2) whose surveillance audit is open, the auditor's file open."""
    certificate = factories.make_certificate("L2")
    officer, admin = factories.make_user("officer"), factories.make_user("admin")
    if extra_eu_site:
        factories.make_site(certificate.firm, comune="Tirana", province=None, country="AL")
    application = start_surveillance(certificate, officer)
    owner = db.session.get(factories.User, certificate.firm.owner_id)
    add_knockout_evidence(application, owner)
    submit(application, owner, declaration=True)
    auditor = factories.make_user("auditor")
    assignment = assignments.assign(application, auditor, "lead", admin)
    assessment = assignments.sign_declaration(assignment, auditor, "test")
    db.session.commit()
    return application, assessment, auditor


def _score(application, assessment, auditor, codes, value):
    for code in codes:
        factories.score_with_evidence(assessment, application, auditor, code, value)


def test_a_surveillance_scores_its_sample_and_cannot_raise_the_level(app):
    with app.app_context():
        application, assessment, auditor = _surveillance_in_progress(app)
        sample = assessment.criteria_sample
        assert set(factories.KNOCKOUT_CODES) <= set(sample) and len(sample) == 18
        assert assessments.unscored(assessment, application) == sample
        _score(application, assessment, auditor, sample, 4)  # the sample, at its best
        factories.audit_details(assessment, application, auditor)
        assessments.submit_assessment(assessment, application, auditor)
        result = assessments.evaluate(assessment, application)
        assert decisions.decidable_level(application, result) == "L2"  # not L3
        assert [lv.code for lv in decisions.allowed_levels(application, "L2")] == ["L1", "L2"]


def test_a_surveillance_must_visit_every_site_outside_the_eu(app):
    with app.app_context():
        application, assessment, auditor = _surveillance_in_progress(app, extra_eu_site=True)
        _score(application, assessment, auditor, assessment.criteria_sample, 3)
        with pytest.raises(DomainError, match="Tirana, AL"):
            assessments.submit_assessment(assessment, application, auditor)
        sites = [s.id for s in application.firm.open_sites]
        factories.audit_details(assessment, application, auditor, sites)
        assessments.submit_assessment(assessment, application, auditor)
        assert application.state == "assessed"
