"""The signed certificate PDF: built from the data on record, signed (PAdES), kept in storage.

Each revision's PDF is rendered and signed once and then served from the store
(`certificates/<number>-r<revision>.pdf`), so an earlier revision stays byte-for-byte what was
issued, also when several app servers share one store: the first PDF written wins.
"""

from __future__ import annotations

import time

from flask import current_app

from registry.certificates import pdf, pdfsign, pki
from registry.certificates.keys import no_signing_key
from registry.certificates.labels import level_label
from registry.certificates.lookup import verify_url
from registry.certificates.models import Certificate
from registry.storage import CERTIFICATES, KEYS, AlreadyStored, NotStored, get_store

ROOT_FILE, KEY_FILE, CERT_FILE = "registry-root.pem", "pdf-signing-key.pem", "pdf-signing.pem"
ROOT_KEY, SIGNING_KEY, CERT_KEY = (f"{KEYS}/{name}" for name in (ROOT_FILE, KEY_FILE, CERT_FILE))
WAIT_FOR_PEER = 5.0  # seconds another server may take to finish writing the development PKI


def _pki_complete(store) -> bool:
    return all(store.exists(key) for key in (SIGNING_KEY, CERT_KEY, ROOT_KEY))


def ensure_pdf_signer() -> None:
    """A development PKI (root + signing certificate) when no PKCS#12 is configured.

    The private key is written first and exclusively: of two servers starting at once, one
    creates the PKI and the other waits for it (and replaces a set left half-written).
    """
    if current_app.config.get("PDF_SIGNING_PKCS12"):
        return
    store = get_store()
    if _pki_complete(store):
        return
    root_key, root_cert = pki.create_root("Registro Bollino Blu — Root (sviluppo)")
    key, cert = pki.create_signing_certificate(root_key, root_cert,
                                               "Registro Bollino Blu — Firma certificati")
    try:
        store.put_bytes(SIGNING_KEY, pki.private_key_pem(key), exclusive=True)
    except AlreadyStored:
        deadline = time.monotonic() + WAIT_FOR_PEER
        while time.monotonic() < deadline:
            if _pki_complete(store):
                return
            time.sleep(0.1)
        store.put_bytes(SIGNING_KEY, pki.private_key_pem(key))
    store.put_bytes(CERT_KEY, pki.certificates_pem(cert, root_cert))
    store.put_bytes(ROOT_KEY, pki.certificates_pem(root_cert))


def signer():
    """(key, certificate, chain) that sign certificate PDFs."""
    p12 = current_app.config.get("PDF_SIGNING_PKCS12")
    if p12:
        return pki.load_pkcs12(p12, current_app.config.get("PDF_SIGNING_PKCS12_PASSWORD"))
    if current_app.config["AUTO_CREATE_KEYS"]:
        ensure_pdf_signer()
    store = get_store()
    try:
        certs = pki.load_certificates_pem(store.read(CERT_KEY))
        return pki.load_private_key_pem(store.read(SIGNING_KEY)), certs[0], certs[1:]
    except NotStored:
        raise no_signing_key() from None


def trust_root():
    """The root certificate that PDF signatures chain to (development PKI)."""
    return pki.load_certificates_pem(get_store().read(ROOT_KEY))[0]


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
    store = get_store()
    key = f"{CERTIFICATES}/{certificate.number}-r{certificate.revision}.pdf"
    try:
        return store.read(key)
    except NotStored:
        pass
    private, cert, chain = signer()
    signed = pdfsign.sign_pdf(pdf.render_certificate_pdf(pdf_data(certificate)), private, cert,
                              chain)
    try:
        store.put_bytes(key, signed, exclusive=True)
    except AlreadyStored:
        return store.read(key)  # another server signed it first: serve what was kept
    return signed
