"""Signed verification receipts: the PDF (PAdES, validated with pyHanko), the compact JWS
(verified with the published keys, online and offline), the record and its re-check."""

import json

import pytest
from sqlalchemy.exc import DBAPIError

from registry.certificates import documents, jws, keys
from registry.certificates import token as tokens
from registry.certificates.models import Certificate, Receipt, StatusChange
from registry.certificates.offline import verify_any_offline
from registry.certificates.pdfsign import validate_pdf
from registry.db import today_in_rome
from registry.demo import load_demo_data
from registry.extensions import db
from tests import rows
from tests.certificates.test_pdf import pdftotext


@pytest.fixture
def firm(certified_firm):
    return certified_firm("Attestata S.r.l.", signed=True, level="L2")


def receipts_in(app):
    with app.app_context():
        return db.session.scalars(db.select(Receipt).order_by(Receipt.created_at)).all()


def suspend(app, number):
    with app.app_context():
        cert = db.session.scalar(db.select(Certificate).where(Certificate.number == number))
        cert.status = "suspended"
        db.session.add(StatusChange(certificate_id=cert.id, status="suspended",
                                    effective_on=today_in_rome(), public_reason="Verifica"))
        db.session.commit()


def test_receipt_pdf_is_signed_recorded_and_rechecked(app, client, firm):
    response = client.get(f"/v/{firm.number}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    receipt_id = response.headers["X-Receipt-Id"]
    with app.app_context():
        check = validate_pdf(response.data, documents.trust_root())
    assert check.ok, check
    assert b"Attestazione di verifica" in response.data or check.ok  # text is compressed

    [recorded] = receipts_in(app)
    assert recorded.id == receipt_id and recorded.kind == "single"
    statement = json.loads(recorded.payload)
    item = statement["items"][0]
    assert (item["verdict"], item["firm"]["vat_number"], item["certificate"]["level"]) == \
        ("valid", firm.vat_number, "L2")

    page = client.get(f"/receipts/{receipt_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Il registro ha emesso questa attestazione il" in html
    assert "Attestata S.r.l." in html and html.count("Valido") >= 2  # then and now


def test_receipt_text_is_bilingual(app, client, firm, tmp_path):
    path = tmp_path / "receipt.pdf"
    path.write_bytes(client.get(f"/v/{firm.number}/receipt.pdf").data)
    text = pdftotext(path)
    for words in ("Attestazione di verifica", "Verification receipt", "Valido / Valid",
                  "Attestata S.r.l.", firm.vat_number, firm.number, "Checked at",
                  "Receipt id", "/receipts/R-"):
        assert words in text, words


def test_receipt_jws_verifies_with_the_published_keys(app, client, firm, runner, tmp_path):
    response = client.get(f"/api/v1/certificates/{firm.number}/receipt")
    assert response.status_code == 200 and response.mimetype == "application/jose"
    token = response.get_data(as_text=True)
    published = tokens.load_jwks(client.get("/api/v1/keys").get_json())
    kid, payload = jws.verify(token, published)
    [recorded] = receipts_in(app)
    assert payload.decode() == recorded.payload  # exactly what was recorded
    assert json.loads(payload)["id"] == response.headers["X-Receipt-Id"]
    assert response.headers["Location"] == f"/receipts/{recorded.id}"
    with app.app_context():
        assert kid == keys.ensure_key().kid

    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(client.get("/api/v1/keys").get_json()))
    result = runner.invoke(args=["verify", token, "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert "AUTHENTIC" in result.output and recorded.id in result.output
    assert "Attestata S.r.l." in result.output

    saved = tmp_path / "receipt.jws"
    saved.write_text(token)
    assert runner.invoke(args=["verify", str(saved), "--keys", str(keys_file)]).exit_code == 0

    # Tampered: the statement changed (valid -> suspended) under the old signature.
    head, body, signature = token.split(".")
    forged = json.loads(jws.b64decode(body))
    forged["items"][0]["verdict"] = "withdrawn"
    tampered = f"{head}.{jws.b64encode(jws.canonical_json(forged))}.{signature}"
    refused = runner.invoke(args=["verify", tampered, "--keys", str(keys_file)])
    assert refused.exit_code == 1 and "NOT AUTHENTIC" in refused.output
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert verify_any_offline(flipped, json.loads(keys_file.read_text())).exit_code in (1, 2)
    assert runner.invoke(args=["verify", "a.b.c", "--keys", str(keys_file)]).exit_code == 2


def test_receipt_for_a_suspended_certificate_says_suspended(app, client, firm, tmp_path):
    suspend(app, firm.number)
    response = client.get(f"/v/{firm.number}/receipt.pdf")
    [recorded] = receipts_in(app)
    assert json.loads(recorded.payload)["items"][0]["verdict"] == "suspended"
    path = tmp_path / "suspended.pdf"
    path.write_bytes(response.data)
    assert "Sospeso / Suspended" in pdftotext(path)


def test_recheck_shows_then_and_now(app, client, firm):
    receipt_id = client.get(f"/v/{firm.number}/receipt.pdf").headers["X-Receipt-Id"]
    suspend(app, firm.number)
    html = client.get(f"/receipts/{receipt_id}").get_data(as_text=True)
    then = html.split('data-testid="then">')[1].split("</td>")[0]
    now = html.split('data-testid="now">')[1].split("</td>")[0]
    assert "Valido" in then and "Sospeso" in now


@pytest.mark.parametrize("receipt_id", ["R-AAAAAAAAAAAAAAAAAAAAAAAA", "nonesiste", "R-1"])
def test_unknown_receipt_is_a_clear_404(client, receipt_id):
    for path in (f"/receipts/{receipt_id}", f"/receipts/{receipt_id}/receipt.pdf",
                 f"/receipts/{receipt_id}/receipt.jws", f"/receipts/{receipt_id}/rows.csv"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert "Nessuna attestazione con questo codice" in client.get(
        f"/receipts/{receipt_id}").get_data(as_text=True)


def test_no_receipt_for_a_certificate_not_on_record(app, client):
    assert client.get("/v/BB-2020-00001/receipt.pdf").status_code == 404
    assert client.get("/api/v1/certificates/BB-2020-00001/receipt").status_code == 404
    assert client.get("/v/nonsense/receipt.pdf").status_code == 404
    assert receipts_in(app) == []


def test_bulk_receipt_pdf_and_jws(app, client, firm, certified_firm):
    other = certified_firm("Altra S.r.l.", status="withdrawn")
    page = client.post("/verify/bulk", data={"items": f"{firm.vat_number}\n{other.number}\nx"})
    receipt_id = page.get_data(as_text=True).split("/receipts/")[1].split('"')[0]
    pdf = client.get(f"/receipts/{receipt_id}/receipt.pdf")
    assert pdf.status_code == 200
    with app.app_context():
        assert validate_pdf(pdf.data, documents.trust_root()).ok
    token = client.get(f"/receipts/{receipt_id}/receipt.jws").get_data(as_text=True)
    published = tokens.load_jwks(client.get("/api/v1/keys").get_json())
    statement = json.loads(jws.verify(token, published)[1])
    assert statement["kind"] == "bulk"
    assert [i["verdict"] for i in statement["items"]] == ["valid", "withdrawn", None]
    assert statement["items"][2]["error"]["code"] == "format"


def test_receipts_are_rate_limited(make_app, certified_firm):
    app = make_app(RECEIPT_RATE_LIMIT="2 per minute")
    with app.app_context():
        number = rows.certified_firm("Limitata S.r.l.", signed=True).number
    client = app.test_client()
    codes = [client.get(f"/v/{number}/receipt.pdf").status_code,
             client.get(f"/api/v1/certificates/{number}/receipt").status_code,
             client.get(f"/v/{number}/receipt.pdf").status_code]
    assert codes == [200, 200, 429]
    assert len(receipts_in(app)) == 2


def test_demo_data_has_receipts_that_recheck(app):
    with app.app_context():
        assert load_demo_data() is True
        db.session.commit()
    found = receipts_in(app)
    assert {r.kind for r in found} == {"single", "bulk"}
    verdicts = [json.loads(r.payload)["items"][0]["verdict"] for r in found
                if r.kind == "single"]
    assert verdicts == ["valid", "suspended"]
    client = app.test_client()
    for receipt in found:
        assert client.get(f"/receipts/{receipt.id}").status_code == 200


def test_a_recorded_receipt_cannot_be_changed(app, client, firm):
    receipt_id = client.get(f"/v/{firm.number}/receipt.pdf").headers["X-Receipt-Id"]
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(db.update(Receipt).where(Receipt.id == receipt_id)
                               .values(payload="{}"))
        db.session.rollback()
        assert db.session.get(Receipt, receipt_id).payload != "{}"


def test_verify_page_offers_the_receipt(client, firm):
    html = client.get(f"/v/{firm.number}").get_data(as_text=True)
    assert f'href="/v/{firm.number}/receipt.pdf"' in html
    assert 'rel="nofollow"' in html  # a crawler following links does not sign receipts
