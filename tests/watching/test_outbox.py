"""The outbox: which event each change writes, and two workers never taking one message."""

from __future__ import annotations

import threading

import pytest

from registry.certificates.revisions import reissue_after_surveillance, reissue_if_changed
from registry.db import utcnow
from registry.extensions import db
from registry.models import Certificate, Decision, Firm, WatchEvent, WebhookDelivery
from registry.watching import webhooks
from tests.watching.conftest import user


def _kinds() -> list[str]:
    return list(db.session.scalars(db.select(WatchEvent.kind).order_by(WatchEvent.id)))


def test_a_surveillance_level_change_is_a_revision_and_a_level_change(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        certificate = db.session.get(Certificate, ids["row"].certificate_id)
        decision = db.session.get(Decision, certificate.decision_id)
        reissue_after_surveillance(ids["row"].number, "L3", decision, user(ids["officer"]))
        db.session.commit()
        assert _kinds() == ["certificate.revised", "certificate.level_changed"]
        webhooks.deliver_due()
    revised, level = (r["payload"] for r in receiver.received)
    assert revised["data"]["change"]["revision"] == 2
    assert (level["data"]["change"]["previous_level"], level["data"]["change"]["level"]) == (
        "L2", "L3")
    assert level["data"]["certificate"]["level"] == "L3"
    assert all(r["verified"] for r in receiver.received)


def test_new_printed_data_is_a_revision_only(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        firm = db.session.get(Firm, ids["row"].firm_id)
        firm.name = "Fornitore Uno Rinominato S.r.l."
        reissue_if_changed(firm, user(ids["officer"]))
        db.session.commit()
        assert _kinds() == ["certificate.revised"]


@pytest.mark.postgres
def test_two_workers_never_take_the_same_message(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        for _ in range(30):
            webhooks.send_test(user(ids["client"]), ids["endpoint"])
        db.session.commit()
    now = utcnow()
    barrier = threading.Barrier(2)
    taken: list[list[int]] = [[], []]

    def work(index):
        with app.app_context():
            barrier.wait()
            for _ in range(10):
                taken[index].extend(webhooks.claim(now, 3))
            db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 30
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id)).where(
            WebhookDelivery.claimed_until.is_(None))) == 0
