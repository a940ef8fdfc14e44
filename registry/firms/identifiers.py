"""Italian company identifiers: partita IVA, codice fiscale, REA, CAP, ATECO, phone numbers.

Pure functions, no Flask: each takes what a person typed, returns it normalised, or raises
`IdentifierError` with a stable `code` that the form layer turns into a translated message
(`message` is a plain Italian fallback for logs and the CLI). Rules and sources: domain.md
§1.F (S34-S37) and §4.1.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, ValidationError
from stdnum.it import codicefiscale, iva

from registry.firms.geography import PROVINCES


class IdentifierError(ValueError):
    """A value is not a valid identifier; `code` says why (see `MESSAGES`)."""

    def __init__(self, code: str):
        self.code = code
        self.message = MESSAGES.get(code, MESSAGES["format"])
        super().__init__(self.message)


# Plain Italian fallbacks. The web forms translate the codes themselves (forms layer).
MESSAGES = {
    "required": "Campo obbligatorio.",
    "format": "Formato non valido.",
    "letters": "Sono ammesse solo cifre.",
    "length": "Lunghezza non valida.",
    "checksum": "Il carattere di controllo non è corretto.",
    "degenerate": "Il numero non è un identificativo reale.",
    "office": "Il codice dell'ufficio provinciale (cifre 8-10) non esiste.",
    "personal": "Serve il codice fiscale di una persona (16 caratteri).",
    "province": "Sigla di provincia sconosciuta.",
    "phone_invalid": "Numero di telefono inesistente nel piano di numerazione.",
}

_SEPARATORS = re.compile(r"[\s\-./]")


def _compact(value: str | None) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def vat_check_digit(first_ten: str) -> str:
    """The eleventh digit of a partita IVA (S34: Luhn over the first ten digits)."""
    return luhn.calc_check_digit(first_ten)


def validate_vat_number(value: str | None) -> str:
    """A partita IVA as 11 digits, or IdentifierError.

    Accepts spaces, dashes, dots and an "IT" prefix. Refused, in this order so that the
    message names the most likely mistake: letters, wrong length, degenerate values that pass
    the checksum (all-zero serial, one repeated digit), a wrong check digit, and a provincial
    office code (digits 8-10) that does not exist (001-100, 120, 121, 888, 999; the same
    rule as python-stdnum, which agrees with VIES).
    """
    number = _compact(value)
    if number.startswith("IT"):
        number = number[2:]
    if not number:
        raise IdentifierError("required")
    if not number.isdigit():
        raise IdentifierError("letters")
    if len(number) != 11:
        raise IdentifierError("length")
    if number[:7] == "0000000" or len(set(number)) == 1:
        raise IdentifierError("degenerate")
    if not luhn.is_valid(number):
        raise IdentifierError("checksum")
    try:
        return iva.validate(number)
    except InvalidComponent:
        raise IdentifierError("office") from None
    except ValidationError:  # pragma: no cover - every case stdnum knows is handled above
        raise IdentifierError("format") from None


def validate_tax_code(value: str | None, *, personal_only: bool = False) -> str:
    """A codice fiscale: 11 digits (a company: the partita IVA rules) or the 16 characters
    of a person (upper-cased; check character, birth date and omocodia letters checked by
    python-stdnum). `personal_only` refuses the 11-digit form (a legal representative)."""
    code = _compact(value)
    if not code:
        raise IdentifierError("required")
    if len(code) == 11 and code.isdigit():
        if personal_only:
            raise IdentifierError("personal")
        return validate_vat_number(code)
    if len(code) != 16:
        raise IdentifierError("personal" if personal_only else "length")
    try:
        return codicefiscale.validate(code)
    except InvalidChecksum:
        raise IdentifierError("checksum") from None
    except (InvalidFormat, InvalidComponent, ValidationError):
        raise IdentifierError("format") from None


def validate_rea(province: str | None, number: str | None) -> tuple[str, str]:
    """(sigla, number) of a REA registration: a known province and 1-7 digits (S35).

    "RM-1125501" typed in the number field is accepted when its prefix is the province.
    Leading zeros are dropped so that the same number is always stored the same way.
    """
    sigla = (province or "").strip().upper()
    if sigla not in PROVINCES:
        raise IdentifierError("province")
    digits = _compact(number)
    if digits.startswith("REA"):
        digits = digits[3:]
    if digits.startswith(sigla) and digits[2:].isdigit():
        digits = digits[2:]
    if not digits:
        raise IdentifierError("required")
    if not digits.isdigit():
        raise IdentifierError("letters")
    if len(digits) > 7 or int(digits) == 0:
        raise IdentifierError("length" if len(digits) > 7 else "degenerate")
    return sigla, str(int(digits))


def validate_postcode(value: str | None) -> str:
    """A CAP: exactly five digits (00000 does not exist)."""
    code = (value or "").strip()
    if not code:
        raise IdentifierError("required")
    if not code.isdigit():
        raise IdentifierError("letters")
    if len(code) != 5:
        raise IdentifierError("length")
    if code == "00000":
        raise IdentifierError("degenerate")
    return code


_ATECO = re.compile(r"^(\d{2})\.(\d{2})(?:\.(\d{1,2}))?$")


def validate_ateco(value: str | None) -> str:
    """An ATECO code as NN.NN, NN.NN.N or NN.NN.NN (ATECO 2007 and 2025, S37).

    Digits without dots (822000) are accepted and given their dots.
    """
    code = (value or "").strip().replace(" ", "")
    if not code:
        raise IdentifierError("required")
    if code.isdigit() and 4 <= len(code) <= 6:
        code = ".".join(filter(None, (code[:2], code[2:4], code[4:])))
    match = _ATECO.match(code)
    if not match or match.group(1) == "00":
        raise IdentifierError("format")
    return code


_PHONE_SEPARATORS = re.compile(r"[\s\-./()]")


def validate_phone_number(value: str | None) -> str:
    """A calling number in E.164 ("+390612345678"), from any way of writing it.

    An Italian number may be typed with or without "+39" or "0039" ("06 1234567",
    "+39 06 1234567", "0039 06…", "3331234567"); spaces, dashes, dots, slashes and brackets
    are ignored. A foreign number is accepted with its international prefix ("+44 …" or
    "0044 …") when it is valid for its country. Validity is the numbering plan of the
    `phonenumbers` library (Google's libphonenumber metadata).
    """
    raw = _PHONE_SEPARATORS.sub("", value or "")
    if not raw:
        raise IdentifierError("required")
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits.isdigit():
        raise IdentifierError("letters")
    if not 6 <= len(digits) <= 17:
        raise IdentifierError("length")
    if len(set(digits.removeprefix("0039").removeprefix("39"))) == 1:
        raise IdentifierError("degenerate")
    try:
        parsed = phonenumbers.parse(raw, "IT")
    except phonenumbers.NumberParseException:
        raise IdentifierError("length") from None
    if not phonenumbers.is_valid_number(parsed):
        raise IdentifierError("phone_invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_ABBREVIATION_DOT = re.compile(r"\b(\w)\.")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: str | None) -> str:
    """What the register search compares: lower-case, no accents, punctuation as spaces.

    Dots after single letters are dropped first, so "S.r.l." and "srl" match, while
    "Rossi&Bianchi" becomes "rossi bianchi".
    """
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _ABBREVIATION_DOT.sub(r"\1", text).casefold()
    return " ".join(_NOT_ALNUM.sub(" ", text).split())
