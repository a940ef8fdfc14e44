"""The demo's statistics: every chart has something to draw, over several months."""

from registry.db import today_in_rome
from registry.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo_data
from registry.extensions import db
from registry.ministry import charts, history
from tests.steps import log_in_with_password


def test_every_chart_of_the_demo_has_data_over_several_months(app):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    with app.test_request_context("/"):
        asked = history.read_filters({}, today_in_rome())
        figures = charts.figures(asked.filters)
        assert [f.key for f in figures if f.empty] == []
        months = {first for first, _kind in history.movements(asked.filters)}
        assert len(months) >= 5
        kinds = {kind for _first, kind in history.movements(asked.filters)}
        assert kinds == {"issued", "suspended", "withdrawn", "renounced", "expired"}
        stays = history.days_in_stage(asked.filters)
        assert max(stays["under_audit"]) > 0
        assert max(history.days_to_decision(asked.filters)) > 0


def test_the_demo_ministry_user_opens_the_statistics(app):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    client = app.test_client()
    log_in_with_password(client, "ministry@demo.bollinoblu.it", DEMO_PASSWORD,
                         DEMO_TOTP_SECRET)
    page = client.get("/ministry/statistics")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="marks"') == 8
