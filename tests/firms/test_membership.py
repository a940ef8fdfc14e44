"""Joining a firm: requests to join, the owner's decisions, invitations, removal."""

import re

import pytest

from registry.accounts.models import User
from registry.auditlog import AuditEvent
from registry.extensions import db
from registry.firms.models import MembershipRequest
from registry.tokens import make_token
from tests import factories
from tests.steps import log_in


def client_for(app, user_id):
    client = app.test_client()
    log_in(client, user_id)
    return client


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def firm_setup(mail_app):
    """An owner with a firm and an applicant without one; returns their ids and the P.IVA."""
    with mail_app.app_context():
        owner = factories.make_user("applicant", email="titolare@contactitalia.it",
                                    name="Giulia Bianchi")
        firm = factories.make_firm(owner=owner, name="Contact Italia S.r.l.")
        newcomer = factories.make_user("applicant", email="luca@contactitalia.it",
                                       name="Luca Verdi")
        return {"owner": owner.id, "firm": firm.id, "vat": firm.vat_number,
                "newcomer": newcomer.id}


def ask_to_join(mail_app, smtp_server, ids) -> int:
    newcomer = client_for(mail_app, ids["newcomer"])
    response = newcomer.post("/firm/join", data={"join-vat_number": ids["vat"],
                                                 "join-message": "Lavoro all'ufficio qualità."})
    assert response.status_code == 302
    message = smtp_server.wait(1)[0]
    assert message["To"] == "titolare@contactitalia.it"
    assert "Contact Italia S.r.l." in message["Subject"]
    assert "Luca Verdi" in body_of(message) and "http://registry.test/firm/members" in \
        body_of(message) and "ufficio qualità" in body_of(message)
    with mail_app.app_context():
        return db.session.scalar(db.select(MembershipRequest.id))


def test_join_request_accepted(mail_app, smtp_server, firm_setup):
    request_id = ask_to_join(mail_app, smtp_server, firm_setup)
    owner = client_for(mail_app, firm_setup["owner"])
    page = owner.get("/firm/members").get_data(as_text=True)
    assert "luca@contactitalia.it" in page and "Accetta" in page
    response = owner.post(f"/firm/members/requests/{request_id}/accept")
    assert response.status_code == 302
    message = smtp_server.wait(2)[1]
    assert message["To"] == "luca@contactitalia.it" and "aggiunto" in message["Subject"]
    with mail_app.app_context():
        assert db.session.get(User, firm_setup["newcomer"]).firm_id == firm_setup["firm"]
        request = db.session.get(MembershipRequest, request_id)
        assert request.status == "accepted" and request.decided_at is not None
    assert actions(mail_app)[-2:] == ["firm.join_requested", "firm.join_accepted"]
    # the new member sees the firm; the request cannot be decided twice
    assert client_for(mail_app, firm_setup["newcomer"]).get("/firm").status_code == 200
    page = owner.post(f"/firm/members/requests/{request_id}/refuse",
                      follow_redirects=True).get_data(as_text=True)
    assert "già stata decisa" in page


def test_join_request_refused(mail_app, smtp_server, firm_setup):
    request_id = ask_to_join(mail_app, smtp_server, firm_setup)
    owner = client_for(mail_app, firm_setup["owner"])
    assert owner.post(f"/firm/members/requests/{request_id}/refuse").status_code == 302
    message = smtp_server.wait(2)[1]
    assert message["To"] == "luca@contactitalia.it" and "non accettata" in message["Subject"]
    with mail_app.app_context():
        assert db.session.get(User, firm_setup["newcomer"]).firm_id is None
        assert db.session.get(MembershipRequest, request_id).status == "refused"
    assert actions(mail_app)[-1] == "firm.join_refused"


def test_each_person_is_written_to_in_their_own_language(mail_app, smtp_server, firm_setup):
    """The owner chose English; the newcomer, who asks in Italian, is answered in Italian."""
    with mail_app.app_context():
        db.session.get(User, firm_setup["owner"]).locale = "en"
        db.session.commit()
    newcomer = client_for(mail_app, firm_setup["newcomer"])
    assert newcomer.post("/firm/join", data={"join-vat_number": firm_setup["vat"],
                                             "join-message": "Ciao"}).status_code == 302
    to_owner = smtp_server.wait(1)[0]
    assert to_owner["Subject"] == "Request to join the firm Contact Italia S.r.l."
    assert "Message:\r\nCiao" in body_of(to_owner)
    assert to_owner.get_body(("html",)) is not None and to_owner["Content-Language"] == "en"
    with mail_app.app_context():
        request_id = db.session.scalar(db.select(MembershipRequest.id))
    owner = client_for(mail_app, firm_setup["owner"])
    assert owner.post(f"/firm/members/requests/{request_id}/accept?lang=en").status_code == 302
    to_newcomer = smtp_server.wait(2)[1]
    assert "Sei stato aggiunto" in to_newcomer["Subject"], to_newcomer["Subject"]
    assert to_newcomer["Content-Language"] == "it"


def test_asking_twice_keeps_one_request_and_unknown_vat_is_refused(mail_app, smtp_server,
                                                                    firm_setup):
    ask_to_join(mail_app, smtp_server, firm_setup)
    newcomer = client_for(mail_app, firm_setup["newcomer"])
    newcomer.post("/firm/join", data={"join-vat_number": firm_setup["vat"]})
    page = newcomer.post("/firm/join", data={"join-vat_number": "00743110157"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Nessuna azienda registrata con questa partita IVA" in page
    with mail_app.app_context():
        assert db.session.scalar(db.select(db.func.count(MembershipRequest.id))) == 1


def invitation_link(message) -> str:
    match = re.search(r"http://registry\.test(/firm/invitations/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def test_invitation_round_trip(mail_app, smtp_server, firm_setup):
    owner = client_for(mail_app, firm_setup["owner"])
    response = owner.post("/firm/members/invite", data={"email": "Luca@ContactItalia.it"})
    assert response.status_code == 302
    message = smtp_server.wait(1)[0]
    assert message["To"] == "luca@contactitalia.it"
    assert "14 giorni" in body_of(message) and "Giulia Bianchi" in body_of(message)
    link = invitation_link(message)
    assert "luca@contactitalia.it" in owner.get("/firm/members").get_data(as_text=True)

    # someone else logged in cannot use it
    with mail_app.app_context():
        stranger = factories.make_user("applicant", email="altro@example.it").id
    page = client_for(mail_app, stranger).get(link, follow_redirects=True).get_data(
        as_text=True)
    assert "inviato a un altro indirizzo" in page

    invitee = client_for(mail_app, firm_setup["newcomer"])
    page = invitee.get(link).get_data(as_text=True)
    assert "Contact Italia S.r.l." in page and "Accetto" in page
    assert invitee.post(link).status_code == 302
    with mail_app.app_context():
        assert db.session.get(User, firm_setup["newcomer"]).firm_id == firm_setup["firm"]
        assert db.session.get(User, stranger).firm_id is None
    message = smtp_server.wait(2)[1]
    assert message["To"] == "titolare@contactitalia.it" and "Luca Verdi" in message["Subject"]
    assert "firm.member_invited" in actions(mail_app)
    assert actions(mail_app)[-1] == "firm.invitation_accepted"
    # single use
    page = invitee.get(link, follow_redirects=True).get_data(as_text=True)
    assert "già stato usato" in page


def test_invitation_links_expire_and_can_be_cancelled(make_app, firm_setup_plain):
    app = make_app(INVITATION_MAX_AGE=-1)
    with app.app_context():
        request = MembershipRequest(firm_id=firm_setup_plain["firm"], kind="invite",
                                    email="luca@contactitalia.it",
                                    created_by_id=firm_setup_plain["owner"])
        db.session.add(request)
        db.session.commit()
        token = make_token("invite", request.id, request.email)
        request_id = request.id
    invitee = client_for(app, firm_setup_plain["newcomer"])
    page = invitee.get(f"/firm/invitations/{token}", follow_redirects=True).get_data(
        as_text=True)
    assert "scaduto" in page
    page = invitee.get(f"/firm/invitations/{token}x", follow_redirects=True).get_data(
        as_text=True)
    assert "non è valido" in page
    owner = client_for(app, firm_setup_plain["owner"])
    assert owner.post(f"/firm/members/invitations/{request_id}/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(MembershipRequest, request_id).status == "withdrawn"


@pytest.fixture
def firm_setup_plain(app):
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        newcomer = factories.make_user("applicant", email="luca@contactitalia.it")
        return {"owner": owner.id, "firm": firm.id, "newcomer": newcomer.id}


def test_owner_removes_a_member_but_not_themself(mail_app, smtp_server, firm_setup):
    with mail_app.app_context():
        member = factories.make_user("applicant", email="ex@contactitalia.it",
                                     firm_id=firm_setup["firm"]).id
    owner = client_for(mail_app, firm_setup["owner"])
    assert owner.post(f"/firm/members/{member}/remove").status_code == 302
    message = smtp_server.wait(1)[0]
    assert message["To"] == "ex@contactitalia.it" and "Non fai più parte" in message["Subject"]
    with mail_app.app_context():
        assert db.session.get(User, member).firm_id is None
    assert actions(mail_app)[-1] == "firm.member_removed"
    page = owner.post(f"/firm/members/{firm_setup['owner']}/remove",
                      follow_redirects=True).get_data(as_text=True)
    assert "non può essere rimosso" in page
    with mail_app.app_context():
        assert db.session.get(User, firm_setup["owner"]).firm_id == firm_setup["firm"]
    # the removed person no longer reaches the firm's pages
    assert client_for(mail_app, member).get("/firm").status_code == 302


def test_non_owner_cannot_manage_members(app, client, login):
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        member = factories.make_user("applicant", firm_id=firm.id)
        other = factories.make_user("applicant", firm_id=firm.id)
        outsider = factories.make_user("applicant")
        request = MembershipRequest(firm_id=firm.id, kind="join", user_id=outsider.id,
                                    email=outsider.email, created_by_id=outsider.id)
        db.session.add(request)
        db.session.commit()
        ids = {"member": member.id, "other": other.id, "owner": owner.id,
               "request": request.id, "outsider": outsider.id}
    login(ids["member"])
    page = client.get("/firm/members").get_data(as_text=True)
    assert "Solo il titolare" in page and 'action="/firm/members/invite"' not in page
    assert outsider.email not in page  # pending requests are the owner's business
    assert client.post("/firm/members/invite", data={"email": "x@example.it"}).status_code == 403
    assert client.post(f"/firm/members/requests/{ids['request']}/accept").status_code == 403
    assert client.post(f"/firm/members/{ids['other']}/remove").status_code == 403
    assert client.post(f"/firm/members/{ids['owner']}/remove").status_code == 403
    with app.app_context():
        assert db.session.get(User, ids["outsider"]).firm_id is None
        assert db.session.get(User, ids["other"]).firm_id is not None
        assert db.session.get(MembershipRequest, ids["request"]).status == "pending"


def test_owner_gets_404_for_another_firms_requests_and_people(app, client, login):
    with app.app_context():
        owner_a = factories.make_user("applicant")
        factories.make_firm(owner=owner_a)
        owner_b = factories.make_user("applicant")
        firm_b = factories.make_firm(owner=owner_b)
        member_b = factories.make_user("applicant", firm_id=firm_b.id)
        outsider = factories.make_user("applicant")
        request = MembershipRequest(firm_id=firm_b.id, kind="join", user_id=outsider.id,
                                    email=outsider.email, created_by_id=outsider.id)
        invite = MembershipRequest(firm_id=firm_b.id, kind="invite", email="z@example.it",
                                   created_by_id=owner_b.id)
        db.session.add_all([request, invite])
        db.session.commit()
        ids = (owner_a.id, member_b.id, request.id, invite.id, outsider.id, firm_b.id)
    login(ids[0])
    assert client.post(f"/firm/members/requests/{ids[2]}/accept").status_code == 404
    assert client.post(f"/firm/members/requests/{ids[2]}/refuse").status_code == 404
    assert client.post(f"/firm/members/invitations/{ids[3]}/cancel").status_code == 404
    assert client.post(f"/firm/members/{ids[1]}/remove").status_code == 404
    assert client.post("/firm/members/999999/remove").status_code == 404
    with app.app_context():
        assert db.session.get(User, ids[1]).firm_id == ids[5]
        assert db.session.get(User, ids[4]).firm_id is None


def test_a_firm_owner_cannot_accept_an_invitation_elsewhere(app, client, login):
    with app.app_context():
        owner_a = factories.make_user("applicant", email="a@example.it")
        firm_a = factories.make_firm(owner=owner_a)
        owner_b = factories.make_user("applicant")
        firm_b = factories.make_firm(owner=owner_b)
        invite = MembershipRequest(firm_id=firm_b.id, kind="invite", email="a@example.it",
                                   created_by_id=owner_b.id)
        db.session.add(invite)
        db.session.commit()
        token = make_token("invite", invite.id, invite.email)
        owner_id, firm_a_id = owner_a.id, firm_a.id
    login(owner_id)
    page = client.post(f"/firm/invitations/{token}", follow_redirects=True).get_data(
        as_text=True)
    assert "Fai già parte di un" in page
    with app.app_context():
        assert db.session.get(User, owner_id).firm_id == firm_a_id
