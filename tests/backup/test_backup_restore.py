"""`flask backup` -> `flask restore` round trips on the suite's database, into a fresh empty
database and fresh folders: the registry works on the copy as it did on the original."""

from __future__ import annotations

import hashlib
import json
import zipfile
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from registry import auditlog
from registry.applications.models import Document, DocumentVersion
from registry.applications.services import submit
from registry.assessments import assignments
from registry.assessments import services as assessments
from registry.backup import database
from registry.certificates import keys, lookup
from registry.certificates.models import Certificate, SigningKey
from registry.certificates.offline import verify_offline
from registry.extensions import db
from registry.firms.models import Firm
from registry.storage import get_store
from tests import factories
from tests.conftest import ON_POSTGRES
from tests.steps import client_for, decide

SECOND_FIRM = "Servizi Telefonici Rossi S.p.A."


def _assessed(firm, owner) -> dict:
    """An application of `firm` assessed at L2 and ready for the officer's decision."""
    application = factories.make_application(firm, owner, complete=True)
    submit(application, owner, declaration=True)
    admin, auditor = factories.make_user("admin"), factories.make_user("auditor")
    officer = factories.make_user("officer")
    assignment = assignments.assign(application, auditor, "lead", admin)
    assessment = assignments.sign_declaration(assignment, auditor, "test")
    for code in factories.ALL_CRITERIA:
        factories.score_with_evidence(assessment, application, auditor, code, 3)
    factories.audit_details(assessment, application, auditor)
    assessments.submit_assessment(assessment, application, auditor)
    db.session.commit()
    return {"application": application.id, "officer": officer.id}


def build_state(app) -> dict:
    """A certified firm (certificate issued through the services, its PDF rendered, evidence
    uploaded) and a second firm whose application waits for the officer's decision."""
    with app.app_context():
        certificate = factories.make_certificate("L2")
        firm = db.session.get(Firm, certificate.firm_id)
        version = db.session.scalars(
            select(DocumentVersion).join(Document)
            .where(Document.application_id == certificate.application_id)
            .order_by(DocumentVersion.id)).first()
        state = {"number": certificate.number, "kid": certificate.kid,
                 "verify": lookup.verify_url(certificate), "firm": firm.id,
                 "firm_name": firm.name, "owner": firm.owner_id,
                 "download": f"/applications/{certificate.application_id}/documents/"
                             f"{version.document_id}/versions/{version.number}"}
        owner = factories.make_user("applicant")
        second = factories.make_firm(owner=owner, name=SECOND_FIRM)
        state["pending"] = _assessed(second, owner)
    pdf = app.test_client().get(f"/certificates/{state['number']}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    evidence = client_for(app, state["owner"]).get(state["download"])
    assert evidence.status_code == 200
    state["pdf"], state["evidence"] = pdf.data, evidence.data
    return state


def run(app, *args, env=None):
    return app.test_cli_runner().invoke(args=list(args), env=env, catch_exceptions=False)


def all_rows(app) -> dict[str, list]:
    """Every row of every data table in primary-key order, JSON documents parsed."""
    with app.app_context(), database.snapshot(db.engine) as connection:
        metadata = database.reflect(connection)
        found = {}
        for name, table in sorted(metadata.tables.items()):
            kinds = database.kinds_of(table)
            found[name] = [
                {column: json.loads(value) if kinds[column] == "json" and value is not None
                 else value for column, value in row.items()}
                for row in database.read_rows(connection, table)]
        return found


def test_round_trip_keeps_certificates_files_chain_keys_and_search(
        app, tmp_path, passphrase, new_database, target_app):
    state = build_state(app)
    archive = tmp_path / "registry-backup.zip"
    written = run(app, "backup", str(archive), "--passphrase-env", passphrase)
    assert written.exit_code == 0, written.output
    assert "backup written" in written.output
    checked = run(app, "backup", "--verify", str(archive))
    assert checked.exit_code == 0, checked.output

    restored = target_app(new_database(), AUTO_CREATE_KEYS=False)
    result = run(restored, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output

    # Every row is back, value for value (datetimes, dates, decimals, JSON, booleans).
    assert all_rows(restored) == all_rows(app)
    with restored.app_context():
        chain = auditlog.verify_chain()
        assert chain.ok and chain.checked > 10

    client = restored.test_client()
    verify_path = urlsplit(state["verify"])
    page = client.get(f"{verify_path.path}?{verify_path.query}")
    assert page.status_code == 200 and state["number"] in page.get_data(as_text=True)
    answer = client.get(f"/api/v1/certificates/{state['number']}?{verify_path.query}").json
    assert answer["verdict"] == "valid" and answer["token_checked"] is True
    # The PDF is the one issued (not signed again), the evidence the one uploaded.
    assert client.get(f"/certificates/{state['number']}.pdf").data == state["pdf"]
    assert client_for(restored, state["owner"]).get(state["download"]).data == state["evidence"]

    # Search answers from the full-text index the migrations built.
    register = client.get("/register?q=contact italia").get_data(as_text=True)
    assert state["firm_name"] in register
    assert client.get("/api/v1/register?q=contact").json["total"] == 1

    # A new issuance signs with the restored QR key (no key was created).
    pending = state["pending"]
    response = decide(restored, pending, outcome="certify", level="L2")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with restored.app_context():
        new = db.session.scalar(select(Certificate).where(Certificate.number != state["number"]))
        assert new is not None and new.kid == state["kid"]
        assert db.session.scalar(select(db.func.count()).select_from(SigningKey)) == 1
        jwks, url = keys.jwks(), lookup.verify_url(new)
        assert auditlog.verify_chain().ok
    assert verify_offline(url, jwks).exit_code == 0
    assert SECOND_FIRM in client.get("/register?q=rossi").get_data(as_text=True)
    new_pdf = client.get(f"/certificates/{new.number}.pdf")
    assert new_pdf.status_code == 200 and new_pdf.data.startswith(b"%PDF")


@pytest.mark.postgres
def test_archives_move_between_postgresql_and_sqlite(app, tmp_path, passphrase, new_database,
                                                      target_app):
    """PostgreSQL -> SQLite -> PostgreSQL: the rows come back the same each time."""
    state = build_state(app)
    first = tmp_path / "from-postgresql.zip"
    assert run(app, "backup", str(first), "--passphrase-env", passphrase).exit_code == 0

    on_sqlite = target_app(new_database("sqlite"))
    result = run(on_sqlite, "restore", str(first), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    assert all_rows(on_sqlite) == all_rows(app)
    assert on_sqlite.test_client().get(f"/certificates/{state['number']}.pdf").data \
        == state["pdf"]
    assert state["firm_name"] in on_sqlite.test_client().get("/register?q=contact") \
        .get_data(as_text=True)

    second = tmp_path / "from-sqlite.zip"
    assert run(on_sqlite, "backup", str(second), "--passphrase-env", passphrase).exit_code == 0
    back = target_app(new_database("postgresql"))
    result = run(back, "restore", str(second), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    assert all_rows(back) == all_rows(app)
    assert state["firm_name"] in back.test_client().get("/register?q=contact") \
        .get_data(as_text=True)
    assert back.test_client().post("/register").status_code == 405  # the app is up


def _backup_of(app, tmp_path, passphrase, certified_firm, name="backup.zip"):
    certified_firm()
    path = tmp_path / name
    result = run(app, "backup", str(path), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    return path


def test_restore_refuses_a_target_that_is_not_empty(app, tmp_path, passphrase, certified_firm,
                                                     new_database, target_app):
    archive = _backup_of(app, tmp_path, passphrase, certified_firm)
    before = all_rows(app)
    with app.app_context():
        objects = list(get_store().keys())

    result = run(app, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 1
    assert "not empty" in result.output and "nothing was changed" in result.output
    assert all_rows(app) == before
    with app.app_context():
        assert list(get_store().keys()) == objects

    # An empty database, but a store that already holds a file: refused too, nothing built.
    url = new_database()
    other = target_app(url)
    with other.app_context():
        get_store().put_bytes("uploads/ab/" + "ab" * 32, b"left over")
    result = run(other, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 1 and "file store holds objects" in result.output
    with other.app_context():
        assert database.target_state(db.engine).tables == []


def test_verify_reports_a_tampered_member(app, tmp_path, passphrase, certified_firm):
    with app.app_context():
        certificate = factories.make_certificate("L2")
        number = certificate.number
    assert app.test_client().get(f"/certificates/{number}.pdf").status_code == 200
    archive = _backup_of(app, tmp_path, passphrase, certified_firm)
    with zipfile.ZipFile(archive) as original:
        names = original.namelist()
        upload = next(n for n in names if n.startswith("files/uploads/"))
        pdf = next(n for n in names if n.startswith("files/certificates/"))
        tampered = tmp_path / "tampered.zip"
        with zipfile.ZipFile(tampered, "w") as copy:
            for name in names:
                data = original.read(name)
                if name == upload:
                    data = data.replace(b"%PDF-1.4", b"%PDF-1.5")
                if name != pdf:
                    copy.writestr(name, data)

    result = run(app, "backup", "--verify", str(tampered))
    assert result.exit_code == 1
    assert f"{upload}: SHA-256 does not match the manifest" in result.output
    assert f"{pdf}: missing from the archive" in result.output
    assert "Traceback" not in result.output

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    result = run(app, "backup", "--verify", str(garbage))
    assert result.exit_code == 1 and "not a readable backup archive" in result.output

    assert run(app, "backup", "--verify", str(archive)).exit_code == 0

    # Digests recomputed to match: a row that does not parse, a referenced file taken out.
    def fte_and_evidence(name, data):
        if name == "database/firm.jsonl":
            return data.replace(b'"fte":"', b'"fte":"x', 1)
        return None if name == upload else data

    inconsistent = rewrite(archive, tmp_path / "inconsistent.zip", fte_and_evidence)
    result = run(app, "backup", "--verify", str(inconsistent))
    assert result.exit_code == 1
    assert "database/firm.jsonl line 1: column fte: not a valid decimal" in result.output
    assert "referred to by the database are not in the archive" in result.output
    assert upload.removeprefix("files/") in result.output


def rewrite(source, target, change):
    """A copy of an archive with members changed by `change(name, data)` (None drops the
    member) and a manifest that matches them: only the content checks can tell."""
    with zipfile.ZipFile(source) as original:
        manifest = json.loads(original.read("manifest.json"))
        members = {}
        for name in original.namelist():
            if name != "manifest.json":
                data = change(name, original.read(name))
                if data is not None:
                    members[name] = data
    manifest["members"] = {name: {"sha256": hashlib.sha256(data).hexdigest(),
                                  "size": len(data)} for name, data in members.items()}
    with zipfile.ZipFile(target, "w") as copy:
        for name, data in members.items():
            copy.writestr(name, data)
        copy.writestr("manifest.json", json.dumps(manifest))
    return target


def test_backup_reports_evidence_missing_from_the_store(app, tmp_path, new_database,
                                                       target_app):
    with app.app_context():
        certificate = factories.make_certificate("L2")
        store = get_store()
        lost = next(store.keys("uploads/"))
        store.delete(lost)
        # A PDF of a certificate the database does not know (issued after the snapshot).
        store.put_bytes(f"certificates/{certificate.number[:-5]}99999-r1.pdf", b"%PDF-1.7")
    path = tmp_path / "backup.zip"
    result = run(app, "backup", str(path), "--without-private-keys")
    assert result.exit_code == 1
    assert "1 evidence file(s) referred to by the database are missing" in result.output
    assert lost in result.output
    assert "left out 1 certificate PDF(s)" in result.output
    with zipfile.ZipFile(path) as written:
        manifest = json.loads(written.read("manifest.json"))
    assert manifest["missing_files"] == [lost]
    result = run(app, "backup", "--verify", str(path))
    assert result.exit_code == 1 and lost in result.output
    # The loss is the source's: the rest restores, with the warning repeated.
    restored = target_app(new_database())
    result = run(restored, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert "WARNING: 1 evidence file(s)" in result.output and lost in result.output


def test_the_dump_is_one_snapshot(app, tmp_path, certified_firm, monkeypatch):
    """A row committed while the dump runs (after its first table) is not in the archive:
    PostgreSQL reads one REPEATABLE READ snapshot; SQLite keeps writers out until the end."""
    certified_firm()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    read_rows, written = database.read_rows, []

    def interleaved(connection, table):
        yield from read_rows(connection, table)
        if not written:
            written.append(table.name)
            engine = create_engine(url, connect_args={"timeout": 0.2}
                                   if url.startswith("sqlite") else {})
            try:
                with engine.begin() as other:
                    other.execute(text("INSERT INTO certificate_counter (year, last) "
                                       "VALUES (2099, 7)"))
                written.append("committed")
            except OperationalError:
                assert url.startswith("sqlite"), "PostgreSQL writers never wait for a dump"
            finally:
                engine.dispose()

    monkeypatch.setattr(database, "read_rows", interleaved)
    path = tmp_path / "backup.zip"
    assert run(app, "backup", str(path), "--without-private-keys").exit_code == 0
    assert written[0] < "certificate_counter"  # written before that table was read
    with zipfile.ZipFile(path) as archive:
        counters = archive.read("database/certificate_counter.jsonl").decode()
    assert "2099" not in counters
    # PostgreSQL let the writer commit (outside the snapshot); SQLite made it wait.
    assert written[1:] == (["committed"] if ON_POSTGRES else [])


def test_wrong_passphrase_restores_nothing(app, tmp_path, passphrase, certified_firm,
                                           new_database, target_app, monkeypatch):
    archive = _backup_of(app, tmp_path, passphrase, certified_firm)
    target = target_app(new_database())
    monkeypatch.setenv("WRONG_PASSPHRASE", "not the right passphrase")
    result = run(target, "restore", str(archive), "--passphrase-env", "WRONG_PASSPHRASE")
    assert result.exit_code == 1 and "wrong passphrase" in result.output
    with target.app_context():
        assert database.target_state(db.engine).tables == []
        assert list(get_store().keys()) == []
    # And without one, restore says what to give.
    result = run(target, "restore", str(archive))
    assert result.exit_code == 1 and "--passphrase-env" in result.output
    assert run(target, "backup", "--verify", str(archive), "--passphrase-env",
               "WRONG_PASSPHRASE").exit_code == 1
    assert run(target, "backup", "--verify", str(archive), "--passphrase-env",
               passphrase).exit_code == 0


def test_a_failed_restore_removes_what_it_wrote(app, tmp_path, passphrase, certified_firm,
                                                new_database, target_app, monkeypatch):
    with app.app_context():
        factories.make_certificate("L2")
    archive = _backup_of(app, tmp_path, passphrase, certified_firm)
    target = target_app(new_database())
    with target.app_context():
        store = get_store()
    calls = {"count": 0}
    put = type(store).put

    def failing_put(self, key, fileobj, *, exclusive=False):
        calls["count"] += 1
        if calls["count"] == 3:
            raise OSError("disk full")
        return put(self, key, fileobj, exclusive=exclusive)

    monkeypatch.setattr(type(store), "put", failing_put)
    with target.app_context():
        before = database.target_state(db.engine)
    result = run(target, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 1, result.output
    assert "disk full" in result.output and "removed again" in result.output
    assert calls["count"] == 3
    with target.app_context():
        after = database.target_state(db.engine)
        assert after.tables == [] and list(get_store().keys()) == []
        # PostgreSQL: the migrations' function and extension went too.
        assert (after.functions, after.extensions) == (before.functions, before.extensions)


def test_backup_never_writes_keys_in_clear(app, tmp_path, certified_firm, monkeypatch):
    certified_firm(signed=True)
    path = tmp_path / "backup.zip"
    result = run(app, "backup", str(path))
    assert result.exit_code == 1 and "never written unencrypted" in result.output
    monkeypatch.delenv("UNSET_PASSPHRASE", raising=False)
    result = run(app, "backup", str(path), "--passphrase-env", "UNSET_PASSPHRASE")
    assert result.exit_code == 1 and "UNSET_PASSPHRASE is not set" in result.output
    monkeypatch.setenv("SHORT_PASSPHRASE", "short")
    result = run(app, "backup", str(path), "--passphrase-env", "SHORT_PASSPHRASE")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert not path.exists() and list(tmp_path.glob(".backup.zip.*")) == []
    monkeypatch.setenv("GOOD_PASSPHRASE", "a long enough passphrase")
    assert run(app, "backup", str(path), "--passphrase-env", "GOOD_PASSPHRASE").exit_code == 0
    with app.app_context():
        store = get_store()
        pem = store.read(next(k for k in store.keys("keys/qr-")))
    with zipfile.ZipFile(path) as written:
        assert not any(name.startswith(("keys/", "files/keys/")) for name in written.namelist())
        assert all(pem not in written.read(name) for name in written.namelist())
    # Never over an existing file.
    result = run(app, "backup", str(path), "--passphrase-env", "GOOD_PASSPHRASE")
    assert result.exit_code == 1 and "already exists" in result.output


def test_without_private_keys_issuance_asks_for_new_keys(app, tmp_path, new_database,
                                                         target_app):
    state = build_state(app)
    archive = tmp_path / "no-keys.zip"
    result = run(app, "backup", str(archive), "--without-private-keys")
    assert result.exit_code == 0, result.output
    assert "LEFT OUT" in result.output
    with zipfile.ZipFile(archive) as written:
        manifest = json.loads(written.read("manifest.json"))
        assert manifest["private_keys"]["included"] is False
        assert "private-keys.bin" not in written.namelist()
    assert run(app, "backup", "--verify", str(archive)).exit_code == 0

    restored = target_app(new_database(), AUTO_CREATE_KEYS=False)
    result = run(restored, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "NO PRIVATE KEYS" in result.output and "keys init" in result.output

    client = restored.test_client()
    answer = client.get(f"/api/v1/certificates/{state['number']}?"
                        f"{urlsplit(state['verify']).query}").json
    assert answer["verdict"] == "valid"  # verifying needs only the published public key
    assert client.get(f"/certificates/{state['number']}.pdf").data == state["pdf"]

    response = decide(restored, state["pending"], outcome="certify", level="L2")
    assert response.status_code == 200  # the form again, with the reason
    body = response.get_data(as_text=True)
    assert "manca la chiave di firma" in body and "keys init" in body
    with restored.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Certificate)) == 1

    assert run(restored, "keys", "init").exit_code == 0
    assert decide(restored, state["pending"], outcome="certify", level="L2").status_code == 302
    with restored.app_context():
        new = db.session.scalar(select(Certificate).where(Certificate.number != state["number"]))
        assert new.kid != state["kid"]
    pdf = client.get(f"/certificates/{new.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite: a migrated, empty database as the target")
def test_restore_into_a_migrated_empty_database(app, tmp_path, passphrase, certified_firm,
                                                database_template, target_app):
    archive = _backup_of(app, tmp_path, passphrase, certified_firm)
    copy = tmp_path / "migrated.sqlite3"
    copy.write_bytes(database_template.read_bytes())
    target = target_app(f"sqlite:///{copy}")
    result = run(target, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    assert all_rows(target) == all_rows(app)
