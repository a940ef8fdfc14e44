"""Issuing with the decision: the certificate's number and validity; and if issuance fails,
the decision is not recorded either: no half-issued state."""

import datetime as dt

import pytest

from registry.applications.models import Application
from registry.certificates.models import Certificate, CertificateCounter
from registry.decisions.models import Decision
from registry.errors import DomainError
from registry.extensions import db
from tests.steps import assessed, decide


def test_issued_certificate_number_and_validity(app, people):
    assessed(app, people, "L2")
    assert decide(app, people, outcome="certify", level="L2").status_code == 302
    year = dt.date.today().year
    with app.app_context():
        cert = db.session.scalar(db.select(Certificate))
        assert cert.number == f"BB-{year}-00001"
        assert cert.level == "L2" and cert.status == "valid"
        assert (cert.valid_until - cert.valid_from).days in range(1090, 1097)


def test_failed_issuance_rolls_back_the_decision(app, people, monkeypatch):
    assessed(app, people, "L2")

    def broken(*_args, **_kwargs):
        raise DomainError("firma del certificato non disponibile")

    monkeypatch.setattr("registry.certificates.issuance.keys.active_private_key", broken)
    body = decide(app, people, outcome="certify", level="L2").get_data(as_text=True)
    assert "firma del certificato non disponibile" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Decision.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
        counter = db.session.get(CertificateCounter, 2026)
        assert counter is None or counter.last == 0
        assert db.session.get(Application, people["application"]).state == "assessed"
    monkeypatch.undo()
    assert decide(app, people, outcome="certify", level="L2").status_code == 302
    with app.app_context():
        number = db.session.scalar(db.select(Certificate.number))
    assert number.endswith("-00001")


@pytest.mark.parametrize("outcome", ["refuse"])
def test_refusal_issues_nothing(app, people, outcome):
    assessed(app, people, "L2")
    assert decide(app, people, outcome=outcome, reason="motivo").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
