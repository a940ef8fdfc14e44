"""A development PKI for signing certificate PDFs: a root CA and a document-signing certificate.

Production signs with a certificate from a qualified provider (loaded with `load_pkcs12`);
this module exists so that development, demo data and tests sign real PAdES signatures that
validate against a root we control. Keys are EC P-256: fast to generate and to sign with.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ROOT_YEARS = 10
SIGNING_YEARS = 3
# Backdated a little so a certificate made just now is already valid on a machine whose clock
# is a few minutes behind.
CLOCK_SKEW = dt.timedelta(minutes=5)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bollino Blu"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(**granted: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )
    return x509.KeyUsage(**{**flags, **granted})


def create_root(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA (EC P-256, valid 10 years) that may only sign end-entity certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def create_signing_certificate(
    root_key: ec.EllipticCurvePrivateKey, root_cert: x509.Certificate, common_name: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A document-signing certificate (3 years) issued by the root.

    Key usage is digitalSignature plus nonRepudiation (contentCommitment): validators such as
    pyHanko require nonRepudiation for a signature that commits the signer to the content.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    root_ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + dt.timedelta(days=365 * SIGNING_YEARS),
                             root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file that is never readable by others, not even for a moment.

    The file is created with mode 0600 by os.open in the target folder, then renamed over
    the target: an existing file with looser permissions is replaced, not reused.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def private_key_pem(key: PrivateKeyTypes, password: bytes | None = None) -> bytes:
    """A private key as PKCS#8 PEM, encrypted when a password is given."""
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             encryption)


def load_private_key_pem(data: bytes, password: bytes | None = None) -> PrivateKeyTypes:
    return serialization.load_pem_private_key(data, password=password)


def certificates_pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def load_certificates_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM data, in order."""
    return x509.load_pem_x509_certificates(data)


def write_private_key_pem(
    path: Path | str, key: PrivateKeyTypes, password: bytes | None = None
) -> None:
    """Save a private key as PKCS#8 PEM with mode 0600, encrypted when a password is given."""
    _write_private(Path(path), private_key_pem(key, password))


def read_private_key_pem(path: Path | str, password: bytes | None = None) -> PrivateKeyTypes:
    """Load a PEM private key."""
    return load_private_key_pem(Path(path).read_bytes(), password)


def write_certificates_pem(path: Path | str, *certs: x509.Certificate) -> None:
    """Save one or more certificates as PEM (public: ordinary file mode)."""
    Path(path).write_bytes(certificates_pem(*certs))


def read_certificates_pem(path: Path | str) -> list[x509.Certificate]:
    """Every certificate in a PEM file, in order."""
    return load_certificates_pem(Path(path).read_bytes())


def write_pkcs12(path: Path | str, key: PrivateKeyTypes, cert: x509.Certificate,
                 chain: tuple[x509.Certificate, ...] = (), password: bytes | None = None) -> None:
    """Bundle key, certificate and chain as PKCS#12 (mode 0600), as providers deliver them."""
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    data = pkcs12.serialize_key_and_certificates(
        str(name).encode(), key, cert, list(chain) or None, encryption)
    _write_private(Path(path), data)


def load_pkcs12(
    path: Path | str, password: bytes | str | None
) -> tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
    """(private key, signing certificate, chain) from a PKCS#12 file; ValueError if incomplete."""
    if isinstance(password, str):
        password = password.encode()
    key, cert, chain = pkcs12.load_key_and_certificates(Path(path).read_bytes(), password)
    if key is None or cert is None:
        raise ValueError(f"{path}: the PKCS#12 file lacks a private key or a certificate")
    return key, cert, list(chain)
