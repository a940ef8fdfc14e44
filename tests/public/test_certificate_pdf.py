"""The served certificate PDF is signed, opens, and its QR decodes to the verify URL; the
offline verifier agrees with the page on genuine and forged tokens.

The certificate is inserted as rows with a real signed token (tests/rows.py)."""

import json
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from registry.certificates import documents, lookup, pdfsign
from registry.certificates import token as tokens
from registry.certificates.issuance import claims_of
from registry.certificates.models import Certificate
from registry.extensions import db

# Only QR codes: at 72 dpi a row of modules can read as a spurious 1-D barcode.
QR = zxingcpp.BarcodeFormat.QRCode


@pytest.fixture
def issued(app, certified_firm):
    row = certified_firm(level="L3", signed=True)
    with app.app_context():
        certificate = db.session.get(Certificate, row.certificate_id)
        return certificate.number, certificate.token, lookup.verify_url(certificate)


def test_pdf_is_signed_and_valid(app, client, issued, tmp_path):
    number, _token, _url = issued
    response = client.get(f"/certificates/{number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    with app.app_context():
        check = pdfsign.validate_pdf(data, documents.trust_root())
    assert check.intact and check.valid and check.trusted
    assert client.get(f"/certificates/{number}.pdf").data == data  # served as issued
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0x01
    with app.app_context():
        assert not pdfsign.validate_pdf(bytes(flipped), documents.trust_root()).intact
    if shutil.which("qpdf"):
        path = tmp_path / "c.pdf"
        path.write_bytes(data)
        assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode \
            in (0, 3)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils (pdftoppm)")
@pytest.mark.parametrize("dpi", [150, 72])
def test_qr_decodes_to_the_verify_url(client, issued, tmp_path, dpi):

    number, _token, url = issued
    pdf_path = tmp_path / "c.pdf"
    pdf_path.write_bytes(client.get(f"/certificates/{number}.pdf").data)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf_path),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(page), formats=QR)]
    assert url in decoded


def test_offline_verifier_cli(app, client, runner, issued, tmp_path):
    number, token, url = issued
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(client.get("/api/v1/keys").get_json()))
    result = runner.invoke(args=["verify", url, "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert number in result.output
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert runner.invoke(args=["verify", altered, "--keys", str(keys_file)]).exit_code == 1
    with app.app_context():

        cert = db.session.scalar(db.select(Certificate).where(Certificate.number == number))
        forged = tokens.sign_token(claims_of(cert), tokens.generate_key())
    assert runner.invoke(args=["verify", forged, "--keys", str(keys_file)]).exit_code == 1
    assert runner.invoke(args=["verify", "%%%", "--keys", str(keys_file)]).exit_code == 2
    (tmp_path / "bad.json").write_text("{not json")
    assert runner.invoke(args=["verify", url, "--keys", str(tmp_path / "bad.json")]
                         ).exit_code == 2
