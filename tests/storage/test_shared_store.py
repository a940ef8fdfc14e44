"""Several app servers (issue 13): the object-store backend through the whole app, and two
app instances — separate instance folders, one database, one S3-compatible store — that
serve each other's uploads, certificate PDFs and signing keys. Runs on SQLite (one shared
file) and on PostgreSQL (REGISTRY_TEST_DATABASE_URL)."""

from __future__ import annotations

import io
from pathlib import Path

from registry.applications.models import EvidenceLink
from registry.certificates import documents, keys, pdfsign
from registry.certificates import token as tokens
from registry.certificates.models import SigningKey
from registry.extensions import db
from registry.storage import get_store
from registry.storage.s3 import S3Store
from tests import factories
from tests.steps import log_in
from tests.storage import samples


def instance(make_app, folder: Path, settings: dict):
    """An app server with its own instance folders and the shared store."""
    return make_app(UPLOAD_FOLDER=str(folder / "uploads"), KEYS_FOLDER=str(folder / "keys"),
                    OUTBOX_FOLDER=str(folder / "outbox"),
                    CERTIFICATES_FOLDER=str(folder / "certificates"), **settings)


def files_under(folder: Path) -> list[Path]:
    """Files in the server's uploads, keys and certificates folders (mail has an outbox)."""
    return [p for name in ("uploads", "keys", "certificates") if (folder / name).exists()
            for p in (folder / name).rglob("*") if p.is_file()]


def applicant_with_application(app, client) -> int:
    with app.app_context():
        factories.default_scheme()
        user = factories.make_user("applicant")
        firm = factories.make_firm(owner=user)
        factories.make_site(firm)
        user_id = user.id
    log_in(client, user_id)
    response = client.post("/applications/new", data={"kind": "initial"})
    return user_id, int(response.headers["Location"].rstrip("/").split("/")[-1])


def upload(client, application_id, content, name):
    response = client.post(f"/applications/{application_id}/criteria/LEG-01", data={
        "ev-title": "Visura", "ev-effective_on": "2026-10-01", "ev-expires_on": "",
        "ev-file": (io.BytesIO(content), name), "ev-submit": "1",
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def download_url(app, application_id) -> str:
    with app.app_context():
        document_id = db.session.scalar(db.select(EvidenceLink.document_id))
    return f"/applications/{application_id}/documents/{document_id}/versions/1"


def test_upload_and_download_through_the_object_store(make_app, s3_settings, tmp_path):
    app = instance(make_app, tmp_path / "server", s3_settings)
    client = app.test_client()
    _user, application_id = applicant_with_application(app, client)
    workbook = samples.xlsx()
    upload(client, application_id, workbook, "organico.xlsx")
    response = client.get(download_url(app, application_id))
    assert response.status_code == 200
    assert response.data == workbook
    assert response.mimetype == samples.XLSX
    assert response.headers["Content-Disposition"].startswith('attachment; filename="organico')
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        store = get_store()
        assert isinstance(store, S3Store)
        assert [k.split("/")[0] for k in store.keys("uploads/")] == ["uploads"]
    assert files_under(tmp_path / "server") == []  # nothing on the server's disk


def test_two_app_servers_share_files_pdfs_and_keys(make_app, s3_settings, tmp_path):
    server_a = instance(make_app, tmp_path / "a", s3_settings)
    server_b = instance(make_app, tmp_path / "b", s3_settings)
    client_a, client_b = server_a.test_client(), server_b.test_client()

    # Evidence uploaded through A is downloaded, byte for byte, through B.
    user_id, application_id = applicant_with_application(server_a, client_a)
    evidence = samples.PDF + b"%" + bytes(range(256)) * 64 + b"\n%%EOF\n"
    upload(client_a, application_id, evidence, "visura.pdf")
    log_in(client_b, user_id)
    from_b = client_b.get(download_url(server_b, application_id))
    assert from_b.status_code == 200 and from_b.data == evidence

    # A certificate issued on A (A creates the QR key and the PDF-signing PKI) ...
    with server_a.app_context():
        number = factories.make_certificate().number
        kid_a = keys.active_private_key()[0]
    pdf_a = client_a.get(f"/certificates/{number}.pdf")
    assert pdf_a.status_code == 200
    # ... is served by B as the very PDF A signed (a fresh signature would differ), and its
    # signature chains to the root B reads from the store.
    pdf_b = client_b.get(f"/certificates/{number}.pdf")
    assert pdf_b.data == pdf_a.data
    with server_b.app_context():
        assert pdfsign.validate_pdf(pdf_b.data, documents.trust_root()).intact

    # The QR key A created signs on B: a certificate issued on B carries a token under A's
    # key id that A verifies, and no second key was made.
    with server_b.app_context():
        issued_on_b = factories.make_certificate()
        token, number_b = issued_on_b.token, issued_on_b.number
        assert keys.active_private_key()[0] == kid_a
    with server_a.app_context():
        claims = tokens.verify_token(token, keys.published_keys())
        assert claims.number == number_b
        assert tokens.decode_token(token)[0].kid == kid_a
        assert db.session.scalar(db.select(db.func.count(SigningKey.kid))) == 1
        assert sorted(get_store().keys("keys/")) == sorted([
            "keys/pdf-signing-key.pem", "keys/pdf-signing.pem", f"keys/qr-{kid_a}.pem",
            "keys/registry-root.pem"])
    assert client_a.get(f"/certificates/{number_b}.pdf").data == \
        client_b.get(f"/certificates/{number_b}.pdf").data

    # Neither server kept a file, a PDF or a key on its own disk.
    assert files_under(tmp_path / "a") == [] and files_under(tmp_path / "b") == []
