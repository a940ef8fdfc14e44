"""The firm holds its certificate: its area lists each one with the level as stars, validity,
status and history, the PDF, the verify link and the QR to print; the certification email
carries the number and both links; the public pages link to the PDF."""

import re

import zxingcpp
from PIL import Image, ImageDraw

from registry.certificates import lookup
from registry.certificates.models import Certificate
from registry.certificates.qr import qr_svg
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories

# Only QR codes: at 72 dpi a row of modules can read as a spurious 1-D barcode.
QR = zxingcpp.BarcodeFormat.QRCode

PATH_RUN = re.compile(r"M(\d+),(\d+)h(\d+)v1h-\d+z")


def _owner_and_certificate(app, certified_firm):
    row = certified_firm("Qualità Voce S.r.l.", level="L2", signed=True)
    with app.app_context():
        owner_id = db.session.get(Firm, row.firm_id).owner_id
        url = lookup.verify_url(db.session.get(Certificate, row.certificate_id))
    return owner_id, row, url


def _rasterise(svg: str, scale: int = 6) -> Image.Image:
    """Draw the SVG's runs of dark modules as a bitmap, the way a printer would."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (side * scale, side * scale), 255)
    pen = ImageDraw.Draw(image)
    for x, y, length in (map(int, m) for m in PATH_RUN.findall(svg)):
        pen.rectangle([x * scale, y * scale, (x + length) * scale - 1, (y + 1) * scale - 1],
                      fill=0)
    return image


def test_the_firm_sees_its_certificate_with_pdf_verify_link_and_qr(app, client, login,
                                                                  certified_firm):
    owner_id, row, url = _owner_and_certificate(app, certified_firm)
    login(owner_id)
    page = client.get("/manage/certificates").get_data(as_text=True)
    assert row.number in page and "Bollino Blu ★★" in page
    # The stored level code never reaches the reader (links and form fields carry random
    # tokens, which may spell anything: leave every attribute value out).
    assert "L2" not in re.sub(r'="[^"]*"', "", page)
    assert f"/certificates/{row.number}.pdf" in page
    assert url.replace("&", "&amp;") in page or url in page
    assert f"/manage/certificates/{row.number}/qr.svg" in page
    qr = client.get(f"/manage/certificates/{row.number}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    decoded = [r.text for r in zxingcpp.read_barcodes(_rasterise(qr.get_data(as_text=True)),
                                                             formats=QR)]
    assert decoded == [url]
    assert client.get(f"/certificates/{row.number}.pdf").mimetype == "application/pdf"


def test_another_firm_cannot_reach_the_certificate(app, client, login, certified_firm):
    _owner_id, row, _url = _owner_and_certificate(app, certified_firm)
    with app.app_context():
        stranger = factories.make_user("applicant")
        factories.make_firm(owner=stranger)
        stranger_id = stranger.id
    login(stranger_id)
    assert row.number not in client.get("/manage/certificates").get_data(as_text=True)
    assert client.get(f"/manage/certificates/{row.number}/qr.svg").status_code == 404
    assert client.get(f"/manage/certificates/{row.number}").status_code == 404


def test_public_pages_link_to_the_pdf(app, client, certified_firm):
    _owner_id, row, url = _owner_and_certificate(app, certified_firm)
    pdf = f"/certificates/{row.number}.pdf"
    assert pdf in client.get(f"/register/{row.firm_id}").get_data(as_text=True)
    assert pdf in client.get(url.split("registry.test", 1)[1]).get_data(as_text=True)


def test_the_certification_email_hands_over_the_certificate(mail_app, smtp_server):
    with mail_app.app_context():
        certificate = factories.make_certificate("L3")
        number, url = certificate.number, lookup.verify_url(certificate)
    messages = [m for m in smtp_server.wait(3) if m["Subject"].startswith("Esito della domanda")]
    assert messages, [m["Subject"] for m in smtp_server.messages]
    body = messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Bollino Blu ★★★" in body and number in body
    assert f"http://registry.test/certificates/{number}.pdf" in body
    assert url in body


def test_qr_image_is_a_standalone_svg():
    svg = qr_svg("http://registry.test/v/BB-2026-00001?t=abc")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    decoded = [r.text for r in zxingcpp.read_barcodes(_rasterise(svg), formats=QR)]
    assert decoded == ["http://registry.test/v/BB-2026-00001?t=abc"]
    assert svg.count("<path") == 1
