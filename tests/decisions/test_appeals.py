"""Appeals against every adverse decision — a refusal, a level below the computed one, a
suspension, a withdrawal — within 30 days, decided by an officer with no part in it."""

import datetime as dt

from registry.certificates import lifecycle, lookup
from registry.certificates.models import StatusChange
from registry.decisions.models import Appeal
from registry.extensions import db
from tests import factories
from tests.steps import assessed, client_for, decide, log_in


def _appeal_ids(app):
    with app.app_context():
        return [a.id for a in db.session.scalars(db.select(Appeal).order_by(Appeal.id))]


def _assign_and_decide(app, people, appeal_id, outcome, officer="officer2"):
    admin = client_for(app, people["admin"])
    assert admin.post(f"/admin/applications/appeals/{appeal_id}",
                      data={"officer_id": people[officer]}).status_code == 302
    return client_for(app, people[officer]).post(
        f"/officer/appeals/{appeal_id}",
        data={"app-outcome": outcome, "app-reason": "Motivazione del ricorso verificata."})


def test_a_level_below_the_computed_one_is_appealed_and_raised(app, people):
    assessed(app, people, "L2")
    assert decide(app, people, outcome="certify", level="L1",
                  reason="Prudenza sul turn-over.").status_code == 302
    owner = client_for(app, people["owner"])
    assert "Presenta ricorso" in owner.get(
        f"/applications/{people['application']}").get_data(as_text=True)
    assert owner.post(f"/applications/{people['application']}/appeal",
                      data={"apl-text": "Il punteggio dà diritto a due stelle."}
                      ).status_code == 302
    (appeal_id,) = _appeal_ids(app)
    assert _assign_and_decide(app, people, appeal_id, "overturned").status_code == 302
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        number = db.session.scalar(db.select(StatusChange)).certificate.number
        current = lookup.find(number)
        assert appeal.outcome == "overturned" and current.level == "L2"
        assert current.revision == 2 and current.status == "valid"


def _certified_with_people(app, people):
    assessed(app, people, "L2")
    assert decide(app, people, outcome="certify", level="L2").status_code == 302
    with app.app_context():
        return db.session.scalar(db.select(StatusChange)).certificate.number


def test_a_suspension_is_appealed_and_reinstated(app, people):
    number = _certified_with_people(app, people)
    officer = client_for(app, people["officer"])
    assert officer.post(f"/manage/certificates/{number}", data={
        "action": "suspend", "public_reason": "DURC irregolare"}).status_code == 302
    owner = client_for(app, people["owner"])
    page = owner.get(f"/manage/certificates/{number}").get_data(as_text=True)
    assert "Ricorso contro «sospeso»" in page
    with app.app_context():
        change_id = db.session.scalar(db.select(StatusChange.id).where(
            StatusChange.status == "suspended"))
    url = f"/manage/certificates/{number}/changes/{change_id}/appeal"
    assert owner.post(url, data={"apl-text": "Il DURC è regolare."}).status_code == 302
    before = _appeal_ids(app)
    owner.post(url, data={"apl-text": "Di nuovo."})  # one appeal per decision
    assert _appeal_ids(app) == before
    (appeal_id,) = before
    # The officer who suspended it may not judge the appeal.
    admin = client_for(app, people["admin"])
    body = admin.post(f"/admin/applications/appeals/{appeal_id}",
                      data={"officer_id": people["officer"]}).get_data(as_text=True)
    assert "Ha preso la decisione impugnata" in body
    assert _assign_and_decide(app, people, appeal_id, "overturned").status_code == 302
    with app.app_context():
        current = lookup.find(number)
        assert current.status == "valid"
        assert current.history[-1].public_reason.startswith("Ricorso accolto")


def test_a_withdrawal_set_aside_on_appeal_restores_the_certificate(app, people):
    number = _certified_with_people(app, people)
    client_for(app, people["officer"]).post(f"/manage/certificates/{number}", data={
        "action": "withdraw", "public_reason": "Dichiarazioni non veritiere"})
    assert 'data-verdict="withdrawn"' in app.test_client().get(f"/v/{number}").get_data(
        as_text=True)
    with app.app_context():
        change_id = db.session.scalar(db.select(StatusChange.id).where(
            StatusChange.status == "withdrawn"))
    client_for(app, people["owner"]).post(
        f"/manage/certificates/{number}/changes/{change_id}/appeal",
        data={"apl-text": "Le dichiarazioni erano vere: allegati i contratti."})
    (appeal_id,) = _appeal_ids(app)
    assert _assign_and_decide(app, people, appeal_id, "overturned").status_code == 302
    assert 'data-verdict="valid"' in app.test_client().get(f"/v/{number}").get_data(
        as_text=True)


def test_an_upheld_appeal_changes_nothing(app, people):
    number = _certified_with_people(app, people)
    client_for(app, people["officer"]).post(f"/manage/certificates/{number}", data={
        "action": "suspend", "public_reason": "Uso improprio del marchio"})
    with app.app_context():
        change_id = db.session.scalar(db.select(StatusChange.id).where(
            StatusChange.status == "suspended"))
    client_for(app, people["owner"]).post(
        f"/manage/certificates/{number}/changes/{change_id}/appeal",
        data={"apl-text": "Il marchio era usato correttamente."})
    (appeal_id,) = _appeal_ids(app)
    assert _assign_and_decide(app, people, appeal_id, "upheld").status_code == 302
    with app.app_context():
        assert lookup.find(number).status == "suspended"


def test_what_the_firm_asked_for_or_too_late_cannot_be_appealed(app, people):
    number = _certified_with_people(app, people)
    owner = client_for(app, people["owner"])
    owner.post(f"/manage/certificates/{number}", data={
        "action": "suspend", "public_reason": "Riorganizzazione"})
    with app.app_context():
        change = db.session.scalar(db.select(StatusChange).where(
            StatusChange.status == "suspended"))
        assert lifecycle.appealable_changes(change.certificate) == []
        change_id = change.id
    owner.post(f"/manage/certificates/{number}/changes/{change_id}/appeal",
               data={"apl-text": "Ci ripensiamo."})
    assert _appeal_ids(app) == []
    with app.app_context():  # an officer's suspension, recorded 31 days ago
        officer = factories.make_user("officer")
        certificate = lookup.find(number)
        lifecycle.change_status(certificate, "reinstate", officer, public_reason="Ripresa")
        change = lifecycle.change_status(certificate, "suspend", officer,
                                         public_reason="DURC irregolare")
        change.at -= dt.timedelta(days=31)
        db.session.commit()
        assert lifecycle.appealable_changes(lookup.find(number)) == []
        change_id = change.id
    owner.post(f"/manage/certificates/{number}/changes/{change_id}/appeal",
               data={"apl-text": "Tardi."})
    assert _appeal_ids(app) == []


def test_only_the_firm_appeals(app, people):
    number = _certified_with_people(app, people)
    client_for(app, people["officer"]).post(f"/manage/certificates/{number}", data={
        "action": "suspend", "public_reason": "DURC irregolare"})
    with app.app_context():
        change_id = db.session.scalar(db.select(StatusChange.id).where(
            StatusChange.status == "suspended"))
        stranger = factories.make_user("applicant")
        factories.make_firm(owner=stranger)
        stranger_id = stranger.id
    client = app.test_client()
    log_in(client, stranger_id)
    assert client.post(f"/manage/certificates/{number}/changes/{change_id}/appeal",
                       data={"apl-text": "x"}).status_code == 404
    assert _appeal_ids(app) == []
