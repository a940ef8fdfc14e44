"""Every staff list exports what it shows (its filters applied) as CSV, XLSX and JSON: labels
for people, codes only as JSON machine fields, no cell a spreadsheet runs as a formula,
never cached, only for the page's role; the audit log's export carries its hash chain."""

import csv
import datetime as dt
import hashlib
import io
import json

from openpyxl import load_workbook

from registry.assessments.models import Assessment, Assignment, Finding
from registry.auditlog import GENESIS, record
from registry.decisions.models import Decision
from registry.extensions import db
from tests import factories, rows
from tests.test_no_codes import assert_no_codes


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))


def _applications(app) -> dict:
    with app.app_context():
        ids = {}
        for name, state in (("=SUM(A1) Contact S.r.l.", "submitted"),
                            ("Bianchi Call S.r.l.", "under_audit")):
            owner = factories.make_user("applicant")
            firm = factories.make_firm(owner=owner, name=name)
            ids[state] = factories.make_application(firm, owner, complete=True, state=state).id
        ids["admin"] = factories.make_user("admin").id
        ids["officer"] = factories.make_user("officer").id
        return ids


def test_admin_queue_exports_with_the_filters_on_screen(app, client, login):
    ids = _applications(app)
    login(ids["admin"])
    page = client.get("/admin/applications?state=submitted").get_data(as_text=True)
    assert "/admin/applications/export.csv?state=submitted" in page
    assert "Bianchi Call" not in page

    response = client.get("/admin/applications/export.csv?state=submitted")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("attachment")
    header, *table = _csv(response)
    assert header[:2] == ["Domanda", "Azienda"]
    assert [row[0] for row in table] == [str(ids["submitted"])]
    assert table[0][1] == "'=SUM(A1) Contact S.r.l."  # formula-safe
    assert "submitted" not in response.get_data(as_text=True)  # a label, not the code

    workbook = load_workbook(io.BytesIO(client.get("/admin/applications/export.xlsx").data))
    rows = list(workbook.active.iter_rows())
    assert len(rows) == 3  # header + both applications (no filter)
    names = [r[1] for r in rows[1:]]
    formula = next(cell for cell in names if str(cell.value).startswith("="))
    assert formula.data_type == "s"  # text, never a formula

    page = client.get("/admin/applications?type=initial&kind=csv&page=2")
    assert page.status_code == 200
    assert "/admin/applications/export.csv?type=initial" in page.get_data(as_text=True)
    data = json.loads(client.get("/admin/applications/export.json?q=bianchi").data)
    assert data["filters"] == {"q": "bianchi"}
    [item] = data["items"]
    assert item["id"] == ids["under_audit"] and item["state"] == "under_audit"
    assert item["state_label"] and item["state_label"] != "under_audit"
    assert {c["key"] for c in data["columns"]} >= {"id", "firm", "state_label"}


def test_bad_filters_are_a_clear_400(app, client, login):
    ids = _applications(app)
    login(ids["admin"])
    for path in ("/admin/applications?state=nonsense", "/admin/applications/export.csv?type=x",
                 "/admin/audit-log?from=2026-02-30", "/admin/audit-log/export.json?to=ieri",
                 "/admin/audit-log?from=2026-03-01&to=2026-02-01"):
        response = client.get(path)
        assert response.status_code == 400, path
    assert client.get("/admin/applications/export.pdf").status_code == 404


def test_officer_queue_export(app, client, login):
    ids = _applications(app)
    with app.app_context():
        from registry.applications.models import Application  # noqa: PLC0415 - test only
        db.session.get(Application, ids["submitted"]).state = "assessed"
        db.session.commit()
    login(ids["officer"])
    assert "/officer/export.csv" in client.get("/officer").get_data(as_text=True)
    data = json.loads(client.get("/officer/export.json").data)
    assert [i["id"] for i in data["items"]] == [ids["submitted"]]
    header, *table = _csv(client.get("/officer/export.csv"))
    assert header[-1] == "Note" and len(table) == 1
    login(ids["admin"])
    assert client.get("/officer/export.csv").status_code == 403


def test_auditor_exports_assignments_and_findings(app, client, login):
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner, name="Verdi S.r.l.")
        application = factories.make_application(firm, owner, complete=True,
                                                 state="under_audit")
        auditor = factories.make_user("auditor")
        admin = factories.make_user("admin")
        db.session.add(Assignment(application_id=application.id, auditor_id=auditor.id,
                                  role="lead", assigned_by_id=admin.id))
        assessment = Assessment(application_id=application.id)
        db.session.add(assessment)
        db.session.flush()
        for kind, status, text in (("major_nc", "open", "+39 chiamate non registrate"),
                                   ("minor_nc", "closed", "Formazione incompleta")):
            db.session.add(Finding(assessment_id=assessment.id, criterion_code="LEG-01",
                                   kind=kind, status=status, text=text))
        db.session.commit()
        auditor_id, application_id = auditor.id, application.id
    login(auditor_id)
    page = client.get("/audit?status=open").get_data(as_text=True)
    assert "/audit/findings/export.csv?status=open" in page
    _header, *table = _csv(client.get("/audit/export.csv"))
    assert table[0][0] == str(application_id) and "lead" not in table[0]
    _header, *table = _csv(client.get("/audit/findings/export.csv?status=open"))
    assert len(table) == 1 and "'+39 chiamate non registrate" in table[0]
    assert "major_nc" not in ";".join(table[0])
    data = json.loads(client.get("/audit/findings/export.json").data)
    assert sorted(i["kind"] for i in data["items"]) == ["major_nc", "minor_nc"]
    assert client.get("/audit/findings/export.csv?status=nonsense").status_code == 400


def _recompute(items: list[dict]) -> None:
    """The chain an export carries is the chain: every hash recomputes from its fields."""
    for previous, item in zip([None, *items], items, strict=False):
        if previous is not None:
            assert item["prev_hash"] == previous["hash"]
        content = {key: item[key] for key in ("id", "occurred_at", "actor_id", "action",
                                              "object_type", "object_id", "before", "after",
                                              "note")}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
        digest = hashlib.sha256(item["prev_hash"].encode() + b"\n" + canonical).hexdigest()
        assert digest == item["hash"], item["id"]


def test_audit_log_page_and_exports_carry_the_hash_chain(app, client, login):
    with app.app_context():
        admin = factories.make_user("admin")
        record("certificate.suspend", "certificate", "BB-2026-00001", actor=admin,
               before={"status": "valid"}, after={"status": "suspended"}, note="=HYPERLINK(x)")
        record("firm.updated", "firm", 7, actor=admin)
        db.session.commit()
        admin_id = admin.id
    login(admin_id)
    page = client.get("/admin/audit-log?type=certificate").get_data(as_text=True)
    assert "Certificato: sospensione" in page and "certificate.suspend" not in page
    assert "/admin/audit-log/export.csv?type=certificate" in page

    data = json.loads(client.get("/admin/audit-log/export.json").data)
    items = data["items"]
    assert items[0]["id"] == 1 and items[0]["prev_hash"] == GENESIS
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    _recompute(items)

    only = json.loads(client.get("/admin/audit-log/export.json?type=firm").data)["items"]
    assert {i["object_type"] for i in only} == {"firm"}
    _recompute(only[:1])  # a filtered export still verifies event by event

    header, *table = _csv(client.get("/admin/audit-log/export.csv?type=certificate"))
    assert "Hash" in header and "Hash precedente" in header
    [row] = table
    assert "Certificato: sospensione" in row and "'=HYPERLINK(x)" in row
    assert "certificate.suspend" not in row
    workbook = load_workbook(io.BytesIO(client.get("/admin/audit-log/export.xlsx").data))
    assert next(iter(workbook.active.values))[-1] == "Hash"
    english = client.get("/admin/audit-log", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_decisions_taken_page_and_exports_filter_alike(app, client, login):
    with app.app_context():
        officer = factories.make_user("officer")
        made = {}
        for name, outcome, level in (("Alfa S.r.l.", "certify", "L2"),
                                     ("@Beta S.r.l.", "refuse", None)):
            owner = factories.make_user("applicant")
            firm = factories.make_firm(owner=owner, name=name)
            application = factories.make_application(firm, owner, complete=True,
                                                     state="assessed")
            decision = Decision(application_id=application.id, officer_id=officer.id,
                                outcome=outcome, level=level, computed_level=level,
                                reason="-1 punto" if level is None else None, snapshot={})
            db.session.add(decision)
            db.session.flush()
            made[outcome] = decision.id
        db.session.commit()
        officer_id, admin_id = officer.id, factories.make_user("admin").id
    login(officer_id)
    page = client.get("/officer/decisions?outcome=refuse")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "@Beta" in html and "Alfa S.r.l." not in html
    assert "/officer/decisions/export.csv?outcome=refuse" in html

    header, *table = _csv(client.get("/officer/decisions/export.csv?outcome=refuse"))
    assert header[:3] == ["Decisione", "Domanda", "Azienda"]
    [row] = table
    assert row[0] == str(made["refuse"]) and row[2] == "'@Beta S.r.l."
    assert "'-1 punto" in row and "refuse" not in row

    data = json.loads(client.get("/officer/decisions/export.json?q=alfa").data)
    [item] = data["items"]
    assert item["outcome"] == "certify" and item["level"] == "L2"
    assert item["outcome_label"] != "certify" and item["level_label"] != "L2"
    assert data["filters"] == {"q": "alfa"}

    today = dt.date.today()
    tomorrow = (today + dt.timedelta(days=2)).isoformat()
    empty = json.loads(client.get(f"/officer/decisions/export.json?from={tomorrow}").data)
    assert empty["items"] == []
    assert "Nessuna decisione" in client.get(f"/officer/decisions?from={tomorrow}").get_data(
        as_text=True)
    assert client.get("/officer/decisions?outcome=maybe").status_code == 400
    assert client.get("/officer/decisions/export.csv?from=2026-13-01").status_code == 400
    login(admin_id)
    workbook = load_workbook(io.BytesIO(client.get("/officer/decisions/export.xlsx").data))
    assert len(list(workbook.active.values)) == 3


def test_certificates_list_exports_every_match_with_its_filters(app, client, login,
                                                                certified_firm):
    certified_firm("Rossi S.r.l.")
    suspended = certified_firm("+Verdi S.r.l.")
    with app.app_context():
        rows.change_status(suspended, "suspended")
        ministry = factories.make_user("ministry").id
        applicant = factories.make_user("applicant").id
    login(ministry)
    html = client.get("/manage/certificates?status=suspended").get_data(as_text=True)
    assert "+Verdi" in html and "Rossi S.r.l." not in html
    assert "/manage/certificates/export.csv?status=suspended" in html
    header, *table = _csv(client.get("/manage/certificates/export.csv?status=suspended"))
    assert header[:3] == ["Numero", "Revisione", "Azienda"]
    [row] = table
    assert row[2] == "'+Verdi S.r.l." and "suspended" not in row and "L2" not in row
    data = json.loads(client.get("/manage/certificates/export.json?q=rossi").data)
    assert [(i["firm"], i["status"]) for i in data["items"]] == [("Rossi S.r.l.", "valid")]
    assert client.get("/manage/certificates?status=lost").status_code == 400
    login(applicant)
    assert client.get("/manage/certificates/export.csv").status_code == 403


def test_users_and_change_requests_export(app, client, login):
    with app.app_context():
        admin = factories.make_user("admin", email="capo@registry.it").id
        factories.make_user(["auditor", "officer"], email="=cmd@registry.it")
        officer = factories.make_user("officer").id
    login(admin)
    assert "/admin/users/export.csv" in client.get("/admin/users").get_data(as_text=True)
    header, *table = _csv(client.get("/admin/users/export.csv"))
    assert header == ["Email", "Nome", "Ruoli", "Stato"]
    by_email = {row[0]: row for row in table}
    both = by_email["'=cmd@registry.it"]
    assert "Valutatore" in both[2] and "auditor" not in both[2]
    data = json.loads(client.get("/admin/users/export.json").data)
    assert ["auditor", "officer"] in [i["roles"] for i in data["items"]]
    login(officer)
    assert "/firm/changes/export.csv" in client.get("/firm/changes").get_data(as_text=True)
    header, *table = _csv(client.get("/firm/changes/export.csv"))
    assert header[0] == "Richiesta" and table == []


def test_the_new_list_pages_show_words_not_codes(app, client, login, certified_firm):
    ids = _applications(app)
    certified_firm("Parole S.r.l.")
    with app.app_context():
        record("certificate.suspend", "certificate", "BB-2026-00001", actor=ids["admin"])
        record("firm.change_approved", "firm", 1, actor=ids["officer"])
        record("something.unknown_action", "mystery_kind", 1)
        db.session.commit()
    seen: dict = {}
    login(ids["admin"])
    for path in ("/admin/applications", "/admin/audit-log", "/officer/decisions",
                 "/manage/certificates"):
        assert_no_codes(client, path, seen)
    login(ids["officer"])
    assert_no_codes(client, "/officer/decisions", seen)
