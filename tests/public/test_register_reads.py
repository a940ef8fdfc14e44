"""The register's read paths stay cheap as the register grows (issue 17), without a clock:
the number of SQL statements per page does not grow with the rows, keyset pages (`after=`)
give the same rows as offset pages (`page=`), and a kept count changes at the very next
request after a status change or a firm's move."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from registry.db import today_in_rome, utcnow
from registry.extensions import db
from registry.firms.models import Firm
from registry.ministry import charts
from registry.public import register, register_stamp
from tests import rows

PATHS = ("/register", "/register?q=srl", "/register?page=2", "/register?sort=level",
         "/api/v1/register", "/api/v1/register?q=srl", "/api/v1/register?page=2",
         "/ministry")


def statements(app, client, path: str) -> int:
    """SQL statements one GET runs once the page was seen (kept counts filled)."""
    assert client.get(path).status_code == 200, path
    seen = []

    def count(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def firms(certified_firm, count: int, start: int = 0) -> list[rows.Row]:
    levels = ("L1", "L2", "L3")
    return [certified_firm(f"Impresa {index:03d} S.r.l.", level=levels[index % 3],
                           valid_until=dt.date.today() + dt.timedelta(days=400 + index % 7))
            for index in range(start, start + count)]


def test_statements_per_page_do_not_grow_with_the_rows(app, client, certified_firm, login,
                                                       users):
    login(users["ministry"])
    firms(certified_firm, 23)  # two pages, the second with three rows
    few = {path: statements(app, client, path) for path in PATHS}
    firms(certified_firm, 40, start=23)  # four pages
    many = {path: statements(app, client, path) for path in PATHS}
    assert many == few


def test_public_pages_take_one_statement_and_a_stamp(app, client, certified_firm):
    firms(certified_firm, 25)
    app.config["REGISTER_CACHE"] = False  # the rendering path itself
    # A text search: the page and its total in one statement.
    assert statements(app, client, "/register?q=impresa") == 1
    # Browsing: the page, and the stamp that revalidates the kept count.
    assert statements(app, client, "/register") == 2
    assert statements(app, client, "/register?page=2&region=Lazio") == 2


@pytest.mark.parametrize("path", ["/register?q=impresa", "/register", "/register?page=2",
                                  "/api/v1/register", "/api/v1/register?q=impresa"])
def test_a_kept_page_costs_the_stamp_alone(app, client, certified_firm, path):
    firms(certified_firm, 25)
    assert statements(app, client, path) == 1


def test_a_kept_page_changes_at_the_next_request(app, client, certified_firm):
    """A suspension, a firm's new name and a new firm each show at the very next request,
    on the HTML list and on the API; the kept page is the same bytes until then."""
    made = firms(certified_firm, 3)
    first = client.get("/register?q=impresa").get_data(as_text=True)
    assert client.get("/register?q=impresa").get_data(as_text=True) == first
    assert first.count("Valido") >= 3
    api = client.get("/api/v1/register?q=impresa").get_json()
    assert {item["certificate"]["status"] for item in api["items"]} == {"valid"}
    with app.app_context():
        rows.change_status(made[0], "suspended")
    page = client.get("/register?q=impresa").get_data(as_text=True)
    assert page != first and "Sospeso" in page
    api = client.get("/api/v1/register?q=impresa").get_json()
    assert sorted(item["certificate"]["status"] for item in api["items"]) == [
        "suspended", "valid", "valid"]
    with app.app_context():
        db.session.get(Firm, made[1].firm_id).name = "Impresa Rinominata S.r.l."
        db.session.commit()
    assert "Impresa Rinominata S.r.l." in client.get("/register?q=impresa").get_data(
        as_text=True)
    certified_firm("Impresa Nuova S.r.l.")
    assert client.get("/api/v1/register?q=impresa").get_json()["total"] == 4


def test_a_kept_page_expires_with_the_day(app, client, certified_firm, monkeypatch):
    """The day is part of the key: a certificate whose last day was yesterday is not shown
    valid from a page kept yesterday, though nothing was recorded overnight."""
    today = today_in_rome()  # the register's day, not the machine's
    certified_firm("Impresa Scadente S.r.l.", valid_until=today)
    assert "Valido" in client.get("/register?q=scadente").get_data(as_text=True)
    monkeypatch.setattr("registry.public.views.today_in_rome",
                        lambda: today + dt.timedelta(days=1))
    monkeypatch.setattr("registry.certificates.lookup.today_in_rome",
                        lambda: today + dt.timedelta(days=1))
    page = client.get("/register?q=scadente").get_data(as_text=True)
    assert "Scaduto" in page


def test_signed_in_people_and_errors_are_never_kept(app, client, certified_firm, login,
                                                    users):
    firms(certified_firm, 2)
    assert client.get("/register?after=%25%25%25").status_code == 400
    assert client.get("/register").status_code == 200
    cache = app.extensions["register_cache"]
    assert [key[0] for key in cache.entries] == ["html"]
    assert all(key[2] == "/register?" for key in cache.entries)
    login(users["ministry"])
    assert client.get("/register?q=impresa").status_code == 200
    assert len(cache.entries) == 1


@pytest.mark.parametrize("sort", sorted(register.SORTS))
@pytest.mark.parametrize("q", ["", "impresa"])
def test_keyset_pages_give_the_offset_pages(client, certified_firm, sort, q):
    firms(certified_firm, 45)
    by_offset = []
    for page in (1, 2, 3):
        data = client.get("/api/v1/register", query_string={
            "sort": sort, "q": q, "page": page}).get_json()
        by_offset.append([item["firm"]["id"] for item in data["items"]])
        assert data["total"] == 45
    by_keyset, url = [], f"/api/v1/register?sort={sort}&q={q}"
    while url:
        data = client.get(url).get_json()
        assert data["total"] == 45
        by_keyset.append([item["firm"]["id"] for item in data["items"]])
        url = data["next"]
        assert url is None or "after=" in url
    assert by_keyset == by_offset
    assert len({firm for page in by_keyset for firm in page}) == 45


def test_the_page_links_carry_the_cursor_and_page_numbers_still_work(client, certified_firm):
    firms(certified_firm, 45)
    first = client.get("/register").get_data(as_text=True)
    assert "after=" in first and "page=2" in first
    second = client.get("/register?page=2").get_data(as_text=True)
    keyset = client.get("/register?page=2&after=" + register.encode_cursor(
        ["impresa 019 srl", 20])).get_data(as_text=True)
    assert "Impresa 020 S.r.l." in second and "Impresa 019 S.r.l." not in second
    assert "Impresa 020 S.r.l." in keyset and "Impresa 019 S.r.l." not in keyset
    assert "45 imprese trovate" in keyset
    # The previous link never carries the cursor of the page shown.
    assert 'page=1">' in keyset or "page=1&" in keyset


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", register.encode_cursor(["a"]),
                                    register.encode_cursor([1, "x"])])
def test_a_bad_cursor_is_named_not_a_500(client, certified_firm, cursor):
    firms(certified_firm, 2)
    answer = client.get("/api/v1/register", query_string={"after": cursor})
    assert answer.status_code == 400
    page = client.get("/register", query_string={"after": cursor})
    assert page.status_code == 400
    assert "Segnaposto di pagina non valido" in page.get_data(as_text=True)


def total(client, **params) -> int:
    return client.get("/api/v1/register", query_string=params).get_json()["total"]


def test_a_kept_count_changes_at_the_next_request(app, client, certified_firm):
    made = firms(certified_firm, 25)
    assert total(client, status="valid") == 25  # counted, and kept
    assert total(client, status="valid", page=2) == 25  # kept
    with app.app_context():
        rows.change_status(made[0], "suspended")
    assert total(client, status="valid") == 24
    assert total(client, status="suspended") == 1
    assert total(client, region="Molise") == 0
    with app.app_context():
        firm = db.session.get(Firm, made[1].firm_id)
        firm.office_province, firm.office_region = "CB", "Molise"
        db.session.commit()
    assert total(client, region="Molise") == 1
    page = client.get("/register?status=valid&page=2").get_data(as_text=True)
    assert "24 imprese trovate" in page


def test_a_change_moves_the_stamp_once_per_transaction(app, certified_firm):
    with app.app_context():
        before = register_stamp.stamp()
    certified_firm("Nuova S.r.l.")
    with app.app_context():
        after = register_stamp.stamp()
        assert after > before
        db.session.get(Firm, 1)  # reading changes nothing
        db.session.commit()
        assert register_stamp.stamp() == after


@pytest.mark.postgres
def test_a_change_committed_after_a_later_one_still_moves_the_stamps(app):
    """PostgreSQL hands out an id when a row is written, not when it is committed: a change
    holding id n may commit after one holding n + 1. A page kept in between must not be
    kept past the first commit, for the register's stamp and for the statistics' stamp."""
    table = register_stamp.RegisterChange.__table__
    with app.app_context():
        slow = db.engine.connect()
        slow_transaction = slow.begin()
        slow.execute(table.insert().values(at=utcnow()))  # id n, not yet committed
        with db.engine.begin() as quick:
            quick.execute(table.insert().values(at=utcnow()))  # id n + 1, committed
        seen, seen_statistics = register_stamp.stamp(), charts.stamp()
        db.session.commit()
        slow_transaction.commit()
        slow.close()
        assert register_stamp.stamp()[0] == seen[0]  # the newest id alone did not move
        assert register_stamp.stamp() != seen
        assert charts.stamp() != seen_statistics
