"""Auditor calibration: outlier flags (never on thin data), weighted kappa against published
worked examples, and the scheme owner's page on generated data."""

import csv
import io
import json

import numpy as np
import pytest
from openpyxl import load_workbook

from registry.assessments import calibration
from registry.assessments.calibration import Settings, compare, kappa_of_table, weighted_kappa
from registry.assessments.calibration_demo import seed_calibration_demo
from registry.assessments.models import CriterionScore
from registry.extensions import db
from tests import factories
from tests.steps import client_for

SETTINGS = Settings(min_assessments=5, sd_threshold=1.0, min_pairs=5, kappa_threshold=0.6)


def generated_rows(strict_n: int, peers_each: int = 6):
    """Auditor 1 always scores 1; auditors 2 and 3 score around 3 (2, 3, 4 in turn)."""
    rows = [(1, "LEG-01", 1) for _ in range(strict_n)]
    for auditor in (2, 3):
        rows += [(auditor, "LEG-01", 2 + i % 3) for i in range(peers_each)]
    return rows


def test_a_strict_auditor_with_enough_assessments_is_flagged():
    by_auditor = {c.auditor_id: c for c in compare(generated_rows(6), SETTINGS)}
    strict = by_auditor[1]
    assert strict.enough_data and strict.flagged
    assert (strict.mine.n, strict.peers.n) == (6, 12)  # the counts behind the figures
    assert strict.mine.mean == 1 and strict.peers.mean == 3
    assert strict.effect < -1  # more than one peer standard deviation below
    assert strict.mine.counts == (0, 6, 0, 0, 0)
    assert strict.p_value is not None and strict.p_value < 0.01
    # The peers are pulled by auditor 1's 1s but stay within a deviation of theirs.
    assert not by_auditor[2].flagged and not by_auditor[3].flagged


@pytest.mark.parametrize("strict_n", [1, 4])
def test_no_flag_on_thin_data(strict_n):
    """The same extreme scores on fewer than five assessments: shown, never flagged."""
    strict = next(c for c in compare(generated_rows(strict_n), SETTINGS) if c.auditor_id == 1)
    assert strict.mine.n == strict_n
    assert strict.effect < -1
    assert not strict.enough_data and not strict.flagged


def test_no_flag_when_the_peers_are_thin():
    rows = [(1, "MAN-01", 1)] * 8 + [(2, "MAN-01", 3)] * 4
    strict = next(c for c in compare(rows, SETTINGS) if c.auditor_id == 1)
    assert strict.peers.n == 4 and not strict.flagged


def test_a_unanimous_peer_group_does_not_flag_a_tiny_difference():
    rows = [(1, "ORG-01", 3)] * 5 + [(1, "ORG-01", 2)] + [(2, "ORG-01", 3)] * 10
    strict = next(c for c in compare(rows, SETTINGS) if c.auditor_id == 1)
    assert strict.peers.sd == 0 and not strict.flagged  # 1/6 of a point below


def test_the_threshold_is_configurable():
    rows = generated_rows(6)
    assert not any(c.flagged for c in compare(rows, Settings(min_assessments=5,
                                                              sd_threshold=5.0)))
    assert not any(c.flagged for c in compare(rows, Settings(min_assessments=7)))


# --- kappa -------------------------------------------------------------------------------
def test_weighted_kappa_matches_the_sas_worked_example():
    """SAS/STAT PROC FREQ, agreement statistics (AGREE option) on the 3 x 3 table
    [[0, 4, 1], [0, 8, 0], [0, 1, 5]] (19 subjects), the printout statsmodels' own test-suite
    reproduces (statsmodels/stats/tests/test_inter_rater.py, TestUnweightedCohens and
    TestWeightedCohens): simple kappa 0.4842, ASE 0.1380, 95 % limits 0.2137 and 0.7547;
    weighted kappa (Cicchetti-Allison, i.e. linear weights) 0.4701, ASE 0.1457, 95 % limits
    0.1845 and 0.7558. The three categories are scores 0, 1, 2 of our 0-4 scale: linear
    weights over five categories give the same kappa and interval (kappa is unchanged by
    rescaling the disagreement weights)."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    pairs = [(i, j) for i in range(3) for j in range(3) for _ in range(table[i][j])]
    weighted = weighted_kappa(pairs)
    assert weighted.n == 19
    assert (weighted.kappa, weighted.std, weighted.low, weighted.high) == pytest.approx(
        (0.4701, 0.1457, 0.1845, 0.7558), abs=5e-5)
    simple = kappa_of_table(table)
    assert (simple.kappa, simple.std, simple.low, simple.high) == pytest.approx(
        (0.4842, 0.1380, 0.2137, 0.7547), abs=5e-5)


def test_kappa_matches_cohen_1968():
    """Cohen, J. (1968), "Weighted kappa: nominal scale agreement with provision for scaled
    disagreement or partial credit", Psychological Bulletin 70(4), 213-220: 200 subjects,
    proportions [[.44, .07, .09], [.05, .20, .05], [.01, .03, .06]], disagreement weights
    [[0, 1, 3], [1, 0, 6], [3, 6, 0]]. Cohen reports kappa = .492 and weighted kappa = .348
    (the example the R package psych reproduces in ?cohen.kappa). By hand: p_o = .70,
    p_e = .41, kappa = .29/.59; weighted: 1 - .90/1.38."""
    table = np.array([[.44, .07, .09], [.05, .20, .05], [.01, .03, .06]]) * 200
    assert kappa_of_table(table).kappa == pytest.approx(0.29 / 0.59)
    assert round(kappa_of_table(table).kappa, 3) == 0.492
    weights = np.array([[0, 1, 3], [1, 0, 6], [3, 6, 0]]) / 6  # largest weight 1
    weighted = kappa_of_table(table, weights=weights)
    assert weighted.kappa == pytest.approx(1 - 0.90 / 1.38)
    assert round(weighted.kappa, 3) == 0.348
    assert weighted.low < weighted.kappa < weighted.high


def test_kappa_small_hand_cases():
    perfect = weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (2, 2)])
    assert (perfect.kappa, perfect.low, perfect.high) == (1.0, 1.0, 1.0)
    # Complete opposite: observed disagreement 1, expected 1/2: kappa = 1 - 1/0.5.
    assert weighted_kappa([(0, 4), (4, 0)]).kappa == pytest.approx(-1.0)
    # Both always gave the same score: nothing to correct for chance, undefined.
    assert weighted_kappa([(3, 3)] * 4).kappa is None
    assert weighted_kappa([]).kappa is None and weighted_kappa([]).n == 0
    quadratic = weighted_kappa([(0, 1), (1, 1), (2, 3), (4, 4)], "quadratic")
    linear = weighted_kappa([(0, 1), (1, 1), (2, 3), (4, 4)])
    assert quadratic.kappa > linear.kappa  # near misses cost less with quadratic weights


def test_guides_with_low_kappa_and_enough_pairs_come_first():
    good = [("MAN-01", s, s) for s in (0, 1, 2, 3, 4, 2)]
    poor = [("FOR-02", a, b) for a, b in ((0, 4), (4, 0), (1, 3), (3, 1), (2, 2))]
    thin = [("ORG-04", 0, 4), ("ORG-04", 4, 0)]
    rows = calibration.agreement(good + thin + poor, SETTINGS)
    assert [r.criterion for r in rows] == ["FOR-02", "MAN-01", "ORG-04"]
    assert rows[0].needs_rewrite and rows[0].kappa.n == 5
    assert not rows[1].needs_rewrite  # kappa 1
    assert not rows[2].needs_rewrite and not rows[2].enough_pairs  # too few pairs


# --- the page, on generated rows ---------------------------------------------------------
@pytest.fixture
def demo_rows(app):
    with app.app_context():
        factories.make_user("admin", email="capo@registry.it")
        for name in ("Alfa S.r.l.", "Beta S.r.l.", "Gamma S.r.l."):
            owner = factories.make_user("applicant")
            firm = factories.make_firm(owner=owner, name=name)
            factories.make_site(firm)
        factories.default_scheme()
        seed_calibration_demo()
        db.session.commit()


def test_the_demo_auditors_are_flagged_and_the_page_shows_counts(app, demo_rows):
    with app.app_context(), app.test_request_context():
        report = calibration.report()
        flagged = {s.auditor.name: s.flagged for s in report.auditors}
        assert flagged["Roberto Severi"] >= 10 and flagged["Elena Larghi"] >= 5
        assert flagged["Marco Valutatore"] == 0 and flagged["Giulia Valutatrice"] == 0
        assert all(s.assessments == 8 and s.timed == 8 for s in report.auditors)
        strict = next(s for s in report.auditors if s.auditor.name == "Roberto Severi")
        assert strict.median_days == 34 and strict.certifiable <= strict.assessments
        assert report.disagreements and report.agreements and report.pending
        admin_id = db.session.scalar(db.select(db.func.min(calibration.User.id)).where(
            calibration.User.email == "capo@registry.it"))
    page = client_for(app, admin_id).get("/admin/calibration").get_data(as_text=True)
    assert "Roberto Severi" in page and "Segnalato: più severo dei pari" in page
    assert "Segnalato: più generoso dei pari" in page
    assert "n = 8, media" in page  # the count behind every figure
    assert "Da riscrivere" in page and "Disaccordi da esaminare" in page


# --- the page's tables as downloads ------------------------------------------------------
def _read(response, kind: str) -> list[dict]:
    """A download read back as rows keyed by the header people read (CSV, XLSX) or by the
    machine keys (JSON)."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    if kind == "json":
        return json.loads(response.data)["items"]
    if kind == "csv":
        text = response.data.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _number(value):
    return None if value in (None, "") else float(value)


@pytest.fixture
def admin_client(app, demo_rows):
    with app.app_context():
        admin_id = db.session.scalar(db.select(calibration.User.id).where(
            calibration.User.email == "capo@registry.it"))
    return client_for(app, admin_id)


@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_every_table_downloads_with_the_page_figures(app, admin_client, kind):
    with app.app_context(), app.test_request_context():
        report = calibration.report()
        titles = calibration.criterion_titles("it")
    page = admin_client.get("/admin/calibration").get_data(as_text=True)
    for table in ("auditors", "criteria", "agreement", "disagreements"):
        assert f"/admin/calibration/{table}.{kind}" in page  # a link beside the table

    auditors = _read(admin_client.get(f"/admin/calibration/auditors.{kind}"), kind)
    assert len(auditors) == len(report.auditors)
    for row, summary in zip(auditors, report.auditors, strict=True):
        if kind == "json":
            assert (row["auditor"], row["assessments"], row["certifiable"], row["flagged"]) \
                == (summary.auditor.name, summary.assessments, summary.certifiable,
                    summary.flagged)
            assert row["median_days"] == pytest.approx(summary.median_days)
            assert sum(row["levels"].values()) == summary.assessments
        else:
            assert row["Valutatore"] == summary.auditor.name
            assert int(row["Valutazioni inviate"]) == summary.assessments
            assert int(row["Certificabili"]) == summary.certifiable
            assert int(row["Criteri segnalati"]) == summary.flagged
            assert _number(row["Giorni dall'incarico all'invio (mediana)"]) == \
                pytest.approx(summary.median_days)
            assert "★" not in (row["Livelli"] or "") and "_" not in (row["Livelli"] or "")

    criteria = _read(admin_client.get(f"/admin/calibration/criteria.{kind}"), kind)
    expected = [(s.auditor.name, c) for s in report.auditors
                for c in report.comparisons.get(s.auditor.id, [])]
    assert len(criteria) == len(expected)
    for row, (name, c) in zip(criteria, expected, strict=True):
        if kind == "json":
            assert (row["auditor"], row["criterion"], row["mine_n"], row["peers_n"],
                    row["flagged"]) == (name, c.criterion, c.mine.n, c.peers.n, c.flagged)
            assert row["mine_counts"] == list(c.mine.counts)
            assert row["effect"] == pytest.approx(c.effect, abs=1e-4)
        else:
            assert row["Valutatore"] == name
            assert row["Criterio"] == titles.get(c.criterion, c.criterion)
            assert int(row["Punteggi del valutatore"]) == c.mine.n
            assert int(row["Punteggi dei pari"]) == c.peers.n
            assert _number(row["Media del valutatore"]) == pytest.approx(c.mine.mean, abs=1e-4)
            assert _number(row["Scarto (deviazioni standard dei pari)"]) == pytest.approx(
                c.effect, abs=1e-4)
            assert row["Esito"].startswith("Segnalato") == c.flagged

    agreement = _read(admin_client.get(f"/admin/calibration/agreement.{kind}"), kind)
    assert len(agreement) == len(report.agreements)
    for row, g in zip(agreement, report.agreements, strict=True):
        if kind == "json":
            assert (row["criterion"], row["pairs"], row["needs_rewrite"]) == (
                g.criterion, g.kappa.n, g.needs_rewrite)
            kappa, low = row["kappa"], row["low"]
        else:
            assert row["Criterio"] == titles.get(g.criterion, g.criterion)
            assert int(row["Coppie"]) == g.kappa.n
            assert (row["Guida al punteggio"] == "Da riscrivere") == g.needs_rewrite
            kappa = _number(row["Kappa pesato"])
            low = _number(row["Intervallo di confidenza: limite inferiore"])
        assert kappa == (pytest.approx(g.kappa.kappa, abs=1e-4) if g.kappa.kappa is not None
                         else None)
        assert low == (pytest.approx(g.kappa.low, abs=1e-4) if g.kappa.low is not None
                       else None)

    disagreements = _read(admin_client.get(f"/admin/calibration/disagreements.{kind}"), kind)
    assert len(disagreements) == len(report.disagreements) > 0
    for row, d in zip(disagreements, report.disagreements, strict=True):
        first, second = (("first", "second") if kind == "json" else
                         ("Punteggio del primo valutatore", "Punteggio della doppia valutazione"))
        assert str(row[first]) == (str(d.first) if d.first is not None else "N/A")
        assert str(row[second]) == (str(d.second) if d.second is not None else "N/A")
        assert row["firm" if kind == "json" else "Azienda"]  # the firm's name


def test_an_unknown_table_or_kind_is_not_found(admin_client):
    assert admin_client.get("/admin/calibration/everything.csv").status_code == 404
    assert admin_client.get("/admin/calibration/auditors.pdf").status_code == 404


def test_the_cached_report_follows_a_changed_score(app, demo_rows):
    """The heavy part is kept while nothing changes, and recomputed after a score edit."""
    with app.app_context(), app.test_request_context():
        before = calibration.report()
        assert calibration.report().auditors[0].flagged == before.auditors[0].flagged
        row = db.session.scalar(db.select(CriterionScore).where(
            CriterionScore.score.is_not(None)).order_by(CriterionScore.id).limit(1))
        who = row.updated_by_id
        old = next(c for c in before.comparisons[who] if c.criterion == row.criterion_code)
        row.score = 4 if row.score != 4 else 0
        db.session.commit()
        after = calibration.report()
        new = next(c for c in after.comparisons[who] if c.criterion == row.criterion_code)
        assert new.mine.mean != old.mine.mean
        assert after.auditors == calibration.report().auditors
