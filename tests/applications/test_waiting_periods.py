"""Waiting periods before a new application: six months after a refusal, twelve after a
withdrawal; the firm is told the date, and a refused start changes nothing."""

import datetime as dt

from registry.accounts.models import User
from registry.applications.models import Application, ApplicationEvent
from registry.certificates import lifecycle
from registry.certificates.cycle import add_months
from registry.certificates.models import Certificate
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories
from tests.steps import assessed, client_for, decide


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Application))


def test_six_months_after_a_refusal(app, people):
    assessed(app, people, "L1")
    assert decide(app, people, outcome="refuse", reason="LEG-02 non rispettato."
                  ).status_code == 302
    owner = client_for(app, people["owner"])
    first = add_months(today_in_rome(), 6).strftime("%d/%m/%Y")
    assert f"dal {first}" in owner.get("/applications").get_data(as_text=True)
    before = _count(app)
    body = owner.post("/applications/new", data={"kind": "initial"},
                      follow_redirects=True).get_data(as_text=True)
    assert f"potrai presentare una nuova domanda dal {first}" in body
    assert _count(app) == before
    with app.app_context():  # seven months later the firm may apply again
        for event in db.session.scalars(db.select(ApplicationEvent)):
            event.at -= dt.timedelta(days=214)
        db.session.commit()
    assert owner.post("/applications/new", data={"kind": "initial"}).status_code == 302
    assert _count(app) == before + 1


def test_twelve_months_after_a_withdrawal(app, client, login, certified_firm):
    row = certified_firm("Revocata S.r.l.")
    with app.app_context():
        officer = factories.make_user("officer")
        lifecycle.change_status(db.session.get(Certificate, row.certificate_id), "withdraw",
                                officer, public_reason="Dichiarazioni non veritiere")
        db.session.commit()
        owner_id = db.session.get(Firm, row.firm_id).owner_id
        assert db.session.get(User, owner_id).firm_id == row.firm_id
    login(owner_id)
    first = add_months(today_in_rome(), 12).strftime("%d/%m/%Y")
    assert f"dal {first}" in client.get("/applications").get_data(as_text=True)
    before = _count(app)
    client.post("/applications/new", data={"kind": "renewal"})
    assert _count(app) == before
