"""The statistics "as of" a past day, against figures counted by hand.

The data set (rows written directly, tests/rows.py, plus the history rows a renewal, a
reinstatement and the applications' events leave):

    firm  region   certificate                                      extra-EU
    P     Puglia   L3 from 10/03/2025                               0 %
    L     Lazio    L2 from 10/01/2025, suspended 01/06/2025,        15 %
                   reinstated 01/08/2025
    R     Lazio    L1 01/02/2023-31/01/2026, expired 01/02/2026;    60 %
                   renewed at L2, issued 15/12/2025, from 01/02/2026
    W     Sicilia  L2 from 01/05/2024, withdrawn 15/09/2025          5 %
    S     Sicilia  L1 01/01/2024-31/12/2024, no expiry recorded     0 %

Applications (created; then each event, at 09:00 UTC):
    A1 (P) 01/05 · submit 11/05 · audit 21/05 · assessed 10/06 · certified 20/06/2025
    A2 (L) 01/06 · submit 05/06 · audit 25/06 · changes requested 05/07/2025
    A3 (W) 20/06/2025, no event (a draft)
    A4 (S) 01/04 · submit 03/04 · audit 13/04 · assessed 03/05 · refused 23/05/2025
"""

import csv
import datetime as dt
import io
import json
from collections import Counter

import pytest
from openpyxl import load_workbook

from registry.certificates.numbering import next_number
from registry.extensions import db
from registry.ministry import charts, history
from registry.ministry.history import Filters
from registry.ministry.labels import extra_eu_label, movement_label, period_label
from registry.ministry.workflow import ExtraEuBand, Movement, Period
from registry.models import (
    Application,
    ApplicationEvent,
    Certificate,
    Firm,
    StatusChange,
)
from tests import factories, rows
from tests.test_no_codes import ANY_LANGUAGE, ITALIAN_CODES, VisibleText

JULY = dt.date(2025, 7, 1)
MARCH_26 = dt.date(2026, 3, 1)


def at(day: dt.date, start: dt.date | None = None, **filters) -> Filters:
    return Filters(at=day, start=start or dt.date(2025, 1, 1), **filters)


def moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)


def traffic(extra_eu: int) -> dict:
    return {"traffic_italy_pct": 100 - extra_eu, "traffic_eu_pct": 0,
            "traffic_extra_eu_pct": extra_eu, "extra_eu_countries": ["AL"] if extra_eu else []}


def renew(row, *, level: str, issued_on: dt.date, valid_from: dt.date,
          valid_until: dt.date) -> None:
    """A renewal: a new certificate (new number) for the same firm, starting the day after
    the old one ends, with its first status entry on that day (as issuance records it)."""
    old = db.session.get(Certificate, row.certificate_id)
    new = Certificate(
        number=next_number(issued_on.year), revision=1, firm_id=old.firm_id,
        application_id=old.application_id, decision_id=old.decision_id,
        scheme_code=old.scheme_code, scheme_version=old.scheme_version,
        scheme_name=old.scheme_name, level=level, areas=old.areas, sites=old.sites,
        services=old.services, firm_name=old.firm_name, vat_number=old.vat_number,
        registered_office=old.registered_office, valid_from=valid_from,
        valid_until=valid_until, issued_on=issued_on, status="valid", kid=old.kid,
        token=old.token, predecessor_number=old.number)
    db.session.add(new)
    db.session.flush()
    db.session.add(StatusChange(certificate_id=new.id, status="valid", effective_on=valid_from,
                                at=moment(issued_on), public_reason="Rinnovo"))
    db.session.get(Firm, old.firm_id).current_certificate_id = new.id
    db.session.commit()


def application(row, created: dt.date, steps: list[tuple[str, str, str, dt.date]]) -> None:
    firm = db.session.get(Firm, row.firm_id)
    version = factories.default_scheme()
    state = steps[-1][2] if steps else "draft"
    made = Application(firm_id=firm.id, scheme_version_id=version.id, kind="initial",
                       state=state, created_by_id=firm.owner_id, created_at=moment(created))
    db.session.add(made)
    db.session.flush()
    for action, before, after, day in steps:
        db.session.add(ApplicationEvent(application_id=made.id, action=action,
                                        from_state=before, to_state=after, at=moment(day)))
    db.session.commit()


@pytest.fixture
def register(app):
    """The data set of the module docstring."""
    with app.app_context():
        p = rows.certified_firm("P S.r.l.", level="L3", region="Puglia",
                                valid_from=dt.date(2025, 3, 10), **traffic(0))
        lazio = rows.certified_firm("L S.r.l.", level="L2", region="Lazio",
                                    valid_from=dt.date(2025, 1, 10), **traffic(15))
        rows.change_status(lazio, "suspended", on=dt.date(2025, 6, 1))
        rows.change_status(lazio, "valid", on=dt.date(2025, 8, 1),
                           public_reason="Riattivato")
        r = rows.certified_firm("R S.r.l.", level="L1", region="Lazio",
                                valid_from=dt.date(2023, 2, 1),
                                valid_until=dt.date(2026, 1, 31), **traffic(60))
        rows.change_status(r, "expired", on=dt.date(2026, 2, 1))
        renew(r, level="L2", issued_on=dt.date(2025, 12, 15), valid_from=dt.date(2026, 2, 1),
              valid_until=dt.date(2029, 1, 31))
        w = rows.certified_firm("W S.r.l.", level="L2", region="Sicilia",
                                valid_from=dt.date(2024, 5, 1), **traffic(5))
        rows.change_status(w, "withdrawn", on=dt.date(2025, 9, 15))
        s = rows.certified_firm("S S.r.l.", level="L1", region="Sicilia",
                                valid_from=dt.date(2024, 1, 1),
                                valid_until=dt.date(2024, 12, 31), **traffic(0))
        d = dt.date
        application(p, d(2025, 5, 1), [
            ("submit", "draft", "submitted", d(2025, 5, 11)),
            ("start_audit", "submitted", "under_audit", d(2025, 5, 21)),
            ("complete_assessment", "under_audit", "assessed", d(2025, 6, 10)),
            ("certify", "assessed", "certified", d(2025, 6, 20))])
        application(lazio, d(2025, 6, 1), [
            ("submit", "draft", "submitted", d(2025, 6, 5)),
            ("start_audit", "submitted", "under_audit", d(2025, 6, 25)),
            ("request_changes", "under_audit", "changes_requested", d(2025, 7, 5))])
        application(w, d(2025, 6, 20), [])
        application(s, d(2025, 4, 1), [
            ("submit", "draft", "submitted", d(2025, 4, 3)),
            ("start_audit", "submitted", "under_audit", d(2025, 4, 13)),
            ("complete_assessment", "under_audit", "assessed", d(2025, 5, 3)),
            ("refuse", "assessed", "refused", d(2025, 5, 23))])
        return {"P": p, "L": lazio, "R": r, "W": w, "S": s}


def test_firms_by_region_and_level_as_of_past_days(app, register):
    with app.app_context():
        # July 2025: L is suspended, S has run out, R's first certificate is in force.
        assert history.firms_by_region_and_level(at(JULY)) == {
            ("Lazio", "L1"): 1, ("Puglia", "L3"): 1, ("Sicilia", "L2"): 1}
        # March 2026: L reinstated, R renewed at L2 (its L1 expired), W withdrawn.
        assert history.firms_by_region_and_level(at(MARCH_26)) == {
            ("Lazio", "L2"): 2, ("Puglia", "L3"): 1}
        # Before the renewal starts, its certificate is issued but not yet in force.
        assert history.firms_by_region_and_level(at(dt.date(2026, 1, 15))) == {
            ("Lazio", "L1"): 1, ("Lazio", "L2"): 1, ("Puglia", "L3"): 1}
        assert history.firms_by_region_and_level(at(MARCH_26, region="Lazio")) == {
            ("Lazio", "L2"): 2}
        assert history.firms_by_region_and_level(at(JULY, level="L1")) == {("Lazio", "L1"): 1}
        assert history.firms_by_region_and_level(at(JULY, scheme="altro-schema")) == {}


def test_certificates_by_status_as_of_past_days(app, register):
    with app.app_context():
        assert history.certificates_by_status(at(JULY)) == {
            "valid": 3, "suspended": 1, "withdrawn": 0, "expired": 1, "renounced": 0}
        assert history.certificates_by_status(at(MARCH_26)) == {
            "valid": 3, "suspended": 0, "withdrawn": 1, "expired": 2, "renounced": 0}
        assert history.certificates_by_status(at(MARCH_26, region="Lazio")) == {
            "valid": 2, "suspended": 0, "withdrawn": 0, "expired": 1, "renounced": 0}
        assert history.certificates_by_status(at(JULY, level="L1")) == {
            "valid": 1, "suspended": 0, "withdrawn": 0, "expired": 1, "renounced": 0}
        # Before any certificate: nothing.
        assert sum(history.certificates_by_status(at(dt.date(2022, 1, 1))).values()) == 0


def test_movements_per_month_and_quarter(app, register):
    with app.app_context():
        months = history.movements(at(JULY))
        assert months == {(dt.date(2025, 1, 1), "issued"): 1,
                          (dt.date(2025, 3, 1), "issued"): 1,
                          (dt.date(2025, 6, 1), "suspended"): 1}
        quarters = history.movements(at(MARCH_26, dt.date(2025, 3, 1), period=Period.QUARTER))
        assert quarters == {(dt.date(2025, 1, 1), "issued"): 1,
                            (dt.date(2025, 4, 1), "suspended"): 1,
                            (dt.date(2025, 7, 1), "withdrawn"): 1,
                            (dt.date(2025, 10, 1), "issued"): 1,
                            (dt.date(2026, 1, 1), "expired"): 1}
        assert history.periods(dt.date(2025, 3, 1), MARCH_26, Period.QUARTER) == [
            dt.date(2025, 1, 1), dt.date(2025, 4, 1), dt.date(2025, 7, 1),
            dt.date(2025, 10, 1), dt.date(2026, 1, 1)]
        assert history.movements(at(JULY, dt.date(2025, 8, 1))) == {}


def test_pipeline_stages_times_and_decisions(app, register):
    with app.app_context():
        assert history.applications_by_stage(at(JULY)) == {
            "draft": 1, "submitted": 0, "under_audit": 1, "changes_requested": 0,
            "assessed": 0}
        assert history.applications_by_stage(at(dt.date(2025, 7, 10)))[
            "changes_requested"] == 1
        stays = history.days_in_stage(at(JULY))
        assert stays["draft"] == Counter({2: 1, 4: 1, 10: 1})
        assert stays["submitted"] == Counter({10: 2, 20: 1})
        assert stays["under_audit"] == Counter({20: 2})  # A2's stay is still running
        assert stays["assessed"] == Counter({10: 1, 20: 1})
        assert [history.median(stays[s]) for s in ("draft", "submitted", "under_audit",
                                                   "assessed")] == [4, 10, 20, 15]
        assert history.days_to_decision(at(JULY)) == Counter({40: 1, 50: 1})
        assert history.median(history.days_to_decision(at(JULY))) == 45
        # Only Puglia: A1.
        assert history.days_to_decision(at(JULY, region="Puglia")) == Counter({40: 1})
        assert history.applications_by_stage(at(JULY, region="Puglia")) == dict.fromkeys(
            ("draft", "submitted", "under_audit", "changes_requested", "assessed"), 0)


def test_the_per_row_lookups_and_the_one_pass_queries_agree(app, register):
    # SQLite seeks each application's events; PostgreSQL groups the whole history: both
    # readings of the history must give the same figures, on any day and filter.
    with app.app_context():
        for day in (dt.date(2025, 7, 10), JULY, MARCH_26):
            for region in ("", "Puglia"):
                asked = at(day, region=region)
                assert history.days_in_stage(asked) == \
                    history._days_in_stage_in_one_pass(asked)
                assert history.days_to_decision(asked) == \
                    history._days_to_decision_in_one_pass(asked)


def test_area_bands_and_extra_eu_share(app, register):
    areas = ("MAN", "ORG", "FOR", "LEG")
    with app.app_context():
        # The bands rows print: ★ 66 % → C, ★★ 78 % → B, ★★★ 91 % → A, in every area.
        assert history.area_bands(at(JULY)) == {
            **{(area, "L3"): Counter({"A": 1}) for area in areas},
            **{(area, "L2"): Counter({"B": 1}) for area in areas},
            **{(area, "L1"): Counter({"C": 1}) for area in areas}}
        # March 2026 in Lazio: L (★★, B) and R's renewal at ★★, which `renew` printed with
        # the areas of R's first certificate (C).
        assert history.area_bands(at(MARCH_26, region="Lazio")) == {
            (area, "L2"): Counter({"B": 1, "C": 1}) for area in areas}
        assert history.extra_eu_bands(at(JULY)) == {
            "none": 1, "up_to_10": 1, "up_to_25": 0, "up_to_50": 0, "over_50": 1}
        assert history.extra_eu_bands(at(MARCH_26)) == {
            "none": 1, "up_to_10": 0, "up_to_25": 1, "up_to_50": 0, "over_50": 1}


def test_median_of_a_histogram():
    assert history.median(Counter()) is None
    assert history.median(Counter({5: 1})) == 5
    assert history.median(Counter({1: 1, 3: 1})) == 2
    assert history.median(Counter({1: 2, 9: 1})) == 1


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_page_shows_labels_charts_tables_and_summaries(app, client, login, register):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    response = client.get("/ministry/statistics?at=2025-07-01&from=2025-01-01")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<svg") >= 8  # two icons of the header and at least six charts
    assert 'id="tabella-regioni"' in page and 'id="sintesi-regioni"' in page
    assert "le imprese certificate erano 3" in page
    assert "valido 3, sospeso 1, revocato 0, scaduto 1, rinunciato 0" in page
    assert "in una mediana di 45 giorni" in page
    text = visible(page)
    assert not ANY_LANGUAGE.findall(text), ANY_LANGUAGE.findall(text)
    words = set(text.replace(",", " ").replace(".", " ").split())
    assert not words & set(ITALIAN_CODES)
    english = visible(client.get("/ministry/statistics?at=2025-07-01&lang=en").get_data(
        as_text=True))
    assert not ANY_LANGUAGE.findall(english)


@pytest.mark.parametrize("query", [
    "at=2025-02-30", "at=domani", "at=2999-01-01",
])
def test_an_impossible_day_gives_empty_charts_with_a_message(app, client, login, register,
                                                              query):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    response = client.get(f"/ministry/statistics?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "statistics-empty" in page and 'class="marks"' not in page
    assert "non esiste" in page or "nel futuro" in page


def test_an_empty_range_or_filters_matching_nothing_are_no_error(app, client, login, register):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    response = client.get("/ministry/statistics?at=2025-07-01&from=2025-09-01")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Il periodo scelto è vuoto" in page
    assert 'id="sintesi-movimenti"' in page and "le imprese certificate erano 3" in page
    response = client.get("/ministry/statistics?at=2025-07-01&region=Molise")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Nessun dato per questi filtri") >= 6
    response = client.get("/ministry/statistics?from=31-12-2024")
    assert response.status_code == 200 and "non esiste" in response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ("region=Atlantide", "Regione sconosciuta"), ("level=L9", "Livello sconosciuto"),
    ("scheme=nessuno", "Schema sconosciuto"), ("period=anno", "Periodo sconosciuto"),
])
def test_an_invalid_filter_is_a_400_with_its_message(app, client, login, query, message):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    page = client.get(f"/ministry/statistics?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    download = client.get(f"/ministry/statistics/stati.csv?{query}")
    assert download.status_code == 400 and message in download.get_data(as_text=True)


def test_downloads_read_back(app, client, login, register):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    query = "at=2026-03-01&region=Lazio"
    response = client.get(f"/ministry/statistics/stati.csv?{query}")
    assert response.status_code == 200
    assert "statistiche-stati-2026-03-01.csv" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    assert table == [["Stato", "Certificati"], ["valido", "2"], ["sospeso", "0"],
                     ["revocato", "0"], ["scaduto", "1"], ["rinunciato", "0"]]
    response = client.get(f"/ministry/statistics/livelli.xlsx?{query}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Livello", "Imprese certificate"], ["Bollino Blu ★", 0], ["Bollino Blu ★★", 2],
        ["Bollino Blu ★★★", 0]]
    one = json.loads(client.get(f"/ministry/statistics/extra-ue.json?{query}").data)
    assert one["al"] == "2026-03-01" and one["filtri"]["Regione"] == "Lazio"
    assert one["righe"][2] == {"Quota di traffico extra UE": "dall'11 al 25%",
                               "Imprese certificate": 1}
    every = json.loads(client.get(f"/ministry/statistics/tutte.json?{query}").data)
    assert [figure["figura"] for figure in every] == list(charts.FIGURE_KEYS)
    assert client.get("/ministry/statistics/tutte.csv").status_code == 404
    assert client.get("/ministry/statistics/nessuna.json").status_code == 404
    assert client.get("/ministry/statistics/stati.pdf").status_code == 404


def test_the_ministry_page_links_to_the_statistics(app, client, login):
    with app.app_context():
        ministry = factories.make_user("ministry").id
    login(ministry)
    page = client.get("/ministry").get_data(as_text=True)
    assert 'href="/ministry/statistics"' in page


def test_kept_figures_follow_every_change_on_record(app, client, login):
    with app.app_context():
        row = rows.certified_firm("Tenuta S.r.l.", level="L2", region="Lazio")
        ministry = factories.make_user("ministry").id
    login(ministry)
    assert "valido 1, sospeso 0" in client.get("/ministry/statistics").get_data(as_text=True)
    with app.app_context():
        rows.change_status(row, "suspended")
    assert "valido 0, sospeso 1" in client.get("/ministry/statistics").get_data(as_text=True)
    with app.app_context():
        rows.change_status(row, "valid")
    assert "valido 1, sospeso 0" in client.get("/ministry/statistics").get_data(as_text=True)
    with app.app_context():  # a firm moving its office, and nothing else: the map follows
        firm = db.session.get(Firm, row.firm_id)
        firm.office_province, firm.office_region = "BA", "Puglia"
        db.session.commit()
    assert "era Puglia (1)" in client.get("/ministry/statistics").get_data(as_text=True)
    # a new application: the pipeline follows
    in_progress = "Domande in corso"
    before = client.get("/ministry/statistics/fasi.json").get_json()["righe"]
    with app.app_context():
        owner = factories.make_user("applicant")
        factories.make_application(factories.make_firm(owner=owner), owner)
        db.session.commit()
    after = client.get("/ministry/statistics/fasi.json").get_json()["righe"]
    assert sum(row[in_progress] for row in after) == sum(
        row[in_progress] for row in before) + 1


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_statistics_code_has_a_word(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        for kind, label in ((Movement, movement_label), (Period, period_label),
                            (ExtraEuBand, extra_eu_label)):
            words = {label(member) for member in kind}
            assert len(words) == len(kind) and not any("_" in word for word in words)
