"""The second factor: TOTP (RFC 6238) through an authenticator app, and recovery codes.

Secrets at rest: the TOTP secret is stored encrypted with Fernet (AES-128-CBC + HMAC), under
a key derived by HKDF from SECOND_FACTOR_KEY (SECRET_KEY when unset); a database dump
alone does not give anybody's codes. Recovery codes are random (50 bits) and stored as an
HMAC under a key derived the same way, so a dump cannot be searched offline either.

A code is accepted for the current 30-second step or one step either side (clock drift),
and only for a step later than the last accepted one: the conditional UPDATE that records
the step is the check, so two requests racing with the same code cannot both pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import pyotp
import qrcode
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from pyotp.exceptions import OTPVerificationError
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import or_, update

from registry import auditlog
from registry.accounts.models import RecoveryCode, User
from registry.db import utcnow
from registry.errors import DomainError
from registry.extensions import db

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
RECOVERY_LENGTH = 10  # 32^10 = 2^50 possibilities
DRIFT_STEPS = 1
TOTP_CODE = re.compile(r"^\d{6}$")


# Keys ----------------------------------------------------------------------------------------
def _derived_key(purpose: bytes) -> bytes:
    material = current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]
    if isinstance(material, str):
        material = material.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"bollino-blu " + purpose).derive(material)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"totp secret")))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # The key changed (SECRET_KEY rotated without SECOND_FACTOR_KEY): only a reset helps.
        raise DomainError(_("Il secondo fattore di questo account non è più leggibile: chiedi "
                            "a un amministratore di reimpostarlo.")) from None


# Enrolment -----------------------------------------------------------------------------------
def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters, 160 bits


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SECOND_FACTOR_ISSUER"])


def qr_svg(text: str) -> str:
    """The QR code of `text` as an inline SVG element (vector, white background)."""
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=8, border=4)
    return image.to_string(encoding="unicode")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def enrol(user: User, secret: str, code: str, *, actor: User | None = None) -> list[str]:
    """Confirm the authenticator with a first code; store the secret encrypted and return
    ten new recovery codes (shown once, stored hashed)."""
    if user.has_second_factor:
        raise DomainError(_("Il secondo fattore è già attivo."))
    step = _matching_step(secret, code)
    if step is None:
        raise DomainError(_("Il codice non è corretto: controlla l'ora del telefono e "
                            "inserisci il codice che l'app mostra ora."), field="code")
    user.totp_secret = encrypt_secret(secret)
    user.totp_confirmed_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    db.session.flush()
    auditlog.record("user.second_factor_enrolled", "user", user.id, actor=actor or user)
    return codes


def enrol_with_secret(user: User, secret: str) -> None:
    """Demo data only: enrol with a known secret, without a first code."""
    user.totp_secret = encrypt_secret(secret)
    user.totp_confirmed_at = utcnow()
    user.totp_last_step = None
    db.session.flush()


# Verification --------------------------------------------------------------------------------
def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` is valid for, near now; None if it is valid for none."""
    code = re.sub(r"\s", "", code or "")
    if not TOTP_CODE.match(code):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=now,
                                                          valid_window=DRIFT_STEPS)
    except OTPVerificationError:
        return None


def verify(user: User, code: str) -> str:
    """Check a second-factor code for `user`: a TOTP code, or one of the recovery codes.

    Returns how the user passed ("totp" or "recovery"); raises DomainError otherwise. A
    code already used (the same TOTP step, a spent recovery code) is refused.
    """
    if not user.has_second_factor:
        raise DomainError(_("Il secondo fattore non è attivo per questo account."))
    cleaned = re.sub(r"[\s-]", "", code or "")
    if TOTP_CODE.match(cleaned):
        step = _matching_step(decrypt_secret(user.totp_secret), cleaned)
        if step is not None and _claim_step(user, step):
            return "totp"
        if step is not None:
            raise DomainError(_("Questo codice è già stato usato: attendi il prossimo."),
                              field="code")
    elif _use_recovery_code(user, cleaned):
        db.session.flush()
        auditlog.record("user.recovery_code_used", "user", user.id, actor=user,
                        after={"left": recovery_codes_left(user)})
        return "recovery"
    raise DomainError(_("Il codice non è corretto."), field="code")


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used unless it (or a later one) already was; atomic across workers."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                    User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


# Recovery codes ------------------------------------------------------------------------------
def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def _recovery_hash(code: str) -> str:
    return hmac.new(_derived_key(b"recovery code"), _normalise_recovery(code).encode(),
                    hashlib.sha256).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    if len(code) != RECOVERY_LENGTH:
        return False
    result = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _recovery_hash(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def new_recovery_codes(user: User, code: str) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working), after a current TOTP code."""
    if verify(user, code) != "totp":
        raise DomainError(_("Inserisci il codice dell'app di autenticazione, non un codice di "
                            "recupero."), field="code")
    codes = _replace_recovery_codes(user)
    db.session.flush()
    auditlog.record("user.recovery_codes_replaced", "user", user.id, actor=user)
    return codes


def clear(user: User) -> None:
    """Forget the secret and the recovery codes (the caller audits and ends sessions)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.flush()
