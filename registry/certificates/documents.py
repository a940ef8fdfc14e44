"""The signed certificate PDF: built from the data on record, signed (PAdES), kept on disk.

Each revision's PDF is rendered and signed once and then served from instance/certificates,
so an earlier revision stays byte-for-byte what was issued.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from registry.certificates import pdf, pdfsign, pki
from registry.certificates.labels import level_label
from registry.certificates.lookup import verify_url
from registry.certificates.models import Certificate

ROOT_FILE, KEY_FILE, CERT_FILE = "registry-root.pem", "pdf-signing-key.pem", "pdf-signing.pem"


def _keys_folder() -> Path:
    return Path(current_app.config["KEYS_FOLDER"])


def ensure_pdf_signer() -> None:
    """A development PKI (root + signing certificate) when no PKCS#12 is configured."""
    if current_app.config.get("PDF_SIGNING_PKCS12"):
        return
    folder = _keys_folder()
    if (folder / KEY_FILE).exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    root_key, root_cert = pki.create_root("Registro Bollino Blu — Root (sviluppo)")
    key, cert = pki.create_signing_certificate(root_key, root_cert,
                                               "Registro Bollino Blu — Firma certificati")
    pki.write_certificates_pem(folder / ROOT_FILE, root_cert)
    pki.write_certificates_pem(folder / CERT_FILE, cert, root_cert)
    pki.write_private_key_pem(folder / KEY_FILE, key)


def signer():
    """(key, certificate, chain) that sign certificate PDFs."""
    p12 = current_app.config.get("PDF_SIGNING_PKCS12")
    if p12:
        return pki.load_pkcs12(p12, current_app.config.get("PDF_SIGNING_PKCS12_PASSWORD"))
    if current_app.config["AUTO_CREATE_KEYS"]:
        ensure_pdf_signer()
    folder = _keys_folder()
    certs = pki.read_certificates_pem(folder / CERT_FILE)
    return pki.read_private_key_pem(folder / KEY_FILE), certs[0], certs[1:]


def trust_root():
    """The root certificate that PDF signatures chain to (development PKI)."""
    return pki.read_certificates_pem(_keys_folder() / ROOT_FILE)[0]


def pdf_data(certificate: Certificate) -> pdf.CertificatePdfData:
    """The plain data the PDF builder needs; the builder never touches the database."""
    return pdf.CertificatePdfData(
        register_name="Registro Bollino Blu", number=certificate.number,
        revision=certificate.revision, firm_name=certificate.firm_name,
        vat_number=certificate.vat_number, registered_office=certificate.registered_office,
        scheme_name=certificate.scheme_name, scheme_version=certificate.scheme_version,
        services=certificate.services, sites=list(certificate.sites),
        level_code=certificate.level, level_label=level_label(certificate.level),
        areas=[(a["name_it"], a["name_en"], a["band"] or "—") for a in certificate.areas],
        valid_from=certificate.valid_from, valid_until=certificate.valid_until,
        issued_on=certificate.issued_on, verify_url=verify_url(certificate))


def certificate_pdf(certificate: Certificate) -> bytes:
    """The signed PDF of this revision, rendered and signed on first request."""
    folder = Path(current_app.instance_path) / "certificates" \
        if not current_app.config.get("TESTING") else _keys_folder().parent / "certificates"
    path = folder / f"{certificate.number}-r{certificate.revision}.pdf"
    if path.exists():
        return path.read_bytes()
    key, cert, chain = signer()
    signed = pdfsign.sign_pdf(pdf.render_certificate_pdf(pdf_data(certificate)), key, cert,
                              chain)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(signed)
    os.replace(temporary, path)
    return signed
