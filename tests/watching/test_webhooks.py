"""Webhooks against a real HTTP receiver on loopback: signed per Standard Webhooks (checked
with the library's own verifier), retried after a 500, disabled after repeated failures with
an email to the owner, and never delivered for a change that was rolled back."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.certificates.lifecycle import change_status
from registry.db import utcnow
from registry.extensions import db
from registry.models import Certificate, WatchEvent, WebhookDelivery, WebhookEndpoint
from registry.watching import webhooks
from registry.watching.workflow import DeliveryState
from tests import factories, rows
from tests.watching.conftest import user


def _suspend(ids, reason="Verifica straordinaria"):
    certificate = db.session.get(Certificate, ids["row"].certificate_id)
    change_status(certificate, "suspend", user(ids["officer"]), public_reason=reason)


def test_a_status_change_is_delivered_signed(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        _suspend(ids)
        db.session.commit()
        assert receiver.received == []  # nothing leaves before the worker runs
        counts = webhooks.deliver_due()
    assert counts == {"delivered": 1, "failed": 0}
    [got] = receiver.received
    assert got["verified"], "the library's own verifier accepts the signature"
    assert got["headers"]["webhook-id"].startswith("msg_")
    assert got["payload"]["type"] == "certificate.status_changed"
    change = got["payload"]["data"]["change"]
    assert (change["previous_status"], change["status"]) == ("valid", "suspended")
    assert got["payload"]["data"]["certificate"]["number"] == ids["row"].number
    assert got["payload"]["data"]["certificate"]["verdict"] == "suspended"
    with app.app_context():
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.state == DeliveryState.SUCCEEDED
        assert (delivery.attempts, delivery.response_code) == (1, 200)
        assert delivery.duration_ms is not None
        assert webhooks.deliver_due() == {"delivered": 0, "failed": 0}  # sent once


def test_a_signature_with_another_secret_does_not_verify(app, receiver, watched):
    ids = watched(app)
    receiver.secret = webhooks.new_secret()
    with app.app_context():
        _suspend(ids)
        db.session.commit()
        webhooks.deliver_due()
    assert receiver.received and not receiver.received[0]["verified"]


def test_a_500_is_retried_with_backoff_then_delivered(app, receiver, watched):
    ids = watched(app)
    receiver.codes = [500]
    with app.app_context():
        _suspend(ids)
        db.session.commit()
        now = utcnow()
        assert webhooks.deliver_due(now) == {"delivered": 0, "failed": 1}
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.state == DeliveryState.PENDING
        assert (delivery.attempts, delivery.response_code) == (1, 500)
        assert len(delivery.response_excerpt) <= webhooks.EXCERPT  # never the whole body
        wait = (delivery.next_attempt_at - now).total_seconds()
        assert 54 <= wait <= 66, "first retry after about a minute, with jitter"
        assert webhooks.deliver_due(now + dt.timedelta(seconds=30)) == {
            "delivered": 0, "failed": 0}  # not due yet
        assert webhooks.deliver_due(now + dt.timedelta(minutes=2)) == {
            "delivered": 1, "failed": 0}
        db.session.refresh(delivery)
        assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempts == 2
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert second["verified"]


def test_the_backoff_grows(app):
    with app.app_context():
        waits = [webhooks.retry_delay(n).total_seconds() for n in range(1, 7)]
        assert all(b > a for a, b in itertools.pairwise(waits))
        assert webhooks.retry_delay(7) is None


def test_an_endpoint_failing_repeatedly_is_disabled_and_its_owner_emailed(
        make_app, smtp_server, receiver, watched):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                   WEBHOOK_DISABLE_AFTER_FAILURES=3)
    ids = watched(app)
    receiver.codes = [500] * 10
    with app.app_context():
        _suspend(ids)
        db.session.commit()
        now = utcnow()
        for hours in (0, 1, 2):
            webhooks.deliver_due(now + dt.timedelta(hours=hours))
        endpoint = db.session.get(WebhookEndpoint, ids["endpoint"])
        assert not endpoint.enabled and endpoint.disabled_reason
        # a disabled endpoint is not tried any more
        assert webhooks.deliver_due(now + dt.timedelta(days=2)) == {"delivered": 0,
                                                                   "failed": 0}
    assert len(receiver.received) == 3
    smtp_server.wait(2)
    [message] = [m for m in smtp_server.messages if m["To"] == "acquisti@cliente.it"]
    assert "disattivato" in message["Subject"]
    assert receiver.url in message.get_body(("plain",)).get_content()


def test_an_endpoint_failing_for_24_hours_is_disabled(app, receiver, watched):
    ids = watched(app)
    receiver.codes = [500] * 10
    with app.app_context():
        _suspend(ids)
        db.session.commit()
        now = utcnow()
        webhooks.deliver_due(now)
        endpoint = db.session.get(WebhookEndpoint, ids["endpoint"])
        assert endpoint.enabled
        delivery = db.session.scalar(db.select(WebhookDelivery))
        delivery.next_attempt_at = now
        db.session.commit()
        webhooks.deliver_due(now + dt.timedelta(hours=25))
        db.session.refresh(endpoint)
        assert not endpoint.enabled


def test_nothing_is_delivered_for_a_change_that_was_rolled_back(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        _suspend(ids)
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 1
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(WatchEvent.id))) == 0
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
        assert webhooks.deliver_due() == {"delivered": 0, "failed": 0}
    assert receiver.received == []


def test_a_refused_step_leaves_no_event(app, receiver, watched):
    """A refused transition (reinstating a valid certificate) raises before any event."""
    ids = watched(app)
    with app.app_context():
        certificate = db.session.get(Certificate, ids["row"].certificate_id)
        with pytest.raises(Exception, match="Operazione non consentita"):
            change_status(certificate, "reinstate", user(ids["officer"]), public_reason="x")
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(WatchEvent.id))) == 0


def test_only_clients_watching_the_firm_get_its_events(app, receiver, watched):
    ids = watched(app)
    with app.app_context():
        other = rows.certified_firm("Non Seguita S.r.l.")
        certificate = db.session.get(Certificate, other.certificate_id)
        change_status(certificate, "suspend", user(ids["officer"]), public_reason="Verifica")
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(WatchEvent.id))) == 1
        assert webhooks.deliver_due() == {"delivered": 0, "failed": 0}
    assert receiver.received == []


def test_test_event_from_the_page_and_the_delivery_log(app, client, login, receiver, watched):
    ids = watched(app)
    login(ids["client"])
    response = client.post(f"/client/webhooks/{ids['endpoint']}/test")
    assert response.status_code == 302
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered: 1" in result.output
    [got] = receiver.received
    assert got["verified"] and got["payload"]["type"] == "webhook.test"
    page = client.get("/client/webhooks").get_data(as_text=True)
    assert "webhook.test" in page and "200" in page and "consegnato" in page
    assert ids["secret"] not in page  # the secret is shown once, at creation only


def test_registering_an_endpoint_shows_the_secret_once(app, client, login):
    with app.app_context():
        client_id = factories.make_user("client").id
    login(client_id)
    response = client.post("/client/webhooks", data={"url": "http://example.com/hook"})
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)
    response = client.post("/client/webhooks", data={"url": "https://example.com/hook"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "whsec_" in page
    assert "whsec_" not in client.get("/client/webhooks").get_data(as_text=True)


def test_plain_http_to_loopback_is_refused_in_production(app):
    with app.app_context():
        app.config["ENV_NAME"] = "production"
        try:
            with pytest.raises(Exception, match="https"):
                webhooks.check_url("http://127.0.0.1:9/hook")
        finally:
            app.config["ENV_NAME"] = "development"
        assert webhooks.check_url("http://127.0.0.1:9/hook")
