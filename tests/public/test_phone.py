"""'Chi mi ha chiamato?': calling numbers normalised to E.164, declared by one firm at a time,
looked up on /phone and /api/v1/phone/<number>, and found by the register search."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from sqlalchemy.exc import IntegrityError

from registry.auditlog import AuditEvent
from registry.db import today_in_rome
from registry.demo import DEMO_MOVED_NUMBER, load_demo_data
from registry.errors import Conflict, DomainError
from registry.extensions import db
from registry.firms import phones
from registry.firms.identifiers import IdentifierError, validate_phone_number
from registry.firms.models import CallingNumber, Firm
from tests import factories
from tests.firms.test_profile import form_data

# Normalisation -------------------------------------------------------------------------------
_IT_TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
             phonenumbers.PhoneNumberType.TOLL_FREE)
# Italian area codes and mobile prefixes whose numbers libphonenumber knows as valid.
_IT_PREFIXES = ("02", "06", "011", "081", "055", "051", "0461", "0961", "320", "333", "347",
                "366", "389")


@st.composite
def italian_numbers(draw) -> phonenumbers.PhoneNumber:
    prefix = draw(st.sampled_from(_IT_PREFIXES))
    rest = draw(st.text("0123456789", min_size=6, max_size=8))
    parsed = phonenumbers.parse(prefix + rest, "IT")
    assume(phonenumbers.is_valid_number(parsed) and len(set(prefix + rest)) > 1)
    return parsed


def _separated(draw, digits: str) -> str:
    """`digits` with random separators (space, dash, dot, slash) between them."""
    out = []
    for index, digit in enumerate(digits):
        if index and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", "-", ".", "/", " - "])))
        out.append(digit)
    return "".join(out)


@st.composite
def written_italian(draw) -> tuple[str, str]:
    """(how a person might write a valid Italian number, its E.164 form)."""
    parsed = draw(italian_numbers())
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = e164[3:]
    style = draw(st.sampled_from(["plain", "plus", "plus_space", "0039", "formatted_nat",
                                  "formatted_intl", "brackets"]))
    if style == "plain":
        text = _separated(draw, national)
    elif style == "plus":
        text = "+39" + _separated(draw, national)
    elif style == "plus_space":
        text = "+39 " + _separated(draw, national)
    elif style == "0039":
        text = "0039 " + _separated(draw, national)
    elif style == "formatted_nat":
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    elif style == "formatted_intl":
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    else:  # "(06) 1234567", "+39 (06) 1234567"
        cut = draw(st.integers(2, 4))
        text = draw(st.sampled_from(["", "+39 "])) + f"({national[:cut]}) " + national[cut:]
    padding = draw(st.sampled_from(["", " ", "  "]))
    return padding + text + padding, e164


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(written_italian())
def test_any_writing_of_an_italian_number_gives_its_e164(case):
    text, e164 = case
    assert validate_phone_number(text) == e164
    # and the E.164 form is a fixed point
    assert validate_phone_number(e164) == e164


@settings(max_examples=100)
@given(st.sampled_from(["GB", "DE", "FR", "US", "ES", "CH", "AL", "RO"]),
       st.sampled_from(["+", "00"]), st.data())
def test_a_foreign_number_is_accepted_with_its_prefix(region, plus, data):
    example = phonenumbers.example_number_for_type(region,
                                                   phonenumbers.PhoneNumberType.FIXED_LINE)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    text = plus + _separated(data.draw, e164[1:])
    assert validate_phone_number(text) == e164


@pytest.mark.parametrize("text, code", [
    ("", "required"), ("   ", "required"), ("06 CALL ME", "letters"),
    ("06 1234567 ext 3", "letters"),
    ("+39", "length"), ("1234", "length"), ("06 1234 5678 9012 3456 78", "length"),
    ("000000", "degenerate"), ("+39 333 333 3333", "degenerate"),
    ("+44 20 1234", "phone_invalid"), ("06 12", "length"), ("+999 12345678", "length"),
])
def test_what_is_not_a_number(text, code):
    with pytest.raises(IdentifierError) as caught:
        validate_phone_number(text)
    assert caught.value.code == code


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_normalise_never_fails_otherwise(text):
    """Any text either normalises to E.164 or is refused with a code (never a crash)."""
    try:
        number = validate_phone_number(text)
    except IdentifierError as error:
        assert error.code
    else:
        assert number.startswith("+") and number[1:].isdigit()


# One firm at a time --------------------------------------------------------------------------
def _state():
    return (db.session.scalar(db.select(db.func.count(CallingNumber.id))),
            db.session.scalar(db.select(db.func.count(AuditEvent.id))))


def test_a_number_moves_from_one_firm_to_another_after_the_first_ends_it(app):
    with app.app_context():
        owner_a = factories.make_user("applicant", email="a@firm.it")
        owner_b = factories.make_user("applicant", email="b@firm.it")
        firm_a = factories.make_firm(owner=owner_a, phone_numbers=["+390611111112"])
        firm_b = factories.make_firm(owner=owner_b, name="Beta S.r.l.",
                                     phone_numbers=["+390622222223"])
        db.session.commit()

        phones.declare_number(firm_a, "06 4455667", owner_a,
                              valid_from=today_in_rome() - dt.timedelta(days=30))
        db.session.commit()
        before = _state()
        with pytest.raises(Conflict) as refused:
            phones.declare_number(firm_b, "+39 06 4455667", owner_b)
        assert "un'altra azienda" in refused.value.message
        db.session.rollback()
        assert _state() == before  # nothing written

        row = db.session.scalar(db.select(CallingNumber).where(
            CallingNumber.number == "+39064455667"))
        phones.end_number(firm_a, row.id, owner_a)
        db.session.commit()
        # B may not claim a period that overlaps A's use…
        with pytest.raises(Conflict):
            phones.declare_number(firm_b, "0039064455667", owner_b,
                                  valid_from=today_in_rome() - dt.timedelta(days=5))
        db.session.rollback()
        # …but from the day A stopped it is B's.
        phones.declare_number(firm_b, "064455667", owner_b)
        db.session.commit()

        found = phones.declarations("+39064455667")
        assert [r.firm_id for r in found.current] == [firm_b.id]
        assert [(r.firm_id, r.valid_until) for r in found.past] == [(firm_a.id, today_in_rome())]
        actions = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.action.like("firm.number_%")).order_by(AuditEvent.id)).all()
        assert actions == ["firm.number_declared", "firm.number_ended", "firm.number_declared"]
        # A cannot take it back while B uses it
        with pytest.raises(Conflict):
            phones.declare_number(firm_a, "06 4455667", owner_a)
        db.session.rollback()


def test_the_database_refuses_two_firms_using_one_number(app):
    with app.app_context():
        firm_a = factories.make_firm(phone_numbers=["+390633334444"])
        firm_b = factories.make_firm(phone_numbers=["+390655556666"])
        db.session.commit()
        db.session.add(CallingNumber(firm_id=firm_b.id, number="+390633334444",
                                     valid_from=dt.date(2020, 1, 1)))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert firm_a.phone_numbers == ["+390633334444"]


@pytest.mark.parametrize("start, end", [
    (dt.date(2021, 1, 1), dt.date(2022, 1, 1)),  # inside the other's period
    (dt.date(2019, 1, 1), dt.date(2020, 6, 2)),  # ends a day after the other started
    (dt.date(2022, 12, 31), None),  # starts a day before the other ended, still in use
])
def test_the_database_refuses_overlapping_periods(app, start, end):
    with app.app_context():
        firm_a = factories.make_firm()
        firm_b = factories.make_firm()
        db.session.add(CallingNumber(firm_id=firm_a.id, number="+390688889999",
                                     valid_from=dt.date(2020, 6, 1),
                                     valid_until=dt.date(2023, 1, 1)))
        db.session.commit()
        db.session.add(CallingNumber(firm_id=firm_b.id, number="+390688889999",
                                     valid_from=start, valid_until=end))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # periods that touch do not overlap (valid_until is the first day out of use)
        db.session.add(CallingNumber(firm_id=firm_b.id, number="+390688889999",
                                     valid_from=dt.date(2023, 1, 1)))
        db.session.add(CallingNumber(firm_id=firm_b.id, number="+390688889999",
                                     valid_from=dt.date(2019, 1, 1),
                                     valid_until=dt.date(2020, 6, 1)))
        db.session.commit()
        # and an update that would make two overlap is refused too
        row = db.session.scalar(db.select(CallingNumber).where(
            CallingNumber.firm_id == firm_a.id, CallingNumber.number == "+390688889999"))
        row.valid_until = dt.date(2023, 2, 1)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_declaring_checks_membership_dates_and_numbers(app):
    with app.app_context():
        owner = factories.make_user("applicant", email="o@firm.it")
        stranger = factories.make_user("applicant", email="x@firm.it")
        firm = factories.make_firm(owner=owner)
        db.session.commit()
        with pytest.raises(DomainError):
            phones.declare_number(firm, "not a number", owner)
        with pytest.raises(DomainError):
            phones.declare_number(firm, "06 9988776", owner,
                                  valid_from=today_in_rome() + dt.timedelta(days=1))
        with pytest.raises(DomainError):  # NotFound: other firms' ids reveal nothing
            phones.declare_number(firm, "06 9988776", stranger)
        with pytest.raises(Conflict):  # already its own
            phones.declare_number(firm, firm.phone_numbers[0], owner)


def test_the_profile_form_declares_and_ends_numbers_without_approval(app, client, login):
    with app.app_context():
        owner = factories.make_user("applicant", email="p@firm.it")
        firm = factories.make_firm(owner=owner)
        firm.identity_locked_at = firm.created_at  # has applied: identity needs approval
        db.session.commit()
        firm_id, owner_id, kept = firm.id, owner.id, firm.phone_numbers[0]
    login(owner_id)
    with app.app_context():
        vat = db.session.get(Firm, firm_id).vat_number
    data = form_data(vat_number=vat, phone_numbers=[kept, "+39 02 12345678"])
    response = client.post("/firm/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        assert sorted(firm.phone_numbers) == sorted([kept, "+390212345678"])
        ended = db.session.scalars(db.select(CallingNumber).where(
            CallingNumber.firm_id == firm_id, CallingNumber.valid_until.is_not(None))).all()
        assert len(ended) == 1 and ended[0].ended_by_id == owner_id


# The page and the API ------------------------------------------------------------------------
@pytest.fixture
def numbers(app, certified_firm):
    """A certified firm using 06 4455667 (that a firm without certificate used before),
    and a number nobody declared."""
    row = certified_firm("Chiamate Chiare S.r.l.", level="L3")
    with app.app_context():
        before = factories.make_firm(name="Vecchio Call S.r.l.")
        db.session.add(CallingNumber(firm_id=before.id, number="+39064455667",
                                     valid_from=dt.date(2022, 1, 10),
                                     valid_until=dt.date(2024, 6, 1)))
        db.session.add(CallingNumber(firm_id=row.firm_id, number="+39064455667",
                                     valid_from=dt.date(2024, 6, 1)))
        only_past = factories.make_firm(name="Passato S.r.l.")
        db.session.add(CallingNumber(firm_id=only_past.id, number="+390287654321",
                                     valid_from=dt.date(2021, 1, 1),
                                     valid_until=dt.date(2023, 1, 1)))
        db.session.commit()
        return {"certified": row, "before": before.id, "only_past": only_past.id}


def test_page_for_a_declared_number(client, numbers):
    response = client.get("/phone?n=%2B39%2006%20445%205667")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "+39064455667" in body and "Chiamate Chiare S.r.l." in body
    assert numbers["certified"].number in body and "Valido" in body
    current, past = body.split("In passato questo numero")
    assert "Chiamate Chiare" in current and "Vecchio Call" not in current
    assert "Vecchio Call S.r.l." in past and "10/01/2022" in past and "01/06/2024" in past
    assert "Nessun certificato Bollino Blu" in past
    assert "non risulta dichiarato" not in body


def test_page_for_a_number_declared_only_in_the_past(client, numbers):
    body = client.get("/phone?n=02.8765.4321").get_data(as_text=True)
    assert "Oggi questo numero non risulta dichiarato da nessuna azienda del registro." in body
    assert "Passato S.r.l." in body.split("In passato questo numero")[1]


def test_page_for_a_number_nobody_declared(client, numbers):
    response = client.get("/phone?n=333 1234567")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "+393331234567" in body
    assert "non risulta dichiarato da nessuna azienda del registro" in body
    assert "Non è un'accusa" in body and "In passato" not in body


@pytest.mark.parametrize("raw", ["06 CALL ME", "12", "+44 20 1234", "0000000"])
def test_page_for_a_malformed_number(client, raw):
    response = client.get("/phone", query_string={"n": raw})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and 'id="n-error"' in body


def test_empty_page_is_the_form(client):
    response = client.get("/phone")
    assert response.status_code == 200 and 'type="tel"' in response.get_data(as_text=True)


def test_api_for_declared_formerly_declared_and_never_declared(client, numbers):
    answer = client.get("/api/v1/phone/0039 06 4455667").get_json()
    assert answer["number"] == "+39064455667" and answer["declared"] is True
    current, past = answer["firms"]
    assert current["id"] == numbers["certified"].firm_id and current["current"] is True
    assert current["certificate"]["number"] == numbers["certified"].number
    assert (current["certificate"]["verdict"], current["certificate"]["level"]) == ("valid",
                                                                                   "L3")
    assert past == {"id": numbers["before"], "name": "Vecchio Call S.r.l.",
                    "vat_number": past["vat_number"], "current": False,
                    "declared_from": "2022-01-10", "declared_until": "2024-06-01",
                    "certificate": None}
    nobody = client.get("/api/v1/phone/+393331234567")
    assert nobody.status_code == 200
    assert nobody.get_json() == {"number": "+393331234567", "declared": False, "firms": []}
    assert nobody.headers["Access-Control-Allow-Origin"] == "*"


def test_api_for_a_malformed_number(client):
    response = client.get("/api/v1/phone/06-CALL-ME")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_lookups_are_rate_limited(make_app):
    app = make_app(PHONE_LOOKUP_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert [client.get("/api/v1/phone/0612345678").status_code for _ in range(3)] == \
        [200, 200, 429]


# The register's search box -------------------------------------------------------------------
def test_register_search_finds_a_firm_by_a_declared_number(client, numbers):
    for q in ("06 4455667", "+39 06 445 5667", "0039064455667"):
        body = client.get("/register", query_string={"q": q}).get_data(as_text=True)
        assert "Chiamate Chiare S.r.l." in body, q
    items = client.get("/api/v1/register?q=064455667").get_json()["items"]
    assert [item["firm"]["id"] for item in items] == [numbers["certified"].firm_id]
    # a number nobody uses now finds nobody (the /phone page tells the past)
    assert client.get("/api/v1/register?q=0287654321").get_json()["total"] == 0


def test_the_api_answer_matches_its_openapi_description(client, numbers):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    schema = document["components"]["schemas"]["Phone"]
    assert "/api/v1/phone/{number}" in document["paths"]
    answer = client.get("/api/v1/phone/064455667").get_json()
    assert set(schema["required"]) <= set(answer)
    item_required = set(schema["properties"]["firms"]["items"]["required"])
    assert all(item_required <= set(item) for item in answer["firms"])


# The firm's area -----------------------------------------------------------------------------
def test_the_firm_declares_and_ends_numbers_from_its_area(app, client, login):
    with app.app_context():
        owner = factories.make_user("applicant", email="n@firm.it")
        other = factories.make_user("applicant", email="m@firm.it")
        factories.make_firm(owner=owner)
        rival = factories.make_firm(owner=other, phone_numbers=["+390677788899"])
        db.session.commit()
        owner_id, rival_number = owner.id, rival.phone_numbers[0]
    login(owner_id)
    assert client.get("/firm/numbers").status_code == 200
    response = client.post("/firm/numbers", data={"number": "(06) 555-1234",
                                                  "valid_from": "2025-02-01"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(CallingNumber).where(
            CallingNumber.number == "+39065551234"))
        assert row.valid_from == dt.date(2025, 2, 1) and row.created_by_id == owner_id
        before = _state()
    # another firm's number: refused on the form, nothing written
    response = client.post("/firm/numbers", data={"number": rival_number})
    assert response.status_code == 400
    assert "un&#39;altra azienda" in response.get_data(as_text=True)
    response = client.post("/firm/numbers", data={"number": "06 CALL"})
    assert response.status_code == 400 and "solo cifre" in response.get_data(as_text=True)
    with app.app_context():
        assert _state() == before
    # ending before the start is refused; ending today is kept in the history
    response = client.post(f"/firm/numbers/{row.id}/end", data={"valid_until": "2025-01-01"})
    assert response.status_code == 400
    assert client.post(f"/firm/numbers/{row.id}/end", data={}).status_code == 302
    body = client.get("/firm/numbers").get_data(as_text=True)
    assert "+39065551234" in body and "01/02/2025" in body
    with app.app_context():
        row = db.session.get(CallingNumber, row.id)
        assert row.valid_until == today_in_rome() and row.ended_by_id == owner_id
    # another firm's row id is not found
    with app.app_context():
        rival_row = db.session.scalar(db.select(CallingNumber).where(
            CallingNumber.number == rival_number))
    assert client.post(f"/firm/numbers/{rival_row.id}/end", data={}).status_code == 404


def test_demo_data_has_a_number_that_moved(app, client):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    answer = client.get(f"/api/v1/phone/{DEMO_MOVED_NUMBER}").get_json()
    assert [(f["name"], f["current"]) for f in answer["firms"]] == [
        ("Eccellenza CX S.p.A.", True), ("Call Nord Società Cooperativa", False)]
    assert answer["firms"][0]["certificate"]["level"] == "L3"
    nobody_now = client.get("/api/v1/phone/070 765 4321").get_json()
    assert [f["current"] for f in nobody_now["firms"]] == [False]
