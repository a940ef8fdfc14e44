"""Double scoring: a reproducible draw, an impartial second auditor, a blind page, and a
second scoring that never changes the assessment or the decision."""

import pytest

from registry.accounts.models import User
from registry.applications import evidence
from registry.applications.models import Application
from registry.assessments import double_scoring
from registry.assessments.assignments import involved_in
from registry.assessments.models import (
    Assessment,
    ConflictDeclaration,
    CriterionScore,
    SecondScore,
    SecondScoring,
)
from registry.auditlog import AuditEvent
from registry.certificates.models import Certificate
from registry.decisions.models import Decision
from registry.extensions import db
from tests import factories
from tests.steps import EVIDENCE, assessed, client_for, decide
from tests.test_no_codes import assert_no_codes

FIRST_NOTE = "Nota riservata del primo valutatore: colloqui con 14 operatori"


def test_the_draw_is_reproducible_and_about_the_share():
    draws = [double_scoring.draw_for(i) for i in range(1, 2001)]
    assert draws == [double_scoring.draw_for(i) for i in range(1, 2001)]
    assert 0.08 < sum(d < 0.1 for d in draws) / len(draws) < 0.12
    codes = list(factories.ALL_CRITERIA)
    sample = double_scoring.criteria_sample(42, codes, 6)
    assert sample == double_scoring.criteria_sample(42, codes, 6)
    assert len(sample) == 6 and sample == [c for c in codes if c in sample]


def _rows(app, application_id):
    """Every row the assessment, the decision and the certificate consist of."""
    with app.app_context():
        assessment = db.session.scalar(db.select(Assessment).where(
            Assessment.application_id == application_id))
        def cols(obj):
            return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
        return {
            "application": cols(db.session.get(Application, application_id)),
            "assessment": cols(assessment),
            "scores": [cols(s) for s in db.session.scalars(db.select(CriterionScore).where(
                CriterionScore.assessment_id == assessment.id).order_by(CriterionScore.id))],
            "decisions": [cols(d) for d in db.session.scalars(db.select(Decision))],
            "certificates": [cols(c) for c in db.session.scalars(db.select(Certificate))],
        }


@pytest.fixture
def drawn(app, people):
    """An assessment (every criterion 3: level L2) drawn for a second scoring (share 1)."""
    app.config["DOUBLE_SCORING_SHARE"] = 1.0
    auditor = assessed(app, people, "L2")
    # A note only the first auditor wrote: it must never reach the second auditor.
    with app.app_context():
        db.session.execute(db.update(CriterionScore).values(notes=FIRST_NOTE))
        db.session.get(User, people["auditor"]).name = "Primo Valutatore Riservato"
        db.session.commit()
        scoring = db.session.scalar(db.select(SecondScoring))
        return {"scoring": scoring.id, "auditor_client": auditor,
                "codes": list(scoring.criteria_sample), "second": scoring.auditor_id,
                "draw": scoring.draw}


def test_a_drawn_assessment_goes_to_another_impartial_auditor(app, people, drawn):
    assert drawn["second"] == people["auditor2"]  # never the first auditor
    assert len(drawn["codes"]) == 6
    with app.app_context():
        scoring = db.session.get(SecondScoring, drawn["scoring"])
        assert scoring.share == 1.0 and scoring.draw == double_scoring.draw_for(
            scoring.assessment_id)  # recorded, and re-computable
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "second_scoring.selected")) is not None


def test_the_second_auditor_may_not_decide_the_application(app, people, drawn):
    with app.app_context():
        application = db.session.get(Application, people["application"])
        assert people["auditor2"] in involved_in(application)


def test_no_assessment_is_drawn_at_share_zero(app, people):
    app.config["DOUBLE_SCORING_SHARE"] = 0.0
    assessed(app, people, "L2")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SecondScoring.id))) == 0


def test_an_auditor_with_a_conflict_is_never_the_second_auditor(app, people):
    app.config["DOUBLE_SCORING_SHARE"] = 1.0
    with app.app_context():
        db.session.add(ConflictDeclaration(auditor_id=people["auditor2"],
                                           firm_id=people["firm"], reason="Ex dipendente"))
        db.session.commit()
    assessed(app, people, "L2")
    with app.app_context():
        scoring = db.session.scalar(db.select(SecondScoring))
        # No eligible auditor left: recorded for the scheme owner, nobody assigned.
        assert scoring is not None and scoring.auditor_id is None


def test_the_second_auditor_does_not_see_the_first_scores(app, people, drawn):
    second = client_for(app, people["auditor2"])
    assert "Doppie valutazioni" in second.get("/audit/second-scorings").get_data(as_text=True)
    page = second.get(f"/audit/second-scorings/{drawn['scoring']}").get_data(as_text=True)
    for code in drawn["codes"]:
        assert code in page
    assert "Guida al punteggio" in page and "Documenti dell" in page
    assert FIRST_NOTE not in page
    assert EVIDENCE["sc-evidence_reviewed"] not in page  # the first auditor's evidence note
    assert "Primo Valutatore Riservato" not in page  # nor the first auditor's name
    assert 'checked' not in page  # no score pre-selected
    # Nor through the normal file: the second auditor is not assigned to it.
    assert second.get(f"/applications/{people['application']}/report").status_code in (403,
                                                                                        404)
    # Nobody else opens this second scoring, not even the first auditor.
    assert drawn["auditor_client"].get(
        f"/audit/second-scorings/{drawn['scoring']}").status_code == 404


def test_the_second_auditor_downloads_the_evidence_of_a_sampled_criterion(app, people,
                                                                           drawn):
    with app.app_context():
        scoring = db.session.get(SecondScoring, drawn["scoring"])
        docs = evidence.evidence_by_criterion(people["application"])
        sampled = [(d.id, d.versions[0].number) for code in scoring.criteria_sample
                   for d in docs.get(code, [])]
        other = [(d.id, d.versions[0].number) for code, ds in docs.items()
                 if code not in scoring.criteria_sample for d in ds]
    second = client_for(app, people["auditor2"])
    base = f"/audit/second-scorings/{drawn['scoring']}/documents"
    for doc_id, number in sampled:
        assert second.get(f"{base}/{doc_id}/versions/{number}").status_code == 200
    for doc_id, number in other:
        assert second.get(f"{base}/{doc_id}/versions/{number}").status_code == 404


def _answers(codes, score="1"):
    data = {"submit": "1"}
    for i, _code in enumerate(codes):
        data[f"score_{i}"] = score
        data[f"notes_{i}"] = "Registri incompleti"
    return data


@pytest.mark.parametrize("decided_first", [True, False])
def test_the_second_scoring_never_changes_the_assessment_or_the_decision(
        app, people, drawn, decided_first):
    if decided_first:
        assert decide(app, people, outcome="certify", level="L2").status_code == 302
    before = _rows(app, people["application"])
    second = client_for(app, people["auditor2"])
    response = second.post(f"/audit/second-scorings/{drawn['scoring']}",
                           data=_answers(drawn["codes"], "1"))  # every one differs from 3
    assert response.status_code == 302
    assert _rows(app, people["application"]) == before
    with app.app_context():
        assert [s.score for s in db.session.scalars(db.select(SecondScore))] == [1] * 6
    if not decided_first:
        # The officer still decides on the first auditor's scores: L2 is allowed.
        assert decide(app, people, outcome="certify", level="L2").status_code == 302
        with app.app_context():
            assert db.session.scalar(db.select(Certificate.level)) == "L2"
    # The disagreements are listed for the scheme owner.
    page = client_for(app, people["admin"]).get("/admin/calibration").get_data(as_text=True)
    assert "Disaccordi da esaminare" in page
    for code in drawn["codes"]:
        assert code in page


def test_a_refused_second_scoring_leaves_everything_as_it_was(app, people, drawn):
    second = client_for(app, people["auditor2"])
    url = f"/audit/second-scorings/{drawn['scoring']}"
    with app.app_context():
        events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    incomplete = _answers(drawn["codes"])
    del incomplete["score_0"]
    assert second.post(url, data=incomplete).status_code == 400
    assert second.post(url, data=_answers(drawn["codes"], "7")).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SecondScore.id))) == 0
        assert db.session.get(SecondScoring, drawn["scoring"]).state == "pending"
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events
    assert second.post(url, data=_answers(drawn["codes"], "2")).status_code == 302
    # Once sent, it cannot be sent again.
    second.post(url, data=_answers(drawn["codes"], "4"))
    with app.app_context():
        assert {s.score for s in db.session.scalars(db.select(SecondScore))} == {2}


def test_calibration_pages_show_words_not_codes(app, people, drawn):
    """The checker of tests/test_no_codes.py on the new pages, in Italian and English."""
    second = client_for(app, people["auditor2"])
    admin = client_for(app, people["admin"])
    where: dict = {}
    assert_no_codes(second, "/audit/second-scorings", where)
    assert_no_codes(second, f"/audit/second-scorings/{drawn['scoring']}", where)
    assert_no_codes(admin, "/admin/calibration", where)  # a second scoring to do
    assert second.post(f"/audit/second-scorings/{drawn['scoring']}",
                       data=_answers(drawn["codes"], "2")
                       ).status_code == 302
    assert_no_codes(second, f"/audit/second-scorings/{drawn['scoring']}", where)
    assert_no_codes(admin, "/admin/calibration", where)  # disagreements and kappa
    assert len(where) == 6  # three pages, two languages (each checked twice)


def test_the_scheme_owner_draws_earlier_assessments_and_fills_missing_auditors(app, people):
    app.config["DOUBLE_SCORING_SHARE"] = 0.0  # submitted before double scoring began
    with app.app_context():
        db.session.add(ConflictDeclaration(auditor_id=people["auditor2"],
                                           firm_id=people["firm"], reason="Ex dipendente"))
        db.session.commit()
    assessed(app, people, "L2")
    admin = client_for(app, people["admin"])
    app.config["DOUBLE_SCORING_SHARE"] = 1.0
    assert admin.post("/admin/calibration/draw").status_code == 302
    with app.app_context():
        scoring = db.session.scalar(db.select(SecondScoring))
        assert scoring.auditor_id is None  # drawn, nobody eligible yet
        newcomer = factories.make_user("auditor", email="nuovo@registry.it").id
    admin.post("/admin/calibration/draw")
    with app.app_context():
        scorings = db.session.scalars(db.select(SecondScoring)).all()
        assert len(scorings) == 1 and scorings[0].auditor_id == newcomer
