"""The demo data that `make run` loads: every workflow state, every demo user can log in."""

from collections import Counter

from registry.applications.models import Application
from registry.demo import DEMO_PASSWORD, demo_logins, load_demo_data
from registry.extensions import db


def test_demo_covers_every_state_and_logins_work(app, runner):
    with app.app_context():
        assert load_demo_data() is True
        db.session.commit()
        assert load_demo_data() is False  # only once
        states = Counter(db.session.scalars(db.select(Application.state)))
    assert {"draft", "submitted", "withdrawn", "under_audit", "assessed", "certified",
            "refused"} <= set(states)
    assert states["certified"] == 3
    client = app.test_client()
    for email, _roles in demo_logins():
        response = client.post("/account/login", data={"email": email,
                                                        "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/dashboard").status_code == 200
        client.post("/account/logout")
    assert runner.invoke(args=["audit-log", "verify"]).exit_code == 0
