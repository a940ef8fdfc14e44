"""The rules a firm profile and an operating site must follow, with their messages.

`check_profile` and `check_site` clean what a person typed and return every problem by field;
the forms show them all at once and the services refuse to store anything they reject.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.db import today_in_rome
from registry.errors import DomainError
from registry.firms import geography
from registry.firms.identifiers import (
    IdentifierError,
    normalise_name,
    validate_ateco,
    validate_phone_number,
    validate_postcode,
    validate_rea,
    validate_tax_code,
    validate_vat_number,
)
from registry.firms.models import LegalForm

SERVICE_TYPES = ("inbound", "outbound", "back_office")
CHANNELS = ("voice", "email", "chat", "social", "messaging")
MAX_PEOPLE = 1_000_000  # a sanity bound, far above the largest Italian contact centre


class ProfileInvalid(DomainError):
    """One or more fields are invalid; `params["errors"]` maps each field to its message."""


# Messages for identifier problems, by (kind of identifier, IdentifierError.code); a code
# without a specific message falls back to the generic one under (None, code).
IDENTIFIER_MESSAGES = {
    (None, "required"): _l("Campo obbligatorio."),
    (None, "letters"): _l("Sono ammesse solo cifre."),
    (None, "format"): _l("Formato non valido."),
    (None, "degenerate"): _l("Questo numero non può essere reale."),
    (None, "province"): _l("Scegli una provincia dall'elenco."),
    ("vat", "letters"): _l("La partita IVA contiene solo cifre."),
    ("vat", "length"): _l("La partita IVA ha 11 cifre."),
    ("vat", "checksum"): _l("Partita IVA non valida: l'ultima cifra (di controllo) non "
                            "corrisponde. Controlla di averla copiata correttamente."),
    ("vat", "degenerate"): _l("Questa non è una partita IVA reale (numero tutto a zero o "
                              "con una sola cifra ripetuta)."),
    ("vat", "office"): _l("Partita IVA non valida: le cifre dall'ottava alla decima "
                          "(ufficio provinciale) non corrispondono a nessun ufficio."),
    ("tax", "length"): _l("Il codice fiscale ha 11 cifre (società) o 16 caratteri "
                          "(persona fisica)."),
    ("tax", "checksum"): _l("Codice fiscale non valido: il carattere di controllo non "
                            "corrisponde."),
    ("tax", "format"): _l("Codice fiscale non valido: controlla lettere, cifre e data di "
                          "nascita."),
    ("tax", "personal"): _l("Indica il codice fiscale personale (16 caratteri)."),
    ("tax", "letters"): _l("Il codice fiscale di una società contiene solo cifre."),
    ("tax", "office"): _l("Codice fiscale non valido: le cifre dall'ottava alla decima "
                          "non corrispondono a nessun ufficio."),
    ("tax", "degenerate"): _l("Questo non è un codice fiscale reale."),
    ("rea", "length"): _l("Il numero REA ha da 1 a 7 cifre."),
    ("rea", "letters"): _l("Il numero REA contiene solo cifre (la provincia va scelta a "
                           "parte)."),
    ("postcode", "length"): _l("Il CAP ha 5 cifre."),
    ("postcode", "letters"): _l("Il CAP contiene solo cifre."),
    ("ateco", "format"): _l("Il codice ATECO si scrive come 82.20.00 (oppure 82.20 o "
                            "82.20.0)."),
    ("phone", "length"): _l("Non è un numero di telefono: controlla il numero di cifre."),
    ("phone", "letters"): _l("Un numero di telefono contiene solo cifre (e il prefisso "
                             "internazionale, per esempio +39, all'inizio)."),
    ("phone", "phone_invalid"): _l("Questo numero non esiste nel piano di numerazione: "
                                   "controlla prefisso e cifre (un numero estero va scritto "
                                   "con il suo prefisso, per esempio +44)."),
}


def identifier_message(kind: str, error: IdentifierError) -> str:
    """The translated message for an identifier problem of this kind."""
    message = IDENTIFIER_MESSAGES.get((kind, error.code)) or \
        IDENTIFIER_MESSAGES.get((None, error.code)) or IDENTIFIER_MESSAGES[(None, "format")]
    return str(message)


# Cleaning -----------------------------------------------------------------------------------
class _Checker:
    """Collects the first problem of each field while a profile or site is cleaned."""

    def __init__(self, data: Mapping):
        self.data = data
        self.clean: dict = {}
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message) -> None:
        self.errors.setdefault(field, str(message))

    def text(self, field: str, max_length: int, *, required: bool = True) -> str | None:
        value = " ".join(str(self.data.get(field) or "").split())
        if not value and required:
            self.fail(field, _("Campo obbligatorio."))
        elif len(value) > max_length:
            self.fail(field, _("Al massimo %(n)d caratteri.", n=max_length))
        self.clean[field] = value or None
        return value

    def identifier(self, field: str, kind: str, validate, **kwargs):
        try:
            value = validate(self.data.get(field), **kwargs)
        except IdentifierError as error:
            self.fail(field, identifier_message(kind, error))
            return None
        self.clean[field] = value
        return value

    def integer(self, field: str, low: int, high: int) -> int | None:
        value = self.data.get(field)
        if value is None or value == "":
            self.fail(field, _("Campo obbligatorio."))
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(field, _("Indica un numero intero."))
            return None
        if not low <= number <= high:
            self.fail(field, _("Indica un numero tra %(low)d e %(high)d.", low=low, high=high))
            return None
        self.clean[field] = number
        return number

    def date(self, field: str, *, required: bool = True) -> dt.date | None:
        value = self.data.get(field) or None
        if isinstance(value, str):  # callers other than the form may pass ISO text
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        if value is None:
            if required:
                self.fail(field, _("Indica una data valida (GG/MM/AAAA)."))
            self.clean[field] = None
            return None
        if not isinstance(value, dt.date):
            self.fail(field, _("Indica una data valida (GG/MM/AAAA)."))
            return None
        if value > today_in_rome():
            self.fail(field, _("La data non può essere nel futuro."))
        self.clean[field] = value
        return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CCNL = re.compile(r"^[A-Z0-9]{2,10}$")
_ROC = re.compile(r"^[0-9]{1,10}$")


# Profile ------------------------------------------------------------------------------------
def _lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [line.strip() for line in (value or []) if line and line.strip()]


def check_profile(data: Mapping) -> tuple[dict, dict[str, str]]:
    """Clean a firm profile (keys as Firm's attributes). Returns (values, errors by field).

    Rules (domain.md §4.1, §4.4, §4.5): valid identifiers; a company's codice fiscale has
    11 digits, only a ditta individuale may use a person's 16 characters; incorporation not
    in the future; the region follows the province; 0 ≤ FTE ≤ headcount; at least one valid
    Italian phone number; the three traffic shares are whole percentages summing to 100; the
    extra-EU countries are given exactly when the extra-EU share is above 0, and are not EU.
    An error about the traffic shares as a whole is under the key "traffic".
    """
    check = _Checker(data)
    check.text("name", 200)
    legal_form = data.get("legal_form")
    if legal_form not in set(LegalForm):
        check.fail("legal_form", _("Scegli una forma giuridica dall'elenco."))
    else:
        check.clean["legal_form"] = str(LegalForm(legal_form))
    check.identifier("vat_number", "vat", validate_vat_number)
    tax_code = check.identifier("tax_code", "tax", validate_tax_code)
    if tax_code and len(tax_code) == 16 and legal_form != LegalForm.DITTA_INDIVIDUALE:
        check.fail("tax_code", _("Il codice fiscale di una società ha 11 cifre; quello di 16 "
                                 "caratteri è solo per la ditta individuale."))
    try:
        check.clean["rea_province"], check.clean["rea_number"] = validate_rea(
            data.get("rea_province"), data.get("rea_number"))
    except IdentifierError as error:
        field = "rea_province" if error.code == "province" else "rea_number"
        check.fail(field, identifier_message("rea", error))
    pec = check.text("pec", 254)
    if pec and not _EMAIL.match(pec):
        check.fail("pec", _("Indirizzo PEC non valido."))
    check.clean["pec"] = pec.lower() if pec else None
    check.identifier("ateco_code", "ateco", validate_ateco)
    check.date("incorporated_on")
    check.text("office_street", 200)
    check.identifier("office_postcode", "postcode", validate_postcode)
    check.text("office_comune", 100)
    province = str(data.get("office_province") or "").upper()
    if not geography.is_province(province):
        check.fail("office_province", _("Scegli una provincia dall'elenco."))
    else:
        check.clean["office_province"] = province
        check.clean["office_region"] = geography.region_of(province)
    check.text("legal_rep_name", 120)
    check.identifier("legal_rep_tax_code", "tax", validate_tax_code, personal_only=True)
    check.text("legal_rep_role", 80)
    _check_workforce(check)
    ccnl = (check.text("ccnl_code", 10) or "").upper().replace(" ", "")
    if ccnl and not _CCNL.match(ccnl):
        check.fail("ccnl_code", _("Il codice CNEL del contratto è fatto di lettere e cifre, "
                                  "per esempio K411."))
    check.clean["ccnl_code"] = ccnl or None
    check.text("ccnl_name", 200)
    roc = (check.text("roc_number", 20) or "").replace(" ", "")
    if roc and not _ROC.match(roc):
        check.fail("roc_number", _("Il numero di iscrizione al ROC contiene solo cifre."))
    check.clean["roc_number"] = roc or None
    _check_phone_numbers(check)
    _check_traffic(check)
    values = dict(check.clean)
    if values.get("name"):
        values["name_search"] = normalise_name(values["name"])
    return values, check.errors


def _check_workforce(check: _Checker) -> None:
    headcount = check.integer("headcount", 0, MAX_PEOPLE)
    raw = check.data.get("fte")
    if raw is None or raw == "":
        check.fail("fte", _("Campo obbligatorio."))
        return
    try:
        fte = Decimal(str(raw).replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation:
        fte = None
    if fte is None or not fte.is_finite():  # "NaN" passes quantize, then fails any comparison
        check.fail("fte", _("Indica un numero, con al massimo un decimale."))
        return
    if fte < 0:
        check.fail("fte", _("Le unità equivalenti a tempo pieno non possono essere negative."))
    elif headcount is not None and fte > headcount:
        check.fail("fte", _("Le unità equivalenti a tempo pieno (%(fte)s) non possono superare "
                            "le persone in organico (%(n)d).", fte=fte, n=headcount))
    check.clean["fte"] = fte


def _check_phone_numbers(check: _Checker) -> None:
    numbers: list[str] = []
    for index, line in enumerate(_lines(check.data.get("phone_numbers")), start=1):
        try:
            number = validate_phone_number(line)
        except IdentifierError as error:
            check.fail("phone_numbers", _("Riga %(n)d («%(line)s»): %(problem)s", n=index,
                                          line=line, problem=identifier_message("phone",
                                                                                error)))
            continue
        if number not in numbers:
            numbers.append(number)
    if not numbers and "phone_numbers" not in check.errors:
        check.fail("phone_numbers", _("Indica almeno un numero usato per i servizi di "
                                      "contact center."))
    check.clean["phone_numbers"] = numbers


def _check_traffic(check: _Checker) -> None:
    shares = [check.integer(field, 0, 100) for field in
              ("traffic_italy_pct", "traffic_eu_pct", "traffic_extra_eu_pct")]
    if None not in shares and sum(shares) != 100:
        check.fail("traffic", _("Le tre quote di traffico (Italia, altri paesi UE, fuori UE) "
                                "devono sommare a 100: ora sommano a %(total)d.",
                                total=sum(shares)))
    countries = [str(code).upper() for code in (check.data.get("extra_eu_countries") or [])]
    countries = list(dict.fromkeys(countries))
    extra_eu = shares[2]
    if any(not geography.is_country(code) or geography.is_eu(code) for code in countries):
        check.fail("extra_eu_countries", _("Scegli solo paesi fuori dall'Unione europea."))
    elif extra_eu and not countries:
        check.fail("extra_eu_countries", _("Hai indicato traffico gestito fuori dall'UE: "
                                           "scegli i paesi in cui è gestito."))
    elif extra_eu == 0 and countries:
        check.fail("extra_eu_countries", _("La quota di traffico fuori UE è 0: togli i paesi "
                                           "oppure indica la quota."))
    check.clean["extra_eu_countries"] = sorted(countries)


# Operating sites ----------------------------------------------------------------------------
def check_site(data: Mapping) -> tuple[dict, dict[str, str]]:
    """Clean an operating site (domain.md §4.3). Returns (values, errors by field).

    The province is required in Italy and dropped elsewhere; at least one service type; the
    channels come from the fixed list; seats at least 1; opening date not in the future.
    """
    check = _Checker(data)
    check.text("address", 200)
    check.text("comune", 100)
    country = str(data.get("country") or "").upper()
    if not geography.is_country(country):
        check.fail("country", _("Scegli un paese dall'elenco."))
    check.clean["country"] = country
    province = str(data.get("province") or "").upper()
    if country == "IT":
        if not geography.is_province(province):
            check.fail("province", _("Per una sede in Italia scegli la provincia."))
        check.clean["province"] = province or None
    else:
        check.clean["province"] = None
    check.integer("seats", 1, MAX_PEOPLE)
    check.integer("headcount", 0, MAX_PEOPLE)
    service_types = [s for s in SERVICE_TYPES if s in (data.get("service_types") or [])]
    if not service_types or set(data.get("service_types") or []) - set(SERVICE_TYPES):
        check.fail("service_types", _("Scegli almeno un tipo di servizio."))
    check.clean["service_types"] = service_types
    channels = [c for c in CHANNELS if c in (data.get("channels") or [])]
    if set(data.get("channels") or []) - set(CHANNELS):
        check.fail("channels", _("Scegli i canali dall'elenco."))
    check.clean["channels"] = channels
    check.date("opened_on", required=False)
    return check.clean, check.errors


def raise_if_invalid(errors: dict[str, str]) -> None:
    if errors:
        field, message = next(iter(errors.items()))
        raise ProfileInvalid(message, field=field, errors=errors)
