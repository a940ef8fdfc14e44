"""The demo data that `make run` loads: every workflow state, every demo user can log in."""

import re
from collections import Counter

from registry.applications.models import Application
from registry.certificates.models import Certificate
from registry.complaints.models import Complaint
from registry.decisions.models import Appeal
from registry.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_logins, load_demo_data
from registry.extensions import db
from registry.firms.models import ProfileChange
from registry.watching.models import EmailFollow, WatchedSupplier, WebhookEndpoint
from tests.steps import log_in_with_password


def test_demo_covers_every_state_and_logins_work(app, runner):
    with app.app_context():
        assert load_demo_data() is True
        db.session.commit()
        assert load_demo_data() is False  # only once
        states = Counter(db.session.scalars(db.select(Application.state)))
    assert {"draft", "submitted", "withdrawn", "under_audit", "changes_requested",
            "assessed", "certified", "refused"} <= set(states)
    assert states["certified"] == 13
    with app.app_context():
        short_notice = db.select(Complaint.audit_application_id).where(
            Complaint.audit_application_id.is_not(None))
        assert db.session.scalar(short_notice)  # a worker's report became an audit
        surveillances = db.session.scalars(db.select(Application).where(
            Application.kind == "surveillance", Application.id.not_in(short_notice))).all()
        assert [a.state for a in surveillances] == ["draft"]  # opened by the daily job
        assert any(c.history[-1].public_reason.startswith("Audit di sorveglianza non concluso")
                   for c in db.session.scalars(db.select(Certificate)))

    with app.app_context():
        statuses = set(db.session.scalars(db.select(Certificate.status)))
        assert db.session.scalar(db.select(Certificate).where(
            Certificate.predecessor_number.is_not(None)))  # a renewal that runs on
        assert {c.status for c in db.session.scalars(db.select(ProfileChange))} == {
            "pending", "approved"}
        assert db.session.scalar(db.select(Appeal).where(Appeal.outcome == "upheld"))
    assert {"valid", "suspended", "withdrawn", "expired", "renounced", "superseded"} <= statuses
    with app.app_context():  # watching suppliers: a client's list, a webhook, a follower
        assert db.session.scalar(db.select(db.func.count(WatchedSupplier.id))) >= 4
        assert db.session.scalar(db.select(WebhookEndpoint.url)).startswith("http://127.0.0.1")
        assert db.session.scalar(db.select(EmailFollow.confirmed_at)) is not None
    client = app.test_client()
    for email, _roles in demo_logins():
        response = log_in_with_password(client, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        assert response.status_code == 302, email
        assert response.headers["Location"] == "/dashboard", email
        assert client.get("/dashboard").status_code == 200
        client.post("/account/logout")
    assert runner.invoke(args=["audit-log", "verify"]).exit_code == 0


DOWNLOAD = re.compile(r"\.(csv|xlsx|json|jsonld|pdf|svg|png|gz|atom)$")


def test_every_page_renders_on_demo_data(app):
    """Crawl the pages each demo user can reach from the navigation, two links deep."""

    with app.app_context():
        load_demo_data()
        db.session.commit()
    for email, _roles in demo_logins():
        client = app.test_client()
        log_in_with_password(client, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        seen, queue = set(), ["/dashboard"]
        depth = {"/dashboard": 0}
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            assert response.status_code in (200, 302), (email, path, response.status_code)
            if response.status_code != 200 or depth[path] >= 2 or "html" not in \
                    response.content_type:
                continue
            for link in re.findall(r'href="(/[^"#?]*)"', response.get_data(as_text=True)):
                # Downloads (exports, statistics and calibration tables, documents) are
                # rate-limited files, not pages: their own tests read them.
                if link.startswith(("/static", "/lang", "/account/logout", "/register/export",
                                    "/certificates/")) or "/export." in link or \
                        DOWNLOAD.search(link) or link in depth:
                    continue
                depth[link] = depth[path] + 1
                queue.append(link)
        assert len(seen) >= 3, (email, seen)
