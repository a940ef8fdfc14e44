"""A procurement officer checks suppliers in a real browser: uploads a CSV file to
/verify/bulk, reads the rows (a valid, a suspended and a mistyped partita IVA), downloads the
signed receipt and the test validates the downloaded PDF's PAdES signature with pyHanko."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from registry.certificates import documents
from registry.certificates.pdfsign import validate_pdf
from tests import rows
from tests.loopback import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is missing (apt-get install -y chromium)"),
]

SHOTS = ARTIFACTS / "bulk"
TIMEOUT_MS = 10_000


def test_bulk_check_from_a_file_and_signed_receipt(live_server, chromium, tmp_path):
    app = live_server.app
    with app.app_context():
        valid = rows.certified_firm("Fornitore Valido S.r.l.", level="L3")
        suspended = rows.certified_firm("Fornitore Sospeso S.p.A.", status="suspended")
    mistyped = valid.vat_number[:10] + str((int(valid.vat_number[10]) + 1) % 10)
    suppliers = tmp_path / "fornitori.csv"
    suppliers.write_text("fornitore;partita iva\n"
                         f"Valido;{valid.vat_number}\n"
                         f"Sospeso;{suspended.vat_number}\n"
                         f"Sbagliato;{mistyped}\n", encoding="utf-8")
    SHOTS.mkdir(parents=True, exist_ok=True)

    context = chromium.new_context(accept_downloads=True, locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server.url}/verify/bulk")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Verifica di un elenco di fornitori")
        page.get_by_label("File CSV o XLSX").set_input_files(str(suppliers))
        page.get_by_role("button", name="Verifica l'elenco").click()

        table = page.get_by_role("table")
        expect(table).to_be_visible()
        expect(table.locator("caption")).to_contain_text("Una riga per ogni valore")
        body_rows = table.locator("tbody tr")
        expect(body_rows).to_have_count(3)
        expect(body_rows.nth(0)).to_contain_text("Fornitore Valido S.r.l.")
        expect(body_rows.nth(0)).to_contain_text("Valido")
        expect(body_rows.nth(1)).to_contain_text("Fornitore Sospeso S.p.A.")
        expect(body_rows.nth(1)).to_contain_text("Sospeso")
        expect(body_rows.nth(2)).to_contain_text("Il carattere di controllo non è corretto")
        expect(body_rows.nth(2).get_by_role("rowheader")).to_have_text("4")  # file's row
        page.screenshot(path=str(SHOTS / "01-rows.png"), full_page=True)

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Scarica l'attestazione firmata (PDF)").click()
        download = download_info.value
        assert download.suggested_filename.startswith("attestazione-R-")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()

    signed = saved.read_bytes()
    assert signed.startswith(b"%PDF-")
    with app.app_context():
        root = documents.trust_root()
    # pyHanko validates with asyncio.run(), which refuses to start inside the event loop
    # Playwright's sync API keeps running in this thread: validate in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        check = pool.submit(validate_pdf, signed, root).result()
    assert check.ok, check
    assert "Bollino Blu" in (check.signer_subject or "")
