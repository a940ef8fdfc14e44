"""Two officers deciding the same application at the same moment: exactly one decision."""

import threading

import pytest

from registry.applications.models import Application
from registry.decisions.models import Decision
from registry.extensions import db
from tests.steps import assessed, log_in


@pytest.mark.postgres
def test_concurrent_decisions_produce_one(app, people):
    assessed(app, people, "L2")
    clients = []
    for name in ("officer", "officer2"):
        client = app.test_client()
        log_in(client, people[name])
        clients.append(client)
    barrier = threading.Barrier(2)
    results = [None, None]

    def decide(index):
        barrier.wait()
        response = clients[index].post(
            f"/officer/applications/{people['application']}",
            data={"dec-outcome": "certify", "dec-level": "L2"})
        results[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    codes = sorted(code for code, _body in results)
    assert codes == [200, 302], codes
    loser = next(body for code, body in results if code == 200)
    assert "Un altro responsabile ha appena deciso" in loser or "Decisione già registrata" \
        in loser
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Decision.id))) == 1
        assert db.session.get(Application, people["application"]).state == "certified"
