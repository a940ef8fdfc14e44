"""PAdES signatures on certificate PDFs (baseline B-B) and their validation, with pyHanko.

B-B means: no timestamp and no revocation data are fetched or embedded, so signing needs no
network and takes milliseconds. The price is that validators judge the signing certificate at
validation time: once it expires, a B-B signature no longer shows as trusted (long-term
validity would need B-T or B-LTA with a timestamp authority).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "Signature1"


@dataclass(frozen=True)
class SignatureCheck:
    """What validating a PDF's signatures found.

    intact: the signed bytes are unchanged; valid: the signature itself verifies; trusted:
    the signer's certificate chains to the given root; covers_whole_file: nothing was
    appended after signing. All False (and no subject) when the PDF has no signature.
    """

    intact: bool
    valid: bool
    trusted: bool
    signer_subject: str | None
    covers_whole_file: bool = False

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return self.intact and self.valid and self.trusted and self.covers_whole_file


NOT_SIGNED = SignatureCheck(intact=False, valid=False, trusted=False, signer_subject=None)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(key: PrivateKeyTypes, cert: x509.Certificate,
            chain: Iterable[x509.Certificate]) -> signers.SimpleSigner:
    """A pyHanko signer built from in-memory `cryptography` objects (no files, no PKCS#11)."""
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
    )


def sign_pdf(pdf_bytes: bytes, key: PrivateKeyTypes, cert: x509.Certificate,
             chain: Iterable[x509.Certificate] = (), reason: str = "Certificato Bollino Blu",
             location: str = "Italia") -> bytes:
    """Return `pdf_bytes` with a PAdES B-B signature appended as an incremental update.

    `chain` holds the intermediate (and optionally root) certificates to embed so that a
    validator can build the path without fetching anything.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location,
    )
    output = signers.sign_pdf(writer, metadata, signer=_signer(key, cert, chain))
    return output.getvalue()


def validate_pdf(pdf_bytes: bytes, trust_root_cert: x509.Certificate) -> SignatureCheck:
    """Check every signature in the PDF against one trusted root, without network access.

    A file that cannot be parsed, or whose signature cannot be evaluated, counts as not
    intact: for a reader of the certificate the outcome is the same, do not trust it.
    """
    context = ValidationContext(trust_roots=[_asn1_cert(trust_root_cert)], allow_fetching=False)
    try:
        signatures = PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_signatures
        statuses = [validate_pdf_signature(s, signer_validation_context=context)
                    for s in signatures]
    except Exception:  # any parse or validation failure means "not intact"
        return NOT_SIGNED
    if not statuses:
        return NOT_SIGNED
    last = statuses[-1]
    return SignatureCheck(
        intact=all(s.intact for s in statuses),
        valid=all(s.valid for s in statuses),
        trusted=all(s.trusted for s in statuses),
        signer_subject=last.signing_cert.subject.human_friendly,
        covers_whole_file=last.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    )
