"""The officials' statistics and register page: figures by region, status and phase.

Certified firms are inserted as rows (tests/rows.py): these tests read the figures."""

import datetime as dt

from registry.extensions import db
from registry.ministry import statistics
from registry.models import Certificate, Firm, User
from registry.public import register
from tests import factories, rows

TODAY = dt.date(2026, 11, 23)


def certified(level: str, region: str) -> Certificate:
    row = rows.certified_firm(f"Impresa {level} {region}", level=level, region=region)
    return db.session.get(Certificate, row.certificate_id)


def test_overview_counts_firms_certificates_and_applications(app):
    with app.app_context():
        day = certified("L2", "Lazio").valid_from
        certified("L3", "Lazio")
        certified("L1", "Puglia")
        rows.certified_firm("Sospesa S.r.l.", level="L2", region="Puglia", status="suspended")
        owner = factories.make_user("applicant")
        waiting = factories.make_firm(owner=owner, office_region="Lazio")
        factories.make_application(waiting, owner)
        db.session.commit()

        stats = statistics.overview(day)

        lazio, puglia = (next(r for r in stats.regions if r.region == name)
                         for name in ("Lazio", "Puglia"))
        assert (lazio.registered, lazio.listed, lazio.certified) == (
            3, 2, {"L1": 0, "L2": 1, "L3": 1})
        assert (puglia.registered, puglia.listed, puglia.certified) == (
            2, 2, {"L1": 1, "L2": 0, "L3": 0})
        assert stats.total.registered == 5 and stats.total.certified_total == 3
        assert stats.certificates_by_status == {
            "valid": 3, "suspended": 1, "withdrawn": 0, "expired": 0, "renounced": 0}
        assert stats.applications_by_state["draft"] == 1
        assert sum(stats.applications_by_state.values()) == 1


def test_a_valid_certificate_past_its_end_counts_as_expired_before_the_nightly_job(app):
    with app.app_context():
        certificate = certified("L2", "Lazio")
        after = certificate.valid_until + dt.timedelta(days=1)
        stats = statistics.overview(after)
        assert stats.certificates_by_status["valid"] == 0
        assert stats.certificates_by_status["expired"] == 1
        assert stats.total.certified_total == 0 and stats.total.listed == 1


def test_pending_applications_per_listed_firm(app):
    with app.app_context():
        certificate = certified("L2", "Lazio")
        owner = db.session.scalar(db.select(User).where(User.firm_id == certificate.firm_id))
        factories.make_application(db.session.get(Firm, certificate.firm_id), owner)
        assert statistics.pending_applications([certificate.firm_id]) == {
            certificate.firm_id: 1}
        assert statistics.pending_applications([]) == {}


def test_ministry_page_pages_filters_and_statistics(app, client, login):
    with app.app_context():
        for _ in range(3):
            certified("L2", "Lazio")
        certified("L3", "Puglia")
        ministry = factories.make_user("ministry").id
    login(ministry)
    page = client.get("/ministry?region=Lazio&level=L2").get_data(as_text=True)
    assert "3 imprese trovate" in page
    assert 'id="statistics-regions"' in page and "Puglia" in page
    assert client.get("/ministry?status=suspended").get_data(as_text=True).count(
        "Nessuna impresa corrisponde") == 1
    # Bad values are named on the page (and ignored), never a 500 nor silently dropped.
    bad = client.get("/ministry?min_extra_eu=abc&page=x")
    assert bad.status_code == 400
    assert "Quota extra UE non valida" in bad.get_data(as_text=True)
    assert "Pagina non valida" in bad.get_data(as_text=True)
    assert "4 imprese trovate" in bad.get_data(as_text=True)


def test_ministry_page_links_to_the_next_page(app, client, login, monkeypatch):

    monkeypatch.setattr(register, "PAGE_SIZE", 2)
    with app.app_context():
        for _ in range(3):
            certified("L2", "Lazio")
        ministry = factories.make_user("ministry").id
    login(ministry)
    first = client.get("/ministry").get_data(as_text=True)
    assert "page=2" in first
    second = client.get("/ministry?page=2").get_data(as_text=True)
    assert "page=1" in second and "page=3" not in second


def test_a_kind_in_the_register_address_is_not_a_500(client, login, users):
    """Found by the fuzz test: `?kind=` went into the download links beside their own."""
    login(users["ministry"])
    page = client.get("/ministry?kind=9&page=6")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "/register/export.csv" in body and "kind=9" not in body.split("export.csv")[1][:40]
