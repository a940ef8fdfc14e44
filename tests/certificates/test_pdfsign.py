"""PAdES signing of the certificate PDF and its validation, with a development PKI."""

from __future__ import annotations

import io
import re
import shutil
import stat
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from registry.certificates import pki
from registry.certificates.pdf import CertificatePdfData, render_certificate_pdf
from registry.certificates.pdfsign import sign_pdf, validate_pdf


@pytest.fixture(scope="module")
def root():
    return pki.create_root("Bollino Blu Root CA (sviluppo)")


@pytest.fixture(scope="module")
def signer(root):
    return pki.create_signing_certificate(*root, "Bollino Blu firma certificati (sviluppo)")


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate_pdf(CertificatePdfData(
        register_name="Registro Bollino Blu", number="BB-2026-00042", revision=1,
        firm_name="Società Ligure Contatti S.r.l.", vat_number="01234567897",
        registered_office="Via dell'Università 3, 16124 Genova (GE)",
        scheme_name="Disciplinare Bollino Blu", scheme_version="1.0", services="inbound",
        sites=["Genova (GE), Italia"], level_code="L1", level_label="Bollino Blu ★",
        areas=[("Qualità del servizio", "Service quality", "B")],
        valid_from=date(2026, 1, 1), valid_until=date(2028, 12, 31), issued_on=date(2026, 1, 1),
        verify_url="https://registro.bollinoblu.it/v/BB-2026-00042?t=abc"))


@pytest.fixture(scope="module")
def signed(pdf, signer, root) -> bytes:
    key, cert = signer
    return sign_pdf(pdf, key, cert, chain=[root[1]])


def byte_range(signed: bytes) -> list[int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert match, "no /ByteRange"
    return [int(n) for n in match.groups()]


def test_signed_pdf_validates(signed, root):
    check = validate_pdf(signed, root[1])
    assert (check.intact, check.valid, check.trusted, check.covers_whole_file) == (
        True, True, True, True)
    assert check.ok
    assert "Bollino Blu firma certificati (sviluppo)" in check.signer_subject


def test_signature_covers_everything_but_itself(signed):
    start, first, second, length = byte_range(signed)
    assert start == 0 and second + length == len(signed)
    assert signed[first:first + 1] == b"<" and signed[second - 1:second] == b">"


def test_changed_title_byte_breaks_the_signature(signed, root):
    # The Info dictionary is uncompressed, so this edit keeps the file perfectly parseable:
    # only the digest can notice it.
    position = signed.index(b"/Title (") + len(b"/Title (") + 2
    assert position < byte_range(signed)[1]
    tampered = bytearray(signed)
    tampered[position] = ord("X") if tampered[position] != ord("X") else ord("Y")
    check = validate_pdf(bytes(tampered), root[1])
    assert not check.intact and not check.ok


def test_changed_byte_in_the_middle_of_the_content_breaks_the_signature(signed, root):
    middle = byte_range(signed)[1] // 2
    tampered = bytearray(signed)
    tampered[middle] ^= 0x01
    check = validate_pdf(bytes(tampered), root[1])
    # Either the digest fails or the file no longer parses: both count as not intact.
    assert not check.intact and not check.ok


def test_other_root_is_not_trusted(signed):
    _, other_root = pki.create_root("Qualcun altro")
    check = validate_pdf(signed, other_root)
    assert check.intact and check.valid
    assert not check.trusted and not check.ok


def test_unsigned_pdf_is_all_false(pdf, root):
    check = validate_pdf(pdf, root[1])
    assert (check.intact, check.valid, check.trusted, check.signer_subject) == (
        False, False, False, None)


def test_garbage_is_all_false(root):
    assert not validate_pdf(b"%PDF-1.7 not really", root[1]).intact


def test_update_appended_after_signing_is_reported(signed, root):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = pdf_string("it-IT")  # a harmless later edit
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = validate_pdf(out.getvalue(), root[1])
    assert check.intact and check.valid
    assert not check.covers_whole_file and not check.ok


def test_qpdf_accepts_the_signed_file(signed, tmp_path):
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf not installed (apt-get install -y qpdf)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pdfsig_lists_one_signature(signed, tmp_path):
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig not installed (apt-get install -y poppler-utils)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    assert result.stdout.count("Signature #") == 1, result.stdout
    assert "Signature is Valid" in result.stdout
    assert "Total document signed" in result.stdout


def test_pki_certificates(root, signer):
    _, root_cert = root
    _, cert = signer
    assert root_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.issuer == root_cert.subject
    cert.verify_directly_issued_by(root_cert)
    now = datetime.now(UTC)
    assert root_cert.not_valid_after_utc - now > timedelta(days=365 * 10 - 2)
    assert timedelta(days=365 * 3 - 2) < cert.not_valid_after_utc - now <= timedelta(
        days=365 * 3 + 1)


def test_private_files_are_written_0600(tmp_path, signer):
    key, _ = signer
    path = tmp_path / "signing-key.pem"
    path.write_text("old, world-readable")
    path.chmod(0o644)
    pki.write_private_key_pem(path, key, password=b"segreto")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = pki.read_private_key_pem(path, password=b"segreto")
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()
    assert [p.name for p in tmp_path.iterdir()] == ["signing-key.pem"]  # no temporary left


def test_certificate_pem_round_trip(tmp_path, root, signer):
    path = tmp_path / "chain.pem"
    pki.write_certificates_pem(path, signer[1], root[1])
    assert pki.read_certificates_pem(path) == [signer[1], root[1]]


def test_pkcs12_round_trip(tmp_path, root, signer, pdf):
    key, cert = signer
    path = tmp_path / "signer.p12"
    pki.write_pkcs12(path, key, cert, chain=(root[1],), password=b"segreto")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded_key, loaded_cert, chain = pki.load_pkcs12(path, "segreto")
    assert loaded_cert == cert and chain == [root[1]]
    assert validate_pdf(sign_pdf(pdf, loaded_key, loaded_cert, chain), root[1]).ok
    with pytest.raises(ValueError):
        pki.load_pkcs12(path, "sbagliata")
