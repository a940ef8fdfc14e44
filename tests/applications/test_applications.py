"""The firm's side of an application: start, notes, evidence, submit, withdraw, isolation."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from registry.applications.models import Application, DocumentVersion, EvidenceLink
from registry.auditlog import AuditEvent
from registry.extensions import db
from tests import factories
from tests.steps import log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17 + b"\x00" * 64
       + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def firm_user(app):
    """An applicant who owns a complete firm profile; returns (user_id, firm_id)."""
    with app.app_context():
        factories.default_scheme()
        user = factories.make_user("applicant")
        firm = factories.make_firm(owner=user)
        factories.make_site(firm)
        return user.id, firm.id


def upload(client, application_id, code, content=PDF, name="durc.pdf", title="DURC"):
    return client.post(f"/applications/{application_id}/criteria/{code}", data={
        "ev-title": title, "ev-effective_on": "2026-10-01", "ev-expires_on": "",
        "ev-file": (io.BytesIO(content), name), "ev-submit": "1",
    }, content_type="multipart/form-data")


def start(client):
    response = client.post("/applications/new", data={"kind": "initial"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_start_application_uses_current_scheme(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state == "draft"
        assert application.scheme_version.version == "1.0"
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "LEG-01" in page and "0 su 28" in page


def test_only_one_open_application(app, client, login, firm_user):
    login(firm_user[0])
    start(client)
    body = client.post("/applications/new", data={"kind": "initial"},
                       follow_redirects=True).get_data(as_text=True)
    assert "già una domanda in corso" in body


def test_upload_accepted_formats(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    for content, name in ((PDF, "a.pdf"), (PNG, "b.png"), (docx_bytes(), "c.docx")):
        assert upload(client, application_id, "LEG-01", content, name).status_code == 302
    with app.app_context():
        types = set(db.session.scalars(db.select(DocumentVersion.content_type)))
    assert types == {"application/pdf", "image/png",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def test_executable_renamed_pdf_is_refused(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    body = upload(client, application_id, "LEG-01", elf, "durc.pdf").get_data(as_text=True)
    assert "Formato non accettato" in body
    zip_with_exe = io.BytesIO()
    with zipfile.ZipFile(zip_with_exe, "w") as archive:
        archive.writestr("virus.exe", b"MZ...")
    body = upload(client, application_id, "LEG-01", zip_with_exe.getvalue(),
                  "x.docx").get_data(as_text=True)
    assert "Formato non accettato" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DocumentVersion.id))) == 0
    stored = [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]
    assert stored == []


def test_oversized_file_is_refused_and_nothing_stored(make_app, login, firm_user, database_url):
    """A file over MAX_UPLOAD_MB is answered on the same form, what was typed kept."""
    app = make_app(MAX_UPLOAD_MB=1)
    client = app.test_client()

    log_in(client, firm_user[0])
    application_id = start(client)
    big = PDF + b"0" * (2 * 1024 * 1024)
    response = upload(client, application_id, "LEG-01", big, "big.pdf", title="Visura 2026")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Il file supera la dimensione massima di 1 MB." in page
    assert 'value="Visura 2026"' in page and 'value="2026-10-01"' in page
    assert 'data-max-bytes="1048576"' in page and "Dimensione massima: 1 MB" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DocumentVersion.id))) == 0
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


def test_a_body_over_the_hard_ceiling_is_still_refused(make_app, firm_user):
    """MAX_REQUEST_MB stays the last resort: a body above it never reaches a view."""
    app = make_app(MAX_UPLOAD_MB=1, MAX_REQUEST_MB=2)
    client = app.test_client()
    log_in(client, firm_user[0])
    application_id = start(client)
    response = upload(client, application_id, "LEG-01", PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "troppo grande" in response.get_data(as_text=True)


def test_new_version_keeps_the_old_one(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    upload(client, application_id, "LEG-01", PDF, "v1.pdf")
    with app.app_context():
        document_id = db.session.scalar(db.select(EvidenceLink.document_id))
    response = client.post(
        f"/applications/{application_id}/documents/{document_id}/versions",
        data={"ver-effective_on": "2026-11-01", "ver-file": (io.BytesIO(PDF + b"%v2"), "v2.pdf"),
              "ver-submit": "1"}, content_type="multipart/form-data")
    assert response.status_code == 302
    base = f"/applications/{application_id}/documents/{document_id}/versions"
    first, second = client.get(f"{base}/1"), client.get(f"{base}/2")
    assert first.status_code == 200 and first.data == PDF
    assert second.status_code == 200 and second.data == PDF + b"%v2"
    page = client.get(f"/applications/{application_id}/criteria/LEG-01").get_data(as_text=True)

    assert hashlib.sha256(PDF).hexdigest() in page


def test_document_serves_several_criteria(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    upload(client, application_id, "LEG-01")
    with app.app_context():
        document_id = db.session.scalar(db.select(EvidenceLink.document_id))
    response = client.post(f"/applications/{application_id}/criteria/LEG-02", data={
        "link-document_id": str(document_id), "link-submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        codes = set(db.session.scalars(db.select(EvidenceLink.criterion_code)))
    assert codes == {"LEG-01", "LEG-02"}


def test_submit_refused_with_missing_items_then_accepted(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    body = client.post(f"/applications/{application_id}/submit", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "non è ancora completa" in body and "Prima dell'invio manca ancora" in body
    for code in ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03"):
        assert code in body
    assert "dichiarazione del legale rappresentante" in body
    for code in ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06"):
        upload(client, application_id, code)
    body = client.post(f"/applications/{application_id}/submit", data={"declaration": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "criterio obbligatorio FOR-03" in body
    assert "criterio obbligatorio LEG-01" not in body
    upload(client, application_id, "FOR-03")
    response = client.post(f"/applications/{application_id}/submit", data={"declaration": "y"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state == "submitted"
        assert [e.to_state for e in application.events] == ["submitted"]
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "application.submit"))
    # locked: the firm can no longer add evidence
    body = upload(client, application_id, "MAN-01").get_data(as_text=True)
    assert "bloccata" in body


def test_submit_emails_firm_and_admins(mail_app, smtp_server):
    with mail_app.app_context():
        factories.default_scheme()
        admin = factories.make_user("admin", email="admin@example.it")
        user = factories.make_user("applicant", email="owner@firm.it")
        firm = factories.make_firm(owner=user)
        application = factories.make_application(firm, user, complete=True)
        application_id, user_id = application.id, user.id
        assert admin
    client = mail_app.test_client()

    log_in(client, user_id)
    assert client.post(f"/applications/{application_id}/submit",
                       data={"declaration": "y"}).status_code == 302
    messages = smtp_server.wait(2)
    # One recipient per message: the firm and the staff never share a `To:` line.
    assert sorted(m["To"] for m in messages) == ["admin@example.it", "owner@firm.it"]
    to_admin = next(m for m in messages if m["To"] == "admin@example.it")
    assert f"/admin/applications/{application_id}" in to_admin.get_body(
        ("plain",)).get_content()
    assert to_admin.get_body(("html",)) is not None


def test_withdraw(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    assert client.post(f"/applications/{application_id}/withdraw").status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).state == "withdrawn"
    body = client.post(f"/applications/{application_id}/withdraw",
                       follow_redirects=True).get_data(as_text=True)
    assert "non consentita" in body


def test_firm_a_cannot_reach_firm_b_by_guessing_ids(app, client, login, firm_user):
    with app.app_context():
        other = factories.make_user("applicant")
        other_firm = factories.make_firm(owner=other)
        application = factories.make_application(other_firm, other, complete=True)
        b_app = application.id
        link = db.session.scalar(db.select(EvidenceLink).where(
            EvidenceLink.application_id == b_app))
        b_doc = link.document_id
    login(firm_user[0])
    a_app = start(client)
    paths = [
        ("GET", f"/applications/{b_app}"),
        ("GET", f"/applications/{b_app}/criteria/LEG-01"),
        ("POST", f"/applications/{b_app}/criteria/LEG-01"),
        ("GET", f"/applications/{b_app}/documents/{b_doc}/versions/1"),
        ("POST", f"/applications/{b_app}/documents/{b_doc}/versions"),
        ("POST", f"/applications/{b_app}/submit"),
        ("POST", f"/applications/{b_app}/withdraw"),
        # firm B's document through firm A's own application
        ("GET", f"/applications/{a_app}/documents/{b_doc}/versions/1"),
        ("POST", f"/applications/{a_app}/documents/{b_doc}/versions"),
    ]
    for method, path in paths:
        assert client.open(path, method=method).status_code == 404, path
    response = client.post(f"/applications/{a_app}/criteria/LEG-01",
                           data={"link-document_id": str(b_doc), "link-submit": "1"})
    assert response.status_code in (200, 404)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(EvidenceLink.id)).where(
            EvidenceLink.application_id == a_app)) == 0


def test_unknown_criterion_is_404(app, client, login, firm_user):
    login(firm_user[0])
    application_id = start(client)
    assert client.get(f"/applications/{application_id}/criteria/XXX-99").status_code == 404


def test_one_consistent_state_message_without_the_declaration(app, client, login, firm_user):
    """Everything uploaded but the declaration not ticked: the page never says both
    "not complete" and "complete: you can submit"; it says what is left, once."""
    login(firm_user[0])
    application_id = start(client)
    for code in ("LEG-01", "LEG-02", "LEG-03", "LEG-04", "LEG-05", "LEG-06", "FOR-03"):
        upload(client, application_id, code)
    before = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "La domanda è completa" not in before
    assert "spunta la dichiarazione del legale rappresentante" in before
    body = client.post(f"/applications/{application_id}/submit", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "La domanda è completa" not in body and "non è completa" not in body
    assert "alert-danger" not in body and "alert-success" not in body
    assert "Per inviare la domanda spunta la dichiarazione" in body
    with app.app_context():
        assert db.session.get(Application, application_id).state == "draft"
