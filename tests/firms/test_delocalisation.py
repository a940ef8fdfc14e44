"""Art. 24-bis notices through the pages: the firm records and withdraws them, refusals keep
nothing, staff read them, the ministry lists the firms at fault and exports the list, and an
open site outside the EU without the notices cannot be certified."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from registry.applications.models import Application
from registry.auditlog import AuditEvent
from registry.db import today_in_rome
from registry.decisions.models import Decision
from registry.extensions import db
from registry.firms.models import DelocalisationNotice, Firm, NoticeWithdrawal, Site
from registry.firms.workflow import NoticeAuthority
from tests import factories
from tests.steps import assessed, client_for, decide, log_in, state_of

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MOVE = dt.date(2025, 6, 1)


def page(response) -> str:
    return response.get_data(as_text=True)


def abroad_site(firm_id: int, country: str = "AL", opened_on=None) -> int:
    site = Site(firm_id=firm_id, address="Rruga e Durresit 10", comune="Tirana", province=None,
                country=country, seats=40, headcount=45, service_types=["inbound"],
                channels=["voice"], opened_on=opened_on)
    db.session.add(site)
    db.session.commit()
    return site.id


@pytest.fixture
def member(app):
    """(owner id, firm id, id of the firm's site in Albania)."""
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        return owner.id, firm.id, abroad_site(firm.id)


def form(site_id=None, **overrides) -> dict:
    data = {"authority": "labour", "site_id": str(site_id or ""), "country": "AL",
            "sent_on": "2025-04-01", "move_on": MOVE.isoformat(), "numbers": "",
            "document": (io.BytesIO(PDF), "comunicazione.pdf")}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_notice(client, **data):
    return client.post("/firm/delocalisation", data=data, content_type="multipart/form-data")


def rows_now(app) -> tuple:
    """Everything a notice use case could write."""
    with app.app_context():
        return (db.session.execute(db.select(DelocalisationNotice.__table__)).all(),
                db.session.execute(db.select(NoticeWithdrawal.__table__)).all(),
                db.session.scalar(db.select(db.func.count(AuditEvent.id))))


def stored_files(app) -> list:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# The firm's page ----------------------------------------------------------------------------
def test_the_profile_links_to_the_page_which_says_what_is_missing(client, login, member):
    owner, _firm, _site = member
    login(owner)
    assert "/firm/delocalisation" in page(client.get("/firm"))
    body = page(client.get("/firm/delocalisation"))
    assert "comunicazione mancante" in body
    assert "Ministero del Lavoro e INL" in body and "Tirana" in body


def test_three_notices_make_the_firm_compliant(app, client, login, member):
    owner, _firm_id, site_id = member
    login(owner)
    for authority in ("labour", "garante"):
        assert post_notice(client, **form(site_id, authority=authority)).status_code == 302
    response = post_notice(client, **form(site_id, authority="mimit",
                                          numbers="06 1234567\n+355 4 222 3333",
                                          countries=["AL"]))
    assert response.status_code == 302
    body = page(client.get("/firm/delocalisation"))
    assert "comunicazioni in regola" in body and "+390612345" in body
    with app.app_context():
        rows = db.session.scalars(db.select(DelocalisationNotice)).all()
        assert {(r.authority, r.site_id, r.country, r.recorded_by_id) for r in rows} == {
            (a, site_id, "AL", owner) for a in ("labour", "mimit", "garante")}
        mimit = next(r for r in rows if r.authority == NoticeAuthority.MIMIT)
        assert len(mimit.numbers) == 2 and "+39061234567" in mimit.numbers
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "firm.delocalisation_notice")) == 3


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sent_on": "2099-01-01"}, "non può essere nel futuro"),
    ({"sent_on": "2025-02-31"}, "Indica una data valida"),
    ({"sent_on": "1999-01-01"}, "precedente all&#39;art. 24-bis"),
    ({"move_on": "3025-01-01"}, "non è plausibile"),
    ({"move_on": ""}, "data prevista del trasferimento"),
    ({"document": None}, "Allega la comunicazione inviata"),
    ({"document": (io.BytesIO(b"MZ\x90\x00" + b"0" * 100), "lettera.pdf")},
     "Formato non accettato"),
    ({"authority": "ministero"}, "Scegli a chi è stata inviata"),
    ({"authority": ""}, "Scegli a chi è stata inviata"),
    ({"country": "FR"}, "fuori dall&#39;Unione europea"),
    ({"country": "TN"}, "Il paese non è quello della sede scelta"),
    ({"country": "ZZ"}, "Scegli il paese"),
    ({"site_id": "999999"}, "Sede non valida"),
    ({"authority": "mimit", "numbers": ""}, "indica i numeri pubblici"),
    ({"authority": "mimit", "numbers": "non è un numero"}, "non è un numero"),
    ({"authority": "mimit", "numbers": "06 1234567", "countries": ["DE"]},
     "Scegli solo paesi fuori"),
])
def test_bad_input_is_refused_and_nothing_is_kept(app, client, login, member, overrides,
                                                  message):
    owner, _firm, site_id = member
    login(owner)
    before = rows_now(app)
    response = post_notice(client, **form(**{"site_id": site_id, **overrides}))
    assert response.status_code == 400
    assert message in page(response)
    assert rows_now(app) == before
    assert stored_files(app) == []


def test_a_site_in_italy_or_of_another_firm_is_refused(app, client, login, member):
    owner, firm_id, _site = member
    with app.app_context():
        other = factories.make_firm()
        foreign = abroad_site(other.id)
        italian = factories.make_site(db.session.get(Firm, firm_id)).id
        db.session.commit()
    login(owner)
    before = rows_now(app)
    assert "Sede non valida" in page(post_notice(client, **form(foreign)))
    assert "Italia o nell&#39;Unione europea" in page(post_notice(client, **form(italian)))
    assert rows_now(app) == before


def test_an_oversized_document_is_refused_and_nothing_stored(make_app, database_url):
    app = make_app(MAX_UPLOAD_MB=1)
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        site_id, owner_id = abroad_site(firm.id), owner.id
    client = app.test_client()
    log_in(client, owner_id)
    before = rows_now(app)
    big = (io.BytesIO(PDF + b"0" * (2 * 1024 * 1024)), "grande.pdf")
    response = post_notice(client, **form(site_id, document=big))
    assert response.status_code == 400
    assert "supera la dimensione massima di 1 MB" in page(response)
    assert rows_now(app) == before and stored_files(app) == []


def test_a_notice_is_withdrawn_never_edited(app, client, login, member):
    owner, _firm, site_id = member
    login(owner)
    post_notice(client, **form(site_id, country="AL"))
    with app.app_context():
        notice = db.session.scalar(db.select(DelocalisationNotice))
        notice_id, original = notice.id, (notice.sent_on, notice.authority, notice.country)
    before = rows_now(app)
    response = client.post(f"/firm/delocalisation/{notice_id}/withdraw", data={"reason": ""})
    assert response.status_code == 400 and rows_now(app) == before
    response = client.post(f"/firm/delocalisation/{notice_id}/withdraw",
                           data={"reason": "Data sbagliata"})
    assert response.status_code == 302
    body = page(client.get("/firm/delocalisation"))
    assert "Ritirata il" in body and "Data sbagliata" in body
    assert "comunicazione mancante" in body  # a withdrawn notice no longer counts
    with app.app_context():
        notice = db.session.get(DelocalisationNotice, notice_id)
        assert (notice.sent_on, notice.authority, notice.country) == original
        assert notice.withdrawn
    before = rows_now(app)
    again = client.post(f"/firm/delocalisation/{notice_id}/withdraw", data={"reason": "x"})
    assert again.status_code == 400 and "già stata ritirata" in page(again)
    assert rows_now(app) == before


def test_another_firms_notice_is_not_found(app, client, login, member):
    owner, _firm, site_id = member
    login(owner)
    post_notice(client, **form(site_id))
    with app.app_context():
        notice_id = db.session.scalar(db.select(DelocalisationNotice.id))
        stranger = factories.make_user("applicant")
        factories.make_firm(owner=stranger)
        stranger_id = stranger.id
    assert client.get(f"/firm/delocalisation/notices/{notice_id}/document").status_code == 200
    login(stranger_id)
    assert client.get(f"/firm/delocalisation/notices/{notice_id}/document").status_code == 404
    assert client.post(f"/firm/delocalisation/{notice_id}/withdraw",
                       data={"reason": "x"}).status_code == 404


def test_staff_see_a_firms_notices_and_documents(app, client, login, users, member):
    owner, firm_id, site_id = member
    login(owner)
    post_notice(client, **form(site_id))
    with app.app_context():
        notice_id = db.session.scalar(db.select(DelocalisationNotice.id))
    for role in ("officer", "ministry", "admin"):
        login(users[role])
        body = page(client.get(f"/firm/delocalisation/firms/{firm_id}"))
        assert "Ministero del Lavoro e INL" in body and "comunicazione.pdf" in body
        assert "Registra una comunicazione" not in body
        document = client.get(f"/firm/delocalisation/notices/{notice_id}/document")
        assert document.status_code == 200 and document.data.startswith(b"%PDF")
    login(users["auditor"])
    assert client.get(f"/firm/delocalisation/firms/{firm_id}").status_code == 403


# The ministry's list ------------------------------------------------------------------------
def _notice(firm_id, user_id, authority, sent_on, site_id=None, country="AL"):
    db.session.add(DelocalisationNotice(
        firm_id=firm_id, site_id=site_id, country=country, authority=authority,
        sent_on=sent_on, move_on=MOVE, numbers=["+390612345"] if authority == "mimit" else [],
        countries=[country] if authority == "mimit" else [], document_sha256="0" * 64,
        document_filename="c.pdf", document_type="application/pdf", recorded_by_id=user_id))


@pytest.fixture
def ministry_firms(app):
    """Five firms: traffic and no notice (Lazio), a late notice (Puglia), compliant, not
    concerned, and a site abroad with no notice and no traffic declared (Lazio)."""
    with app.app_context():
        user = factories.make_user("applicant")
        names = {}

        def firm(name, region, province, share, countries):
            made = factories.make_firm(name=name, office_region=region, office_province=province,
                                       traffic_italy_pct=100 - share, traffic_eu_pct=0,
                                       traffic_extra_eu_pct=share,
                                       extra_eu_countries=countries)
            names[name] = made.id
            return made.id

        firm("=Silenzio S.r.l.", "Lazio", "RM", 10, ["AL"])
        late = firm("Ritardo S.r.l.", "Puglia", "BA", 20, ["TN"])
        ok = firm("In Regola S.r.l.", "Lazio", "RM", 15, ["AL"])
        firm("Solo Italia S.r.l.", "Lazio", "RM", 0, [])
        hidden = firm("Sede Nascosta S.r.l.", "Lazio", "RM", 0, [])
        abroad_site(hidden, "RS")
        on_time = MOVE - dt.timedelta(days=45)
        for authority in ("labour", "mimit", "garante"):
            _notice(ok, user.id, authority, on_time)
            _notice(late, user.id, authority,
                    MOVE - dt.timedelta(days=10) if authority == "garante" else on_time,
                    country="TN")
        db.session.commit()
        return names


def test_the_ministry_lists_firms_without_notices_and_with_late_ones(client, login, users,
                                                                     ministry_firms):
    login(users["ministry"])
    assert "/ministry/delocalisation" in page(client.get("/ministry"))  # the navigation
    body = page(client.get("/ministry/delocalisation"))
    assert "=Silenzio S.r.l." in body and "Ritardo S.r.l." in body
    assert "Sede Nascosta S.r.l." in body
    assert "In Regola S.r.l." not in body and "Solo Italia S.r.l." not in body
    assert "comunicazione tardiva" in body and "comunicazione mancante" in body
    assert "Garante per la protezione dei dati personali" in body
    lazio = page(client.get("/ministry/delocalisation?region=Lazio"))
    assert "Silenzio" in lazio and "Sede Nascosta" in lazio and "Ritardo" not in lazio
    late = page(client.get("/ministry/delocalisation?status=late"))
    assert "Ritardo" in late and "Silenzio" not in late
    empty = client.get("/ministry/delocalisation?region=Molise")
    assert empty.status_code == 200 and "Nessuna impresa da segnalare" in page(empty)


@pytest.mark.parametrize("query", ["region=Atlantide", "status=compliant", "status=xx"])
def test_bad_filters_are_said_and_ignored(client, login, users, ministry_firms, query):
    login(users["ministry"])
    response = client.get(f"/ministry/delocalisation?{query}")
    assert response.status_code == 400
    assert "Questi valori sono stati ignorati" in page(response)
    assert "Silenzio" in page(response)
    assert client.get(f"/ministry/delocalisation/export.csv?{query}").status_code == 400


def test_the_exports_carry_the_list_formula_safe(client, login, users, ministry_firms):
    login(users["ministry"])
    text = client.get("/ministry/delocalisation/export.csv?region=Lazio").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:3] == ["Ragione sociale", "Partita IVA", "Regione"]  # words, not codes
    assert {row[0] for row in table[1:]} == {"'=Silenzio S.r.l.", "Sede Nascosta S.r.l."}
    data = json.loads(client.get("/ministry/delocalisation/export.json").data)["items"]
    assert {row["name"] for row in data} == {
        "=Silenzio S.r.l.", "Ritardo S.r.l.", "Sede Nascosta S.r.l."}
    late = next(r for r in data if r["name"] == "Ritardo S.r.l.")
    assert (late["status_label"], late["status"]) == ("comunicazione tardiva", "late")
    xlsx = client.get("/ministry/delocalisation/export.xlsx?status=late")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[0][0] == "Ragione sociale" and [v[0] for v in values[1:]] == ["Ritardo S.r.l."]
    assert client.get("/ministry/delocalisation/export.pdf").status_code == 404


# The knock-out ------------------------------------------------------------------------------
def _decision_rows(app):
    with app.app_context():
        return (db.session.execute(db.select(Decision.__table__)).all(),
                db.session.scalar(db.select(db.func.count(AuditEvent.id))),
                [a.state for a in db.session.scalars(db.select(Application))])


def test_a_site_abroad_without_the_notices_cannot_be_certified(app, people):
    assessed(app, people, "L2")
    with app.app_context():
        site_id = abroad_site(people["firm"])
    officer = client_for(app, people["officer"])
    form_page = page(officer.get(f"/officer/applications/{people['application']}"))
    assert "Sede extra UE senza comunicazioni art. 24-bis" in form_page
    assert "Tirana" in form_page
    before = _decision_rows(app)
    response = decide(app, people, outcome="certify", level="L2")
    assert response.status_code == 200
    assert "Sede extra UE senza comunicazioni art. 24-bis" in page(response)
    assert _decision_rows(app) == before
    assert state_of(app, people) == "assessed"
    # The three notices recorded, certification goes through.
    with app.app_context():
        sent = today_in_rome() - dt.timedelta(days=60)
        for authority in ("labour", "mimit", "garante"):
            _notice(people["firm"], people["owner"], authority, sent, site_id=site_id)
        db.session.commit()
    assert decide(app, people, outcome="certify", level="L2").status_code == 302
    assert state_of(app, people) == "certified"


def test_refusing_stays_possible_with_a_site_abroad_without_notices(app, people):
    assessed(app, people, "L2")
    with app.app_context():
        abroad_site(people["firm"])
    response = decide(app, people, outcome="refuse", reason="Sede in Albania non comunicata.")
    assert response.status_code == 302
    assert state_of(app, people) == "refused"
